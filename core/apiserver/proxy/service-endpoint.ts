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

export function resolveServiceEndpoint(service: KObject | undefined, slices: readonly KObject[], ref: { namespace: string; name: string; port: number }): { host: string; port: number } {
  if (!service) throw new ServiceResolutionError("ServiceNotFound", `service "${ref.name}" not found`);
  const spec = (service as Json).spec ?? {};
  if (spec.type === "ExternalName") return { host: spec.externalName, port: ref.port };
  const svcPort = (spec.ports ?? []).find((p: Json) => p.port === ref.port);
  if (!svcPort) throw new ServiceResolutionError("ServicePortError", `no service port ${ref.port} found for service "${ref.name}"`);
  const portName: string = svcPort.name ?? "";
  const candidates: { host: string; port: number }[] = [];
  for (const slice of slices as readonly Json[]) {
    if (slice.metadata?.labels?.["kubernetes.io/service-name"] !== ref.name) continue;
    const port = (slice.ports ?? []).find((p: Json) => (p.name ?? "") === portName && (p.protocol ?? "TCP") === "TCP");
    if (!port?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const address of ep.addresses ?? []) candidates.push({ host: address, port: port.port });
    }
  }
  if (candidates.length === 0) throw new ServiceResolutionError("MissingEndpoints", `no endpoints available for service "${ref.name}"`);
  return candidates[Math.floor(Math.random() * candidates.length)]!;
}
