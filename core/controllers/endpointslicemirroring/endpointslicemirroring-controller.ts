/**
 * The EndpointSlice mirroring controller (upstream pkg/controller/endpointslicemirroring): custom
 * Endpoints of a selector-less Service are mirrored into EndpointSlices, so that consumers of
 * EndpointSlices see hand-written endpoints too.
 * - An Endpoints is mirrored when its Service exists, has no selector, and the Endpoints is not
 *   labelled `endpointslice.kubernetes.io/skip-mirror: "true"`; otherwise its mirrored slices go.
 * - One slice per subset and address family: `addresses` are ready endpoints, `notReadyAddresses`
 *   not ready ones (hostname, nodeName and targetRef carried over); the subset's ports (protocol
 *   TCP by default). At most 1000 endpoints per subset are mirrored, as upstream.
 * - Slices are named `<endpoints>-<random>`, labelled with the Service name and managed-by
 *   `endpointslicemirroring-controller.k8s.io`, and owned by the Endpoints.
 */
import { builtinResources, defineController, isNotFound, type ControllerDefinition, type KubeObject } from "@lite/sdk";

export const MIRROR_MANAGED_BY = "endpointslicemirroring-controller.k8s.io";
const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
const SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror";
const MAX_ENDPOINTS_PER_SUBSET = 1000;

interface Address { ip: string; hostname?: string; nodeName?: string; targetRef?: Record<string, unknown> }
interface Subset { addresses?: Address[]; notReadyAddresses?: Address[]; ports?: { name?: string; port: number; protocol?: string; appProtocol?: string }[] }
type Endpoints = KubeObject & { subsets?: Subset[] };
type Service = KubeObject & { spec?: { selector?: Record<string, string> | null } };
type Slice = KubeObject & { addressType: string; endpoints: Record<string, unknown>[]; ports: Record<string, unknown>[] };

/** The slices an Endpoints mirrors to (without names): per subset, per address family. */
export function desiredMirrorSlices(ep: Endpoints): Pick<Slice, "addressType" | "endpoints" | "ports">[] {
  const out: Pick<Slice, "addressType" | "endpoints" | "ports">[] = [];
  for (const subset of ep.subsets ?? []) {
    const ports = (subset.ports ?? []).map((p) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol ?? "TCP", ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const all = [...(subset.addresses ?? []).map((a) => [a, true] as const), ...(subset.notReadyAddresses ?? []).map((a) => [a, false] as const)].slice(0, MAX_ENDPOINTS_PER_SUBSET);
    for (const family of ["IPv4", "IPv6"]) {
      const endpoints = all.filter(([a]) => (a.ip.includes(":") ? "IPv6" : "IPv4") === family).map(([a, ready]) => ({
        addresses: [a.ip], conditions: { ready },
        ...(a.hostname ? { hostname: a.hostname } : {}), ...(a.nodeName ? { nodeName: a.nodeName } : {}), ...(a.targetRef ? { targetRef: a.targetRef } : {}),
      }));
      if (endpoints.length) out.push({ addressType: family, endpoints, ports });
    }
  }
  return out;
}

const sortedJSON = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export function endpointSliceMirroringController(): ControllerDefinition {
  return defineController({
    name: "endpointslice-mirroring",
    workers: 5,
    watches: [
      { target: builtinResources.endpoints },
      { target: builtinResources.services },
      {
        target: builtinResources.endpointSlices,
        map: (s: KubeObject) => (s.metadata.labels?.[MANAGED_BY_LABEL] === MIRROR_MANAGED_BY && s.metadata.labels?.[SERVICE_NAME_LABEL]
          ? [`${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}`] : []),
      },
    ],
    async reconcile(key, ctx) {
      const [namespace, name] = key.split("/") as [string, string];
      const target = { ...builtinResources.endpointSlices, namespace };
      const ep = ctx.informer<Endpoints>(builtinResources.endpoints).get(namespace, name);
      const svc = ctx.informer<Service>(builtinResources.services).get(namespace, name);
      const existing = ctx.informer<Slice>(builtinResources.endpointSlices).list(namespace)
        .filter((s) => s.metadata.labels?.[MANAGED_BY_LABEL] === MIRROR_MANAGED_BY && s.metadata.labels?.[SERVICE_NAME_LABEL] === name);
      const mirror = ep && svc && !(svc.spec?.selector && Object.keys(svc.spec.selector).length) && ep.metadata.labels?.[SKIP_MIRROR_LABEL] !== "true";
      const desired = mirror ? desiredMirrorSlices(ep) : [];
      const labels = { ...(ep?.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MIRROR_MANAGED_BY };
      const same = (s: Slice, d: (typeof desired)[number]) => s.addressType === d.addressType
        && JSON.stringify(s.endpoints ?? []) === JSON.stringify(d.endpoints) && JSON.stringify(s.ports ?? []) === JSON.stringify(d.ports)
        && sortedJSON(s.metadata.labels ?? {}) === sortedJSON(labels);
      // Pair desired slices with existing ones (identical first), then update, create and delete the rest.
      const unused = [...existing];
      const todo: (typeof desired)[number][] = [];
      for (const d of desired) {
        const i = unused.findIndex((s) => same(s, d));
        if (i >= 0) unused.splice(i, 1);
        else todo.push(d);
      }
      for (const d of todo) {
        const reuse = unused.findIndex((s) => s.addressType === d.addressType);
        if (reuse >= 0) {
          const [s] = unused.splice(reuse, 1);
          await ctx.client.update(target, { ...s!, metadata: { ...s!.metadata, labels }, endpoints: d.endpoints, ports: d.ports }, { signal: ctx.signal });
        } else {
          await ctx.client.create(target, {
            apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
            metadata: {
              generateName: `${name}-`, namespace, labels,
              ownerReferences: [{ apiVersion: "v1", kind: "Endpoints", name, uid: ep!.metadata.uid!, controller: true, blockOwnerDeletion: true }],
            },
            ...d,
          } as Slice, { signal: ctx.signal });
        }
      }
      for (const s of unused) {
        try {
          await ctx.client.delete({ ...target, name: s.metadata.name! }, { signal: ctx.signal });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    },
  });
}
