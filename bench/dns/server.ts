// The DNS server of the coredns plugin, as its node half assembles it (query handler, cache,
// forwarder, UDP+TCP listeners), over fixture cluster data instead of informers, on 127.0.0.1 with
// an OS-assigned port, forwarding to a test upstream on 127.0.0.1 (started here, never a real
// resolver). Prints `{"port":N}` once listening; runs until killed. Used by qps.ts.
import { parseCidr } from "../../plugins/coredns/dns/ip.ts";
import { ResponseCache } from "../../plugins/coredns/forward/cache.ts";
import { createForwarder } from "../../plugins/coredns/forward/forwarder.ts";
import { parseUpstream, type Upstream } from "../../plugins/coredns/forward/upstream.ts";
import { DnsMetrics } from "../../plugins/coredns/metrics.ts";
import { createQueryHandler } from "../../plugins/coredns/server/handler.ts";
import { startDnsListeners } from "../../plugins/coredns/server/listeners.ts";
import { a, startTestUpstream } from "../../plugins/coredns/testing/test-upstream.ts";
import { ClusterData } from "../../plugins/coredns/zone/cluster-data.ts";
import { createClusterZone } from "../../plugins/coredns/zone/cluster-zone.ts";
import { HostsTable } from "../../plugins/coredns/zone/hosts.ts";

const upstream = await startTestUpstream([a("www.example.test", "192.0.2.10", 3600)]);
const data = new ClusterData();
// 200 Services in 10 namespaces, a headless one with 3 endpoints.
for (let i = 0; i < 200; i++) {
  data.upsertService({ metadata: { namespace: `ns${i % 10}`, name: `svc${i}` }, spec: { clusterIP: `10.43.${i >> 8}.${(i & 255) + 1}`, ports: [{ name: "http", port: 80 }] } });
}
data.upsertService({ metadata: { namespace: "default", name: "web" }, spec: { clusterIP: "10.43.1.20", ports: [{ name: "http", port: 80 }] } });
data.upsertService({ metadata: { namespace: "default", name: "db" }, spec: { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] } });
data.upsertSlice({
  metadata: { namespace: "default", name: "db-1", labels: { "kubernetes.io/service-name": "db" } },
  endpoints: [0, 1, 2].map((i) => ({ addresses: [`10.42.0.${10 + i}`], hostname: `db-${i}`, conditions: { ready: true } })),
  ports: [{ name: "pg", port: 5432, protocol: "TCP" }],
});
const hosts = new HostsTable();
const zone = createClusterZone(data, { zone: "cluster.local", dnsIP: "10.43.0.10", ttl: 5, reverseCidrs: [parseCidr("10.43.0.0/16")!, parseCidr("10.42.0.0/16")!] });
const cache = new ResponseCache({ maxSeconds: 3600 });
const metrics = new DnsMetrics(() => cache.size);
const upstreams = [parseUpstream(upstream.address) as Upstream];
const handler = createQueryHandler({
  cluster: zone, hosts, cache, forwarder: createForwarder(), metrics,
  generation: () => data.generation + hosts.generation, forwardZones: () => [], upstreams: () => upstreams,
});
const listeners = await startDnsListeners({ hostname: "127.0.0.1", port: 0, handle: (q, p) => handler.handle(q, p) });
console.log(JSON.stringify({ port: listeners.port }));
process.on("SIGTERM", () => {
  listeners.close();
  upstream.close();
  console.error(JSON.stringify({ metrics: metrics.summary() }));
  process.exit(0);
});
