import { describe, expect, it } from "vitest";
import { contactsByPerson, markablePeople, onBoardAt, visibleContacts, visiblePeople, type Contact } from "./trace-model.ts";

const contact = (over: Partial<Contact>): Contact => ({
  personId: "p",
  driverId: null,
  phone: null,
  name: null,
  status: null,
  role: "passenger",
  depth: 1,
  vehicleId: "v",
  plate: null,
  tripId: null,
  checkinId: null,
  seat: null,
  boardedAt: "2026-11-28T08:00:00Z",
  via: null,
  unverified: false,
  from: "2026-11-28T08:00:00Z",
  to: "2026-11-28T08:30:00Z",
  overlapMinutes: 10,
  risk: 0.5,
  ...over,
});

describe("the case view's contact list", () => {
  const contacts = [
    contact({ name: "low", risk: 0.1, overlapMinutes: 40 }),
    contact({ name: "high", risk: 0.9, overlapMinutes: 5, from: "2026-11-28T07:00:00Z" }),
    contact({ name: "driver", role: "driver", personId: null, driverId: "D1", risk: 0.5, overlapMinutes: 20, depth: 2 }),
  ];
  const names = (f: Parameters<typeof visibleContacts>[1]) => visibleContacts(contacts, f).map((r) => r.contact.name);

  it("sorts by risk, by overlap or by boarding time", () => {
    expect(names({ depth: "all", role: "all", sort: "risk" })).toEqual(["high", "driver", "low"]);
    expect(names({ depth: "all", role: "all", sort: "overlap" })).toEqual(["low", "driver", "high"]);
    expect(names({ depth: "all", role: "all", sort: "time" })[0]).toBe("high");
  });

  it("filters by depth and by role, keeping each contact's key", () => {
    expect(names({ depth: "2", role: "all", sort: "risk" })).toEqual(["driver"]);
    expect(names({ depth: "all", role: "passenger", sort: "risk" })).toEqual(["high", "low"]);
    expect(visibleContacts(contacts, { depth: "2", role: "all", sort: "risk" })[0]!.key).toBe(2);
  });

  it("counts a contact on board from boarding up to, not including, alighting", () => {
    const c = contacts[0]!;
    expect(onBoardAt(c, Date.parse("2026-11-28T08:00:00Z"))).toBe(true);
    expect(onBoardAt(c, Date.parse("2026-11-28T08:30:00Z"))).toBe(false);
  });
});

describe("the case view's people", () => {
  const rides = [
    contact({ personId: "a", name: "A", depth: 2, overlapMinutes: 5, risk: 0.1, from: "2026-11-28T09:00:00Z", to: "2026-11-28T09:05:00Z" }),
    contact({ personId: "a", name: "A", depth: 1, overlapMinutes: 20, risk: 0.4 }),
    contact({ role: "driver", personId: null, driverId: "D1", name: null, overlapMinutes: 30, risk: 0.3 }),
    contact({ role: "driver", personId: null, driverId: "D1", name: null, overlapMinutes: 10, risk: 0.2, from: "2026-11-28T10:00:00Z", to: "2026-11-28T10:10:00Z" }),
    contact({ personId: "b", name: "B", overlapMinutes: 3, risk: 0.05, status: "close_contact" }),
  ];

  it("makes one row per person or driver, with the nearest depth, total overlap, highest risk and segments in time order", () => {
    const people = contactsByPerson(rides);
    expect(people).toHaveLength(3);
    const a = people.find((p) => p.first.personId === "a")!;
    expect(a).toMatchObject({ depth: 1, totalOverlap: 25, maxRisk: 0.4, keys: [1, 0] });
    const d = people.find((p) => p.first.driverId === "D1")!;
    expect(d).toMatchObject({ totalOverlap: 40, maxRisk: 0.3 });
  });

  it("sorts people by their highest risk and offers only unmarked depth-1 passengers for marking", () => {
    const people = visiblePeople(rides, { depth: "all", role: "all", sort: "risk" });
    expect(people.map((p) => p.first.personId ?? p.first.driverId)).toEqual(["a", "D1", "b"]);
    expect(markablePeople(people).map((p) => p.first.personId)).toEqual(["a"]);
  });
});
