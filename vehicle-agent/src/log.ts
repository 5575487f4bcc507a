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

export function createLog(quiet: boolean): Log {
  const stamp = () => new Date().toTimeString().slice(0, 8);
  return {
    info: (m) => {
      if (!quiet) console.log(`${stamp()} ${m}`);
    },
    warn: (m) => console.error(`${stamp()} ! ${m}`),
    say: (m) => console.log(m),
  };
}

export const silentLog: Log = { info: () => {}, warn: () => {}, say: () => {} };
