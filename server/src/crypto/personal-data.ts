import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

/**
 * Personal data at rest: AES-256-GCM, stored as base64url of
 * version byte | 12-byte nonce | ciphertext | 16-byte tag.
 */
const VERSION = 1;

export function encrypt(key: Buffer, plaintext: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]).toString("base64url");
}

export function decrypt(key: Buffer, stored: string): string {
  const raw = Buffer.from(stored, "base64url");
  if (raw[0] !== VERSION || raw.length < 1 + 12 + 16) throw new Error("unreadable personal-data ciphertext");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(1, 13));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(13, raw.length - 16)), decipher.final()]).toString("utf8");
}

/** A keyed hash, so the same phone finds the same person without the phone being readable. */
export function lookupHash(key: Buffer, value: string): string {
  return createHmac("sha256", key).update(value).digest("hex");
}
