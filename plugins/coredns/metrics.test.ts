import { describe, expect, test } from "bun:test";
import { RRType, Rcode } from "./dns/constants.ts";
import { DnsMetrics } from "./metrics.ts";

describe("DNS metrics", () => {
  test("counts by protocol/type and rcode, latency by source, cache and forward counters, as Prometheus text", () => {
    const m = new DnsMetrics(() => 7);
    m.record("udp", RRType.A, Rcode.NOERROR, "cluster", 0.0001);
    m.record("udp", RRType.A, Rcode.NXDOMAIN, "cluster", 0.0003);
    m.record("tcp", RRType.SRV, Rcode.NOERROR, "cache", 0.002);
    m.record("udp", 4242, Rcode.NOERROR, "forward", 0.05);
    m.cacheHits = 1;
    m.cacheMisses = 2;
    m.forwardAttempt("127.0.0.1:53", "NOERROR", 12);
    const text = m.render();
    expect(text).toContain('coredns_dns_requests_total{proto="udp",type="A"} 2');
    expect(text).toContain('coredns_dns_requests_total{proto="tcp",type="SRV"} 1');
    expect(text).toContain('coredns_dns_requests_total{proto="udp",type="other"} 1');
    expect(text).toContain('coredns_dns_responses_total{rcode="NXDOMAIN"} 1');
    expect(text).toContain('coredns_dns_request_duration_seconds_bucket{source="cluster",le="0.00025"} 1');
    expect(text).toContain('coredns_dns_request_duration_seconds_bucket{source="cluster",le="0.0005"} 2');
    expect(text).toContain('coredns_dns_request_duration_seconds_count{source="cluster"} 2');
    expect(text).toContain("coredns_cache_entries 7");
    expect(text).toContain('coredns_forward_requests_total{to="127.0.0.1:53",outcome="NOERROR"} 1');
    expect(m.summary()).toMatchObject({
      queries: 4, bySource: { cluster: 2, cache: 1, forward: 1 }, responses: { NOERROR: 3, NXDOMAIN: 1 },
      cacheHits: 1, cacheMisses: 2, cacheEntries: 7, latencyP99Ms: 64,
    });
  });
});
