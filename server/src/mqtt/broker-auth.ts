import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthenticateError, AuthErrorCode, Client, PublishPacket, Subscription } from "aedes";
import type { Logger } from "pino";
import { agentChannels, parseVehicleTopic, serverChannels, type Channel } from "../../../protocol/index.ts";
import { verifyPassword } from "../crypto/passwords.ts";

/**
 * Who may do what on the embedded broker (DESIGN §4): each vehicle logs in
 * with username = its id and the agent password issued at registration, may
 * publish only under its own id to its own agent channels, and subscribe only
 * to its own ack, display and alerts. The server itself never logs in: it
 * publishes and subscribes in-process, past these checks.
 */
export interface AgentAuthOptions {
  topicPrefix: string;
  /** The scrypt hash of a vehicle's agent password, or null for an unknown vehicle. */
  passwordHash(vehicleId: string): Promise<string | null>;
  logger: Logger;
  /** How long a successful login is remembered: scrypt costs ~50 ms of CPU, and a fleet reconnects at once. */
  cacheMs?: number;
  now?: () => number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function refused(message: string, code: AuthErrorCode): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code });
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest();

export function createAgentAuth(opts: AgentAuthOptions) {
  const cacheMs = opts.cacheMs ?? 5 * 60_000;
  const now = opts.now ?? Date.now;
  // vehicleId → digest of the password that last logged in, so a repeat login skips scrypt.
  const remembered = new Map<string, { digest: Buffer; until: number }>();
  // Which vehicle each connected client logged in as.
  const vehicleOf = new WeakMap<Client, string>();

  async function checkPassword(vehicleId: string, password: Buffer): Promise<boolean> {
    const digest = sha256(password);
    const hit = remembered.get(vehicleId);
    if (hit && hit.until > now() && timingSafeEqual(hit.digest, digest)) return true;
    const hash = await opts.passwordHash(vehicleId);
    if (!hash || !(await verifyPassword(password.toString("utf8"), hash))) return false;
    remembered.set(vehicleId, { digest, until: now() + cacheMs });
    return true;
  }

  function ownTopic(client: Client | null, topic: string, channels: readonly Channel[]): boolean {
    if (!client) return false;
    const vehicleId = vehicleOf.get(client);
    const parsed = parseVehicleTopic(opts.topicPrefix, topic);
    return !!vehicleId && !!parsed && parsed.vehicleId === vehicleId && channels.includes(parsed.channel);
  }

  return {
    authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (err: AuthenticateError | null, ok: boolean | null) => void) {
      if (!username || !UUID.test(username) || !password) {
        return done(refused("username must be the vehicle id and a password is required", 4 as AuthErrorCode), false);
      }
      // A vehicle's client id must name it, so that no vehicle can take over (and kick off) another's session.
      if (!client.id.includes(username)) {
        return done(refused("the MQTT client id must contain the vehicle id", 2 as AuthErrorCode), false);
      }
      checkPassword(username.toLowerCase(), password).then(
        (ok) => {
          if (!ok) {
            opts.logger.warn({ vehicleId: username }, "mqtt login refused: wrong password or unknown vehicle");
            return done(refused("bad username or password", 4 as AuthErrorCode), false);
          }
          vehicleOf.set(client, username.toLowerCase());
          done(null, true);
        },
        (err: unknown) => {
          // The database is down: say "server unavailable" so the agent retries, not "bad password".
          opts.logger.error({ err, vehicleId: username }, "mqtt login could not be checked");
          done(refused("server unavailable", 3 as AuthErrorCode), false);
        },
      );
    },

    authorizePublish(client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void) {
      if (ownTopic(client, packet.topic, agentChannels)) return done(null);
      opts.logger.warn({ vehicleId: client && vehicleOf.get(client), topic: packet.topic }, "mqtt publish refused: not this vehicle's topic");
      done(new Error("publish refused: a vehicle publishes only to its own position, trip, checkin and status topics"));
    },

    authorizeSubscribe(client: Client, sub: Subscription, done: (err: Error | null, sub?: Subscription | null) => void) {
      if (ownTopic(client, sub.topic, serverChannels)) return done(null, sub);
      opts.logger.warn({ vehicleId: vehicleOf.get(client), topic: sub.topic }, "mqtt subscribe refused: not this vehicle's topic");
      done(null, null); // SUBACK 0x80: refused, the connection stays up
    },

    /** The vehicle a connected client logged in as. */
    vehicleOf: (client: Client): string | undefined => vehicleOf.get(client),

    /** After a password reset: the old password must stop working at once. */
    forget(vehicleId: string) {
      remembered.delete(vehicleId.toLowerCase());
    },

    /**
     * At registration or a reset, while the plaintext password is at hand: the
     * new password replaces any remembered one (so the old stops working at
     * once) and the agent's first login skips scrypt, as a repeat login does —
     * a fleet registered and started together costs one hash per vehicle, not two.
     */
    remember(vehicleId: string, password: string) {
      remembered.set(vehicleId.toLowerCase(), { digest: sha256(Buffer.from(password, "utf8")), until: now() + cacheMs });
    },
  };
}

export type AgentAuth = ReturnType<typeof createAgentAuth>;
