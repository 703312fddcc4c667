/**
 * The EndpointSlices a selector Service should have (upstream endpointslice reconciler, without
 * its churn minimisation): endpoints grouped by resolved port set, at most 100 per slice, with
 * ready/serving/terminating conditions; a Service without endpoints gets one empty placeholder.
 */
import {
  isHeadless, isPodReady, podHostname, podTargetRef, resolveTargetPort, selectedPods, shouldPodBeInEndpoints,
  type Pod, type Service, type ServicePort,
} from "../endpoints/pod-endpoints.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

export const MAX_ENDPOINTS_PER_SLICE = 100;
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const MANAGED_BY = "endpointslice-controller.k8s.io";
export const ZONE_LABEL = "topology.kubernetes.io/zone";

export interface SliceContent {
  addressType: string;
  ports: Json[] | null;
  endpoints: Json[];
}

export function addressTypeOf(ip: string): "IPv4" | "IPv6" {
  return ip.includes(":") ? "IPv6" : "IPv4";
}

/** Desired slice contents; `nodeZone` gives a node's zone label (if any). */
export function desiredSlices(svc: Service, pods: readonly Pod[], selector: Record<string, string>, nodeZone: (node: string) => string | undefined): SliceContent[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const ports: ServicePort[] = svc.spec?.ports ?? [];
  const groups = new Map<string, SliceContent>();
  const families: string[] = svc.spec?.ipFamilies ?? ["IPv4"];
  for (const pod of selectedPods(pods, selector)) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = String(pod.status!.podIP);
    const addressType = addressTypeOf(ip);
    if (!families.includes(addressType) && !isHeadless(svc)) continue;
    const slicePorts: Json[] = [];
    for (const p of ports) {
      const port = resolveTargetPort(pod, p);
      if (port === undefined) continue;
      const sp: Json = { name: p.name ?? "", port, protocol: p.protocol ?? "TCP" };
      if (p.appProtocol) sp.appProtocol = p.appProtocol;
      slicePorts.push(sp);
    }
    const serving = isPodReady(pod);
    const terminating = !!pod.metadata.deletionTimestamp;
    const endpoint: Json = {
      addresses: [ip],
      conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
    };
    const hostname = podHostname(pod, svc);
    if (hostname) endpoint.hostname = hostname;
    endpoint.targetRef = podTargetRef(pod);
    if (pod.spec?.nodeName) {
      endpoint.nodeName = pod.spec.nodeName;
      const zone = nodeZone(pod.spec.nodeName);
      if (zone) endpoint.zone = zone;
    }
    const key = `${addressType}|${JSON.stringify(slicePorts)}`;
    let group = groups.get(key);
    if (!group) groups.set(key, group = { addressType, ports: slicePorts, endpoints: [] });
    group.endpoints.push(endpoint);
  }
  const out: SliceContent[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
      out.push({ addressType: g.addressType, ports: g.ports, endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
    }
  }
  if (out.length === 0) out.push({ addressType: families[0] === "IPv6" ? "IPv6" : "IPv4", ports: null, endpoints: [] });
  return out;
}
