/**
 * The endpoints controller: keeps the Endpoints object of every Service with a selector equal to
 * the pods it selects (desired-endpoints.ts), and deletes it when the Service goes.
 * Selector-less Services' Endpoints belong to whoever wrote them and are left alone, and so are
 * Endpoints without a Service: as upstream, only an Endpoints delete enqueues (an update of a
 * hand-written Endpoints must not delete it; the Service's own events and resyncs repair drift).
 */
import {
  builtinResources, defineController, isAlreadyExists, isConflict, isNotFound, type ControllerDefinition, type Informer, type KubeObject,
} from "@lite/sdk";
import { desiredSubsets, endpointsLabels } from "./desired-endpoints.ts";
import { podServiceMapper, serviceSelector, type Pod, type Service } from "./pod-endpoints.ts";

type Endpoints = KubeObject & { subsets?: unknown[] };

export function endpointsController(): ControllerDefinition {
  let services: Informer<Service> | undefined;
  return defineController({
    name: "endpoint",
    workers: 5,
    watches: [
      { target: builtinResources.services },
      { target: builtinResources.pods, map: podServiceMapper((ns) => services?.list(ns)) },
      { target: builtinResources.endpoints, events: ["delete"] },
    ],
    async reconcile(key, ctx) {
      services ??= ctx.informer<Service>(builtinResources.services);
      const [namespace, name] = key.split("/") as [string, string];
      const svc = services.get(namespace, name);
      const epTarget = { ...builtinResources.endpoints, namespace };
      const current = ctx.informer<Endpoints>(builtinResources.endpoints).get(namespace, name);
      if (!svc) {
        if (!current) return;
        try {
          await ctx.client.delete({ ...epTarget, name }, { signal: ctx.signal });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        return;
      }
      const selector = serviceSelector(svc);
      if (!selector) return;
      const pods = ctx.informer<Pod>(builtinResources.pods).list(namespace);
      const subsets = desiredSubsets(svc, pods, selector);
      const labels = endpointsLabels(svc);
      if (current && JSON.stringify(current.subsets ?? []) === JSON.stringify(subsets) && JSON.stringify(current.metadata.labels ?? {}) === JSON.stringify(labels)) return;
      const body: Endpoints = {
        apiVersion: "v1", kind: "Endpoints",
        metadata: current ? { ...current.metadata, labels } : { name, namespace, labels },
        subsets,
      };
      try {
        if (current) await ctx.client.update(epTarget, body, { signal: ctx.signal });
        else await ctx.client.create(epTarget, body, { signal: ctx.signal });
      } catch (err) {
        if (isConflict(err) || isAlreadyExists(err)) return { requeueAfterMs: 100 }; // the cache catches up
        ctx.events.event(svc, "Warning", "FailedToUpdateEndpoint", `Failed to update endpoint ${namespace}/${name}: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    },
  });
}
