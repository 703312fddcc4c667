/**
 * Which admission requests a webhook's `rules` select (upstream
 * apiserver/pkg/admission/plugin/webhook/predicates/rules): every rule field must match, `*`
 * matches anything, resources are `name`, `name/sub`, `*`, `*\/*` or `name/*`, and scope
 * Cluster/Namespaced treats Namespace objects as cluster-scoped.
 */
import type { AdmissionAttributes } from "../types.ts";

export interface RuleWithOperations {
  readonly operations?: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly apiVersions?: readonly string[];
  readonly resources?: readonly string[];
  readonly scope?: string;
}

type RuleAttributes = Pick<AdmissionAttributes, "operation" | "def" | "namespace" | "subresource">;

const listed = (values: readonly string[] | undefined, value: string) => (values ?? []).some((v) => v === "*" || v === value);

function splitResource(resource: string): [string, string] {
  const slash = resource.indexOf("/");
  return slash < 0 ? [resource, ""] : [resource.slice(0, slash), resource.slice(slash + 1)];
}

function resourceMatches(rule: RuleWithOperations, attrs: RuleAttributes): boolean {
  return (rule.resources ?? []).some((entry) => {
    const [res, sub] = splitResource(entry);
    return (res === "*" || res === attrs.def.resource) && (sub === "*" || sub === attrs.subresource);
  });
}

function scopeMatches(rule: RuleWithOperations, attrs: RuleAttributes): boolean {
  const isNamespaceObject = attrs.def.group === "" && attrs.def.resource === "namespaces";
  switch (rule.scope ?? "*") {
    case "Namespaced": return !isNamespaceObject && attrs.namespace !== "";
    case "Cluster": return isNamespaceObject || attrs.namespace === "";
    default: return true;
  }
}

export function ruleMatches(rule: RuleWithOperations, attrs: RuleAttributes): boolean {
  return listed(rule.operations, attrs.operation) && listed(rule.apiGroups, attrs.def.group) && listed(rule.apiVersions, attrs.def.version)
    && resourceMatches(rule, attrs) && scopeMatches(rule, attrs);
}

/**
 * Webhooks are never called for the objects that configure admission itself, so a broken webhook
 * cannot lock the cluster out of fixing it (upstream IsExemptAdmissionConfigurationResource).
 */
export function isExemptFromWebhooks(attrs: Pick<AdmissionAttributes, "def">): boolean {
  return attrs.def.group === "admissionregistration.k8s.io";
}
