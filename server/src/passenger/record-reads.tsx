import type { Strings } from "./i18n.ts";
import { displayTime } from "./layout.tsx";

/** How often, and when, tracers read this passenger's records (never by whom): issue 11 part 6. */
export interface RecordReads {
  count: number;
  latest: Date[];
}

export function RecordReadsCard(props: { t: Strings; reads: RecordReads; tz: string }) {
  const { t, reads } = props;
  return (
    <section class="card reads" data-testid="record-reads">
      <strong>{t.readsTitle}</strong>
      <p data-testid="record-reads-count">{t.readsCount(reads.count)}</p>
      {reads.latest.length > 0 ? (
        <p>
          {t.readsLatest}
          <br />
          {reads.latest.slice(0, 5).map((at) => (
            <>
              <time datetime={at.toISOString()}>{displayTime(at, props.tz)}</time>
              <br />
            </>
          ))}
        </p>
      ) : null}
    </section>
  );
}
