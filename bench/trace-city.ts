import type postgres from "postgres";

/**
 * The benchmark's generated city, made inside PostgreSQL with generate_series
 * (no data crosses the wire). Fixed dates and a fixed seed, so a populated
 * database is reused across runs.
 *
 * 20,000 vehicles: 3,000 buses (6 runs of 45 min a day, one driver each),
 * 12,000 taxis and 4,000 ride-hail cars (2 fares of 15 min a day), 1,000
 * coaches (every other day, one 3-hour run). 28 days, 5,000,000 check-ins by
 * 300,000 people: 1–2 per fare, 40 per coach run, the rest spread over bus
 * runs; about a third check out themselves.
 *
 * Positions every 30 s for every trip of the last POSITION_DAYS days only
 * (scaled down from 28 days: all 28 would be ~80 M rows, too big for this
 * 2-core box in a session); trace windows are taken inside those days.
 */
export const CITY = {
  start: new Date("2026-10-31T00:00:00Z"),
  days: 28,
  vehicles: 20_000,
  buses: 3_000,
  taxis: 12_000,
  rideHail: 4_000,
  coaches: 1_000,
  persons: 300_000,
  checkins: 5_000_000,
  positionDays: 7,
  version: "city-v2",
};

export const cityEnd = () => new Date(CITY.start.getTime() + CITY.days * 86_400_000);

