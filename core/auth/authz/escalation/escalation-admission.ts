/**
 * Escalation prevention on RBAC writes (upstream pkg/registry/rbac/{role,clusterrole,rolebinding,
 * clusterrolebinding}/policybased): a Role/ClusterRole may hold only rules the writer already has
 * (unless the writer may `escalate` it), a binding may reference only a role whose rules the writer
 * has (unless the writer may `bind` it). `system:masters` is exempt. An aggregationRule needs full
 * authority. Updates that change nothing the policy depends on are not checked.
 */
import { apiErrors, type AdmissionAttributes, type AdmissionPlugin, type Attributes, type KObject, type UserInfo } from "../../../apiserver/index.ts";
import { jsonEqual } from "../../../apiserver/machinery/json-value.ts";
import type { RbacAuthorizer } from "../rbac/rbac-authorizer.ts";
import { RBAC_GROUP, type PolicyRule, type RoleRef } from "../rbac/types.ts";
import { covers } from "./covers.ts";
import { describeMissing, goQuotedList } from "./describe-rules.ts";

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
  { verbs: ["*"], nonResourceURLs: ["*"] },
];

export interface EscalationDeps {
  readonly rbac: RbacAuthorizer;
  /** The whole authorizer chain (for the `escalate` and `bind` verbs). */
  authorize(attrs: Attributes): boolean;
}

/** Upstream ConfirmNoEscalation; returns the error message, or undefined when `rules` are covered. */
export function confirmNoEscalation(rbac: RbacAuthorizer, user: UserInfo, namespace: string, rules: readonly PolicyRule[]): string | undefined {
  const owned = rbac.rulesFor(user, namespace);
  const { covered, missing } = covers(owned.rules, rules);
  if (covered) return undefined;
  let msg = `user "${user.username}" (groups=${goQuotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${describeMissing(missing).join("\n")}`;
  if (owned.errors.length) msg += `; resolution errors: [${owned.errors.join(" ")}]`;
  return msg;
}

/** Nothing but GC fields (ownerReferences, finalizers) or server-managed metadata changed. */
function onlyGcFieldsChanged(obj: KObject, old: KObject, fields: readonly string[]): boolean {
  for (const f of fields) if (!jsonEqual(obj[f] ?? null, old[f] ?? null)) return false;
  return jsonEqual(obj.metadata.labels ?? {}, old.metadata.labels ?? {}) && jsonEqual(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {});
}

export function escalationPlugin(deps: EscalationDeps): AdmissionPlugin {
  const verbAllowed = (user: UserInfo, verb: string, resource: string, namespace: string, name: string, group = RBAC_GROUP): boolean =>
    deps.authorize({
      user, verb, isResourceRequest: true, path: "", apiGroup: group, apiVersion: "*", namespace, resource, subresource: "", name,
    });

  return {
    name: "RBACEscalation",
    validate(a: AdmissionAttributes) {
      if (a.def.group !== RBAC_GROUP || a.subresource) return;
      if (a.operation !== "CREATE" && a.operation !== "UPDATE") return;
      const user = a.user;
      const obj = a.object;
      if (!user || !obj || user.groups.includes("system:masters")) return;
      const name = obj.metadata.name ?? a.name;
      const gr = { group: a.def.group, resource: a.def.resource };
      const forbidden = (msg: string) => apiErrors.forbidden(gr, name, msg);
      switch (a.def.resource) {
        case "roles":
        case "clusterroles": {
          const isCluster = a.def.resource === "clusterroles";
          if (a.operation === "UPDATE" && a.oldObject && onlyGcFieldsChanged(obj, a.oldObject, ["rules", "aggregationRule"])) return;
          if (verbAllowed(user, "escalate", a.def.resource, a.namespace, a.name)) return;
          const err = confirmNoEscalation(deps.rbac, user, isCluster ? "" : a.namespace, obj.rules ?? []);
          if (err) throw forbidden(err);
          const aggregationChanged = obj.aggregationRule && (a.operation === "CREATE" || !jsonEqual(obj.aggregationRule, a.oldObject?.aggregationRule ?? null));
          if (isCluster && aggregationChanged && confirmNoEscalation(deps.rbac, user, "", FULL_AUTHORITY)) {
            throw forbidden("must have cluster-admin privileges to use the aggregationRule");
          }
          return;
        }
        case "rolebindings":
        case "clusterrolebindings": {
          if (a.operation === "UPDATE" && a.oldObject && onlyGcFieldsChanged(obj, a.oldObject, ["roleRef", "subjects"])) return;
          const ref: RoleRef = obj.roleRef ?? { apiGroup: "", kind: "", name: "" };
          const ns = a.def.resource === "rolebindings" ? a.namespace : "";
          const target = ref.kind === "ClusterRole" ? "clusterroles" : ref.kind === "Role" ? "roles" : "";
          if (target && verbAllowed(user, "bind", target, ns, ref.name, ref.apiGroup)) return;
          let rules: readonly PolicyRule[];
          try {
            rules = deps.rbac.roleRefRules(ref, ns);
          } catch (e) {
            throw forbidden((e as Error).message);
          }
          const err = confirmNoEscalation(deps.rbac, user, ns, rules);
          if (err) throw forbidden(err);
          return;
        }
      }
    },
  };
}
