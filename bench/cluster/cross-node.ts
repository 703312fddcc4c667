/**
 * Pod-to-pod throughput and latency across nodes, flannel vxlan vs host-gw, on `lite cluster`
 * (a server and two agents, each node in its own network namespace). For each backend: a cluster,
 * two pods on agent-0 (client, local peer) and one on agent-1 (remote peer); the measuring programs
 * (core/proxy/testing/net-fixture.ts: `sink`/`send` for one TCP stream of MIB MiB, `echo`/`rtt`
 * for one-byte round trips on one connection) run with Bun inside the pods' network namespaces
 * (entered through their pause/container process), so the path is the pod's veth, cni0, the
 * backend and the nodes' link. Same-node pod-to-pod on agent-0, measured in the same rounds, is the
 * baseline. Prints Markdown.
 * Root; needs `dist/lite` (`bun run build`). Cleans up (fixtures, cluster, dir), also on failure.
 *
 *   bun bench/cluster/cross-node.ts [mib=512] [rounds=5] [roundTrips=2000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { resolve } from "node:path";
import type { Subprocess } from "bun";

const lite = resolve(import.meta.dir, "../../dist/lite");
const fixture = resolve(import.meta.dir, "../../core/proxy/testing/net-fixture.ts");
const mib = Number(process.argv[2] ?? 512);
const rounds = Number(process.argv[3] ?? 5);
const roundTrips = Number(process.argv[4] ?? 2000);
const dir = mkdtempSync(`${tmpdir()}/lite-cross-node-`);
const env = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", HOME: dir };
const fixtures: Subprocess[] = [];

async function sh(argv: string[], stdin?: string): Promise<string> {
  const p = Bun.spawn(argv, { env, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${err}${out}`);
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const pod = (name: string, node: string) => JSON.stringify({
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }] },
});

/** The network namespace of a pod's container, through its process in the node's containerd. */
async function podNetns(kubectl: (a: string[], s?: string) => Promise<string>, clusterName: string, name: string): Promise<{ ip: string; netns: string }> {
  const p = JSON.parse(await kubectl(["get", "pod", name, "-o", "json"]));
  const id = String(p.status.containerStatuses[0].containerID).replace("containerd://", "");
  const socket = `${dir}/${clusterName}/nodes/${p.spec.nodeName}/agent/run/containerd/containerd.sock`;
  const tasks = await sh(["ctr", "-a", socket, "-n", "k8s.io", "task", "ls"]);
  const pid = tasks.split("\n").find((l) => l.startsWith(id))?.split(/\s+/)[1];
  if (!pid) throw new Error(`no task for ${name} (${id}) in ${socket}`);
  return { ip: p.status.podIP, netns: `/proc/${pid}/ns/net` };
}

async function inNetns(netns: string, args: string[]): Promise<string> {
  return await sh(["nsenter", `--net=${netns}`, "--", process.execPath, fixture, ...args]);
}

async function startInNetns(netns: string, args: string[]): Promise<void> {
  const p = Bun.spawn(["nsenter", `--net=${netns}`, "--", process.execPath, fixture, ...args], { env, stdout: "pipe", stderr: "inherit" });
  fixtures.push(p);
  const reader = p.stdout.getReader();
  const { value } = await reader.read();
  if (!new TextDecoder().decode(value).includes("ready")) throw new Error(`fixture ${args.join(" ")} did not start`);
  reader.releaseLock();
}

interface PathResult { mibPerSec: number[]; p50Us: number[]; p99Us: number[] }
const results = new Map<string, PathResult>();
const loads: string[] = [];

async function measureBackend(backend: string): Promise<void> {
  const name = `xn${process.pid % 10000}${backend === "vxlan" ? "v" : "h"}`;
  const kubeconfig = `${dir}/kc-${backend}`;
  const kubectl = (a: string[], s?: string) => sh(["kubectl", "--kubeconfig", kubeconfig, ...a], s);
  loads.push(loadavg()[0]!.toFixed(1));
  await sh([lite, "cluster", "create", name, "--agents", "2", "--kubeconfig", kubeconfig, `--server-arg=--flannel-backend=${backend}`, "--cluster-dir", dir]);
  try {
    for (const [p, node] of [["client", "agent-0"], ["local", "agent-0"], ["remote", "agent-1"]] as const) await kubectl(["apply", "-f", "-"], pod(p, node));
    await kubectl(["wait", "--for=condition=Ready", "pod/client", "pod/local", "pod/remote", "--timeout=180s"]);
    const client = await podNetns(kubectl, name, "client");
    const peers = { [`${backend} cluster: same node`]: await podNetns(kubectl, name, "local"), [`${backend} cluster: cross-node`]: await podNetns(kubectl, name, "remote") };
    for (const peer of Object.values(peers)) {
      await startInNetns(peer.netns, ["sink", "5001"]);
      await startInNetns(peer.netns, ["echo", "5002"]);
    }
    for (let r = 0; r < rounds; r++) {
      for (const [label, peer] of Object.entries(peers)) {
        const res = results.get(label) ?? { mibPerSec: [], p50Us: [], p99Us: [] };
        results.set(label, res);
        const t = JSON.parse(await inNetns(client.netns, ["send", peer.ip, "5001", String(mib)]));
        if (t.error) throw new Error(`send to ${label}: ${t.error}`);
        res.mibPerSec.push(t.mibPerSec);
        const l = JSON.parse(await inNetns(client.netns, ["rtt", peer.ip, "5002", String(roundTrips)]));
        if (l.error) throw new Error(`rtt to ${label}: ${l.error}`);
        res.p50Us.push(l.p50Us);
        res.p99Us.push(l.p99Us);
        process.stderr.write(`${label} round ${r + 1}: ${t.mibPerSec} MiB/s, rtt p50 ${l.p50Us} µs p99 ${l.p99Us} µs\n`);
      }
    }
  } finally {
    for (const f of fixtures.splice(0)) { f.kill(); await f.exited; }
    await sh([lite, "cluster", "delete", name, "--cluster-dir", dir]).catch((e) => process.stderr.write(`delete ${name}: ${e}\n`));
  }
}

try {
  await measureBackend("vxlan");
  await measureBackend("host-gw");
} finally {
  for (const f of fixtures) f.kill();
  rmSync(dir, { recursive: true, force: true });
}

const version = (await sh([lite, "--version"])).trim();
console.log(`### ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${version}`);
console.log(`Machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}. ${rounds} rounds per path, one TCP stream of ${mib} MiB (Bun, 256 KiB writes) and ${roundTrips} one-byte round trips per round; 1-min load average at each cluster's start: ${loads.join(", ")}. Each round measures same-node then cross-node back to back, so compare within a cluster.`);
console.log("");
console.log("| path | throughput MiB/s (median) | ratio to same node (same cluster) | rounds (MiB/s) | RTT p50 µs (median) | RTT p99 µs (median) |");
console.log("|---|---|---|---|---|---|");
for (const [label, r] of results) {
  const sameNode = results.get(label.replace("cross-node", "same node"))!;
  const ratio = (median(r.mibPerSec) / median(sameNode.mibPerSec)).toFixed(2);
  console.log(`| ${label} | ${median(r.mibPerSec)} | ${ratio} | ${r.mibPerSec.join(", ")} | ${median(r.p50Us)} | ${median(r.p99Us)} |`);
}
