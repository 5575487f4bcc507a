import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "../../test/mosquitto.ts";
import { startTestSystem } from "../../test/system.ts";

describe("starting MQTT", () => {
  it("stops with a message naming MQTT_PORT and MQTT_URL when the embedded broker's port is taken", async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const started = startTestSystem({ embedded: true, env: { MQTT_PORT: String(port) } });
      await expect(started).rejects.toThrow(new RegExp(`MQTT port ${port} is already in use.*MQTT_PORT.*MQTT_URL`));
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("stops with a message naming MQTT_URL when the real broker cannot be reached", async () => {
    const port = await freePort(); // nothing listens there
    const started = startTestSystem({ mqttUrl: `mqtt://127.0.0.1:${port}` });
    await expect(started).rejects.toThrow(/Cannot connect to the MQTT broker at MQTT_URL.*unset MQTT_URL/);
  });
});
