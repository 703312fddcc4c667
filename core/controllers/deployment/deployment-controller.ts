/**
 * The deployment controller (upstream pkg/controller/deployment): rolls Deployments out through
 * ReplicaSets (RollingUpdate or Recreate), keeps revision history, scales proportionally, honours
 * pause, and reports status with the Progressing/Available conditions.
 * Keys are Deployments' "ns/name"; ReplicaSet changes map to their controlling Deployment (orphans
 * to every Deployment selecting them), pod deletions to the Deployment owning the pod's RS.
 */
import { builtinResources, defineController, splitKey, type ControllerDefinition, type SharedInformerFactory } from "@lite/sdk";
import { controllerOf } from "../replicaset/controller-ref.ts";
import { selectorMatches } from "../replicaset/label-selector.ts";
import type { Pod, ReplicaSet } from "../replicaset/types.ts";
import { syncDeployment } from "./sync-deployment.ts";
import type { Deployment } from "./types.ts";

export function deploymentController(): ControllerDefinition {
  // Bound on the first reconcile (same factory every time), so ReplicaSet/pod events can find owners.
  let informers: SharedInformerFactory | undefined;
  const key = (ns: string | undefined, name: string) => `${ns ?? ""}/${name}`;

  const rsKeys = (rs: ReplicaSet): string[] => {
    const ref = controllerOf(rs);
    if (ref) return ref.kind === "Deployment" ? [key(rs.metadata.namespace, ref.name)] : [];
    if (!informers) return [];
    return informers.informerFor<Deployment>(builtinResources.deployments).list(rs.metadata.namespace)
      .filter((d) => selectorMatches(d.spec?.selector, rs.metadata.labels))
      .map((d) => key(d.metadata.namespace, d.metadata.name ?? ""));
  };
  const podKeys = (pod: Pod): string[] => {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== "ReplicaSet" || !informers) return [];
    const rs = informers.informerFor<ReplicaSet>(builtinResources.replicaSets).get(pod.metadata.namespace ?? "", ref.name);
    const owner = rs && controllerOf(rs);
    return owner?.kind === "Deployment" ? [key(pod.metadata.namespace, owner.name)] : [];
  };

  return defineController({
    name: "deployment",
    workers: 5,
    resyncMs: 30_000,
    watches: [
      { target: builtinResources.deployments },
      { target: builtinResources.replicaSets, map: (rs: ReplicaSet) => rsKeys(rs) },
      { target: builtinResources.pods, events: ["delete"], map: (pod: Pod) => podKeys(pod) },
    ],
    async reconcile(k, ctx) {
      informers ??= ctx.informers;
      const { namespace, name } = splitKey(k);
      const d = ctx.informer<Deployment>(builtinResources.deployments).get(namespace, name);
      if (!d) return;
      const requeue = await syncDeployment(d, ctx);
      return requeue !== undefined ? { requeueAfterMs: requeue } : undefined;
    },
  });
}
