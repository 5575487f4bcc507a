/**
 * How the live view copes with a big fleet: N vehicles (default 5,000) on the
 * map, then every one of them moving at once. Not a test (speed is measured,
 * not asserted): `npx tsx e2e/console.live-load.ts [vehicles]`.
 */
import { sql } from "drizzle-orm";
import { createTestApp } from "../server/test/harness.ts";
import { launchBrowser, LAPTOP, listen, openPage, shot, signIn } from "./console.support.ts";

const N = Number(process.argv[2] ?? 5000);
const t = await createTestApp({ env: { TILE_URL: "none" } });
const server = await listen(t.app);
const browser = await launchBrowser();
try {
  await t.deps.db.execute(sql`
    insert into vehicles (id, plate, kind, agent_password_hash)
    select ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'LOAD-' || i, 'bus', '-' from generate_series(1, ${N}) i`);
  const place = (shift: number) => sql`
    insert into vehicle_state (vehicle_id, last_ts, lat, lon, online, updated_at)
    select ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, now(),
           36.55 + (i % 100) * 0.002 + ${shift}, 117.0 + (i / 100) * 0.004 + ${shift}, i % 7 <> 0, clock_timestamp()
      from generate_series(1, ${N}) i
    on conflict (vehicle_id) do update set lat = excluded.lat, lon = excluded.lon, last_ts = excluded.last_ts, updated_at = excluded.updated_at`;
  await t.deps.db.execute(place(0));

  const admin = await t.staff("admin");
  const { page, errors } = await openPage(browser, LAPTOP);
  await signIn(page, server.base, admin);
  // Long tasks (> 50 ms on the main thread) are what a user feels as jank.
  await page.evaluate(`window.longTasks = []; new PerformanceObserver((l) => l.getEntries().forEach((e) => window.longTasks.push(e.duration))).observe({ type: "longtask" });`);
  let started = performance.now();
  await page.evaluate(() => (location.hash = "#/live"));
  await page.waitForFunction(`document.querySelector(".status[data-vehicles]")?.getAttribute("data-vehicles") === "${N}"`, undefined, { timeout: 120_000 });
  const snapshotLongTasks = (await page.evaluate("window.longTasks.splice(0)")) as number[];
  const snapshotMs = performance.now() - started;

  started = performance.now();
  await t.deps.db.execute(place(0.001));
  await page.waitForFunction(`Number(document.querySelector(".status[data-vehicles]")?.dataset.changes) >= ${2 * N}`, undefined, { timeout: 60_000 });
  const updateMs = performance.now() - started;
  await page.waitForTimeout(500); // let the canvas redraw
  const longTasks = (await page.evaluate("window.longTasks.splice(0)")) as number[];

  // Panning with every marker drawn: frames per second over one second of continuous panning.
  // A string, not a function: tsx's helpers would not exist in the page.
  const fps = await page.evaluate(`(async () => {
    const map = document.querySelector("#live-map");
    const rect = map.getBoundingClientRect();
    let frames = 0;
    const until = performance.now() + 1000;
    await new Promise((done) => {
      const tick = () => {
        frames += 1;
        map.dispatchEvent(new MouseEvent("mousemove", { clientX: rect.x + 200 + frames, clientY: rect.y + 200, bubbles: true }));
        if (performance.now() < until) requestAnimationFrame(tick); else done();
      };
      requestAnimationFrame(tick);
    });
    return frames;
  })()`);
  await shot(page, `live-${N}-vehicles`);
  console.log(
    JSON.stringify(
      {
        vehicles: N,
        snapshotToMapMs: Math.round(snapshotMs),
        snapshotLongTasksMs: snapshotLongTasks.map(Math.round),
        allMoved: { dbWriteToAppliedMs: Math.round(updateMs), longTasksMs: longTasks.map(Math.round) },
        framesInOneSecondWithHover: fps,
        consoleErrors: errors.length,
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await server.close();
  await t.close();
}
