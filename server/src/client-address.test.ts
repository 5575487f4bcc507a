import { describe, expect, it } from "vitest";
import { parseTrustProxy, resolveClientAddress } from "./client-address.ts";

describe("the client's address", () => {
  it("is the socket's peer by default, whatever X-Forwarded-For claims", () => {
    expect(resolveClientAddress("203.0.113.5", "1.2.3.4", parseTrustProxy(undefined)!)).toBe("203.0.113.5");
  });

  it("is taken from X-Forwarded-For through the number of trusted hops, ignoring what a client prepends", () => {
    const oneProxy = parseTrustProxy("1")!;
    expect(resolveClientAddress("10.0.0.2", "198.51.100.9", oneProxy)).toBe("198.51.100.9");
    expect(resolveClientAddress("10.0.0.2", "6.6.6.6, 198.51.100.9", oneProxy)).toBe("198.51.100.9");
    expect(resolveClientAddress("::ffff:10.0.0.2", undefined, oneProxy)).toBe("10.0.0.2");
    expect(resolveClientAddress("10.0.0.2", "6.6.6.6, 198.51.100.9, 10.0.0.3", parseTrustProxy("2")!)).toBe("198.51.100.9");
  });

  it("skips addresses in the trusted networks from the right, stopping at the first untrusted one", () => {
    const trust = parseTrustProxy("10.0.0.0/8, 2001:db8::/32")!;
    expect(resolveClientAddress("10.1.2.3", "6.6.6.6, 198.51.100.9, 10.9.9.9", trust)).toBe("198.51.100.9");
    expect(resolveClientAddress("2001:db8::1", "2001:db8::2", trust)).toBe("2001:db8::2");
    // A peer outside the trusted networks is the client, whatever it forwards.
    expect(resolveClientAddress("203.0.113.5", "198.51.100.9", trust)).toBe("203.0.113.5");
  });

  it("refuses settings that are neither hops nor networks", () => {
    expect(parseTrustProxy("yes please")).toBeNull();
    expect(parseTrustProxy("10.0.0.0/33")).toBeNull();
  });
});
