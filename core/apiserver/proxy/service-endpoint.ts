/**
 * A Service reference to one connectable address (admission webhooks, aggregated APIs), as kube-apiserver's endpoint routing
 * (`--enable-aggregator-routing`, which K3s sets) resolves it: the Service's port with that
 * number, then a ready endpoint of its EndpointSlices serving that port (by port name), chosen at
 * random. Errors carry upstream's messages.
 */
import type { KObject } from "../resources/index.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/** Why a Service reference has no address; `reason` is the APIService condition reason upstream uses. */
export class ServiceResolutionError extends Error {
  constructor(readonly reason: "ServiceNotFound" | "ServicePortError" | "MissingEndpoints", message: string) {
    super(message);
  }
}

/** An address serving a Service port, with the object it belongs to (`targetRef`). */
export interface EndpointCandidate {
  readonly host: string;
  readonly port: number;
  readonly targetRef?: Json;
}

/** The name of the Service's port with number `port` (ServicePortError when it has none). */
export function servicePortName(service: KObject, port: number): string {
  const svcPort = ((service as Json).spec?.ports ?? []).find((p: Json) => p.port === port);
  if (!svcPort) throw new ServiceResolutionError("ServicePortError", `no service port ${port} found for service "${service.metadata.name}"`);
  return svcPort.name ?? "";
}

/** Ready addresses of the Service's EndpointSlices for the slice port named `portName` (TCP). */
export function readyEndpoints(slices: readonly KObject[], serviceName: string, portName: string): EndpointCandidate[] {
  const candidates: EndpointCandidate[] = [];
  for (const slice of slices as readonly Json[]) {
    if (slice.metadata?.labels?.["kubernetes.io/service-name"] !== serviceName) continue;
    const port = (slice.ports ?? []).find((p: Json) => (p.name ?? "") === portName && (p.protocol ?? "TCP") === "TCP");
    if (!port?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const address of ep.addresses ?? []) candidates.push({ host: address, port: port.port, targetRef: ep.targetRef });
    }
  }
  return candidates;
}

export function resolveServiceEndpoint(service: KObject | undefined, slices: readonly KObject[], ref: { namespace: string; name: string; port: number }): { host: string; port: number } {
  if (!service) throw new ServiceResolutionError("ServiceNotFound", `service "${ref.name}" not found`);
  const spec = (service as Json).spec ?? {};
  if (spec.type === "ExternalName") return { host: spec.externalName, port: ref.port };
  const candidates = readyEndpoints(slices, ref.name, servicePortName(service, ref.port));
  if (candidates.length === 0) throw new ServiceResolutionError("MissingEndpoints", `no endpoints available for service "${ref.name}"`);
  const { host, port } = candidates[Math.floor(Math.random() * candidates.length)]!;
  return { host, port };
}
