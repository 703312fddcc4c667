/**
 * What differs between ReplicaSets and ReplicationControllers (upstream runs the RC controller as
 * the RS controller behind a conversion): the resource, the kind in controller references, the
 * selector shape (a LabelSelector vs. a plain label map) and the Event source.
 */
import { builtinResources, type ResourceRef } from "@lite/sdk";
import type { LabelSelector, ReplicaSet } from "./types.ts";

export interface ReplicaKind {
  /** Controller name; Events are reported by `<name>-controller` (upstream: replicaset-controller, replication-controller). */
  readonly name: string;
  readonly resource: ResourceRef;
  readonly apiVersion: string;
  readonly kind: string;
  /** The selector as a LabelSelector (undefined when missing). */
  selectorOf(rs: ReplicaSet): LabelSelector | undefined;
}

export const REPLICATION_CONTROLLERS: ResourceRef = { group: "", version: "v1", resource: "replicationcontrollers" };

export const replicaSetKind: ReplicaKind = {
  name: "replicaset",
  resource: builtinResources.replicaSets,
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  selectorOf: (rs) => rs.spec?.selector as LabelSelector | undefined,
};

export const replicationControllerKind: ReplicaKind = {
  name: "replication",
  resource: REPLICATION_CONTROLLERS,
  apiVersion: "v1",
  kind: "ReplicationController",
  selectorOf: (rs) => {
    const sel = rs.spec?.selector as Record<string, string> | undefined;
    return sel && Object.keys(sel).length > 0 ? { matchLabels: sel } : undefined;
  },
};
