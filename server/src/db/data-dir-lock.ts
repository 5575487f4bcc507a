import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * PGlite is PostgreSQL in one process, with none of PostgreSQL's guard against
 * a second server on the same folder: two processes on one DATA_DIR (the
 * server and `npm run import:gtfs` run beside it, as a new user will) each
 * write their own WAL and the folder no longer opens ("Aborted()"), every row
 * lost. So whoever opens the folder holds a lock file naming its process, and
 * a second process is refused while that one lives.
 */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    lockFile: string,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid} (a running server, demo or import). ` +
        `It takes one process at a time: stop that one first, or use PostgreSQL (DATABASE_URL). ` +
        `If no such process runs, delete ${lockFile}.`,
    );
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Takes the folder's lock, or throws DataDirInUseError; returns the release. A lock left by a process that died is taken over. */
export function lockDataDir(dataDir: string): () => void {
  const lockFile = path.join(dataDir, "pglite.lock");
  const mine = `${process.pid}\n`;
  try {
    writeFileSync(lockFile, mine, { flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const holder = Number(readFileSync(lockFile, "utf8").trim());
    // Our own pid: this process opened it before (a retried start), or a container restarted with the same pid.
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) throw new DataDirInUseError(dataDir, holder, lockFile);
    writeFileSync(lockFile, mine);
  }
  return () => {
    try {
      if (readFileSync(lockFile, "utf8") === mine) rmSync(lockFile);
    } catch {
      // Already gone: nothing to release.
    }
  };
}
