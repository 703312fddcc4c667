/**
 * Each node half's EndpointSlice kube-system/kube-dns-<node>: the node's IP as the one ready
 * endpoint of the kube-dns Service, with the port the DNS server actually listens on (so the
 * service proxy sends 10.43.0.10:53 to <node IP>:<port>). Applied (server-side, field manager
 * "coredns") whenever it is missing or differs; `deleteNodeSlice` removes it when the plugin stops.
 * With `publish` undefined (a loopback node IP pods cannot reach) the slice is deleted if present.
 */
import { builtinResources, defineController, isNotFound, type ApiClient, type ControllerDefinition, type KubeObject, type ReconcileContext } from "@lite/sdk";
import type { EndpointSlice } from "../zone/kube-types.ts";
import { KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE, PLUGIN_OWNER_LABEL } from "./kube-dns-service.ts";

export const SLICE_MANAGED_BY = "coredns.lite.io";

export interface SlicePublication {
  nodeName: string;
  nodeIP: string;
  port: number;
}

/** `kube-dns-<node>`, shortened with a hash when the node name is too long for an object name. */
export function nodeSliceName(nodeName: string): string {
  const name = `${KUBE_DNS_SERVICE}-${nodeName}`;
  if (name.length <= 253) return name;
  const hash = new Bun.CryptoHasher("sha256").update(nodeName).digest("hex").slice(0, 10);
  return `${name.slice(0, 242).replace(/[.-]+$/, "")}-${hash}`;
}

export function nodeSlice(p: SlicePublication): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
    metadata: {
      name: nodeSliceName(p.nodeName), namespace: KUBE_DNS_NAMESPACE,
      labels: { "kubernetes.io/service-name": KUBE_DNS_SERVICE, "endpointslice.kubernetes.io/managed-by": SLICE_MANAGED_BY, [PLUGIN_OWNER_LABEL]: "coredns" },
    },
    addressType: p.nodeIP.includes(":") ? "IPv6" : "IPv4",
    endpoints: [{ addresses: [p.nodeIP], conditions: { ready: true, serving: true, terminating: false }, nodeName: p.nodeName }],
    ports: [{ name: "dns", port: p.port, protocol: "UDP" }, { name: "dns-tcp", port: p.port, protocol: "TCP" }],
  };
}

function same(a: EndpointSlice, b: EndpointSlice): boolean {
  const labels = a.metadata.labels ?? {};
  return Object.entries(b.metadata.labels ?? {}).every(([k, v]) => labels[k] === v) && a.addressType === b.addressType
    && JSON.stringify(a.endpoints) === JSON.stringify(b.endpoints) && JSON.stringify(a.ports) === JSON.stringify(b.ports);
}

/** `outcome` hears each reconcile's result: an error (it is retried with back-off) or none. */
export function nodeSliceController(nodeName: string, publish: SlicePublication | undefined, outcome: (err?: Error) => void = () => {}): ControllerDefinition {
  const name = nodeSliceName(nodeName);
  const key = `${KUBE_DNS_NAMESPACE}/${name}`;
  const target = { ...builtinResources.endpointSlices, namespace: KUBE_DNS_NAMESPACE };
  return defineController({
    name: "kube-dns-node-slice",
    watches: [
      { target: { ...builtinResources.namespaces }, fieldSelector: `metadata.name=${KUBE_DNS_NAMESPACE}`, map: () => [key], events: ["add"] },
      { target, fieldSelector: `metadata.name=${name}` },
    ],
    async reconcile(k, ctx) {
      if (k !== key) return;
      try {
        await sync(ctx);
        outcome();
      } catch (err) {
        if (!ctx.signal.aborted) outcome(err as Error);
        throw err;
      }
    },
  });

  async function sync(ctx: ReconcileContext): Promise<void> {
    const current = ctx.informer<EndpointSlice>(target, { fieldSelector: `metadata.name=${name}` }).get(KUBE_DNS_NAMESPACE, name);
    if (!publish) {
      if (current) await deleteNodeSlice(ctx.client, nodeName, ctx.signal);
      return;
    }
    const desired = nodeSlice(publish);
    if (current && same(current, desired)) return;
    await ctx.client.patch({ ...target, name }, "apply", desired as KubeObject, { force: true, signal: ctx.signal });
    ctx.log.info("published the node's kube-dns EndpointSlice", { slice: name, address: `${publish.nodeIP}:${publish.port}` });
  }
}

/** Deletes the node's slice; absent is fine. */
export async function deleteNodeSlice(client: ApiClient, nodeName: string, signal?: AbortSignal): Promise<void> {
  try {
    await client.delete({ ...builtinResources.endpointSlices, namespace: KUBE_DNS_NAMESPACE, name: nodeSliceName(nodeName) }, signal ? { signal } : {});
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
