/** Test support: Service and EndpointSlice objects in the shapes the proxy reads. */
import type { ProxyEndpointSlice, ProxyService } from "../proxy-model.ts";

type Spec = NonNullable<ProxyService["spec"]>;
type SliceEndpoint = NonNullable<ProxyEndpointSlice["endpoints"]>[number];

export function service(name: string, spec: Spec, status?: ProxyService["status"], namespace = "default"): ProxyService & { metadata: { name: string } } {
  return Object.freeze({ metadata: { namespace, name }, spec: { type: "ClusterIP", ...spec }, ...(status ? { status } : {}) });
}

/** An endpoint: ready on `nodeName` unless conditions say otherwise. */
export function endpoint(ip: string, nodeName = "node-a", conditions: SliceEndpoint["conditions"] = { ready: true, serving: true, terminating: false }): SliceEndpoint {
  return { addresses: [ip], conditions, nodeName };
}

export function endpointSlice(
  serviceName: string, endpoints: readonly SliceEndpoint[], ports: readonly { name?: string; port: number; protocol?: string }[],
  options: { namespace?: string; name?: string; addressType?: string } = {},
): ProxyEndpointSlice & { metadata: { name: string } } {
  return Object.freeze({
    metadata: { namespace: options.namespace ?? "default", name: options.name ?? `${serviceName}-abcde`, labels: { "kubernetes.io/service-name": serviceName } },
    addressType: options.addressType ?? "IPv4",
    endpoints: endpoints.map((e) => ({ ...e })),
    ports: ports.map((p) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol ?? "TCP" })),
  });
}
