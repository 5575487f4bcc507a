import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

describe("logs", () => {
  it("never print phones, names, passwords or tokens, even when handed them", () => {
    let out = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const logger = createLogger("info", sink);
    logger.info({ phone: "+8613812345678", name: "王小明", body: { phone: "13812345678", password: "hunter22", token: "abc" } }, "check-in");
    expect(out).toContain("check-in");
    expect(out).not.toContain("13812345678");
    expect(out).not.toContain("王小明");
    expect(out).not.toContain("hunter22");
  });
});
