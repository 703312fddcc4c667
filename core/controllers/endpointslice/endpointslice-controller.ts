/**
 * The endpointslice controller: keeps the EndpointSlices of every Service with a selector
 * (labels kubernetes.io/service-name and managed-by endpointslice-controller.k8s.io, owned by the
 * Service so the garbage collector removes them with it) equal to desired-slices.ts: existing
 * slices are rewritten in place where possible, missing ones created (generateName
 * `<service>-`), surplus ones deleted. Selector-less Services are left alone.
 */
import {
  builtinResources, defineController, isConflict, isNotFound, type ControllerDefinition, type Informer, type KubeObject,
} from "@lite/sdk";
import { endpointsLabels } from "../endpoints/desired-endpoints.ts";
import { podServiceMapper, serviceSelector, type Pod, type Service } from "../endpoints/pod-endpoints.ts";
import { createSliceTracker } from "./slice-tracker.ts";
import { desiredSlices, MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, ZONE_LABEL, type SliceContent } from "./desired-slices.ts";

type Slice = KubeObject & SliceContent;

const SLICE_INDEX = "endpointslice-service";

export function endpointSliceController(): ControllerDefinition {
  let services: Informer<Service> | undefined;
  const tracker = createSliceTracker();
  return defineController({
    name: "endpointslice",
    workers: 5,
    watches: [
      { target: builtinResources.services },
      { target: builtinResources.pods, map: podServiceMapper((ns) => services?.list(ns)) },
      {
        target: builtinResources.endpointSlices, labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`,
        indexers: { [SLICE_INDEX]: (s: KubeObject) => [`${s.metadata.namespace}/${s.metadata.labels?.[SERVICE_NAME_LABEL] ?? ""}`] },
        map: (s: KubeObject) => [`${s.metadata.namespace}/${s.metadata.labels?.[SERVICE_NAME_LABEL] ?? ""}`],
        events: ["update", "delete"],
      },
      { target: builtinResources.nodes, map: () => [], events: [] },
    ],
    async reconcile(key, ctx) {
      services ??= ctx.informer<Service>(builtinResources.services);
      const [namespace, name] = key.split("/") as [string, string];
      const svc = services.get(namespace, name);
      if (!svc || svc.metadata.deletionTimestamp) return; // owned slices go with the Service (garbage collector)
      const selector = serviceSelector(svc);
      if (!selector) return;
      const slicesInf = ctx.informer<Slice>(builtinResources.endpointSlices, { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` });
      if (!tracker.cacheCurrent(key, (n) => slicesInf.get(namespace, n))) return { requeueAfterMs: 50 };
      const existing = [...slicesInf.byIndex(SLICE_INDEX, key)].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
      const nodes = ctx.informer(builtinResources.nodes);
      const pods = ctx.informer<Pod>(builtinResources.pods).list(namespace);
      const desired = desiredSlices(svc, pods, selector, (n) => nodes.get(n)?.metadata.labels?.[ZONE_LABEL]);
      const labels = { ...endpointsLabels(svc), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
      const ownerReferences = [{ apiVersion: "v1", kind: "Service", name, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }];
      const target = { ...builtinResources.endpointSlices, namespace };
      // Reuse slices that already match exactly; rewrite the others in place; create or delete the difference.
      const same = (s: Slice, d: SliceContent) => s.addressType === d.addressType && JSON.stringify(s.ports ?? null) === JSON.stringify(d.ports)
        && JSON.stringify(s.endpoints ?? []) === JSON.stringify(d.endpoints) && JSON.stringify(s.metadata.labels ?? {}) === JSON.stringify(labels)
        && s.metadata.ownerReferences?.[0]?.uid === svc.metadata.uid;
      const unmatched = [...existing];
      const todo: SliceContent[] = [];
      for (const d of desired) {
        const i = unmatched.findIndex((s) => same(s, d));
        if (i >= 0) unmatched.splice(i, 1);
        else todo.push(d);
      }
      try {
        for (const d of todo) {
          const reuse = unmatched.find((s) => s.addressType === d.addressType);
          const body = (meta: Slice["metadata"]): Slice => ({
            apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: meta, addressType: d.addressType, endpoints: d.endpoints, ports: d.ports,
          });
          if (reuse) {
            unmatched.splice(unmatched.indexOf(reuse), 1);
            tracker.wrote(key, reuse.metadata.name!, await ctx.client.update(target, body({ ...reuse.metadata, labels, ownerReferences }), { signal: ctx.signal }));
          } else {
            const created = await ctx.client.create(target, body({ generateName: `${name}-`, namespace, labels, ownerReferences }), { signal: ctx.signal });
            tracker.wrote(key, created.metadata.name!, created);
          }
        }
        for (const s of unmatched) {
          try {
            await ctx.client.delete({ ...target, name: s.metadata.name! }, { signal: ctx.signal });
            tracker.wrote(key, s.metadata.name!, "deleted");
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
        }
      } catch (err) {
        if (isConflict(err)) return { requeueAfterMs: 100 }; // the cache is behind our own writes
        ctx.events.event(svc, "Warning", "FailedToUpdateEndpointSlices", `Error updating Endpoint Slices for Service ${namespace}/${name}: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    },
  });
}
