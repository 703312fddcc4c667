/**
 * Test support for the workload controllers: plays the kubelet's part on the API (marks pods
 * Running and Ready by patching their status as admin), and lists pods/events.
 */
import { builtinResources, type ApiClient, type KubeObject } from "@lite/sdk";
import { formatTime } from "../../kube-time.ts";
import type { Pod } from "./types.ts";

const podsIn = (namespace: string) => ({ ...builtinResources.pods, namespace });

/** Pods of `namespace` matching `labelSelector` (not being deleted unless `all`). */
export async function listPods(client: ApiClient, namespace: string, labelSelector?: string, all = false): Promise<Pod[]> {
  const items = (await client.list<Pod>(podsIn(namespace), { labelSelector })).items;
  return all ? items : items.filter((p) => !p.metadata.deletionTimestamp);
}

/** Marks a pod Running and Ready (Ready since `readySince`, default now). */
export async function markReady(client: ApiClient, pod: Pod, readySince = Date.now()): Promise<void> {
  const t = formatTime(readySince);
  await client.patch({ ...podsIn(pod.metadata.namespace ?? ""), name: pod.metadata.name ?? "" }, "merge", {
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: t }, { type: "PodScheduled", status: "True", lastTransitionTime: t }] },
  }, { subresource: "status" });
}

/** Marks every (not yet ready) pod of the namespace matching the selector ready. Returns how many. */
export async function readyAll(client: ApiClient, namespace: string, labelSelector?: string): Promise<number> {
  let n = 0;
  for (const p of await listPods(client, namespace, labelSelector)) {
    if (p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) continue;
    await markReady(client, p);
    n++;
  }
  return n;
}

/** Events about an object: "reason: message" lines, oldest first. */
export async function eventsFor(client: ApiClient, namespace: string, name: string): Promise<string[]> {
  const items = (await client.list<KubeObject & { reason?: string; message?: string; involvedObject?: { name?: string } }>({ ...builtinResources.events, namespace })).items;
  return items.filter((e) => e.involvedObject?.name === name).map((e) => `${e.reason}: ${e.message}`);
}
