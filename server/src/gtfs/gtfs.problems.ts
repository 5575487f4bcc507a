/** One thing wrong with a feed, and where: the file, its line (the header is line 1) and column. */
export interface FeedProblem {
  file: string;
  line?: number;
  column?: string;
  message: string;
}

/** A feed refused as a whole; nothing of it was written. */
export class GtfsFeedError extends Error {
  constructor(readonly problems: FeedProblem[]) {
    super(`The feed was refused (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was imported`);
  }
}

/** The report a person reads: one problem a line, as `file:line column: message`, the first `limit` of them. */
export function formatProblems(problems: FeedProblem[], limit = 50): string {
  const lines = problems.slice(0, limit).map((p) => {
    const where = [p.file, p.line].filter((x) => x !== undefined).join(":");
    return `  ${where}${p.column ? ` column ${p.column}` : ""}: ${p.message}`;
  });
  if (problems.length > limit) lines.push(`  … and ${problems.length - limit} more`);
  return lines.join("\n");
}

/** Collects problems, keeping a bounded number so that a wholly broken file cannot fill memory. */
export function problemList(max = 1000) {
  const problems: FeedProblem[] = [];
  let more = 0;
  return {
    add(p: FeedProblem) {
      if (problems.length < max) problems.push(p);
      else more++;
    },
    get all() {
      return more ? [...problems, { file: "", message: `${more} more problems not listed` }] : problems;
    },
    get count() {
      return problems.length + more;
    },
  };
}
