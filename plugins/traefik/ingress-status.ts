/**
 * The server half: owns the IngressClass `traefik` (the default class), writes
 * `status.loadBalancer.ingress` of every served Ingress (the nodes' addresses, as K3s' Traefik
 * publishes them through servicelb: ExternalIPs if any node has one, else InternalIPs, of Ready
 * nodes), and records a Warning Event for each problem an Ingress has (missing Service, port or TLS
 * Secret, conflicting rules), once per distinct problem.
 */
import { builtinResources, defineController, isAlreadyExists, splitKey, type ApiClient, type ControllerDefinition, type KubeObject } from "@lite/sdk";
import { ingressRouteKey, ingressRoutesOf, middlewaresOf, TRAEFIK_GROUP, type IngressRoute, type MiddlewareObject } from "./ingressroute.ts";
import { buildRoutingTable, TRAEFIK_CONTROLLER, type EndpointSlice, type Ingress, type IngressClass, type RoutingInput, type Secret, type Service } from "./routing.ts";

export const INGRESSES = { group: "networking.k8s.io", version: "v1", resource: "ingresses" } as const;
export const INGRESS_CLASSES = { group: "networking.k8s.io", version: "v1", resource: "ingressclasses" } as const;
export const PLUGIN_LABEL = "lite.io/plugin";

export function traefikIngressClass(): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1", kind: "IngressClass",
    metadata: { name: "traefik", labels: { [PLUGIN_LABEL]: "traefik" }, annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } },
    spec: { controller: TRAEFIK_CONTROLLER },
  } as KubeObject;
}

/** Creates the IngressClass `traefik` unless it exists (an operator's edits to it are kept). */
export async function ensureIngressClass(client: ApiClient, signal: AbortSignal): Promise<void> {
  try {
    await client.create(INGRESS_CLASSES, traefikIngressClass(), { signal });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

interface Node { metadata: { name?: string }; status?: { addresses?: { type: string; address: string }[]; conditions?: { type: string; status: string }[] } }

export function nodeAddresses(nodes: readonly Node[]): string[] {
  const ready = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
  const of = (type: string) => [...new Set(ready.flatMap((n) => (n.status?.addresses ?? []).filter((a) => a.type === type).map((a) => a.address)))];
  const external = of("ExternalIP");
  return (external.length ? external : of("InternalIP")).sort();
}

/** The Traefik CRDs' collections (both API groups). */
/** traefik.io only: K3s 1.32 ships Traefik v3, which no longer has the `traefik.containo.us` group. */
export const CRD_TARGETS = [TRAEFIK_GROUP].flatMap((g) => [ingressRoutesOf(g), middlewaresOf(g)]);

/**
 * Ingress status and Events; with `crds`, Events for IngressRoutes too (keys "ir:<group>:<ns>/<name>";
 * without them, because the CRDs could not be installed, the CRD collections are not watched).
 */
export function ingressStatusController(crds = false): ControllerDefinition {
  let keys = new Set<string>();
  let routeKeys = new Set<string>();
  const all = () => [...keys, ...routeKeys];
  const reported = new Map<string, Set<string>>();
  const irKey = (o: KubeObject) => `ir:${ingressRouteKey(o as IngressRoute)}`;
  const crdWatches = !crds ? [] : CRD_TARGETS.map((target) => target.resource === "ingressroutes"
    ? { target, map: (o: KubeObject) => { const k = irKey(o); routeKeys.add(k); return [k]; } }
    : { target, map: () => [...routeKeys] });
  return defineController({
    name: "traefik-ingress",
    watches: [
      ...crdWatches,
      { target: INGRESSES, map: (o: KubeObject) => { const k = `${o.metadata.namespace}/${o.metadata.name}`; keys.add(k); return [k]; } },
      { target: INGRESS_CLASSES, map: () => all() },
      { target: builtinResources.services, map: () => all() },
      { target: builtinResources.endpointSlices, map: () => all() },
      { target: builtinResources.secrets, map: () => all() },
      { target: builtinResources.nodes, map: () => all() },
    ],
    async reconcile(key, ctx) {
      const ingresses = ctx.informer<Ingress & KubeObject>(INGRESSES).list();
      keys = new Set(ingresses.map((i) => `${i.metadata.namespace}/${i.metadata.name}`));
      const input: RoutingInput = {
        ingresses,
        ingressClasses: ctx.informer<IngressClass & KubeObject>(INGRESS_CLASSES).list(),
        services: ctx.informer<Service & KubeObject>(builtinResources.services).list(),
        endpointSlices: ctx.informer<EndpointSlice & KubeObject>(builtinResources.endpointSlices).list(),
        secrets: ctx.informer<Secret & KubeObject>(builtinResources.secrets).list(),
      };
      if (crds) {
        const routes = CRD_TARGETS.filter((t) => t.resource === "ingressroutes").flatMap((t) => ctx.informer<IngressRoute & KubeObject>(t).list());
        input.ingressRoutes = routes;
        input.middlewares = CRD_TARGETS.filter((t) => t.resource === "middlewares").flatMap((t) => ctx.informer<MiddlewareObject & KubeObject>(t).list());
        routeKeys = new Set(routes.map((r) => irKey(r)));
      }
      if (key.startsWith("ir:")) {
        const route = crds ? CRD_TARGETS.filter((t) => t.resource === "ingressroutes").flatMap((t) => ctx.informer<IngressRoute & KubeObject>(t).list()).find((r) => irKey(r) === key) : undefined;
        if (!route) { reported.delete(key); return; }
        const table = buildRoutingTable(input);
        const seen = reported.get(key) ?? new Set<string>();
        const now = new Set<string>();
        for (const p of table.routeProblems.get(key.slice(3)) ?? []) {
          now.add(p.message);
          if (!seen.has(p.message)) ctx.events.event(route, "Warning", p.reason, p.message);
        }
        reported.set(key, now);
        return;
      }
      const { namespace, name } = splitKey(key);
      const ing = ctx.informer<Ingress & KubeObject>(INGRESSES).get(namespace, name);
      if (!ing) { reported.delete(key); return; }
      const table = buildRoutingTable(input);
      if (!table.served.includes(key)) { reported.delete(key); return; }

      const seen = reported.get(key) ?? new Set<string>();
      const now = new Set<string>();
      for (const p of table.problems.get(key) ?? []) {
        now.add(p.message);
        if (!seen.has(p.message)) ctx.events.event(ing, "Warning", p.reason, p.message);
      }
      reported.set(key, now);

      const ips = nodeAddresses(ctx.informer<Node & KubeObject>(builtinResources.nodes).list());
      const current = (ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? "");
      if (current.length === ips.length && current.every((ip, i) => ip === ips[i])) return;
      await ctx.client.patch({ ...INGRESSES, namespace, name }, "merge",
        { status: { loadBalancer: { ingress: ips.length ? ips.map((ip) => ({ ip })) : null } } }, { subresource: "status", signal: ctx.signal });
    },
  });
}
