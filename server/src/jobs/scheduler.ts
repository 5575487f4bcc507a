import type { Logger } from "pino";

/**
 * A tiny in-process scheduler: runs each job now and then every `everyMs`,
 * never two runs of one job at once, and a failing run is logged, not fatal.
 */
export function schedule(logger: Logger, name: string, everyMs: number, job: () => Promise<void>) {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await job();
    } catch (err) {
      logger.error({ err, job: name }, "scheduled job failed");
    } finally {
      running = false;
    }
  };
  void run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
