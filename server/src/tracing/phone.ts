/**
 * The phone a tracer types, in the E.164 form the check-in path hashes
 * (13812345678, +86 138 1234 5678 and 0086… all find the same person).
 * Kept to the same rules as the passenger page's normaliser.
 */
export function phoneToE164(input: string): string | null {
  const compact = input.trim().replace(/[\s\-().]/g, "");
  if (/^1[3-9]\d{9}$/.test(compact)) return `+86${compact}`;
  const international = compact.startsWith("00") ? `+${compact.slice(2)}` : compact;
  if (/^86 ?1[3-9]\d{9}$/.test(international)) return `+${international}`;
  return /^\+[1-9]\d{7,14}$/.test(international) ? international : null;
}