async function step(label: string, run: () => Promise<unknown>) {
  const t = performance.now();
  await run();
  console.log(`  ${label}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

export async function isPopulated(sql: postgres.Sql): Promise<boolean> {
  await sql`create table if not exists bench_meta (version text primary key, built_at timestamptz not null default now())`;
  const rows = await sql`select 1 from bench_meta where version = ${CITY.version}`;
  return rows.length > 0;
}

export async function buildCity(sql: postgres.Sql, phoneEnc: string) {
  const start = CITY.start.toISOString();
  const b = CITY.buses;
  const t = b + CITY.taxis;
  const r = t + CITY.rideHail;
  await sql`truncate checkins, positions, trips, persons, vehicles, vehicle_codes, vehicle_state, traces cascade`;
  await sql`set synchronous_commit = off`;
  // Deterministic ids that are valid RFC 9562 (version 4) UUIDs, as the API's validation expects.
  await sql`create or replace function bench_uuid(text) returns uuid language sql immutable
    as $$ select overlay(overlay(md5($1) placing '4' from 13) placing '8' from 17)::uuid $$`;
  await sql`set maintenance_work_mem = '512MB'`;

  await step("vehicles", () => sql`
    insert into vehicles (id, plate, kind, capacity, route_id, agent_password_hash)
    select bench_uuid('v' || i), 'B' || lpad(i::text, 5, '0'),
      (case when i <= ${b} then 'bus' when i <= ${t} then 'taxi' when i <= ${r} then 'ride_hail' else 'coach' end)::vehicle_kind,
      case when i <= ${b} then 60 when i <= ${r} then 4 else 50 end,
      case when i <= ${b} then 'R' || (i % 300) when i > ${r} then 'C' || (i % 50) end,
      '-'
    from generate_series(1, ${CITY.vehicles}) i`);

  await step("persons", () => sql`
    insert into persons (id, phone_hash, phone_enc, status)
    select bench_uuid('p' || i), md5('phone' || i), ${phoneEnc}, 'clear' from generate_series(1, ${CITY.persons}) i`);

  // Trips: vehicle i, day d, run k. Buses start 06:00 + i%60 min, every 55 min; fares at 08:00/17:00 + i%240 min.
  await step("trips", () => sql`
    insert into trips (id, vehicle_id, started_at, ended_at, route_id, driver_id)
    select bench_uuid('t' || i || '/' || d || '/' || k), bench_uuid('v' || i), s, s + len, null, 'd' || i
    from generate_series(1, ${CITY.vehicles}) i
    cross join generate_series(0, ${CITY.days - 1}) d
    cross join lateral (
      select k,
        case when i <= ${b} then ${start}::timestamptz + d * interval '1 day' + interval '6 hours' + (i % 60) * interval '1 minute' + k * interval '55 minutes'
             when i <= ${r} then ${start}::timestamptz + d * interval '1 day' + interval '8 hours' + k * interval '9 hours' + (i % 240) * interval '1 minute'
             else ${start}::timestamptz + d * interval '1 day' + interval '8 hours' + (i % 120) * interval '1 minute' end as s,
        case when i <= ${b} then interval '45 minutes' when i <= ${r} then interval '15 minutes' else interval '3 hours' end as len
      from generate_series(0, case when i <= ${b} then 5 when i <= ${r} then 1 else 0 end) k
    ) runs
    where i <= ${r} or (i + d) % 2 = 0`);

  await sql`analyze trips`;
  // Check-ins: fares 1–2, coach runs 40, the rest on bus runs; boarded from 1 min before the start.
  await step("check-ins", () => sql`
    with fares as (
      select t.id, t.vehicle_id, t.started_at, t.ended_at, v.kind from trips t join vehicles v on v.id = t.vehicle_id
    ), slots as (
      select f.*, n from fares f
      cross join lateral generate_series(1, case f.kind when 'coach' then 40 when 'bus' then 6 else 1 end
        + case when f.kind in ('taxi', 'ride_hail') and random() < 0.3 then 1 when f.kind = 'bus' and random() < 0.45 then 1 else 0 end) n
    )
    insert into checkins (id, vehicle_id, boarded_at, person_id, source, seat, alighted_at)
    select gen_random_uuid(), s.vehicle_id, b, bench_uuid('p' || (1 + floor(random() * ${CITY.persons})::int)),
      'scan', case when s.kind = 'coach' then (1 + s.n / 4) || chr(65 + s.n % 4) end,
      case when random() < 0.33 then b + (s.ended_at - b) * random() end
    from slots s
    cross join lateral (select s.started_at - interval '1 minute' + (s.ended_at - s.started_at) * random() * case when s.kind in ('taxi', 'ride_hail') then 0.05 else 0.8 end as b) x`);

  await topUpCheckins(sql);

  await step("positions (last days, every 30 s)", () => sql`
    insert into positions (vehicle_id, ts, lat, lon, speed, flag)
    select t.vehicle_id, ts,
      36.60 + (get_byte(decode(md5(t.vehicle_id::text), 'hex'), 0) / 2550.0) + extract(epoch from ts - t.started_at) / 360000.0,
      117.00 + (get_byte(decode(md5(t.vehicle_id::text), 'hex'), 1) / 2550.0) + extract(epoch from ts - t.started_at) / 240000.0,
      8.0, case when random() < 0.01 then 'jump' end
    from trips t
    cross join lateral generate_series(t.started_at, t.ended_at, interval '30 seconds') ts
    where t.started_at >= ${new Date(cityEnd().getTime() - CITY.positionDays * 86_400_000).toISOString()}::timestamptz`);

  await step("analyze", () => sql`analyze`);
  await sql`insert into bench_meta (version) values (${CITY.version})`;
}

/** Random per-trip counts land near, not on, the target: add the missing check-ins to random bus runs. */
export async function topUpCheckins(sql: postgres.Sql) {
  const [{ n }] = (await sql`select count(*)::int as n from checkins`) as unknown as [{ n: number }];
  const missing = CITY.checkins - n;
  if (missing <= 0) return;
  await step(`top-up of ${missing} check-ins`, () => sql`
    insert into checkins (id, vehicle_id, boarded_at, person_id, source, alighted_at)
    select gen_random_uuid(), t.vehicle_id, x.b, bench_uuid('p' || (1 + floor(random() * ${CITY.persons})::int)), 'scan',
      case when random() < 0.33 then x.b + (t.ended_at - x.b) * random() end
    from (select t.* from trips t join vehicles v on v.id = t.vehicle_id and v.kind = 'bus'
          cross join generate_series(1, 2) copy order by random() limit ${missing}) t
    cross join lateral (select t.started_at - interval '1 minute' + (t.ended_at - t.started_at) * random() * 0.8 as b) x`);
  await sql`analyze checkins`;
}
