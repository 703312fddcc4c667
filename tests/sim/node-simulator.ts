/**
 * NODE SIMULATOR (kwok-like) for tests and benchmarks. It is NOT a kubelet and runs no containers.
 *
 * `startNodeSimulator` registers simulated Node objects (Ready, capacity/allocatable, nodeInfo, a
 * 127.x InternalIP, label `node.kubernetes.io/instance-type=lite-sim`, annotation
 * `lite.dev/simulated: "true"`), renews their Leases in kube-node-lease every `heartbeatMs`
 * (10 s, as the kubelet), and plays the kubelet's part on the API for pods bound to them (Running
 * with a fake 10.42.x podIP; Job pods Succeeded; graceful deletions finished with grace 0).
 *
 * One HTTPS client (the kubeconfig's credentials) and one pod watch serve every simulated node.
 * `stop()` ends every loop; the Nodes stay registered (delete them through the API if needed).
 */
import { builtinResources, type ApiClient, type KubeObject, type Logger } from "@lite/sdk";
import { createApiClient, httpsTransport, kubeconfigTransportOptions } from "../../core/client/index.ts";
import { realClock, type Clock } from "../../core/controllers/runtime/clock.ts";
import { createSharedInformerFactory } from "../../core/controllers/runtime/shared-informer-factory.ts";
import { createNodeHeartbeat, type NodeHeartbeat } from "./node-heartbeat.ts";
import { DEFAULT_CAPACITY, loopbackAddress, type NodeCapacity, type NodeSpec, type Taint } from "./node-objects.ts";
import { runPodKubelet } from "./pod-kubelet.ts";

export type { NodeCapacity, NodeSpec, Taint } from "./node-objects.ts";

export interface NodeSimulatorOptions {
  /** Admin (or otherwise sufficiently privileged) kubeconfig. Ignored when `client` is given. */
  kubeconfig?: string;
  /** An existing client (in-process tests); otherwise one HTTPS client from `kubeconfig`. */
  client?: ApiClient;
  /** How many nodes (named `<namePrefix>-<i>`), or each node's spec. */
  nodes: number | NodeSpec[];
  namePrefix?: string;
  /** Defaults for every node: 32 cpu, 256Gi memory, 110 pods. */
  capacity?: Partial<NodeCapacity>;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** Lease renewal period (default 10 000 ms). */
  heartbeatMs?: number;
  /**
   * Period of Ready-condition heartbeats in the Node status (default 300 000 ms: the kubelet's
   * nodeStatusReportFrequency, which lite's kubelet also uses, core/agent/kubelet/node/start-node-status.ts).
   */
  nodeStatusMs?: number;
  /** Delay from seeing a bound pod to reporting it Running (default 0). */
  podStartMs?: number;
  /** How long a Job pod "runs" before Succeeded (default: podStartMs, at least 500 ms). */
  jobRunMs?: number;
  /** Concurrent pod status writers (default 16). */
  podWorkers?: number;
  log?: Logger;
  clock?: Clock;
}

export interface NodeSimulator {
  readonly nodeNames: readonly string[];
  /** Ends every loop (heartbeats, pod handling). Idempotent. */
  stop(): Promise<void>;
  /** The node stops renewing its Lease and handling pods (a dead kubelet). */
  stopHeartbeat(node: string): void;
  resumeHeartbeat(node: string): void;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function startNodeSimulator(options: NodeSimulatorOptions): Promise<NodeSimulator> {
  const clock = options.clock ?? realClock();
  const log = options.log ?? silent;
  const client = options.client ?? (() => {
    if (!options.kubeconfig) throw new Error("startNodeSimulator needs a kubeconfig or a client");
    return createApiClient({ transport: httpsTransport(kubeconfigTransportOptions(options.kubeconfig)), fieldManager: "lite-node-simulator", userAgent: "lite-node-simulator" });
  })();
  const prefix = options.namePrefix ?? "sim-node";
  const specs: NodeSpec[] = typeof options.nodes === "number"
    ? Array.from({ length: options.nodes }, (_, i) => ({ name: `${prefix}-${i}` }))
    : options.nodes;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const podStartMs = options.podStartMs ?? 0;
  const stopping = new AbortController();
  const signal = stopping.signal;

  const beats = new Map<string, NodeHeartbeat>();
  const hostIPs = new Map<string, string>();
  specs.forEach((s, index) => {
    const spec: NodeSpec = {
      name: s.name,
      labels: { ...options.labels, ...s.labels },
      taints: s.taints ?? options.taints,
    };
    const capacity = { ...DEFAULT_CAPACITY, ...options.capacity, ...s.capacity };
    beats.set(s.name, createNodeHeartbeat({
      client, clock, log, spec, capacity, index, heartbeatMs,
      statusMs: options.nodeStatusMs ?? 300_000,
      leaseDurationSeconds: 40,
    }));
    hostIPs.set(s.name, loopbackAddress(index));
  });

  await inBatches([...beats.values()], 32, (b) => b.register(signal));

  const informers = createSharedInformerFactory({ client, clock, log });
  const podInformer = informers.informerFor<KubeObject>(builtinResources.pods);
  informers.start(signal);
  const loops: Promise<unknown>[] = [...beats.values()].map((b) => b.run(signal));
  loops.push(runPodKubelet({
    client, clock, log, pods: podInformer,
    hostIP: (n) => hostIPs.get(n),
    paused: (n) => beats.get(n)?.paused() ?? false,
    podStartMs,
    jobRunMs: options.jobRunMs ?? Math.max(500, podStartMs),
    workers: options.podWorkers ?? 16,
  }, signal));
  await informers.waitForSync(signal);

  let stopped: Promise<void> | undefined;
  const beat = (node: string) => {
    const b = beats.get(node);
    if (!b) throw new Error(`${node} is not a node of this simulator`);
    return b;
  };
  return {
    nodeNames: specs.map((s) => s.name),
    stop() {
      return (stopped ??= (async () => {
        stopping.abort();
        await Promise.allSettled(loops);
        await informers.stopped();
      })());
    },
    stopHeartbeat: (node) => beat(node).pause(),
    resumeHeartbeat: (node) => beat(node).resume(),
  };
}
