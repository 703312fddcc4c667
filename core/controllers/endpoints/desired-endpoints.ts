/**
 * The Endpoints object a selector Service should have (upstream endpoints controller syncService):
 * one address per pod with an IP (ready, or in notReadyAddresses), grouped into subsets by their
 * resolved port set; terminating pods are left out unless publishNotReadyAddresses.
 */
import {
  isHeadless, isPodReady, podHostname, podTargetRef, resolveTargetPort, selectedPods, shouldPodBeInEndpoints,
  type Pod, type Service, type ServicePort,
} from "./pod-endpoints.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

export const HEADLESS_LABEL = "service.kubernetes.io/headless";

export function desiredSubsets(svc: Service, pods: readonly Pod[], selector: Record<string, string>): Json[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const ports: ServicePort[] = svc.spec?.ports ?? [];
  const bySet = new Map<string, { ports: Json[]; addresses: Json[]; notReadyAddresses: Json[] }>();
  for (const pod of selectedPods(pods, selector)) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address: Json = { ip: pod.status!.podIP };
    const hostname = podHostname(pod, svc);
    if (hostname) address.hostname = hostname;
    if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
    address.targetRef = podTargetRef(pod);
    const ready = publishNotReady || isPodReady(pod);
    let epPorts: Json[];
    if (ports.length === 0) {
      if (!isHeadless(svc)) continue;
      epPorts = [];
    } else {
      epPorts = [];
      for (const p of ports) {
        const port = resolveTargetPort(pod, p);
        if (port === undefined) continue; // the pod lacks the named port
        const ep: Json = { ...(p.name ? { name: p.name } : {}), port, protocol: p.protocol ?? "TCP" };
        if (p.appProtocol) ep.appProtocol = p.appProtocol;
        epPorts.push(ep);
      }
      if (epPorts.length === 0) continue;
    }
    const key = JSON.stringify(epPorts);
    let subset = bySet.get(key);
    if (!subset) bySet.set(key, subset = { ports: epPorts, addresses: [], notReadyAddresses: [] });
    (ready ? subset.addresses : subset.notReadyAddresses).push(address);
  }
  const byIP = (a: Json, b: Json) => String(a.ip).localeCompare(String(b.ip));
  return [...bySet.values()].map((s) => {
    const out: Json = {};
    if (s.addresses.length) out.addresses = s.addresses.sort(byIP);
    if (s.notReadyAddresses.length) out.notReadyAddresses = s.notReadyAddresses.sort(byIP);
    if (s.ports.length) out.ports = s.ports;
    return out;
  });
}

/** The Service's labels, plus the headless marker. */
export function endpointsLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = "";
  else delete labels[HEADLESS_LABEL];
  return labels;
}
