/**
 * Test support for workload controllers: plays the kubelet's part on pod status (as the node
 * simulator does end to end) and lets a fake clock flow with real time between explicit jumps.
 */
import { builtinResources, type ApiClient, type KubeObject } from "@lite/sdk";
import type { FakeClock } from "../runtime/fake-clock.ts";
import { formatTime } from "../../kube-time.ts";

export interface PodOutcome {
  phase: "Pending" | "Running" | "Succeeded" | "Failed";
  ready?: boolean;
  exitCode?: number;
  containerName?: string;
  /** Pod conditions besides Ready (e.g. DisruptionTarget). */
  conditions?: { type: string; status: string; reason?: string }[];
  restartCount?: number;
  nowMs?: number;
}

/** Writes a pod's status as a kubelet would (phase, Ready condition, container state). */
export async function setPodStatus(client: ApiClient, pod: KubeObject, o: PodOutcome): Promise<void> {
  const at = formatTime(o.nowMs ?? Date.now());
  const ready = o.ready ?? o.phase === "Running";
  const name = o.containerName ?? ((pod.spec as { containers?: { name: string }[] } | undefined)?.containers?.[0]?.name ?? "c");
  const terminated = o.phase === "Succeeded" || o.phase === "Failed"
    ? { terminated: { exitCode: o.exitCode ?? (o.phase === "Succeeded" ? 0 : 1), reason: o.phase === "Succeeded" ? "Completed" : "Error", finishedAt: at } }
    : { running: { startedAt: at } };
  await client.patch({ ...builtinResources.pods, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "" }, "merge", {
    status: {
      phase: o.phase, startTime: at,
      conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: at }, ...(o.conditions ?? [])],
      containerStatuses: [{ name, ready, restartCount: o.restartCount ?? 0, image: "x", imageID: "", state: terminated }],
    },
  }, { subresource: "status" });
}

/** Advances `clock` by `stepMs` every `stepMs` of real time until the returned stop is called. */
export function flowWithRealTime(clock: FakeClock, stepMs = 5): () => void {
  const t = setInterval(() => clock.advance(stepMs), stepMs);
  return () => clearInterval(t);
}

/** Binds a pod to a node through pods/binding, as the scheduler does. */
export async function bindPod(client: ApiClient, pod: KubeObject, node: string): Promise<void> {
  await client.create({ ...builtinResources.pods, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "" } as never, {
    apiVersion: "v1", kind: "Binding", metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace }, target: { apiVersion: "v1", kind: "Node", name: node },
  }, { subresource: "binding" });
}
