/**
 * The agent talks to a driver on a terminal, not to a log collector: short
 * lines with the local time. `quiet` keeps warnings and the driver's prompts
 * (accept/refuse, alerts) but drops routine progress.
 */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  /** Always shown: what the driver must see (pass accepted/refused, alerts). */
  say(message: string): void;
}

/**
 * "14:05:09", local time. Not toLocaleTimeString(): that loads the ICU locale
 * data, 6–8 MB resident for the life of the agent (measured with
 * vehicle-agent/scripts/rss.ts) — a tenth of its memory budget.
 */
export function clockTime(ms: number = Date.now()): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

export function createLog(quiet: boolean): Log {
  const stamp = () => clockTime();
  return {
    info: (m) => {
      if (!quiet) console.log(`${stamp()} ${m}`);
    },
    warn: (m) => console.error(`${stamp()} ! ${m}`),
    say: (m) => console.log(m),
  };
}

export const silentLog: Log = { info: () => {}, warn: () => {}, say: () => {} };
