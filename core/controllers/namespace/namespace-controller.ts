/**
 * The namespace controller: when a namespace is being deleted (deletionTimestamp set, phase
 * Terminating, `kubernetes` in spec.finalizers), delete all its content, keep the deletion
 * conditions in its status, and once it is empty remove the `kubernetes` finalizer through the
 * `finalize` subresource; the API server then removes the namespace.
 */
import { builtinResources, defineController, isConflict, isNotFound, type ControllerDefinition, type KubeObject } from "@lite/sdk";
import { nextConditions, type NamespaceCondition } from "./conditions.ts";
import { deleteAllContent } from "./delete-content.ts";
import { formatTime } from "../../kube-time.ts";

export const NAMESPACE_FINALIZER = "kubernetes";

type Namespace = KubeObject & { spec?: { finalizers?: string[] }; status?: { phase?: string; conditions?: NamespaceCondition[] } };

export interface NamespaceControllerOptions {
  /** Current time in ms (tests inject a fake clock). */
  now?: () => number;
  workers?: number;
}

export function namespaceController(options: NamespaceControllerOptions = {}): ControllerDefinition {
  const now = options.now ?? (() => Date.now());
  return defineController({
    name: "namespace",
    // Upstream runs 10 concurrent namespace syncs.
    workers: options.workers ?? 5,
    watches: [{ target: builtinResources.namespaces, events: ["add", "update"] }],
    async reconcile(name, ctx) {
      const cached = ctx.informer<Namespace>(builtinResources.namespaces).get(name);
      if (!cached?.metadata.deletionTimestamp) return;
      // Read fresh: the cache may lag behind the finalize of a previous pass.
      let ns: Namespace;
      try {
        ns = await ctx.client.get<Namespace>({ ...builtinResources.namespaces, name }, { signal: ctx.signal });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (!ns.metadata.deletionTimestamp || !(ns.spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER)) return;

      const deletedAt = Date.parse(ns.metadata.deletionTimestamp);
      const result = await deleteAllContent(ctx.client, name, Number.isNaN(deletedAt) ? now() : deletedAt, now(), ctx.signal);
      const stamp = formatTime(now());
      const conditions = nextConditions(ns.status?.conditions ?? [], result, stamp);
      if (conditions) {
        try {
          ns = await ctx.client.updateStatus<Namespace>(builtinResources.namespaces, { ...ns, status: { ...ns.status, conditions } }, { signal: ctx.signal });
        } catch (err) {
          if (isNotFound(err)) return;
          throw err;
        }
      }
      if (result.discoveryError) throw new Error(result.discoveryError);
      if (result.contentErrors && result.contentErrors.length > 0) throw new Error(result.contentErrors.join("; "));
      if (!result.empty) {
        if (result.discoveryFailures && result.discoveryFailures.size > 0) throw new Error(`discovery failed for ${[...result.discoveryFailures.keys()].join(", ")}`);
        // Upstream's ResourcesRemainingError: look again after estimate/2 + 1 seconds.
        return { requeueAfterMs: (Math.floor(result.estimateSeconds / 2) + 1) * 1000 };
      }
      try {
        await ctx.client.update<Namespace>(builtinResources.namespaces, {
          ...ns, spec: { ...ns.spec, finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER) },
        }, { subresource: "finalize", signal: ctx.signal });
      } catch (err) {
        if (isNotFound(err)) return;
        if (isConflict(err)) return { requeueAfterMs: 0 };
        throw err;
      }
    },
  });
}
