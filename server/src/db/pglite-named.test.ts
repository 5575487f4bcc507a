import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNamed } from "./pglite-named.ts";

/* Named statements on a real PGlite, whichever database the rest of the run uses. */
let pg: PGlite;

beforeAll(async () => {
  pg = new PGlite();
  await pg.exec("create table rides (id int primary key, boarded_at timestamptz not null, seat text)");
});
afterAll(() => pg.close());

const count = async () => (await pg.query<{ n: number }>("select count(*)::int as n from rides")).rows[0]!.n;

describe("named statements on PGlite", () => {
  it("answers as the driver's own query does, and is prepared once however often it runs", async () => {
    await pg.query("insert into rides values (1, '2026-12-02T08:00:00Z', '12A')");
    const text = "select id, boarded_at, seat from rides where id = $1 and boarded_at > $2::timestamptz";
    for (let i = 0; i < 3; i++) {
      expect(await runNamed(pg, text, [1, new Date("2026-12-01T00:00:00Z")])).toEqual([{ id: 1, boarded_at: "2026-12-02 08:00:00+00", seat: "12A" }]);
    }
    expect(await runNamed(pg, text, [1, "2026-12-03T00:00:00Z"])).toEqual([]);
    const statements = await pg.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements where statement like '%from rides where id = $1%'");
    expect(statements.rows[0]!.n).toBe(1);
  });

  it("waits for another caller's open transaction instead of running inside it", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const transaction = pg
      .transaction(async (tx) => {
        await tx.query("insert into rides values (10, now(), null)");
        entered();
        await held;
        await tx.rollback();
      })
      .catch(() => undefined);
    await inside;
    const named = runNamed(pg, "insert into rides (id, boarded_at) values ($1, now()) returning id", [11]);
    release();
    expect(await named).toEqual([{ id: 11 }]);
    await transaction;
    // The rolled-back insert is gone; the named one, run after it, stays.
    const ids = (await pg.query<{ id: number }>("select id from rides where id >= 10 order by id")).rows.map((r) => r.id);
    expect(ids).toEqual([11]);
  });

  it("reports a failure with PostgreSQL's code, and runs again afterwards", async () => {
    const text = "insert into rides (id, boarded_at) values ($1, now()) returning id";
    const before = await count();
    await expect(runNamed(pg, text, [11])).rejects.toMatchObject({ code: "23505" });
    expect(await count()).toBe(before);
    expect(await runNamed(pg, text, [12])).toEqual([{ id: 12 }]);
    // Values stay values: text that looks like SQL is stored as written.
    const seat = "x'); drop table rides; --";
    expect(await runNamed(pg, "update rides set seat = $2 where id = $1 returning seat", [12, seat])).toEqual([{ seat }]);
    expect(await count()).toBe(before + 1);
  });
});
