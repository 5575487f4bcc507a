import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";

/**
 * The remembered device: a signed cookie holding only the passenger's person
 * id (never the phone), so later scans are one tap. Signed with a key derived
 * from DATA_KEY, so it cannot be forged to check in as someone else.
 */
export const DEVICE_COOKIE = "tc_device";
const HALF_YEAR_S = 183 * 86_400;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function devicePersonId(c: Context, secret: string): Promise<string | null> {
  const value = await getSignedCookie(c, secret, DEVICE_COOKIE);
  return typeof value === "string" && UUID.test(value) ? value : null;
}

export async function rememberDevice(c: Context, secret: string, personId: string, publicUrl: string): Promise<void> {
  await setSignedCookie(c, DEVICE_COOKIE, personId, secret, {
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

