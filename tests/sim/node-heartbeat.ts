/**
 * SIMULATOR: registers one simulated node and keeps it alive as a kubelet would: the Node is
 * created (or its status refreshed when it exists), its Lease in kube-node-lease is renewed every
 * `heartbeatMs`, and the Ready condition's heartbeat is re-posted every `statusMs`. `pause()`
 * stops both (the node then looks dead to the node lifecycle controller); `resume()` renews at
 * once and re-posts Ready. The loop ends when `signal` fires.
 */
import { builtinResources, isAlreadyExists, isConflict, isNotFound, type ApiClient, type KubeObject, type Logger } from "@lite/sdk";
import type { Clock } from "../../core/controllers/runtime/clock.ts";
import { buildLease, buildNode, LEASE_NAMESPACE, microTime, nodeConditions, type NodeCapacity, type NodeSpec } from "./node-objects.ts";

export interface NodeHeartbeatOptions {
  client: ApiClient;
  clock: Clock;
  log: Logger;
  spec: NodeSpec;
  capacity: NodeCapacity;
  index: number;
  heartbeatMs: number;
  statusMs: number;
  leaseDurationSeconds: number;
}

export interface NodeHeartbeat {
  readonly name: string;
  /** Creates (or refreshes) the Node and its Lease. */
  register(signal: AbortSignal): Promise<void>;
  /** Renews until `signal` fires. */
  run(signal: AbortSignal): Promise<void>;
  pause(): void;
  resume(): void;
  paused(): boolean;
}

const leases = builtinResources.leases;
const nodes = builtinResources.nodes;

export function createNodeHeartbeat(o: NodeHeartbeatOptions): NodeHeartbeat {
  const name = o.spec.name;
  let lease: KubeObject | undefined;
  let nodeUid: string | undefined;
  let isPaused = false;
  let wake = () => {};
  let readySince = o.clock.now();
  let lastStatusAt = 0;

  async function postStatus(signal: AbortSignal): Promise<void> {
    const now = o.clock.now();
    await o.client.patch({ ...nodes, name }, "strategic", { status: { conditions: nodeConditions(now, true, readySince) } }, { subresource: "status", signal });
    lastStatusAt = now;
  }

  async function renewLease(signal: AbortSignal): Promise<void> {
    const now = o.clock.now();
    if (!lease) {
      try {
        lease = await o.client.create({ ...leases, namespace: LEASE_NAMESPACE }, buildLease(name, nodeUid, o.leaseDurationSeconds, now), { signal });
        return;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        lease = await o.client.get({ ...leases, namespace: LEASE_NAMESPACE, name }, { signal });
      }
    }
    const next = structuredClone(lease) as KubeObject & { spec: Record<string, unknown> };
    next.spec = { ...(next.spec ?? {}), holderIdentity: name, leaseDurationSeconds: o.leaseDurationSeconds, renewTime: microTime(now) };
    try {
      lease = await o.client.update({ ...leases, namespace: LEASE_NAMESPACE }, next, { signal });
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) lease = undefined; // re-read (or re-create) on the next beat
      throw err;
    }
  }

  return {
    name,
    async register(signal) {
      const now = o.clock.now();
      readySince = now;
      try {
        const created = await o.client.create(nodes, buildNode(o.spec, o.capacity, o.index, now), { signal });
        nodeUid = created.metadata.uid;
        if (!(created.status as { conditions?: unknown[] } | undefined)?.conditions?.length) {
          await o.client.patch({ ...nodes, name }, "merge", { status: buildNode(o.spec, o.capacity, o.index, now).status }, { subresource: "status", signal });
        }
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const existing = await o.client.get({ ...nodes, name }, { signal });
        nodeUid = existing.metadata.uid;
        await o.client.patch({ ...nodes, name }, "merge", { status: buildNode(o.spec, o.capacity, o.index, now).status }, { subresource: "status", signal });
      }
      lastStatusAt = now;
      await renewLease(signal);
    },
    async run(signal) {
      // Spread the beats of many nodes over the period.
      await o.clock.sleep((o.index * 7919) % Math.max(1, o.heartbeatMs), signal);
      while (!signal.aborted) {
        if (!isPaused) {
          try {
            await renewLease(signal);
            if (o.clock.now() - lastStatusAt >= o.statusMs) await postStatus(signal);
          } catch (err) {
            if (!signal.aborted) o.log.warn("heartbeat failed", { node: name, error: String(err) });
          }
        }
        await new Promise<void>((resolve) => {
          const stop = new AbortController();
          const done = () => { stop.abort(); resolve(); };
          wake = done;
          signal.addEventListener("abort", done, { once: true });
          o.clock.sleep(o.heartbeatMs, stop.signal).then(() => { signal.removeEventListener("abort", done); resolve(); });
        });
      }
    },
    pause() { isPaused = true; },
    resume() {
      if (!isPaused) return;
      isPaused = false;
      readySince = o.clock.now();
      lastStatusAt = 0; // post Ready with the next beat
      wake();
    },
    paused: () => isPaused,
  };
}
