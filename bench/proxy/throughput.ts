/**
 * Pod-to-Service vs pod-to-pod TCP throughput through lite's rules.
 *
 *   bun bench/proxy/throughput.ts [mib=256] [runs=5]
 *
 * A node, a server pod and a client pod in network namespaces of this script (core/proxy/testing/
 * netns-lab.ts: a bridge with veths, as the CNI bridge plugin builds it); the service proxy's rules
 * (a ClusterIP Service with one endpoint, plus 1000 other Services so the maps are not trivial) in
 * the node namespace. The client sends MIB MiB over one connection (Bun sockets, 256 KiB writes)
 * to the pod IP directly and to the ClusterIP, alternating; prints Markdown with medians.
 */
import { cpus, loadavg } from "node:os";
import { computeProxyState } from "../../core/proxy/proxy-model.ts";
import { renderRuleset } from "../../core/proxy/nft-ruleset.ts";
import { nftExecutor } from "../../core/proxy/nft-exec.ts";
import { createNetnsLab, NODE_IP } from "../../core/proxy/testing/netns-lab.ts";
import { endpoint, endpointSlice, service } from "../../core/proxy/testing/objects.ts";

const [mib = 256, runs = 5] = process.argv.slice(2).map(Number);
const SERVER = "10.42.0.10", CLIENT = "10.42.0.20";
const lab = createNetnsLab();
try {
  const server = lab.addPod(SERVER);
  const client = lab.addPod(CLIENT);
  await lab.startFixture(server, ["sink", "9000"]);
  const others = Array.from({ length: 1000 }, (_, i) => service(`o${i}`, { clusterIP: `10.43.${10 + Math.floor(i / 250)}.${(i % 250) + 1}`, ports: [{ port: 80 }] }));
  const otherSlices = others.map((s, i) => endpointSlice(s.metadata.name, [endpoint(`10.42.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`)], [{ port: 80 }]));
  const state = computeProxyState(
    [service("sink", { clusterIP: "10.43.0.10", ports: [{ port: 9000 }] }), ...others],
    [endpointSlice("sink", [endpoint(SERVER)], [{ port: 9000 }]), ...otherSlices],
    { nodeName: "node-a", family: "IPv4", nodePortAddresses: [NODE_IP], clusterCIDRs: ["10.42.0.0/16"] },
  );
  await nftExecutor(["ip", "netns", "exec", lab.node]).apply(renderRuleset(state).text);
  type R = { bytes: number; ms: number; mibPerSec: number; error?: string };
  const direct: number[] = [], viaService: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const [target, out] of [[SERVER, direct], ["10.43.0.10", viaService]] as const) {
      const r = await lab.fixture<R>(client, ["send", target, "9000", String(mib)]);
      if (r.error || r.bytes !== mib * 1048576) throw new Error(`transfer to ${target} failed: ${JSON.stringify(r)}`);
      out.push(r.mibPerSec);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`## Pod-to-Service vs pod-to-pod throughput (${mib} MiB per run, ${runs} runs each)\n`);
  console.log(`Date ${new Date().toISOString()}, nproc ${cpus().length}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}, Bun ${Bun.version}\n`);
  console.log("| path | median MiB/s | runs |\n|---|---|---|");
  console.log(`| pod -> pod IP (bridge) | ${median(direct)} | ${direct.join(", ")} |`);
  console.log(`| pod -> ClusterIP (DNAT, routed via the node) | ${median(viaService)} | ${viaService.join(", ")} |`);
  console.log(`\nService / direct: ${(median(viaService) / median(direct) * 100).toFixed(0)} %`);
} finally {
  lab.destroy();
}
