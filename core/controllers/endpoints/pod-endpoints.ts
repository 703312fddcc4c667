/**
 * What the endpoints and endpointslice controllers share (upstream pkg/controller/util/endpoint
 * and podutil): which pods back a Service, pod readiness, and target-port resolution.
 */
import type { KubeObject } from "@lite/sdk";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;
export type Pod = KubeObject & { spec?: Json; status?: Json };
export type Service = KubeObject & { spec?: Json };

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
  appProtocol?: string;
}

/** The selector as an equality map, or undefined for a selector-less Service (left to its owner). */
export function serviceSelector(svc: Service): Record<string, string> | undefined {
  const sel = svc.spec?.selector as Record<string, string> | undefined;
  return sel && Object.keys(sel).length > 0 ? sel : undefined;
}

export function selectsPod(selector: Record<string, string>, pod: Pod): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c: Json) => c.type === "Ready" && c.status === "True");
}

/** Upstream ShouldPodBeInEndpoints: has an IP, is not terminal, and is not terminating unless asked. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  if (!pod.status?.podIP) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === "None";
}

/**
 * FindPort: a numeric targetPort is used as is (absent: the Service port); a named one is the
 * containerPort of that name and protocol in the pod, or undefined when the pod has none.
 */
export function resolveTargetPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? "TCP";
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
  }
  return undefined;
}

/** The pods a Service selects, sorted by name (stable output). */
export function selectedPods(pods: readonly Pod[], selector: Record<string, string>): Pod[] {
  return pods.filter((p) => selectsPod(selector, p)).sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
}

export function podTargetRef(pod: Pod): Json {
  return { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

/** The pod's DNS hostname under the Service (spec.hostname when spec.subdomain names the Service). */
export function podHostname(pod: Pod, svc: Service): string | undefined {
  return pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name ? pod.spec.hostname : undefined;
}

/**
 * Keys of the Services selecting a pod, for informer maps. Remembers each pod's last Services so
 * a label change also re-syncs the Services that no longer select it. `services` yields the
 * Services of a namespace, or undefined before the controller's first pass has bound the
 * informer (until then every Service is queued by its own initial add anyway).
 */
export function podServiceMapper(services: (namespace: string) => readonly Service[] | undefined): (pod: Pod) => string[] {
  const last = new Map<string, string[]>();
  return (pod) => {
    const ns = pod.metadata.namespace ?? "";
    const podKey = `${ns}/${pod.metadata.name}`;
    const now = (services(ns) ?? []).filter((s) => { const sel = serviceSelector(s); return !!sel && selectsPod(sel, pod); }).map((s) => `${ns}/${s.metadata.name}`);
    const before = last.get(podKey) ?? [];
    if (now.length) last.set(podKey, now); else last.delete(podKey);
    return [...new Set([...before, ...now])];
  };
}
