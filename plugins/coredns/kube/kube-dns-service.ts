/**
 * The server half's one job: Service kube-system/kube-dns exists with ClusterIP `--cluster-dns`,
 * no selector (each node half publishes its own EndpointSlice) and CoreDNS' labels and port
 * names. Written by server-side apply (field manager "coredns", forced), so fields an operator
 * adds or changes that lite does not set stay theirs; it is applied again when it is deleted or a
 * field lite sets drifts. The kube-system Namespace is watched only to get a first reconcile.
 */
import { builtinResources, defineController, isInvalid, type ControllerDefinition, type StatusReporter } from "@lite/sdk";
import type { Service } from "../zone/kube-types.ts";

export const KUBE_DNS_NAMESPACE = "kube-system";
export const KUBE_DNS_SERVICE = "kube-dns";
const KEY = `${KUBE_DNS_NAMESPACE}/${KUBE_DNS_SERVICE}`;

/**
 * The label the core reads to remove a disabled plugin's objects at server start
 * (core/host/disabled-plugin-objects.ts): with `--disable=coredns`, kube-dns and the slices go.
 */
export const PLUGIN_OWNER_LABEL = "lite.io/plugin";

export const KUBE_DNS_LABELS: Readonly<Record<string, string>> = {
  [PLUGIN_OWNER_LABEL]: "coredns",
  "k8s-app": "kube-dns",
  "kubernetes.io/cluster-service": "true",
  "kubernetes.io/name": "CoreDNS",
};

const PORTS = [
  { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
  { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
] as const;

/** The applied configuration of the Service. */
export function kubeDnsService(clusterIP: string): Service {
  return {
    apiVersion: "v1", kind: "Service",
    metadata: { name: KUBE_DNS_SERVICE, namespace: KUBE_DNS_NAMESPACE, labels: { ...KUBE_DNS_LABELS } },
    spec: { type: "ClusterIP", clusterIP, ports: PORTS.map((p) => ({ ...p })) },
  };
}

/** True when `svc` already holds every field lite sets. */
function upToDate(svc: Service, clusterIP: string): boolean {
  const labels = svc.metadata.labels ?? {};
  if (Object.entries(KUBE_DNS_LABELS).some(([k, v]) => labels[k] !== v)) return false;
  if (svc.spec?.clusterIP !== clusterIP || svc.spec.selector) return false;
  return PORTS.every((want) => svc.spec?.ports?.some((p) => p.name === want.name && p.port === want.port
    && (p.protocol ?? "TCP") === want.protocol && String(p.targetPort ?? p.port) === String(want.targetPort)));
}

export function kubeDnsServiceController(opts: { clusterIP: string; status: StatusReporter }): ControllerDefinition {
  let last = "";
  // Reported on changes only: each Degraded report becomes a Warning Event.
  const report = (state: "Running" | "Degraded", message: string) => {
    if (last === `${state}|${message}`) return;
    last = `${state}|${message}`;
    opts.status.report({ state, message, details: { service: KEY, clusterIP: opts.clusterIP } });
  };
  return defineController({
    name: "kube-dns-service",
    watches: [
      { target: { ...builtinResources.namespaces }, fieldSelector: `metadata.name=${KUBE_DNS_NAMESPACE}`, map: () => [KEY], events: ["add"] },
      { target: { ...builtinResources.services, namespace: KUBE_DNS_NAMESPACE }, fieldSelector: `metadata.name=${KUBE_DNS_SERVICE}` },
    ],
    async reconcile(key, ctx) {
      if (key !== KEY) return;
      const current = ctx.informer<Service>({ ...builtinResources.services, namespace: KUBE_DNS_NAMESPACE }, { fieldSelector: `metadata.name=${KUBE_DNS_SERVICE}` })
        .get(KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE);
      if (current && !current.metadata.deletionTimestamp && upToDate(current, opts.clusterIP)) {
        report("Running", `Service ${KEY} has ClusterIP ${opts.clusterIP}`);
        return;
      }
      if (current?.metadata.deletionTimestamp) return; // applied again once it is gone
      try {
        await ctx.client.patch({ ...builtinResources.services, namespace: KUBE_DNS_NAMESPACE, name: KUBE_DNS_SERVICE }, "apply", kubeDnsService(opts.clusterIP), { force: true, signal: ctx.signal });
        ctx.log.info(current ? "updated the kube-dns Service" : "created the kube-dns Service", { clusterIP: opts.clusterIP });
        report("Running", `Service ${KEY} has ClusterIP ${opts.clusterIP}`);
      } catch (err) {
        const why = current && current.spec?.clusterIP !== opts.clusterIP && isInvalid(err)
          ? `Service ${KEY} exists with ClusterIP ${current.spec?.clusterIP ?? "(none)"}, but --cluster-dns is ${opts.clusterIP}; delete the Service (lite recreates it) or change --cluster-dns`
          : `cannot apply Service ${KEY}: ${(err as Error).message}`;
        report("Degraded", why);
        throw new Error(why, { cause: err });
      }
    },
  });
}
