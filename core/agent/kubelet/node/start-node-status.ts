/**
 * The kubelet's Node: registers it, keeps its status and conditions current, renews its Lease and
 * tracks node pressure (upstream kubelet_node_status.go, nodestatus, nodelease, eviction signals).
 *
 * - Registration: creates the Node (labels, --node-taint taints, full status) or, when it exists,
 *   rewrites only the labels the kubelet owns. Retried with back-off (100 ms doubling to 7 s)
 *   until it succeeds or `signal` fires; `startNodeStatus` resolves once it has succeeded.
 * - Status: every 10 s the kubelet recomputes the status and patches it (strategic merge on the
 *   status subresource) when anything but heartbeat times changed, or 5 min after the last report.
 *   The runtime is checked every 5 s; a change in readiness is reported at once.
 * - Lease: renewed every 10 s (40 s duration); failures retry at 200 ms doubling to 7 s.
 * - stop(): ends every loop; idempotent. The Node and Lease stay (the node lifecycle controller
 *   marks the node unknown when the Lease expires), as upstream.
 */
import { mkdirSync, watch, type FSWatcher } from "node:fs";
import { builtinResources, isAlreadyExists, type ApiClient, type Logger } from "@lite/sdk";
import { realClock, type Clock } from "../../../controllers/runtime/clock.ts";
import type { Threshold } from "../../../config/kubelet-config.ts";
import type { CriClient, Image } from "../../cri/types.ts";
import type { AgentPaths } from "../../paths.ts";
import { createPressureTracker, hostSignalSources, observeSignals, thresholdsMet, type EvictionSignals } from "./eviction-signals.ts";
import { readMachineInfo, type MachineInfo } from "./machine-info.ts";
import { conditionEvents, nodeConditions } from "./node-conditions.ts";
import { createNodeLease, LEASE_RENEW_INTERVAL_MS } from "./node-lease.ts";
import { existingNodePatch, initialNode, type NodeIdentity } from "./node-object.ts";
import { kubeletStatus, nodeStatusChanged } from "./node-status.ts";
import { createRuntimeState } from "./runtime-state.ts";
import type { Node, NodePressure, NodeStatus, Taint } from "./types.ts";

/** Upstream defaults: nodeStatusUpdateFrequency, nodeStatusReportFrequency, the runtime check period. */
export const NODE_STATUS_UPDATE_MS = 10_000;
export const NODE_STATUS_REPORT_MS = 5 * 60_000;
export const RUNTIME_CHECK_MS = 5_000;
/** After a change in the CNI configuration directory: this many checks, this far apart. */
const FAST_CHECKS = 10;
const FAST_CHECK_MS = 300;

export interface NodeStatusOptions {
  client: ApiClient;
  nodeName: string;
  /** The InternalIP address; omitted from the status when unknown. */
  nodeIP?: string;
  hostname: string;
  role: "server" | "agent";
  /** --node-label values (override the defaults). */
  labels: Record<string, string>;
  /** --node-taint values, applied only when the Node is first created. */
  taints: Taint[];
  kubeletPort: number;
  /** Pod capacity (`--kubelet-arg=max-pods`, default 110). */
  maxPods?: number;
  cri: CriClient;
  paths: AgentPaths;
  log: Logger;
  clock?: Clock;
  /**
   * Records an Event about this Node (upstream's kubelet events: NodeHasSufficientMemory,
   * NodeNotReady, Rebooted, …). Message text is upstream's. Optional.
   */
  recordEvent?(type: "Normal" | "Warning", reason: string, message: string): void;
  /** Aborts registration (startNodeStatus then rejects). */
  signal?: AbortSignal;
  /** The eviction thresholds (allocatable holds back the hard memory/nodefs ones) and the pressure-transition period; default upstream's. */
  eviction?: { thresholds: readonly Threshold[]; pressureTransitionPeriodMs: number };
  /**
   * The pressure conditions as the eviction manager sees them (upstream: the setters ask the
   * eviction manager). Without one, node status computes them from its own samples.
   */
  pressure?: () => NodePressure;
  /** Test seams: machine facts and eviction signals (default: read from this machine). */
  machine?: MachineInfo;
  observeSignals?: () => EvictionSignals;
}

export interface NodeStatusHandle {
  /** Ends the status, runtime and lease loops; resolves when they have finished. Idempotent. */
  stop(): Promise<void>;
  /** The Node as last read or written by the kubelet. */
  node(): Node | undefined;
  /** Current node pressure (for eviction), from the last sample (every status update). */
  pressure(): NodePressure;
}

const NODES = builtinResources.nodes;
const REQUIRED_CAPACITY = ["cpu", "memory", "pods", "ephemeral-storage"];

