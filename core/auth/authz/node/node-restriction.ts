/**
 * NodeRestriction-like admission (upstream plugin/pkg/admission/noderestriction) for node
 * identities: a node may create only mirror pods bound to itself, delete, evict and update the
 * status of only pods bound to itself, write only its own Node and its own Lease.
 */
import { apiErrors, type AdmissionAttributes, type AdmissionPlugin, type KObject, type WatchCache } from "../../../apiserver/index.ts";
import { nodeIdentity } from "./node-identity.ts";

const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

export function nodeRestrictionPlugin(pods: () => WatchCache | undefined): AdmissionPlugin {
  const currentPod = (ns: string, name: string): KObject | undefined => {
    const cache = pods();
    return cache?.get(`${cache.prefix}${ns}/${name}`);
  };
  return {
    name: "NodeRestriction",
    validate(a: AdmissionAttributes) {
      if (!a.user) return;
      const node = nodeIdentity(a.user);
      if (node === undefined) return;
      const gr = { group: a.def.group, resource: a.def.resource };
      const deny = (msg: string) => apiErrors.forbidden(gr, a.name || (a.object?.metadata.name ?? ""), msg);
      const key = `${a.def.group}/${a.def.resource}`;
      if (key === "/pods") {
        if (a.operation === "CREATE" && !a.subresource) {
          const pod = a.object;
          if (!pod?.metadata.annotations?.[MIRROR_ANNOTATION]) throw deny(`pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
          if (pod.spec?.nodeName !== node) throw deny(`node "${node}" can only create pods with spec.nodeName set to itself`);
          return;
        }
        const pod = a.oldObject ?? currentPod(a.namespace, a.name) ?? a.object;
        const bound = pod?.spec?.nodeName === node;
        if (a.operation === "DELETE" && !bound) throw deny(`node "${node}" can only delete pods with spec.nodeName set to itself`);
        if (a.subresource === "status" && !bound) throw deny(`node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
        if (a.subresource === "eviction" && !bound) throw deny(`node "${node}" can only evict pods with spec.nodeName set to itself`);
        return;
      }
      if (key === "/nodes" && (a.operation === "CREATE" || a.operation === "UPDATE" || a.operation === "DELETE")) {
        const target = a.name || (a.object?.metadata.name ?? "");
        if (target !== node) throw deny(`node "${node}" is not allowed to modify node "${target}"`);
        return;
      }
      if (key === "coordination.k8s.io/leases" && a.operation !== "DELETE") {
        const target = a.name || (a.object?.metadata.name ?? "");
        if (target !== node) throw deny(`can only access node lease with the same name as the requesting node`);
      }
    },
  };
}
