/**
 * NamespaceLifecycle admission: no creates in a missing or terminating namespace, and the
 * system namespaces (default, kube-system, kube-public) may not be deleted.
 */
import { apiErrors, qualifiedResource } from "../errors/index.ts";
import type { KObject } from "../resources/index.ts";
import type { AdmissionPlugin } from "./types.ts";

const IMMORTAL = new Set(["default", "kube-system", "kube-public"]);

/** `getNamespace` reads the namespace (undefined when absent). */
export function namespaceLifecyclePlugin(getNamespace: (name: string) => Promise<KObject | undefined>): AdmissionPlugin {
  return {
    name: "NamespaceLifecycle",
    // Upstream runs these checks in the mutating phase, i.e. before object validation.
    async admit(attrs) {
      const { def } = attrs;
      if (attrs.operation === "DELETE" && def.group === "" && def.resource === "namespaces" && IMMORTAL.has(attrs.name)) {
        throw apiErrors.forbidden({ group: "", resource: "namespaces" }, attrs.name, "this namespace may not be deleted");
      }
      if (attrs.operation !== "CREATE" || !def.namespaced || !attrs.namespace) return;
      const ns = await getNamespace(attrs.namespace);
      if (!ns) throw apiErrors.notFound({ group: "", resource: "namespaces" }, attrs.namespace);
      if (ns.status?.phase === "Terminating" || ns.metadata.deletionTimestamp) {
        throw apiErrors.forbidden({ group: def.group, resource: qualifiedResource({ group: "", resource: def.resource }) }, attrs.name,
          `unable to create new content in namespace ${attrs.namespace} because it is being terminated`);
      }
    },
  };
}
