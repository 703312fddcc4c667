/**
 * Writes pod statuses to the API server, once per change: the kubelet regenerates a pod's status
 * on every sync and this compares it with what it last wrote (or what the object holds), so a
 * steady pod costs no API writes.
 */
import { builtinResources, type ApiClient, type Logger } from "@lite/sdk";
import type { Pod, PodStatusApi } from "./pod-types.ts";

export class StatusManager {
  private sent = new Map<string, string>();

  constructor(private readonly client: ApiClient, private readonly log: Logger) {}

  /** Patches `status` of `pod` unless it equals what the pod already has. Returns the stored pod when written. */
  async set(pod: Pod, status: PodStatusApi): Promise<Pod | undefined> {
    const uid = pod.metadata.uid ?? "";
    const text = JSON.stringify(status);
    if (this.sent.get(uid) === text || JSON.stringify(pod.status ?? {}) === text) {
      this.sent.set(uid, text);
      return undefined;
    }
    try {
      const updated = await this.client.patch<Pod>(
        { ...builtinResources.pods, namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "" },
        "merge", { metadata: { uid }, status }, { subresource: "status" },
      );
      this.sent.set(uid, text);
      return updated;
    } catch (err) {
      this.log.debug("pod status update failed", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, error: err instanceof Error ? err.message : String(err) });
      this.sent.delete(uid);
      throw err;
    }
  }

  forget(uid: string): void { this.sent.delete(uid); }
}
