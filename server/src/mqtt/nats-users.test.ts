import { describe, expect, it } from "vitest";
import { mqttTopicToSubject, renderNatsAuthorization, subjectToMqttTopic, vehiclePermissions } from "./nats-users.ts";

const vehicle = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

describe("NATS logins for vehicles", () => {
  it("maps MQTT topics to NATS subjects and back as nats-server does", () => {
    expect(mqttTopicToSubject(`transit/v1/vehicles/${vehicle}/position`)).toBe(`transit.v1.vehicles.${vehicle}.position`);
    expect(mqttTopicToSubject("city.north/transit/v1")).toBe("city//north.transit.v1");
    for (const topic of [`transit/v1/vehicles/${vehicle}/ack`, "city.north/transit/v1/vehicles/x/status"]) {
      expect(subjectToMqttTopic(mqttTopicToSubject(topic))).toBe(topic);
    }
  });

  it("lets a vehicle publish only its own agent channels and subscribe only its own ack, display and alerts", () => {
    const p = vehiclePermissions("city", vehicle);
    expect(p.publish).toEqual(["position", "trip", "checkin", "status"].map((c) => `city.transit.v1.vehicles.${vehicle}.${c}`));
    expect(p.subscribe).toEqual([...["ack", "display", "alerts"].map((c) => `city.transit.v1.vehicles.${vehicle}.${c}`), "$MQTT.sub.>"]);
  });

  it("renders an authorization block with the server's login and one MQTT-only user per vehicle", () => {
    const text = renderNatsAuthorization({ topicPrefix: "", server: { username: "transit-server", password: "s" }, vehicles: [{ id: vehicle, password: "p\"q" }] });
    expect(text).toContain(`{ user: "transit-server", password: "s" }`);
    expect(text).toContain(`{ user: "${vehicle}", password: "p\\"q", allowed_connection_types: ["MQTT"], permissions: {`);
  });
});
