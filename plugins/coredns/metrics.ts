/**
 * Per-query metrics in CoreDNS' names where one exists (coredns_dns_requests_total,
 * coredns_dns_responses_total, coredns_dns_request_duration_seconds, coredns_cache_hits_total,
 * coredns_cache_misses_total, coredns_forward_requests_total, ...), rendered as Prometheus text.
 * Recording is a few map updates; nothing here allocates per query once label sets are known.
 */
import { RRType, rcodeName, typeName } from "./dns/constants.ts";

/** Query types counted by name; any other type is counted as "other" (bounded label values). */
const KNOWN_TYPES = new Set<number>(Object.values(RRType));

/** Latency buckets in seconds (CoreDNS': 0.25 ms doubling to 8.192 s). */
const BUCKETS = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);

/** Where an answer came from. */
export type AnswerSource = "cluster" | "hosts" | "cache" | "forward" | "error";

class Histogram {
  readonly counts = new Float64Array(BUCKETS.length);
  count = 0;
  sum = 0;
  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) { this.counts[i]!++; break; }
  }
  /** The upper bound of the bucket holding quantile q (0..1), in seconds. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const want = q * this.count;
    let acc = 0;
    for (let i = 0; i < BUCKETS.length; i++) {
      acc += this.counts[i]!;
      if (acc >= want) return BUCKETS[i]!;
    }
    return Infinity;
  }
}

export class DnsMetrics {
  private readonly requests = new Map<string, number>(); // proto|type
  private readonly responses = new Map<number, number>(); // rcode
  private readonly bySource = new Map<AnswerSource, Histogram>();
  private readonly forwardRequests = new Map<string, number>(); // upstream|outcome
  private readonly forwardLatency = new Histogram();
  cacheHits = 0;
  cacheMisses = 0;
  /** Packets dropped before an answer (not a query, undecodable header). */
  dropped = 0;

  constructor(private readonly cacheSize: () => number = () => 0) {}

  /** One answered query. */
  record(proto: "udp" | "tcp", qtype: number, rcode: number, source: AnswerSource, seconds: number): void {
    const key = `${proto}|${KNOWN_TYPES.has(qtype) ? qtype : -1}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.responses.set(rcode, (this.responses.get(rcode) ?? 0) + 1);
    let h = this.bySource.get(source);
    if (!h) this.bySource.set(source, h = new Histogram());
    h.observe(seconds);
  }

  forwardAttempt(upstream: string, outcome: string, ms: number): void {
    const key = `${upstream}|${outcome}`;
    this.forwardRequests.set(key, (this.forwardRequests.get(key) ?? 0) + 1);
    this.forwardLatency.observe(ms / 1000);
  }

  /** Totals for status details. */
  summary(): Record<string, unknown> {
    let queries = 0;
    for (const v of this.requests.values()) queries += v;
    const bySource: Record<string, number> = {};
    const all = new Histogram();
    for (const [s, h] of this.bySource) {
      bySource[s] = h.count;
      all.count += h.count;
      for (let i = 0; i < BUCKETS.length; i++) all.counts[i]! += h.counts[i]!;
    }
    const responses: Record<string, number> = {};
    for (const [rcode, n] of this.responses) responses[rcodeName(rcode)] = n;
    const p99 = all.quantile(0.99);
    return {
      queries, bySource, responses, cacheHits: this.cacheHits, cacheMisses: this.cacheMisses, cacheEntries: this.cacheSize(),
      ...(p99 !== undefined ? { latencyP99Ms: p99 === Infinity ? "+Inf" : p99 * 1000 } : {}),
    };
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    family("coredns_dns_requests_total", "counter", "Counter of DNS requests made per protocol and type.");
    for (const [key, n] of this.requests) {
      const [proto, type] = key.split("|");
      lines.push(`coredns_dns_requests_total{proto="${proto}",type="${type === "-1" ? "other" : typeName(Number(type))}"} ${n}`);
    }
    family("coredns_dns_responses_total", "counter", "Counter of response status codes.");
    for (const [rcode, n] of this.responses) lines.push(`coredns_dns_responses_total{rcode="${rcodeName(rcode)}"} ${n}`);
    family("coredns_dns_request_duration_seconds", "histogram", "Histogram of the time (in seconds) each request took, by where the answer came from.");
    for (const [source, h] of this.bySource) histogram(lines, "coredns_dns_request_duration_seconds", `source="${source}"`, h);
    family("coredns_cache_hits_total", "counter", "The count of cache hits.");
    lines.push(`coredns_cache_hits_total ${this.cacheHits}`);
    family("coredns_cache_misses_total", "counter", "The count of cache misses.");
    lines.push(`coredns_cache_misses_total ${this.cacheMisses}`);
    family("coredns_cache_entries", "gauge", "The number of elements in the cache.");
    lines.push(`coredns_cache_entries ${this.cacheSize()}`);
    family("coredns_forward_requests_total", "counter", "Counter of requests made per upstream and outcome.");
    for (const [key, n] of this.forwardRequests) {
      const [to, outcome] = key.split("|");
      lines.push(`coredns_forward_requests_total{to="${to}",outcome="${outcome}"} ${n}`);
    }
    family("coredns_forward_request_duration_seconds", "histogram", "Histogram of the time each upstream request took.");
    histogram(lines, "coredns_forward_request_duration_seconds", "", this.forwardLatency);
    family("coredns_dns_dropped_total", "counter", "Packets dropped without an answer (responses, undecodable headers).");
    lines.push(`coredns_dns_dropped_total ${this.dropped}`);
    return `${lines.join("\n")}\n`;
  }
}

function histogram(lines: string[], name: string, labels: string, h: Histogram): void {
  const sep = labels ? `${labels},` : "";
  let acc = 0;
  for (let i = 0; i < BUCKETS.length; i++) {
    acc += h.counts[i]!;
    lines.push(`${name}_bucket{${sep}le="${BUCKETS[i]}"} ${acc}`);
  }
  lines.push(`${name}_bucket{${sep}le="+Inf"} ${h.count}`);
  lines.push(`${name}_sum${labels ? `{${labels}}` : ""} ${h.sum}`);
  lines.push(`${name}_count${labels ? `{${labels}}` : ""} ${h.count}`);
}
