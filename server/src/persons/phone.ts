/**
 * Phone numbers as passengers type them: Chinese mobiles with or without the
 * country code (13812345678, +86 138 1234 5678, 0086…), or any E.164 number.
 * Everything is normalised to E.164 so the same phone always finds the same
 * person, whichever way it was written.
 */
const CN_MOBILE = /^1[3-9]\d{9}$/;
const E164 = /^\+[1-9]\d{7,14}$/;

export function normalisePhone(input: string): string | null {
  const compact = input.trim().replace(/[\s\-().]/g, "");
  if (CN_MOBILE.test(compact)) return `+86${compact}`;
  const international = compact.startsWith("00") ? `+${compact.slice(2)}` : compact;
  if (/^86\d{11}$/.test(international) && CN_MOBILE.test(international.slice(2))) return `+${international}`;
  if (!E164.test(international)) return null;
  // +86 numbers given to a passenger page are mobiles; a landline cannot scan a code.
  if (international.startsWith("+86") && !CN_MOBILE.test(international.slice(3))) return null;
  return international;
}

/** "+8613812345678" → "138****5678": enough for a passenger to recognise their own number. */
export function maskPhone(e164: string): string {
  const local = e164.startsWith("+86") ? e164.slice(3) : e164;
  if (local.length <= 7) return `${local.slice(0, 2)}****`;
  return `${local.slice(0, 3)}****${local.slice(-4)}`;
}

/** "张三丰" → "张**", "Alice" → "A****"; never more than four stars, so a long name's length is not told either. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return "";
  return chars[0] + "*".repeat(Math.min(4, Math.max(1, chars.length - 1)));
}
