/** WebhookSources and PolicySources over one ApiServer's registry and watch caches (configurations, namespaces, services, EndpointSlices). */
import type { KObject, ResourceDef, ResourceRegistry } from "../../resources/index.ts";
import type { StorageSet } from "../../storage/storage-set.ts";
import type { PolicySources } from "../policy/validating-admission-policy.ts";
import type { WebhookSources } from "./dispatch.ts";
import { resolveServiceEndpoint } from "../../proxy/service-endpoint.ts";

export function cachedWebhookSources(registry: ResourceRegistry, storage: StorageSet): WebhookSources {
  /** Objects of a served resource under `namespace` ("" = all), or none when it is not served. */
  const objects = (group: string, version: string, resource: string, namespace = ""): readonly KObject[] => {
    const def = registry.find(group, version, resource);
    if (!def) return [];
    const prefix = storage.resourceStore(def).listPrefix(namespace);
    return storage.watchCache(def).snapshot(prefix).items.map((i) => i.object);
  };
  const one = (group: string, version: string, resource: string, namespace: string, name: string): KObject | undefined => {
    const def = registry.find(group, version, resource);
    return def ? storage.cached(def, namespace, name) : undefined;
  };
  return {
    mutating: () => objects("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations"),
    validating: () => objects("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations"),
    async namespaceLabels(name) {
      const ns = one("", "v1", "namespaces", "", name);
      return ns ? ((ns.metadata.labels as Record<string, string> | undefined) ?? {}) : undefined;
    },
    async resolveService(ref) {
      return resolveServiceEndpoint(one("", "v1", "services", ref.namespace, ref.name), objects("discovery.k8s.io", "v1", "endpointslices", ref.namespace), ref);
    },
  };
}

/** PolicySources over the same caches: policies, bindings, namespaces and parameter objects of any served kind. */
export function cachedPolicySources(registry: ResourceRegistry, storage: StorageSet): PolicySources {
  const all = (def: ResourceDef, namespace: string): readonly KObject[] =>
    storage.watchCache(def).snapshot(storage.resourceStore(def).listPrefix(namespace)).items.map((i) => i.object);
  const byKind = (apiVersion: string, kind: string) => {
    const slash = apiVersion.indexOf("/");
    return slash < 0 ? registry.findByKind("", apiVersion, kind) : registry.findByKind(apiVersion.slice(0, slash), apiVersion.slice(slash + 1), kind);
  };
  const served = (resource: string) => registry.find("admissionregistration.k8s.io", "v1", resource);
  return {
    policies: () => { const d = served("validatingadmissionpolicies"); return d ? all(d, "") : []; },
    bindings: () => { const d = served("validatingadmissionpolicybindings"); return d ? all(d, "") : []; },
    namespace(name) {
      const def = registry.find("", "v1", "namespaces");
      return def ? storage.cached(def, "", name) : undefined;
    },
    paramObjects(apiVersion, kind, namespace) {
      const def = byKind(apiVersion, kind);
      return def ? all(def, def.namespaced ? namespace : "") : undefined;
    },
    paramKindNamespaced: (apiVersion, kind) => byKind(apiVersion, kind)?.namespaced,
  };
}
