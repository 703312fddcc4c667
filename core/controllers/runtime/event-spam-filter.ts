/**
 * Upstream's EventSourceObjectSpamFilter (client-go tools/record): each (source, involved object)
 * pair has a token bucket of `burst` Events refilled at one per `refillMs`; an Event that finds
 * the bucket empty is dropped. It keeps a controller that fails on the same object over and over
 * (a Node that finds no pod CIDR on every status update, say) from writing an Event each time.
 * Defaults are upstream's: burst 25, one token per 5 minutes.
 */
export interface EventSpamFilterOptions {
  burst?: number;
  refillMs?: number;
  /** Distinct (source, object) pairs remembered, least recently used forgotten first (default 4096). */
  size?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export interface EventSpamFilter {
  /** True if an Event for this key may be written now (and takes a token). */
  allow(key: string, nowMs: number): boolean;
}

export function createEventSpamFilter(options: EventSpamFilterOptions = {}): EventSpamFilter {
  const burst = options.burst ?? 25;
  const refillMs = options.refillMs ?? 300_000;
  const size = options.size ?? 4096;
  const buckets = new Map<string, Bucket>();
  return {
    allow(key, nowMs) {
      let b = buckets.get(key);
      if (b) {
        buckets.delete(key);
        const earned = Math.floor((nowMs - b.at) / refillMs);
        if (earned > 0) b = { tokens: Math.min(burst, b.tokens + earned), at: b.tokens + earned >= burst ? nowMs : b.at + earned * refillMs };
      } else {
        b = { tokens: burst, at: nowMs };
      }
      buckets.set(key, b); // most recently used last
      while (buckets.size > size) buckets.delete(buckets.keys().next().value!);
      if (b.tokens <= 0) return false;
      b.tokens--;
      return true;
    },
  };
}
