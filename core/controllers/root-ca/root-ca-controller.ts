/**
 * The root CA publisher: the `kube-root-ca.crt` ConfigMap (key `ca.crt`: the cluster's server CA)
 * in every namespace, recreated when deleted and repaired when modified (upstream's
 * rootcacertpublisher).
 */
import { builtinResources, defineController, isAlreadyExists, isForbidden, isNotFound, type ControllerDefinition, type KubeObject } from "@lite/sdk";

export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
export const DESCRIPTION_ANNOTATION = "kubernetes.io/description";
export const DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. " +
  "No other usage is guaranteed across distributions of Kubernetes clusters.";

type Namespace = KubeObject & { status?: { phase?: string } };
type ConfigMap = KubeObject & { data?: Record<string, string> };

export function rootCAController(caPem: string): ControllerDefinition {
  const configMaps = { target: builtinResources.configMaps, fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` };
  return defineController({
    name: "root-ca-cert-publisher",
    workers: 1,
    watches: [
      { target: builtinResources.namespaces, events: ["add", "update"] },
      { ...configMaps, events: ["update", "delete"], map: (cm) => (cm.metadata.namespace ? [cm.metadata.namespace] : []) },
    ],
    async reconcile(namespace, ctx) {
      const ns = ctx.informer<Namespace>(builtinResources.namespaces).get(namespace);
      if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === "Terminating") return;
      const cm = ctx.informer<ConfigMap>(configMaps.target, { fieldSelector: configMaps.fieldSelector }).get(namespace, ROOT_CA_CONFIGMAP);
      const data = { "ca.crt": caPem };
      const target = { ...builtinResources.configMaps, namespace };
      if (!cm) {
        try {
          await ctx.client.create<ConfigMap>(target, {
            apiVersion: "v1", kind: "ConfigMap",
            metadata: { name: ROOT_CA_CONFIGMAP, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
            data,
          }, { signal: ctx.signal });
        } catch (err) {
          // Don't retry when the namespace is gone or terminating; the cache lagging is fine too.
          if (isNotFound(err) || isForbidden(err) || isAlreadyExists(err)) return;
          throw err;
        }
        return;
      }
      const same = Object.keys(cm.data ?? {}).length === 1 && cm.data?.["ca.crt"] === caPem;
      if (same && (cm.metadata.annotations?.[DESCRIPTION_ANNOTATION] ?? "").length > 0) return;
      const next: ConfigMap = structuredClone(cm) as ConfigMap;
      next.data = data;
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [DESCRIPTION_ANNOTATION]: DESCRIPTION };
      await ctx.client.update<ConfigMap>(target, next, { signal: ctx.signal });
    },
  });
}