export async function startNodeStatus(opts: NodeStatusOptions): Promise<NodeStatusHandle> {
  const clock = opts.clock ?? realClock();
  const log = opts.log.child({ component: "node-status", node: opts.nodeName });
  const machine = opts.machine ?? readMachineInfo();
  const sample = opts.observeSignals ?? (() => observeSignals(hostSignalSources(opts.paths.root, opts.paths.containerdRoot)));
  const identity: NodeIdentity = {
    nodeName: opts.nodeName, hostname: opts.hostname, role: opts.role,
    operatingSystem: machine.operatingSystem, architecture: machine.architecture, labels: opts.labels, taints: opts.taints,
  };
  const stopping = new AbortController();
  const signal = stopping.signal;
  const pressureTracker = createPressureTracker(opts.eviction?.pressureTransitionPeriodMs);
  let runtimeCheckFailures = 0;
  const runtime = createRuntimeState(opts.cri, (err) => {
    if (runtimeCheckFailures++ % 12 === 0) log.warn("container runtime status check failed", { error: String(err) });
  });

  let current: Node | undefined;
  let nodeUid: string | undefined;
  let lastReportMs: number | undefined;
  /** The runtime errors (newline-joined) behind the last reported Ready condition. */
  let reportedReadiness: string | undefined;
  let images: readonly Image[] = [];
  let runtimeVersion: string | undefined;

  /** Everything the kubelet reports, computed over `existing` (whose other fields and conditions it keeps). */
  const computeStatus = async (existing: NodeStatus | undefined): Promise<{ status: NodeStatus; readiness: string }> => {
    const now = clock.now();
    try { images = await opts.cri.listImages(); } catch (err) { log.debug("listing images failed", { error: String(err) }); }
    try {
      const v = await opts.cri.version();
      runtimeVersion = `${v.runtimeName}://${v.runtimeVersion}`;
    } catch (err) { log.debug("runtime version failed", { error: String(err) }); }
    const signals = sample();
    const pressure = opts.pressure ? opts.pressure() : pressureTracker.observe(thresholdsMet(signals, opts.eviction?.thresholds), now);
    const draft = kubeletStatus({
      machine, nodeIP: opts.nodeIP, hostname: opts.hostname, kubeletPort: opts.kubeletPort,
      containerRuntimeVersion: runtimeVersion ?? "unknown://Unknown", images, nodefs: signals.nodefs, conditions: [], maxPods: opts.maxPods,
      evictionThresholds: opts.eviction?.thresholds,
    });
    const missing = REQUIRED_CAPACITY.filter((r) => !(r in (draft.capacity ?? {})));
    const runtimeErrors = runtime.errors(now);
    const errors = [...runtimeErrors, ...(missing.length ? [`missing node capacity for resources: ${missing.join(", ")}`] : [])];
    draft.conditions = nodeConditions(existing?.conditions, { pressure, notReadyErrors: errors, nowMs: now });
    return { status: draft, readiness: runtimeErrors.join("\n") };
  };

  let firstReport = true;
  /** Events for what this report changed; the first report after start counts from a blank status, as upstream's initial node does. */
  const recordStatusEvents = (before: NodeStatus | undefined, after: NodeStatus) => {
    if (!opts.recordEvent) return;
    const bootID = before?.nodeInfo?.bootID;
    if (bootID && bootID !== after.nodeInfo?.bootID) {
      opts.recordEvent("Warning", "Rebooted", `Node ${opts.nodeName} has been rebooted, boot id: ${after.nodeInfo?.bootID}`);
    }
    const reasons = conditionEvents(firstReport ? before?.conditions?.filter((c) => c.type === "Ready") : before?.conditions, after.conditions ?? []);
    firstReport = false;
    for (const reason of reasons) opts.recordEvent("Normal", reason, `Node ${opts.nodeName} status is now: ${reason}`);
  };

  const register = async (): Promise<void> => {
    await runtime.check(clock.now());
    for (let backoff = 100; ; backoff = Math.min(backoff * 2, 7_000)) {
      if (opts.signal?.aborted) throw new Error(`registering node ${opts.nodeName}: aborted`);
      try {
        const { status, readiness } = await computeStatus(undefined);
        try {
          current = await opts.client.create<Node>(NODES, { ...initialNode(identity), status }, { signal: opts.signal });
          if (!current.status?.conditions?.length) {
            current = await opts.client.patch<Node>({ ...NODES, name: opts.nodeName }, "strategic", { status }, { subresource: "status", signal: opts.signal });
          }
          lastReportMs = clock.now();
          reportedReadiness = readiness;
          recordStatusEvents(undefined, status);
          log.info("node registered", { uid: current.metadata.uid });
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          current = await opts.client.get<Node>({ ...NODES, name: opts.nodeName }, { signal: opts.signal });
          const patch = existingNodePatch(current, identity);
          if (patch) current = await opts.client.patch<Node>({ ...NODES, name: opts.nodeName }, "merge", patch, { signal: opts.signal });
          log.info("node was previously registered", { uid: current.metadata.uid, labelsUpdated: Object.keys(patch?.metadata.labels ?? {}).length });
        }
        nodeUid = current.metadata.uid;
        return;
      } catch (err) {
        log.warn("unable to register node", { error: String(err), retryInMs: backoff });
        await clock.sleep(backoff, opts.signal);
      }
    }
  };

  /** One status update (upstream tryUpdateNodeStatus): read the Node, recompute, patch if changed or due. */
  const syncStatus = async (): Promise<void> => {
    const existing = await opts.client.get<Node>({ ...NODES, name: opts.nodeName }, { signal });
    const { status, readiness } = await computeStatus(existing.status);
    const now = clock.now();
    const due = lastReportMs === undefined || now - lastReportMs >= NODE_STATUS_REPORT_MS;
    if (!due && !nodeStatusChanged(existing.status, { ...existing.status, ...status })) {
      current = existing;
      return;
    }
    current = await opts.client.patch<Node>({ ...NODES, name: opts.nodeName }, "strategic", { status }, { subresource: "status", signal });
    lastReportMs = now;
    recordStatusEvents(existing.status, status);
    if (readiness !== reportedReadiness) log.info(readiness ? "node not ready" : "node ready", readiness ? { reason: readiness.replaceAll("\n", "; ") } : {});
    reportedReadiness = readiness;
  };

  await register();

  /** One status update, logged (not thrown) on failure. */
  const trySyncStatus = async () => {
    try {
      await syncStatus();
    } catch (err) {
      if (!signal.aborted) log.warn("unable to update node status", { error: String(err) });
    }
  };
  await trySyncStatus(); // an existing Node's status is current once start resolves

  // The status loop runs every 10 s, or at once when the runtime check sees readiness change.
  let wakeRequested = false;
  let interruptSleep = () => {};
  const wake = () => { wakeRequested = true; interruptSleep(); };
  const statusLoop = (async () => {
    while (!signal.aborted) {
      if (!wakeRequested) {
        const interrupted = new AbortController();
        const onStop = () => interrupted.abort();
        signal.addEventListener("abort", onStop, { once: true });
        interruptSleep = onStop;
        await clock.sleep(NODE_STATUS_UPDATE_MS, interrupted.signal);
        signal.removeEventListener("abort", onStop);
        interruptSleep = () => {};
      }
      wakeRequested = false;
      if (!signal.aborted) await trySyncStatus();
    }
  })();

  // The runtime is checked every 5 s, and every 300 ms for a few seconds after the CNI configuration
  // directory changes: containerd reports NetworkReady moments after a conflist appears, and the
  // Node should turn Ready then, not up to 5 s later.
  let fastChecks = 0;
  let kickRuntime = () => {};
  const cniWatcher = watchCniConfDir(opts.paths.cniConfDir, () => { fastChecks = FAST_CHECKS; kickRuntime(); }, log);
  const runtimeLoop = (async () => {
    while (!signal.aborted) {
      const interrupted = new AbortController();
      const onStop = () => interrupted.abort();
      signal.addEventListener("abort", onStop, { once: true });
      kickRuntime = onStop;
      const pause = fastChecks > 0 ? FAST_CHECK_MS : RUNTIME_CHECK_MS;
      if (fastChecks > 0) fastChecks--;
      await clock.sleep(pause, interrupted.signal);
      signal.removeEventListener("abort", onStop);
      kickRuntime = () => {};
      if (signal.aborted) break;
      await runtime.check(clock.now());
      if (runtime.errors(clock.now()).join("\n") !== reportedReadiness) wake();
    }
  })();

  const lease = createNodeLease(opts.client, opts.nodeName, () => nodeUid);
  const renewLease = async (): Promise<boolean> => {
    try {
      await lease.renew(clock.now(), signal);
      return true;
    } catch (err) {
      if (!signal.aborted) log.warn("failed to renew node lease", { error: String(err) });
      return false;
    }
  };
  await renewLease();
  const leaseLoop = (async () => {
    let backoff = 200;
    let wait = LEASE_RENEW_INTERVAL_MS;
    while (!signal.aborted) {
      await clock.sleep(wait, signal);
      if (signal.aborted) break;
      if (await renewLease()) {
        backoff = 200;
        wait = LEASE_RENEW_INTERVAL_MS;
      } else {
        wait = backoff;
        backoff = Math.min(backoff * 2, 7_000);
      }
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    stop() {
      return (stopped ??= (async () => {
        stopping.abort();
        cniWatcher?.close();
        await Promise.all([statusLoop, runtimeLoop, leaseLoop]);
      })());
    },
    node: () => current,
    pressure: () => (opts.pressure ? opts.pressure() : pressureTracker.current(clock.now())),
  };
}

/** Calls `onChange` whenever a file in `dir` (created if missing) appears, changes or goes; undefined if it cannot watch. */
function watchCniConfDir(dir: string, onChange: () => void, log: Logger): FSWatcher | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    return watch(dir, { persistent: false }, () => onChange());
  } catch (err) {
    log.debug("not watching the CNI configuration directory; readiness is polled", { dir, error: String(err) });
    return undefined;
  }
}
