/**
 * Store key layout: `/registry/<group or "core">/<resource>/[<namespace>/]<name>`.
 * Versions of one group/resource (autoscaling v1/v2) share their keys, and so do resources that
 * declare a shared storage (events.k8s.io Events live under core's `events`).
 */
import { storageResourceOf } from "../conversion/convert.ts";
import type { ResourceDef } from "../resources/index.ts";

export function resourcePrefix(def: Pick<ResourceDef, "group" | "resource"> & Partial<Pick<ResourceDef, "storageVersion">>): string {
  const { group, resource } = storageResourceOf(def);
  return `/registry/${group || "core"}/${resource}/`;
}

/** Prefix of a list: the whole resource, or one namespace of a namespaced resource. */
export function listPrefix(def: ResourceDef, namespace: string): string {
  return def.namespaced && namespace ? `${resourcePrefix(def)}${namespace}/` : resourcePrefix(def);
}

export function objectKey(def: ResourceDef, namespace: string, name: string): string {
  return def.namespaced ? `${resourcePrefix(def)}${namespace}/${name}` : `${resourcePrefix(def)}${name}`;
}
