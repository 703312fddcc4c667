/**
 * What the container runtime holds for lite's pods, refreshed by a relist (upstream's PLEG):
 * sandboxes and containers grouped by pod UID, newest first, with full ContainerStatus (exit
 * codes, reasons, times) fetched only for containers that are new or changed state.
 */
import type { Container, ContainerStatus, CriClient, PodSandbox } from "../cri/types.ts";
import { terminationMessage } from "./termination-message.ts";
import { CONTAINER_NAME_LABEL, POD_UID_LABEL, restartCountOf } from "./runtime-labels.ts";

export interface RuntimeContainer {
  readonly id: string;
  readonly sandboxId: string;
  readonly name: string;
  readonly restartCount: number;
  readonly status: ContainerStatus;
}

export interface PodRuntime {
  readonly uid: string;
  /** Newest first. */
  readonly sandboxes: readonly PodSandbox[];
  /** Newest first. */
  readonly containers: readonly RuntimeContainer[];
}

export class RuntimeSnapshot {
  private pods = new Map<string, PodRuntime>();
  private statuses = new Map<string, ContainerStatus>();
  private inFlight: Promise<Set<string>> | undefined;
  private again = false;

  /**
   * `onChange` hears the UIDs every relist found changed, whoever asked for it: a pod's sync that
   * relists also sees other pods' container exits, which must wake those pods.
   */
  constructor(private readonly cri: CriClient, private readonly onChange?: (uids: Set<string>) => void) {}

  get(uid: string): PodRuntime | undefined { return this.pods.get(uid); }
  uids(): string[] { return [...this.pods.keys()]; }

  /**
   * Relists; returns the UIDs whose runtime state changed since the last relist. Relists never
   * overlap (an older listing must not replace a newer one): a call during one in flight waits for
   * it, then runs one more, shared by every caller that waited.
   */
  async relist(): Promise<Set<string>> {
    if (this.inFlight) {
      this.again = true;
      const first = await this.inFlight.catch(() => new Set<string>());
      if (this.again) {
        this.again = false;
        this.inFlight = this.relistOnce().finally(() => { this.inFlight = undefined; });
      }
      const second = await (this.inFlight ?? Promise.resolve(new Set<string>()));
      return new Set([...first, ...second]);
    }
    this.inFlight = this.relistOnce().finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  private async relistOnce(): Promise<Set<string>> {
    const [sandboxes, containers] = await Promise.all([this.cri.listPodSandbox(), this.cri.listContainers()]);
    const changed = new Set<string>();
    const next = new Map<string, { sandboxes: PodSandbox[]; containers: RuntimeContainer[] }>();
    const entry = (uid: string) => {
      let e = next.get(uid);
      if (!e) next.set(uid, e = { sandboxes: [], containers: [] });
      return e;
    };
    for (const s of sandboxes) {
      const uid = s.labels[POD_UID_LABEL] ?? s.metadata.uid;
      if (uid) entry(uid).sandboxes.push(s);
    }
    const liveIds = new Set<string>();
    await Promise.all(containers.map(async (c: Container) => {
      const uid = c.labels[POD_UID_LABEL];
      if (!uid) return;
      liveIds.add(c.id);
      let status = this.statuses.get(c.id);
      if (!status || status.state !== c.state) {
        try {
          status = await this.cri.containerStatus(c.id);
        } catch {
          return; // removed meanwhile
        }
        if (status.state === "CONTAINER_EXITED") status = { ...status, message: terminationMessage(status) || status.message };
        this.statuses.set(c.id, status);
      }
      entry(uid).containers.push({
        id: c.id, sandboxId: c.podSandboxId, name: c.labels[CONTAINER_NAME_LABEL] ?? c.metadata.name,
        restartCount: restartCountOf(c.annotations), status,
      });
    }));
    for (const id of [...this.statuses.keys()]) if (!liveIds.has(id)) this.statuses.delete(id);
    const fingerprint = (p: { sandboxes: readonly PodSandbox[]; containers: readonly RuntimeContainer[] } | undefined) =>
      p ? [...p.sandboxes.map((s) => `${s.id}:${s.state}`), ...p.containers.map((c) => `${c.id}:${c.status.state}`)].sort().join(",") : "";
    for (const [uid, e] of next) {
      e.sandboxes.sort((a, b) => b.createdAt - a.createdAt);
      e.containers.sort((a, b) => b.status.createdAt - a.status.createdAt);
      if (fingerprint(this.pods.get(uid)) !== fingerprint(e)) changed.add(uid);
    }
    for (const uid of this.pods.keys()) if (!next.has(uid)) changed.add(uid);
    this.pods = new Map([...next].map(([uid, e]) => [uid, { uid, ...e }]));
    if (changed.size) this.onChange?.(changed);
    return changed;
  }

  /** Forces a fresh status of one container on the next relist (after the kubelet acted on it). */
  invalidate(containerId: string): void { this.statuses.delete(containerId); }
}

/** The newest container named `name` in `pod` (optionally only of one sandbox). */
export function latestContainer(pod: PodRuntime | undefined, name: string, sandboxId?: string): RuntimeContainer | undefined {
  return pod?.containers.find((c) => c.name === name && (!sandboxId || c.sandboxId === sandboxId));
}

/** The one before the newest (for lastState and `logs --previous`). */
export function previousContainer(pod: PodRuntime | undefined, name: string): RuntimeContainer | undefined {
  return pod?.containers.filter((c) => c.name === name)[1];
}
