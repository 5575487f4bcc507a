import { describe, expect, it } from "vitest";
import { createCodeCache } from "./code-cache.ts";

describe("the resolved-codes cache", () => {
  const counting = () => {
    let loads = 0;
    return { load: (value: string | undefined) => async () => (loads++, value), loads: () => loads };
  };

  it("answers from memory until the entry is TTL old, then reads again", async () => {
    let now = 0;
    const cache = createCodeCache<string>({ ttlMs: 5_000, now: () => now });
    const db = counting();
    expect(await cache.read("c:a", db.load("bus 1"))).toBe("bus 1");
    now = 4_999;
    expect(await cache.read("c:a", db.load("bus 1 renamed"))).toBe("bus 1");
    expect(db.loads()).toBe(1);
    now = 5_000;
    expect(await cache.read("c:a", db.load("bus 1 renamed"))).toBe("bus 1 renamed");
    expect(db.loads()).toBe(2);
  });

  it("never keeps a code that is not ours, so made-up codes cannot push the real ones out", async () => {
    const cache = createCodeCache<string>({ max: 2 });
    const db = counting();
    await cache.read("c:real", db.load("bus"));
    for (let i = 0; i < 10; i++) expect(await cache.read(`c:made-up-${i}`, db.load(undefined))).toBeUndefined();
    expect(await cache.read("c:real", db.load("other"))).toBe("bus");
  });

  it("keeps at most `max` codes, dropping the oldest", async () => {
    const cache = createCodeCache<string>({ max: 2 });
    await cache.read("c:1", async () => "one");
    await cache.read("c:2", async () => "two");
    await cache.read("c:3", async () => "three");
    expect(await cache.read("c:1", async () => "one again")).toBe("one again");
    expect(await cache.read("c:3", async () => "not read")).toBe("three");
  });

  it("forgets everything on clear, and does not keep a read that was under way when it cleared", async () => {
    const cache = createCodeCache<string>();
    await cache.read("c:a", async () => "before");
    cache.clear();
    expect(await cache.read("c:a", async () => "after")).toBe("after");

    // A read that began before a rotation may return the old row: this one scan uses it, the next reads again.
    let finish!: () => void;
    const slow = cache.read("c:b", () => new Promise<string>((resolve) => (finish = () => resolve("stale"))));
    cache.clear();
    finish();
    expect(await slow).toBe("stale");
    expect(await cache.read("c:b", async () => "fresh")).toBe("fresh");
  });
});
