import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { freePort, startMosquitto } from "../../test/mosquitto.ts";
import { startTestSystem } from "../../test/system.ts";
import { connectRemoteBroker } from "./remote-broker.ts";

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

  it("waits out a cluster that is settling: a dead node, and a live one closing connections for a while", async () => {
    // A NATS node refuses MQTT by closing the connection while JetStream elects new leaders after a
    // node is lost (seen in CI as a restarted ingest process exiting). Here a proxy in front of a
    // real broker plays that node, closing its first connections; the other node of the list is dead.
    const broker = await startMosquitto();
    const dead = await freePort();
    let closed = 0;
    const settling = createServer((socket: Socket) => {
      if (closed < 4) {
        closed++;
        socket.destroy();
        return;
      }
      const upstream = connect(broker.port, "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      const end = () => (socket.destroy(), upstream.destroy());
      socket.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
    });
    await new Promise<void>((resolve) => settling.listen(0, "127.0.0.1", resolve));
    const port = (settling.address() as AddressInfo).port;
    try {
      const link = await connectRemoteBroker({
        url: `mqtt://127.0.0.1:${port},mqtt://127.0.0.1:${dead}`,
        topicPrefix: "",
        logger: pino({ level: "silent" }),
        onMessage: () => {},
      });
      expect(closed).toBe(4);
      expect(link.connected()).toBe(true);
      await link.close();
    } finally {
      settling.close();
      await broker.close();
    }
  }, 60_000);
});
