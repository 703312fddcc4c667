/**
 * The forwarding cache, as CoreDNS' `cache` plugin: positive answers live for the smallest TTL of
 * their answer and authority records, negative answers (NXDOMAIN, NODATA) for the SOA's
 * min(TTL, MINIMUM) (RFC 2308), both capped at `maxSeconds` and raised to at least `minSeconds`;
 * negative answers without a SOA, SERVFAIL and other errors are not cached. TTLs served from the
 * cache count down. At `capacity` entries the oldest are evicted. The clock is injected.
 */
import { RRType, Rcode } from "../dns/constants.ts";
import type { ResourceRecord } from "../dns/message.ts";

export interface CachedResponse {
  rcode: number;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  /** Milliseconds (clock time) it was stored and when it expires. */
  storedAt: number;
  expiresAt: number;
  negative: boolean;
}

export interface ResponseCacheOptions {
  maxSeconds: number;
  minSeconds?: number;
  capacity?: number;
  now?: () => number;
}

export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private readonly now: () => number;
  readonly capacity: number;

  constructor(private readonly opts: ResponseCacheOptions) {
    this.now = opts.now ?? Date.now;
    this.capacity = opts.capacity ?? 10_000;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The live entry as stored (TTLs as of `storedAt`), or undefined; expired entries are dropped. */
  get(key: string): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.now() >= e.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** An entry's records with TTLs counted down to now. */
  aged(e: CachedResponse): CachedResponse {
    const elapsed = Math.floor((this.now() - e.storedAt) / 1000);
    if (elapsed <= 0) return e;
    const age = (rs: ResourceRecord[]) => rs.map((r) => ({ ...r, ttl: Math.max(0, r.ttl - elapsed) }));
    return { ...e, answers: age(e.answers), authorities: age(e.authorities), additionals: age(e.additionals) };
  }

  /** Stores a response if it is cacheable; returns the stored entry (TTLs capped to its lifetime) or undefined. */
  put(key: string, r: { rcode: number; answers: ResourceRecord[]; authorities: ResourceRecord[]; additionals: ResourceRecord[] }): CachedResponse | undefined {
    const seconds = this.lifetime(r);
    if (seconds === undefined) return undefined;
    const now = this.now();
    const cap = (rs: ResourceRecord[]) => rs.map((x) => (x.ttl > seconds ? { ...x, ttl: seconds } : x));
    const entry: CachedResponse = {
      rcode: r.rcode, answers: cap(r.answers), authorities: cap(r.authorities), additionals: cap(r.additionals),
      storedAt: now, expiresAt: now + seconds * 1000, negative: r.rcode === Rcode.NXDOMAIN || r.answers.length === 0,
    };
    this.entries.delete(key);
    while (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    return entry;
  }

  clear(): void {
    this.entries.clear();
  }

  private lifetime(r: { rcode: number; answers: ResourceRecord[]; authorities: ResourceRecord[] }): number | undefined {
    const min = Math.min(this.opts.minSeconds ?? 5, this.opts.maxSeconds);
    if (this.opts.maxSeconds <= 0) return undefined;
    const clamp = (s: number) => Math.max(min, Math.min(s, this.opts.maxSeconds));
    if (r.rcode === Rcode.NOERROR && r.answers.length > 0) {
      return clamp(Math.min(...[...r.answers, ...r.authorities].map((x) => x.ttl)));
    }
    if (r.rcode === Rcode.NXDOMAIN || r.rcode === Rcode.NOERROR) {
      const soa = r.authorities.find((x) => x.type === RRType.SOA);
      if (!soa) return undefined;
      return clamp(Math.min(soa.ttl, (soa.data as { minimum: number }).minimum));
    }
    return undefined;
  }
}
