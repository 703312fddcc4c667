/**
 * The state one deployment sync carries through its steps: the reconcile context, the working copy
 * of the Deployment (a private copy; status writes replace it with the server's answer) and the
 * requeue the sync asks for.
 */
import { builtinResources, type ReconcileContext } from "@lite/sdk";
import type { ReplicaSet } from "../replicaset/types.ts";
import { REVISION_ANNOTATION } from "./annotations.ts";
import type { Deployment } from "./types.ts";

export class DeploymentSync {
  readonly ctx: ReconcileContext;
  d: Deployment;
  requeueAfterMs: number | undefined;

  constructor(ctx: ReconcileContext, d: Deployment) {
    this.ctx = ctx;
    this.d = d;
  }

  now(): number {
    return Date.now();
  }

  /** Asks for another pass after `ms` (the earliest request wins). */
  requeueAfter(ms: number): void {
    this.requeueAfterMs = this.requeueAfterMs === undefined ? ms : Math.min(this.requeueAfterMs, ms);
  }

  /**
   * PUT of the status subresource with the working copy (conflicts throw: the sync is retried).
   * Upstream's status strategy also keeps annotation changes (the revision annotation); lite's
   * status writes keep metadata as stored, so a changed revision is patched onto the main resource.
   */
  async updateStatus(): Promise<void> {
    const { namespace, name } = this.d.metadata;
    const target = { ...builtinResources.deployments, namespace, name: name ?? "" };
    const wanted = this.d.metadata.annotations?.[REVISION_ANNOTATION];
    let updated = await this.ctx.client.updateStatus<Deployment>(target, this.d, { signal: this.ctx.signal });
    if (wanted !== undefined && updated.metadata.annotations?.[REVISION_ANNOTATION] !== wanted) {
      updated = await this.ctx.client.patch<Deployment>(target, "merge", {
        metadata: { resourceVersion: updated.metadata.resourceVersion, annotations: { [REVISION_ANNOTATION]: wanted } },
      }, { signal: this.ctx.signal });
    }
    this.d = { ...updated, apiVersion: "apps/v1", kind: "Deployment" };
  }

  /** PUT of a ReplicaSet (a copy the caller changed); returns the server's answer. */
  async updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet> {
    const { namespace, name } = rs.metadata;
    return this.ctx.client.update<ReplicaSet>({ ...builtinResources.replicaSets, namespace, name }, rs, { signal: this.ctx.signal });
  }

  event(type: "Normal" | "Warning", reason: string, message: string): void {
    this.ctx.events.event(this.d, type, reason, message);
  }
}
