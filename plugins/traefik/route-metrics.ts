/**
 * Per-router request counters and latency histograms, named as Traefik's Prometheus metrics
 * (`traefik_router_requests_total`, `traefik_router_request_duration_seconds`), in the text
 * exposition format.
 */
const BUCKETS = [0.1, 0.3, 1.2, 5.0];

interface Series { router: string; service: string; method: string; code: number; count: number; sum: number; buckets: number[] }

export class RouteMetrics {
  private readonly series = new Map<string, Series>();
  private last: Series | null = null; // the series of the previous observation: usually this one's too

  observe(router: string, service: string, method: string, code: number, seconds: number): void {
    let s = this.last;
    if (!s || s.code !== code || s.router !== router || s.method !== method || s.service !== service) {
      const key = `${router}\0${service}\0${method}\0${code}`;
      s = this.series.get(key) ?? null;
      if (!s) { s = { router, service, method, code, count: 0, sum: 0, buckets: BUCKETS.map(() => 0) }; this.series.set(key, s); }
      this.last = s;
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) s.buckets[i]!++;
  }

  /** Requests per router (all codes), for the plugin status. */
  totals(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.series.values()) out[s.router || "(none)"] = (out[s.router || "(none)"] ?? 0) + s.count;
    return out;
  }

  text(): string {
    const lines = [
      "# HELP traefik_router_requests_total How many HTTP requests are processed on a router, partitioned by service, status code and method.",
      "# TYPE traefik_router_requests_total counter",
    ];
    const label = (s: Series) => `code="${s.code}",method="${s.method}",protocol="http",router="${s.router}",service="${s.service}"`;
    for (const s of this.series.values()) lines.push(`traefik_router_requests_total{${label(s)}} ${s.count}`);
    lines.push(
      "# HELP traefik_router_request_duration_seconds How long it took to process the request on a router, partitioned by service, status code, protocol, and method.",
      "# TYPE traefik_router_request_duration_seconds histogram",
    );
    for (const s of this.series.values()) {
      BUCKETS.forEach((b, i) => lines.push(`traefik_router_request_duration_seconds_bucket{${label(s)},le="${b}"} ${s.buckets[i]}`));
      lines.push(`traefik_router_request_duration_seconds_bucket{${label(s)},le="+Inf"} ${s.count}`);
      lines.push(`traefik_router_request_duration_seconds_sum{${label(s)}} ${s.sum}`);
      lines.push(`traefik_router_request_duration_seconds_count{${label(s)}} ${s.count}`);
    }
    return lines.join("\n") + "\n";
  }
}
