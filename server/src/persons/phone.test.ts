import { describe, expect, it } from "vitest";
import { maskName, maskPhone, normalisePhone } from "./phone.ts";

describe("phone numbers as passengers type them", () => {
  it.each([
    ["13812345678", "+8613812345678"],
    ["138 1234 5678", "+8613812345678"],
    ["138-1234-5678", "+8613812345678"],
    ["+86 138 1234 5678", "+8613812345678"],
    ["+8613812345678", "+8613812345678"],
    ["008613812345678", "+8613812345678"],
    ["8613812345678", "+8613812345678"],
    ["19912345678", "+8619912345678"],
    ["+44 7700 900123", "+447700900123"],
    ["+1 (415) 555-0100", "+14155550100"],
    ["0044 7700 900123", "+447700900123"],
  ])("reads %s as %s", (input, e164) => expect(normalisePhone(input)).toBe(e164));

  it.each([
    ["too short", "12345"],
    ["a Chinese number not starting 13–19", "12812345678"],
    ["a +86 landline", "+86 531 1234 5678"],
    ["letters", "call me"],
    ["an international number without +", "447700900123"],
    ["too long for E.164", "+1234567890123456"],
    ["empty", ""],
  ])("refuses %s", (_what, input) => expect(normalisePhone(input)).toBeNull());

  it("masks a phone and a name so only their owner recognises them", () => {
    expect(maskPhone("+8613812345678")).toBe("138****5678");
    expect(maskPhone("+447700900123")).toBe("+44****0123");
    expect(maskName("张三丰")).toBe("张**");
    expect(maskName("Alice")).toBe("A****");
    expect(maskName("Wolfeschlegelsteinhausenbergerdorff")).toBe("W****");
  });
});
