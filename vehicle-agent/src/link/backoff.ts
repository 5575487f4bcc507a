/**
 * Reconnect delays: exponential with "full jitter" above a floor of half the
 * step, so a fleet that lost the broker together does not come back together,
 * yet no vehicle hammers it with near-zero delays.
 */
export function createBackoff(minMs: number, maxMs: number, random: () => number = Math.random) {
  let attempt = 0;
  return {
    next(): number {
      const step = Math.min(maxMs, minMs * 2 ** attempt);
      attempt = Math.min(attempt + 1, 30);
      return Math.round(step / 2 + (random() * step) / 2);
    },
    reset(): void {
      attempt = 0;
    },
  };
}
