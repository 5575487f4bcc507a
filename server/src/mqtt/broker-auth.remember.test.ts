import type { Client } from "aedes";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { hashPassword } from "../crypto/passwords.ts";
import { createAgentAuth } from "./broker-auth.ts";

// The embedded broker's login cache, on its own: registration hands it the new password (messaging.ts).
describe("logins remembered at registration", () => {
  it("lets a vehicle in on its first login with the password it was just given, without a hash, and checks any other against the database", async () => {
    const vehicle = "0190a0a0-0000-7000-8000-0000000000aa";
    const stored = await hashPassword("the-new-password");
    let lookups = 0;
    const auth = createAgentAuth({
      topicPrefix: "",
      passwordHash: async () => (lookups++, stored),
      logger: pino({ level: "silent" }),
    });
    const login = (password: string) =>
      new Promise<boolean>((resolve) => auth.authenticate({ id: vehicle } as unknown as Client, vehicle, Buffer.from(password), (_err, ok) => resolve(Boolean(ok))));
    auth.remember(vehicle, "the-new-password");
    expect(await login("the-new-password")).toBe(true);
    expect(lookups).toBe(0);
    expect(await login("an-old-password")).toBe(false);
    expect(lookups).toBe(1);
  });
});
