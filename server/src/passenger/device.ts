import { createHmac, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

/**
 * The remembered device: a signed cookie holding only the passenger's person
 * id (never the phone), so later scans are one tap. Set only once the phone's
 * owner proved it on this device with a one-time code (otp/), so the cookie
 * means "this device belongs to this verified person". Signed with a key
 * derived from DATA_KEY, so it cannot be forged to check in as someone else.
 */
export const DEVICE_COOKIE = "tc_device";
const HALF_YEAR_S = 183 * 86_400;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/*
 * Signed as hono's signed cookies are (`value.base64(HMAC-SHA256)`), so devices
 * remembered before keep working, but with node:crypto's synchronous HMAC: the
 * WebCrypto one hono uses cost more CPU than the rest of a one-tap check-in.
 */
const sign = (value: string, secret: string) => createHmac("sha256", secret).update(`verified:${value}`).digest("base64");
// The "verified:" label: cookies signed before phones were verified (over the bare person id, by
// whoever typed a phone) no longer check, so those devices are asked for a code once.

/**
 * Cookies whose signature this process has checked, by secret: a commuter's
 * phone sends the same cookie with every page and check-in. Checking it again
 * each time (HMAC, two base64 buffers) was a tenth of a page's server CPU:
 * bench:checkin (d) 248–255 → 226–229 µs a page, 0.49 → 0.52–0.54 of
 * /health. Only a cookie that checked is kept, so a forged one costs what
 * it did; past MAX_CHECKED the oldest go first.
 */
const checked = new Map<string, Map<string, string>>();
const MAX_CHECKED = 50_000;

/** The verified person this device belongs to, or null. */
export async function devicePersonId(c: Context, secret: string): Promise<string | null> {
  const raw = getCookie(c, DEVICE_COOKIE);
  if (!raw) return null;
  let bySecret = checked.get(secret);
  const known = bySecret?.get(raw);
  if (known !== undefined) return known;
  const dot = raw.lastIndexOf(".");
  if (dot < 0) return null;
  const value = raw.slice(0, dot);
  const given = Buffer.from(raw.slice(dot + 1), "base64");
  const expected = Buffer.from(sign(value, secret), "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected) || !UUID.test(value)) return null;
  if (!bySecret) checked.set(secret, (bySecret = new Map()));
  if (bySecret.size >= MAX_CHECKED) bySecret.delete(bySecret.keys().next().value!);
  bySecret.set(raw, value);
  return value;
}

export async function rememberDevice(c: Context, secret: string, personId: string, publicUrl: string): Promise<void> {
  setCookie(c, DEVICE_COOKIE, `${personId}.${sign(personId, secret)}`, {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: publicUrl.startsWith("https:"),
    maxAge: HALF_YEAR_S,
  });
}

export function forgetDevice(c: Context): void {
  deleteCookie(c, DEVICE_COOKIE, { path: "/" });
}

