/**
 * Scheduling throughput and create-to-bind latency against dist/lite with simulated nodes.
 *   bun bench/scheduler/scheduler-bench.ts [pods=1000] [nodes=100] [concurrency=64] [initPods=500]
 * Pods are created by a separate process over HTTPS (bench/lib/https-create-client.ts, the API
 * benchmark's load generator: `concurrency` keep-alive TLS connections, one POST in flight on
 * each); a watch in this process records when each pod is bound (spec.nodeName appears). Throughput is
 * pods / (last bind - first create); `initPods` pods are created and bound first, unmeasured (upstream
 * scheduler_perf's initPods: SchedulingBasic has 500), in their own namespace. Latency is bind time - create request start. The wait for
 * binds after the last create is BENCH_BIND_TIMEOUT_MS (default 120 000).
 */
import { builtinResources, type KubeObject } from "@lite/sdk";
import { createApiClient, httpsTransport, kubeconfigTransportOptions } from "../../core/client/index.ts";
import { clusterCidrArgs } from "./cluster-cidr.ts";
import { kubectl, startServer } from "../../tests/harness/lite-process.ts";
import { startNodeSimulator } from "../../tests/sim/node-simulator.ts";
import { createLoad, readKubeconfig } from "../api/lib.ts";

const [pods = 1000, nodes = 100, concurrency = 64, initPods = 500] = process.argv.slice(2).map(Number);
const server = await startServer([...clusterCidrArgs(nodes), ...(process.env.BENCH_SERVER_ARGS ?? "").split(" ").filter(Boolean)],
  // e.g. BENCH_SERVER_BUN_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server
  process.env.BENCH_SERVER_BUN_OPTIONS ? { BUN_OPTIONS: process.env.BENCH_SERVER_BUN_OPTIONS } : {});
const sim = await startNodeSimulator({ kubeconfig: server.kubeconfig, nodes, capacity: { cpu: "64", memory: "256Gi", pods: "250" } });
try {
  const { server: url, creds } = await readKubeconfig(server.kubeconfig);
  const target = { port: Number(new URL(url).port), creds };
  /** Creates `count` pods `<prefix>-<i>` in `namespace` from the load generator; returns when each was sent. */
  const createPods = async (namespace: string, prefix: string, count: number) => {
    const load = await createLoad(target, {
      path: `/api/v1/namespaces/${namespace}/pods`, kind: "pod", namespace, prefix, total: count, connections: concurrency, maxSeconds: 120, recordSentAt: true,
    });
    if (load.errors) throw new Error(`${load.errors} pod creates failed, first: ${load.firstError}`);
    return { ms: load.seconds * 1000, createdAt: Object.fromEntries(load.sentAt!.map((t, i) => [`${prefix}-${i}`, t])) };
  };
  const client = createApiClient({ transport: httpsTransport(kubeconfigTransportOptions(server.kubeconfig)), fieldManager: "bench" });
  /** Records each pod's bind time (ms epoch); `allBound` resolves once `count` pods of `namespace` are bound. */
  const watchBinds = (namespace: string, count: number, stop: AbortSignal) => {
    const bound = new Map<string, number>();
    const all = Promise.withResolvers<void>();
    const watching = (async () => {
      for await (const ev of client.watch<KubeObject & { spec?: { nodeName?: string } }>({ ...builtinResources.pods, namespace }, { signal: stop, resourceVersion: "0" })) {
        const name = ev.object.metadata.name!;
        if (ev.object.spec?.nodeName && !bound.has(name)) { bound.set(name, Date.now()); if (bound.size === count) all.resolve(); }
      }
    })().catch(() => {});
    return { bound, allBound: all.promise, watching };
  };

  // Unmeasured init pods first, as upstream's scheduler_perf does (`initPods`): the server, the
  // scheduler and the simulated kubelets run warm when the measured pods come.
  if (initPods > 0) {
    await kubectl(server, ["create", "namespace", "init"]);
    const stopInit = new AbortController();
    const init = watchBinds("init", initPods, stopInit.signal);
    await Bun.sleep(300);
    await createPods("init", "i", initPods);
    await Promise.race([init.allBound, Bun.sleep(60_000)]);
    stopInit.abort();
    await init.watching;
    if (init.bound.size !== initPods) throw new Error(`only ${init.bound.size} of ${initPods} init pods were bound`);
  }

  await kubectl(server, ["create", "namespace", "bench"]);
  const stop = new AbortController();
  const { bound, allBound, watching } = watchBinds("bench", pods, stop.signal);
  await Bun.sleep(300);
  const out = await createPods("bench", "p", pods);
  await Promise.race([allBound, Bun.sleep(process.env.BENCH_SERVER_ARGS?.includes("--disable-scheduler") ? 0 : Number(process.env.BENCH_BIND_TIMEOUT_MS ?? 120_000))]);
  stop.abort();
  await watching;
  const lat = Object.entries(out.createdAt).filter(([n]) => bound.has(n)).map(([n, t]) => bound.get(n)! - t).sort((a, b) => a - b);
  const first = Math.min(...Object.values(out.createdAt));
  const last = Math.max(...bound.values());
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
  console.log(JSON.stringify({
    pods, nodes, concurrency, initPods, bound: bound.size, createMs: Math.round(out.ms), createRate: Math.round(pods / (out.ms / 1000)),
    schedulingRate: Math.round((bound.size / (last - first)) * 1000), p50: pct(50), p99: pct(99), max: lat[lat.length - 1],
  }));
} finally {
  await sim.stop();
  await server.stop();
}
