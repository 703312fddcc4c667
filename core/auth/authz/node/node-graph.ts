/**
 * What each node may reach (upstream node-authorizer graph, flattened): pods bound to the node
 * (`spec.nodeName`) and the secrets, configmaps, PVCs and service accounts those pods use, plus
 * the PVs bound to those PVCs. Kept in step with the pod and PVC watch caches; lookups are O(1)
 * apart from PVs (O(claims bound to the volume)).
 */
import type { KObject, WatchCache } from "../../../apiserver/index.ts";
import { followCache, type CacheFollower } from "../cache/follow-cache.ts";
import { podReferences } from "./pod-references.ts";

export type VertexType = "pod" | "secret" | "configmap" | "pvc" | "serviceaccount";

export interface NodeGraph {
  /** Whether `namespace/name` of `type` is used by a pod bound to `node`. */
  related(node: string, type: VertexType, namespace: string, name: string): boolean;
  /** Whether PV `name` is bound to a claim used by a pod bound to `node`. */
  relatedVolume(node: string, name: string): boolean;
  stop(): void;
}

interface PodEntry { readonly node: string; readonly vertices: readonly string[] }

export function createNodeGraph(caches: { pods: WatchCache; pvcs?: WatchCache }): NodeGraph {
  /** vertex ("type:ns/name") -> node -> number of pods contributing the edge. */
  const edges = new Map<string, Map<string, number>>();
  const pods = new Map<string, PodEntry>();
  /** PV name -> claim keys ("ns/name"). */
  const claimsOfVolume = new Map<string, Set<string>>();
  const volumeOfClaim = new Map<string, string>();

  const addEdge = (vertex: string, node: string, delta: number): void => {
    let m = edges.get(vertex);
    if (!m) { if (delta < 0) return; m = new Map(); edges.set(vertex, m); }
    const n = (m.get(node) ?? 0) + delta;
    if (n <= 0) m.delete(node); else m.set(node, n);
    if (m.size === 0) edges.delete(vertex);
  };
  const podKey = (o: KObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;
  const removePod = (key: string): void => {
    const old = pods.get(key);
    if (!old) return;
    pods.delete(key);
    for (const v of old.vertices) addEdge(v, old.node, -1);
  };
  const upsertPod = (pod: KObject): void => {
    const key = podKey(pod);
    removePod(key);
    const node: unknown = pod.spec?.nodeName;
    if (typeof node !== "string" || !node) return;
    const ns = pod.metadata.namespace ?? "";
    const refs = podReferences(pod);
    const vertices = [`pod:${key}`];
    for (const s of refs.secrets) vertices.push(`secret:${ns}/${s}`);
    for (const c of refs.configmaps) vertices.push(`configmap:${ns}/${c}`);
    for (const p of refs.pvcs) vertices.push(`pvc:${ns}/${p}`);
    if (refs.serviceAccount) vertices.push(`serviceaccount:${ns}/${refs.serviceAccount}`);
    pods.set(key, { node, vertices });
    for (const v of vertices) addEdge(v, node, 1);
  };
  const removeClaim = (key: string): void => {
    const vol = volumeOfClaim.get(key);
    if (vol === undefined) return;
    volumeOfClaim.delete(key);
    const set = claimsOfVolume.get(vol);
    set?.delete(key);
    if (set && set.size === 0) claimsOfVolume.delete(vol);
  };
  const upsertClaim = (pvc: KObject): void => {
    const key = podKey(pvc);
    removeClaim(key);
    const vol: unknown = pvc.spec?.volumeName;
    if (typeof vol !== "string" || !vol) return;
    volumeOfClaim.set(key, vol);
    let set = claimsOfVolume.get(vol);
    if (!set) { set = new Set(); claimsOfVolume.set(vol, set); }
    set.add(key);
  };

  const followers: CacheFollower[] = [followCache(caches.pods, {
    reset(objs) { pods.clear(); edges.clear(); for (const o of objs) upsertPod(o); },
    upsert: upsertPod,
    remove: (o) => removePod(podKey(o)),
  })];
  if (caches.pvcs) {
    followers.push(followCache(caches.pvcs, {
      reset(objs) { claimsOfVolume.clear(); volumeOfClaim.clear(); for (const o of objs) upsertClaim(o); },
      upsert: upsertClaim,
      remove: (o) => removeClaim(podKey(o)),
    }));
  }
  const sync = () => { for (const f of followers) f.sync(); };

  return {
    related(node, type, namespace, name) {
      sync();
      return edges.get(`${type}:${namespace}/${name}`)?.has(node) ?? false;
    },
    relatedVolume(node, name) {
      sync();
      for (const claim of claimsOfVolume.get(name) ?? []) if (edges.get(`pvc:${claim}`)?.has(node)) return true;
      return false;
    },
    stop() { for (const f of followers) f.stop(); },
  };
}
