/**
 * The server half's controller: keeps `status.loadBalancer.ingress` of every servicelb Service
 * (type LoadBalancer, no loadBalancerClass) equal to the addresses of the nodes that serve it, with
 * K3s' Events: UpdatedLoadBalancer (Normal), UnAvailableLoadBalancer (Warning), and PortInUse
 * (Warning) for each node left out because the port is already taken there.
 */
import { builtinResources, defineController, splitKey, type ControllerDefinition, type KubeObject } from "@lite/sdk";
import {
  ingressOf, isServiceLBService, placeServices, sameIngress, type EndpointSlice, type Node, type Service,
} from "./load-balancer-status.ts";

const services = builtinResources.services;
const nodes = builtinResources.nodes;
const slices = builtinResources.endpointSlices;

export interface ServiceLBControllerOptions {
  /** Called after each reconcile with the number of LoadBalancer Services served (for the plugin status). */
  onSynced?(summary: { services: number }): void;
}

export function serviceLBController(options: ServiceLBControllerOptions = {}): ControllerDefinition {
  // Keys of every servicelb Service, so a change of one (ports, deletion) re-places the others.
  let lbKeys = new Set<string>();
  const all = () => [...lbKeys];
  const lastConflicts = new Map<string, string>();
  return defineController({
    name: "servicelb",
    watches: [
      {
        target: services,
        map: (svc: KubeObject) => {
          const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
          if (isServiceLBService(svc as Service)) lbKeys.add(key);
          return [key, ...all()];
        },
      },
      { target: nodes, map: () => all() },
      {
        target: slices,
        map: (s: KubeObject) => {
          const name = s.metadata.labels?.["kubernetes.io/service-name"];
          return name ? [`${s.metadata.namespace}/${name}`] : [];
        },
      },
    ],
    async reconcile(key, ctx) {
      const svcInformer = ctx.informer<Service & KubeObject>(services);
      const allServices = svcInformer.list();
      lbKeys = new Set(allServices.filter(isServiceLBService).map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
      options.onSynced?.({ services: lbKeys.size });
      const { namespace, name } = splitKey(key);
      const svc = svcInformer.get(namespace, name);
      if (!svc) { lastConflicts.delete(key); return; }
      const target = { ...services, namespace, name };
      if (!isServiceLBService(svc)) {
        lastConflicts.delete(key);
        // A Service that stopped being a LoadBalancer (and is not another implementation's) loses its addresses.
        if (svc.spec?.type !== "LoadBalancer" && svc.status?.loadBalancer?.ingress?.length) {
          await ctx.client.patch(target, "merge", { status: { loadBalancer: { ingress: null } } }, { subresource: "status", signal: ctx.signal });
        }
        return;
      }
      const placement = placeServices(
        allServices,
        ctx.informer<Node & KubeObject>(nodes).list(),
        ctx.informer<EndpointSlice & KubeObject>(slices).list(),
      ).get(key)!;

      const conflicts = placement.conflicts.map((c) => `${c.node}:${c.port}:${c.holder}`).join(",");
      if (conflicts !== (lastConflicts.get(key) ?? "")) {
        for (const c of placement.conflicts) {
          ctx.events.event(svc, "Warning", "PortInUse", `Port ${c.port} on node ${c.node} is already used by ${c.holder}; node ${c.node} does not serve this LoadBalancer`);
        }
        lastConflicts.set(key, conflicts);
      }
      const previous = svc.status?.loadBalancer?.ingress;
      if (sameIngress(previous, placement.ips)) return;
      await ctx.client.patch(target, "merge", { status: { loadBalancer: { ingress: placement.ips.length ? ingressOf(placement.ips) : null } } }, { subresource: "status", signal: ctx.signal });
      if (placement.ips.length === 0) {
        ctx.events.event(svc, "Warning", "UnAvailableLoadBalancer", "There are no available nodes for LoadBalancer");
      } else {
        const before = (previous ?? []).map((i) => i.ip ?? i.hostname ?? "");
        ctx.events.event(svc, "Normal", "UpdatedLoadBalancer", `Updated LoadBalancer with new IPs: [${before.join(" ")}] -> [${placement.ips.join(" ")}]`);
      }
    },
  });
}
