import type { AppDeps } from "../context.ts";
import { ensureDayPartitions } from "../db/partitions.ts";

/** Keeps day partitions ready from yesterday to a week ahead, so writes land in them, not the default. */
export const PARTITION_DAYS_AHEAD = 7;

export async function preparePartitions({ db, clock, logger }: Pick<AppDeps, "db" | "clock" | "logger">) {
  const yesterday = new Date(clock.now().getTime() - 86_400_000);
  await ensureDayPartitions(db, yesterday, PARTITION_DAYS_AHEAD + 2, logger);
}
