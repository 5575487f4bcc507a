import { createPrivateKey, createPublicKey, hkdfSync, randomBytes, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { decodeKey } from "../config.ts";

/**
 * Every secret the server uses is derived from one 32-byte DATA_KEY with HKDF,
 * so several stateless servers given the same DATA_KEY agree on all of them,
 * and an operator has one secret to guard and back up.
 */
export interface Keys {
  /** AES-256-GCM key for personal data at rest (phones, names). */
  personalData: Buffer;
  /** HMAC-SHA256 key for the phone lookup hash. */
  phoneHash: Buffer;
  /** HMAC-SHA256 key for live codes on the driver's screen. */
  liveCode: Buffer;
  /** HMAC-SHA256 key under which one-time phone codes are stored (never the code itself). */
  phoneCode: Buffer;
  /** HMAC-SHA256 key for the page ticket a live code's page carries (a token type of its own). */
  pageTicket: Buffer;
  /** Secret for the signed device cookie on the passenger page. */
  cookie: string;
  /** Ed25519 key that signs personal passes; onboard scanners verify with the public half. */
  passSigning: KeyObject;
  passVerifying: KeyObject;
}

function derive(dataKey: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync("sha256", dataKey, Buffer.alloc(0), `transit-checkin/${label}`, 32));
}

// PKCS#8 DER prefix for an Ed25519 private key, followed by the 32-byte seed.
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export function deriveKeys(dataKey: Buffer): Keys {
  const seed = derive(dataKey, "pass-signing");
  const passSigning = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  return {
    personalData: derive(dataKey, "personal-data"),
    phoneHash: derive(dataKey, "phone-hash"),
    liveCode: derive(dataKey, "live-code"),
    phoneCode: derive(dataKey, "phone-code"),
    pageTicket: derive(dataKey, "page-ticket"),
    cookie: derive(dataKey, "cookie").toString("base64url"),
    passSigning,
    passVerifying: createPublicKey(passSigning),
  };
}

/**
 * DATA_KEY from config, or on the embedded default a key generated once into
 * DATA_DIR. Losing that file makes stored phones unreadable, hence the warning.
 */
export function resolveDataKey(opts: { dataKey?: Buffer; dataDir: string; databaseUrl?: string }, logger: Logger): Buffer {
  if (opts.dataKey) return opts.dataKey;
  if (opts.databaseUrl) {
    throw new Error("DATA_KEY is required when DATABASE_URL is set (generate one with: openssl rand -base64 32)");
  }
  const file = path.join(opts.dataDir, "data.key");
  if (existsSync(file)) {
    const key = decodeKey(readFileSync(file, "utf8").trim());
    if (!key) throw new Error(`${file} does not hold a 32-byte key; restore it from backup or set DATA_KEY`);
    return key;
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString("base64") + "\n", { mode: 0o600 });
  logger.warn({ file }, "DATA_KEY is not set: generated a data key into DATA_DIR. Back it up; without it stored phone numbers cannot be read.");
  return key;
}
