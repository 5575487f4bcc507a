import { createPublicKey, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import path from "node:path";
import type { Log } from "../log.ts";

// SPKI DER prefix of an Ed25519 public key, followed by the 32 raw key bytes.
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/**
 * The server's pass-verifying key in any of the usual spellings: PEM, a JWK
 * (`{kty:"OKP",crv:"Ed25519",x}`), base64 of the SPKI DER, or base64 of the
 * 32 raw bytes — or a JSON object holding one of those under a field such as
 * `publicKey`. Null when it is none of them or not an Ed25519 key.
 */
export function parsePublicKey(text: string): KeyObject | null {
  const t = text.trim();
  try {
    if (t.startsWith("{")) {
      const json = JSON.parse(t) as Record<string, unknown>;
      if (json.kty === "OKP") return ed25519(createPublicKey({ key: json as never, format: "jwk" }));
      for (const field of ["publicKey", "public_key", "pem", "spki", "key", "jwk"]) {
        const value = json[field];
        if (typeof value === "string" || (value && typeof value === "object")) {
          const key = parsePublicKey(typeof value === "string" ? value : JSON.stringify(value));
          if (key) return key;
        }
      }
      return null;
    }
    if (t.includes("BEGIN PUBLIC KEY")) return ed25519(createPublicKey(t));
    const bytes = Buffer.from(t.replace(/\s+/g, ""), t.includes("-") || t.includes("_") ? "base64url" : "base64");
    if (bytes.length === 32) return ed25519(createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, bytes]), format: "der", type: "spki" }));
    return ed25519(createPublicKey({ key: bytes, format: "der", type: "spki" }));
  } catch {
    return null;
  }
}

function ed25519(key: KeyObject): KeyObject | null {
  return key.asymmetricKeyType === "ed25519" ? key : null;
}

/**
 * Keeps the key that verifies passes offline: read from `--pass-public-key`
 * or the cache file next to the outbox, and refreshed from the server's
 * `GET /api/v1/passes/public-key` whenever it is reachable (then cached, so
 * the next start without network still verifies).
 */
export function createPublicKeyStore(opts: { cacheFile: string; explicitFile?: string; server?: string; log: Log }) {
  let key: KeyObject | null = null;

  function readFile(file: string, what: string): KeyObject | null {
    if (!existsSync(file)) return null;
    const parsed = parsePublicKey(readFileSync(file, "utf8"));
    if (!parsed) opts.log.warn(`${what} ${file} does not hold an Ed25519 public key`);
    return parsed;
  }

  if (opts.explicitFile) {
    key = readFile(opts.explicitFile, "--pass-public-key");
    if (!key) throw new Error(`--pass-public-key ${opts.explicitFile}: not found or not an Ed25519 public key (PEM, JWK or base64)`);
  } else {
    key = readFile(opts.cacheFile, "the cached pass key");
  }

  return {
    get: (): KeyObject | null => key,

    /** Fetches the server's key; keeps the old one when the server cannot be reached. */
    async refresh(): Promise<boolean> {
      if (!opts.server || opts.explicitFile) return false;
      const url = `${opts.server.replace(/\/+$/, "")}/api/v1/passes/public-key`;
      try {
        const fetched = parsePublicKey(await getText(url, 10_000));
        if (!fetched) throw new Error("the answer is not an Ed25519 public key");
        const pem = fetched.export({ format: "pem", type: "spki" }).toString();
        mkdirSync(path.dirname(opts.cacheFile), { recursive: true });
        writeFileSync(`${opts.cacheFile}.tmp`, pem);
        renameSync(`${opts.cacheFile}.tmp`, opts.cacheFile);
        if (!key || !key.equals(fetched)) opts.log.info("pass key fetched from the server and cached");
        key = fetched;
        return true;
      } catch (err) {
        opts.log.warn(`could not fetch the pass key from ${url} (${(err as Error).message}); ${key ? "using the cached one" : "passes cannot be verified offline yet"}`);
        return false;
      }
    },
  };
}

export type PublicKeyStore = ReturnType<typeof createPublicKeyStore>;

/**
 * GET a small text answer. Not fetch(): Node's fetch compiles WebAssembly (its
 * HTTP parser), which the lite mode the agent runs in leaves out (see
 * vehicle-agent/scripts/build.ts).
 */
function getText(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith("https:") ? httpsGet : httpGet)(url, { timeout: timeoutMs }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`HTTP ${res.statusCode}`));
      }
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
        if (body.length > 64 * 1024) request.destroy(new Error("the answer is too large for a key"));
      });
      res.on("end", () => resolve(body));
      res.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    request.on("error", reject);
  });
}
