/**
 * SIMULATOR: the kubelet's part for pods bound to simulated nodes, on the API only (no containers).
 * Level-triggered over a pod informer: a bound Pending pod becomes Running (podIP, ready
 * containers, conditions) `podStartMs` after it is first seen; a Job's Running pod becomes
 * Succeeded `jobRunMs` after it started; a pod with a deletionTimestamp is deleted with
 * gracePeriodSeconds 0 (its containers "stopped" at once). Pods of paused nodes are left alone.
 */
import {
  builtinResources, isConflict, isNotFound, objectKey, type ApiClient, type Informer, type KubeObject, type Logger,
} from "@lite/sdk";
import type { Clock } from "../../core/controllers/runtime/clock.ts";
import { itemExponentialRateLimiter } from "../../core/controllers/runtime/rate-limiter.ts";
import { createWorkQueue } from "../../core/controllers/runtime/workqueue.ts";
import { ownedByJob, podIpAllocator, runningStatus, succeededStatus } from "./pod-status.ts";

type Pod = KubeObject & { spec?: { nodeName?: string; containers?: { name: string }[] }; status?: { phase?: string; startTime?: string } };

export interface PodKubeletOptions {
  client: ApiClient;
  clock: Clock;
  log: Logger;
  pods: Informer<Pod>;
  /** The node's host IP, or undefined when the node is not simulated here. */
  hostIP(nodeName: string): string | undefined;
  /** True while the node's kubelet is "down" (heartbeat stopped). */
  paused(nodeName: string): boolean;
  podStartMs: number;
  jobRunMs: number;
  workers: number;
}

const pods = builtinResources.pods;

export async function runPodKubelet(o: PodKubeletOptions, signal: AbortSignal): Promise<void> {
  const queue = createWorkQueue<string>({ clock: o.clock, rateLimiter: itemExponentialRateLimiter(20, 5_000) });
  const firstSeen = new Map<string, number>();
  const nextIp = podIpAllocator();
  const mine = (p: Pod) => !!p.spec?.nodeName && o.hostIP(p.spec.nodeName) !== undefined;
  const unsubscribe = o.pods.on({
    add: (p) => { if (mine(p)) queue.add(objectKey(p)); },
    update: (_, p) => { if (mine(p)) queue.add(objectKey(p)); },
    delete: (p) => { firstSeen.delete(objectKey(p)); },
  });
  signal.addEventListener("abort", () => queue.shutDown(), { once: true });

  async function sync(key: string): Promise<void> {
    const pod = o.pods.get(key);
    if (!pod || !mine(pod)) { firstSeen.delete(key); return; }
    const node = pod.spec!.nodeName!;
    if (o.paused(node)) return;
    const target = { ...pods, namespace: pod.metadata.namespace, name: pod.metadata.name! };
    if (pod.metadata.deletionTimestamp) {
      try {
        await o.client.delete(target, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid }, signal });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return;
    }
    const phase = pod.status?.phase ?? "Pending";
    const now = o.clock.now();
    if (phase === "Pending") {
      const seen = firstSeen.get(key) ?? now;
      firstSeen.set(key, seen);
      if (now - seen < o.podStartMs) { queue.addAfter(key, o.podStartMs - (now - seen)); return; }
      await o.client.patch(target, "merge", { metadata: { uid: pod.metadata.uid }, status: runningStatus(pod, o.hostIP(node)!, nextIp(), now) }, { subresource: "status", signal });
      if (ownedByJob(pod)) queue.addAfter(key, o.jobRunMs);
      return;
    }
    if (phase === "Running" && ownedByJob(pod)) {
      const started = pod.status?.startTime ? Date.parse(pod.status.startTime) : now;
      const left = started + o.jobRunMs - now;
      if (left > 0) { queue.addAfter(key, left); return; }
      await o.client.patch(target, "merge", { metadata: { uid: pod.metadata.uid }, status: succeededStatus(pod, now) }, { subresource: "status", signal });
    }
  }

  const worker = async () => {
    for (;;) {
      const key = await queue.get(signal);
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        if (!signal.aborted) {
          if (!isNotFound(err)) o.log.warn("pod sync failed", { pod: key, error: String(err) });
          if (!isNotFound(err)) queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: o.workers }, worker));
  } finally {
    unsubscribe();
  }
}
