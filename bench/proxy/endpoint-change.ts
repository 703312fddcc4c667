/**
 * EndpointSlice change -> rule in place, with N Services (default 1000).
 *
 *   bun bench/proxy/endpoint-change.ts [services=1000] [changes=30] [endpointsPerService=2]
 *
 * An in-process API server (memory store) with N ClusterIP Services and one EndpointSlice each;
 * the service proxy runs with real informers on it and applies its rules with the real `nft` in a
 * scratch network namespace (deleted at the end). Each change updates one Service's slice to a
 * fresh endpoint address; the latency is from just before the update request to the end of the
 * first `nft -f` transaction holding that address (the kernel committed it). Changes are spaced
 * 400-900 ms apart at random, so some land inside the proxy's 250 ms minimum sync interval.
 * Prints Markdown.
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { quietLog, startTestCluster } from "../../core/controllers/testing/in-process.ts";
import { startServiceProxy } from "../../core/proxy/service-proxy.ts";
import { nftExecutor, type NftExecutor } from "../../core/proxy/nft-exec.ts";

const [services = 1000, changes = 30, perService = 2] = process.argv.slice(2).map(Number);
const ns = `lt-proxy-bench-${Math.random().toString(36).slice(2, 8)}`;
const SLICES = { ...builtinResources.endpointSlices, namespace: "default" };
const SERVICES = { ...builtinResources.services, namespace: "default" };

const slice = (i: number, ips: string[]) => ({
  apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
  metadata: { name: `svc-${i}-x`, namespace: "default", labels: { "kubernetes.io/service-name": `svc-${i}` } },
  addressType: "IPv4",
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: "node-a" })),
  ports: [{ name: "", port: 8080, protocol: "TCP" }],
}) as unknown as KubeObject;
const podIP = (n: number) => `10.42.${(n >> 8) & 255}.${n & 255}`;

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))]!; };

spawnSync("ip", ["netns", "add", ns]);
const cluster = await startTestCluster();
let proxy: ReturnType<typeof startServiceProxy> | undefined;
try {
  const tSetup = performance.now();
  for (let i = 0; i < services; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, services - i) }, async (_, k) => {
      const n = i + k;
      await cluster.client.create(SERVICES, { apiVersion: "v1", kind: "Service", metadata: { name: `svc-${n}`, namespace: "default" }, spec: { ports: [{ port: 80, targetPort: 8080 }] } } as unknown as KubeObject);
      await cluster.client.create(SLICES, slice(n, Array.from({ length: perService }, (_, e) => podIP(n * perService + e + 10))));
    }));
  }
  const setupMs = performance.now() - tSetup;

  // The real nft, recording when each transaction was committed.
  const real = nftExecutor(["ip", "netns", "exec", ns]);
  const applies: { at: number; text: string; ms: number }[] = [];
  const nft: NftExecutor = {
    list: (f, t) => real.list(f, t),
    async apply(text) {
      const t0 = performance.now();
      await real.apply(text);
      applies.push({ at: performance.now(), text, ms: performance.now() - t0 });
    },
  };
  const tStart = performance.now();
  proxy = startServiceProxy({ client: cluster.client, log: quietLog, nodeName: "node-a", nodePortAddresses: ["192.168.77.1"], clusterCIDRs: ["10.42.0.0/16"], nft, conntrack: false });
  await proxy.ready();
  const firstSyncMs = performance.now() - tStart;
  const firstApplyMs = applies.at(-1)!.ms;
  const firstStatus = proxy.status();

  const latencies: number[] = [];
  const applyMs: number[] = [];
  for (let c = 0; c < changes; c++) {
    await Bun.sleep(400 + Math.random() * 500);
    const n = Math.floor(Math.random() * services);
    const fresh = `10.99.${Math.floor(c / 250)}.${(c % 250) + 1}`;
    const current = await cluster.client.get({ ...SLICES, name: `svc-${n}-x` });
    const next = slice(n, [fresh, podIP(n * perService + 10)]);
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    const before = applies.length;
    const t0 = performance.now();
    await cluster.client.update({ ...SLICES, name: `svc-${n}-x` }, next);
    for (;;) {
      const hit = applies.slice(before).find((a) => a.text.includes(`dnat to ${fresh}:8080`));
      if (hit) { latencies.push(hit.at - t0); applyMs.push(hit.ms); break; }
      if (performance.now() - t0 > 10_000) throw new Error(`change ${c} not applied within 10 s`);
      await Bun.sleep(2);
    }
  }
  const s = proxy.status();
  const fmt = (x: number) => x.toFixed(0);
  console.log(`## EndpointSlice change -> rule in place (${services} Services x ${perService} endpoints)\n`);
  console.log(`Date ${new Date().toISOString()}, nproc ${cpus().length}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}, Bun ${Bun.version}`);
  console.log(`Setup (create ${services} Services + slices in-process): ${fmt(setupMs)} ms`);
  console.log(`Ruleset: ${s.rules} rules, ${s.mapElements} map elements, ${s.servicePorts} service ports, ${s.endpoints} endpoints\n`);
  console.log("| measure | median | p90 | max |\n|---|---|---|---|");
  console.log(`| change -> nft transaction committed (ms, n=${latencies.length}) | ${fmt(pct(latencies, 0.5))} | ${fmt(pct(latencies, 0.9))} | ${fmt(Math.max(...latencies))} |`);
  console.log(`| its nft -f (partial transaction, ms) | ${fmt(pct(applyMs, 0.5))} | ${fmt(pct(applyMs, 0.9))} | ${fmt(Math.max(...applyMs))} |`);
  console.log(`| last sync: compute + render + nft -f (ms) | ${s.lastSyncDurationMs} | | |`);
  console.log(`\nStart: informers synced + first full sync ${fmt(firstSyncMs)} ms (its nft -f: ${fmt(firstApplyMs)} ms, ${firstStatus.rules} rules).`);
} finally {
  await proxy?.stop();
  await cluster.close();
  spawnSync("ip", ["netns", "delete", ns]);
}
