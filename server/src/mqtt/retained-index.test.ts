import { describe, expect, it } from "vitest";
import { retainedIndexedPersistence } from "./retained-index.ts";

const retained = (topic: string, payload: string) => ({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: true, brokerId: "b", brokerCounter: 1 });

async function read(stream: NodeJS.ReadableStream): Promise<string[]> {
  const out: string[] = [];
  for await (const p of stream as AsyncIterable<{ topic: string; payload: Buffer }>) out.push(`${p.topic}=${p.payload.toString()}`);
  return out.sort();
}

describe("retained messages indexed by topic", () => {
  it("answers exact topics from the index and wildcards by the scan, the same messages either way", async () => {
    const p = retainedIndexedPersistence();
    const store = (topic: string, payload: string) => (p.storeRetained as unknown as (pkt: unknown) => Promise<void>)(retained(topic, payload));
    await store("transit/v1/vehicles/a/display", "code-a1");
    await store("transit/v1/vehicles/a/display", "code-a2");
    await store("transit/v1/vehicles/b/display", "code-b");
    await store("transit/v1/vehicles/b/status", '{"online":true}');

    expect(await read(p.createRetainedStreamCombi(["transit/v1/vehicles/a/display", "transit/v1/vehicles/a/ack", "transit/v1/vehicles/b/status"]))).toEqual([
      "transit/v1/vehicles/a/display=code-a2",
      'transit/v1/vehicles/b/status={"online":true}',
    ]);
    expect(await read(p.createRetainedStreamCombi(["transit/v1/vehicles/+/display"]))).toEqual(["transit/v1/vehicles/a/display=code-a2", "transit/v1/vehicles/b/display=code-b"]);

    // An empty retained message clears the topic, in the index as in the scan.
    await store("transit/v1/vehicles/b/display", "");
    expect(await read(p.createRetainedStream("transit/v1/vehicles/b/display"))).toEqual([]);
    expect(await read(p.createRetainedStream("transit/v1/vehicles/#"))).toEqual(["transit/v1/vehicles/a/display=code-a2", 'transit/v1/vehicles/b/status={"online":true}']);
  });
});
