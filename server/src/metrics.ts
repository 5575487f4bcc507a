import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** One registry per app instance (no global), exposed at /metrics in Prometheus text format. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    checkins: new Counter({
      name: "checkins_total",
      help: "Check-ins stored, by source",
      labelNames: ["source"] as const,
      registers: [registry],
    }),
    mqttMessages: new Counter({
      name: "mqtt_messages_total",
      help: "MQTT messages received by kind and outcome",
      labelNames: ["kind", "outcome"] as const,
      registers: [registry],
    }),
    mqttInvalid: new Counter({
      name: "mqtt_invalid_messages_total",
      help: "MQTT messages dropped as invalid, by kind and reason",
      labelNames: ["kind", "reason"] as const,
      registers: [registry],
    }),
    positionsWritten: new Counter({
      name: "positions_written_total",
      help: "GPS fixes committed to the database",
      registers: [registry],
    }),
    ingestBatchSeconds: new Histogram({
      name: "ingest_batch_seconds",
      help: "Time to commit one batch of positions",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    loginFailures: new Counter({
      name: "login_failures_total",
      help: "Staff sign-ins refused: invalid (wrong username or password, or a disabled user) or throttled",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    readStandbyLag: new Gauge({
      name: "db_read_standby_lag_seconds",
      help: "How far the read standby (DATABASE_READ_URL) is behind the primary; -1 when it does not answer",
      registers: [registry],
    }),
    readsOnStandby: new Gauge({
      name: "db_reads_on_standby",
      help: "1 while tracing, trips and flow reads go to the standby, 0 while they go to the primary",
      registers: [registry],
    }),
    liveCodesPublished: new Counter({
      name: "live_codes_published_total",
      help: "Live codes published to vehicles' display topic: by the leader's round (schedule), when a vehicle came online (online), or when someone boarded or got off (on_board)",
      labelNames: ["trigger"] as const,
      registers: [registry],
    }),
    leader: new Gauge({
      name: "leader",
      help: "1 while this process holds the leader lease (runs live codes, partitions, retention)",
      registers: [registry],
    }),
    ingestWaiting: new Gauge({
      name: "ingest_waiting_messages",
      help: "Trip events and onboard check-ins received and waiting for their turn to be stored",
      registers: [registry],
    }),
    vehiclesOnline: new Gauge({
      name: "vehicles_online",
      help: "Vehicles whose agent is connected",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
