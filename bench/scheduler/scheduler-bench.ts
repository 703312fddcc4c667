/**
 * Scheduling throughput and create-to-bind latency against dist/lite with simulated nodes.
 *   bun bench/scheduler/scheduler-bench.ts [pods=1000] [nodes=100] [concurrency=64]
 * Pods are created by a separate process (bench/scheduler/create-pods.ts) over HTTPS; a watch
 * in this process records when each pod is bound (spec.nodeName appears). Throughput is
 * pods / (last bind - first create); latency is bind time - create request start. The wait for
 * binds after the last create is BENCH_BIND_TIMEOUT_MS (default 120 000).
 */
import { builtinResources, type KubeObject } from "@lite/sdk";
import { createApiClient, httpsTransport, kubeconfigTransportOptions } from "../../core/client/index.ts";
import { clusterCidrArgs } from "./cluster-cidr.ts";
import { kubectl, startServer } from "../../tests/harness/lite-process.ts";
import { startNodeSimulator } from "../../tests/sim/node-simulator.ts";

const [pods = 1000, nodes = 100, concurrency = 64] = process.argv.slice(2).map(Number);
const server = await startServer([...clusterCidrArgs(nodes), ...(process.env.BENCH_SERVER_ARGS ?? "").split(" ").filter(Boolean)],
  // e.g. BENCH_SERVER_BUN_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server
  process.env.BENCH_SERVER_BUN_OPTIONS ? { BUN_OPTIONS: process.env.BENCH_SERVER_BUN_OPTIONS } : {});
const sim = await startNodeSimulator({ kubeconfig: server.kubeconfig, nodes, capacity: { cpu: "64", memory: "256Gi", pods: "250" } });
try {
  await kubectl(server, ["create", "namespace", "bench"]);
  const client = createApiClient({ transport: httpsTransport(kubeconfigTransportOptions(server.kubeconfig)), fieldManager: "bench" });
  const bound = new Map<string, number>();
  const stop = new AbortController();
  let done: () => void = () => {};
  const allBound = new Promise<void>((r) => { done = r; });
  const watching = (async () => {
    for await (const ev of client.watch<KubeObject & { spec?: { nodeName?: string } }>({ ...builtinResources.pods, namespace: "bench" }, { signal: stop.signal, resourceVersion: "0" })) {
      const name = ev.object.metadata.name!;
      if (ev.object.spec?.nodeName && !bound.has(name)) { bound.set(name, Date.now()); if (bound.size === pods) done(); }
    }
  })().catch(() => {});
  await Bun.sleep(300);
  const proc = Bun.spawn(["bun", `${import.meta.dir}/create-pods.ts`, server.kubeconfig, "bench", String(pods), String(concurrency), "p"], { stdout: "pipe", stderr: "inherit" });
  const out = JSON.parse(await new Response(proc.stdout).text()) as { ms: number; createdAt: Record<string, number> };
  await Promise.race([allBound, Bun.sleep(process.env.BENCH_SERVER_ARGS?.includes("--disable-scheduler") ? 0 : Number(process.env.BENCH_BIND_TIMEOUT_MS ?? 120_000))]);
  stop.abort();
  await watching;
  const lat = Object.entries(out.createdAt).filter(([n]) => bound.has(n)).map(([n, t]) => bound.get(n)! - t).sort((a, b) => a - b);
  const first = Math.min(...Object.values(out.createdAt));
  const last = Math.max(...bound.values());
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
  console.log(JSON.stringify({
    pods, nodes, concurrency, bound: bound.size, createMs: Math.round(out.ms), createRate: Math.round(pods / (out.ms / 1000)),
    schedulingRate: Math.round((bound.size / (last - first)) * 1000), p50: pct(50), p99: pct(99), max: lat[lat.length - 1],
  }));
} finally {
  await sim.stop();
  await server.stop();
}
