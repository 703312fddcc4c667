/**
 * The API Priority and Fairness configuration objects an API server maintains (upstream 1.32,
 * `k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap/default.go`), as flowcontrol.apiserver.k8s.io/v1 JSON:
 * - mandatory: the `exempt` and `catch-all` FlowSchemas and PriorityLevelConfigurations. Their specs
 *   are fixed (validation rejects any other; only `spec.exempt` of the `exempt` level may change) and the
 *   server puts them back when they are deleted or changed.
 * - suggested: the initial classification (system, node-high, leader-election, workload-high,
 *   workload-low, global-default levels and their FlowSchemas). Created when missing; their specs are
 *   kept only while `apf.kubernetes.io/autoupdate-spec` is "true", so operators may edit or delete them.
 * Every object carries `apf.kubernetes.io/autoupdate-spec: "true"` when created. The specs are already
 * defaulted (v1 defaults change nothing in them). Each call returns fresh objects the caller may mutate.
 */
import type { KObject } from "../types.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/** The annotation that says whether the server keeps an object's spec (upstream AutoUpdateAnnotationKey). */
export const AUTO_UPDATE_ANNOTATION = "apf.kubernetes.io/autoupdate-spec";

export const FLOW_SCHEMA_EXEMPT = "exempt";
export const FLOW_SCHEMA_CATCH_ALL = "catch-all";
export const PRIORITY_LEVEL_EXEMPT = "exempt";
export const PRIORITY_LEVEL_CATCH_ALL = "catch-all";

const API_VERSION = "flowcontrol.apiserver.k8s.io/v1";
const ALL = "*";

function meta(name: string): KObject["metadata"] {
  return { name, annotations: { [AUTO_UPDATE_ANNOTATION]: "true" } };
}

function priorityLevel(name: string, spec: Json): KObject {
  return { apiVersion: API_VERSION, kind: "PriorityLevelConfiguration", metadata: meta(name), spec };
}

function flowSchema(name: string, plName: string, matchingPrecedence: number, distinguisher: "ByUser" | "ByNamespace" | "", ...rules: Json[]): KObject {
  return {
    apiVersion: API_VERSION, kind: "FlowSchema", metadata: meta(name),
    spec: {
      priorityLevelConfiguration: { name: plName }, matchingPrecedence,
      ...(distinguisher ? { distinguisherMethod: { type: distinguisher } } : {}),
      rules,
    },
  };
}

/** A Limited level that queues. */
function queuing(shares: number, lendable: number, queues: number, handSize: number): Json {
  return {
    type: "Limited",
    limited: {
      nominalConcurrencyShares: shares, lendablePercent: lendable,
      limitResponse: { type: "Queue", queuing: { queues, handSize, queueLengthLimit: 50 } },
    },
  };
}

const groups = (...names: string[]): Json[] => names.map((name) => ({ kind: "Group", group: { name } }));
const users = (...names: string[]): Json[] => names.map((name) => ({ kind: "User", user: { name } }));
const kubeSystemServiceAccounts = (...names: string[]): Json[] => names.map((name) => ({ kind: "ServiceAccount", serviceAccount: { namespace: "kube-system", name } }));

function resourceRule(verbs: string[], apiGroups: string[], resources: string[], clusterScope: boolean): Json {
  return { verbs, apiGroups, resources, ...(clusterScope ? { clusterScope } : {}), namespaces: [ALL] };
}

const nonResourceRule = (verbs: string[], nonResourceURLs: string[]): Json => ({ verbs, nonResourceURLs });

/** Every request of the subjects: all resources, cluster-wide and in every namespace, and every non-resource URL. */
function everything(subjects: Json[]): Json {
  return { subjects, resourceRules: [resourceRule([ALL], [ALL], [ALL], true)], nonResourceRules: [nonResourceRule([ALL], [ALL])] };
}

export function mandatoryPriorityLevelConfigurations(): KObject[] {
  return [
    priorityLevel(PRIORITY_LEVEL_CATCH_ALL, { type: "Limited", limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: "Reject" } } }),
    priorityLevel(PRIORITY_LEVEL_EXEMPT, { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } }),
  ];
}

export function mandatoryFlowSchemas(): KObject[] {
  return [
    // Sysadmin requests are always possible (and never wait behind anything).
    flowSchema(FLOW_SCHEMA_EXEMPT, PRIORITY_LEVEL_EXEMPT, 1, "", everything(groups("system:masters"))),
    // Reached only if the suggested global-default FlowSchema was deleted.
    flowSchema(FLOW_SCHEMA_CATCH_ALL, PRIORITY_LEVEL_CATCH_ALL, 10000, "ByUser", everything(groups("system:unauthenticated", "system:authenticated"))),
  ];
}

export function suggestedPriorityLevelConfigurations(): KObject[] {
  return [
    priorityLevel("system", queuing(30, 33, 64, 6)),
    priorityLevel("node-high", queuing(40, 25, 64, 6)),
    priorityLevel("leader-election", queuing(10, 0, 16, 4)),
    priorityLevel("workload-high", queuing(40, 50, 128, 6)),
    priorityLevel("workload-low", queuing(100, 90, 128, 6)),
    priorityLevel("global-default", queuing(20, 50, 128, 6)),
  ];
}

export function suggestedFlowSchemas(): KObject[] {
  const getCreateUpdate = ["get", "create", "update"];
  return [
    flowSchema("system-nodes", "system", 500, "ByUser", everything(groups("system:nodes"))),
    flowSchema("system-node-high", "node-high", 400, "ByUser", {
      subjects: groups("system:nodes"),
      resourceRules: [resourceRule([ALL], [""], ["nodes", "nodes/status"], true), resourceRule([ALL], ["coordination.k8s.io"], ["leases"], false)],
    }),
    flowSchema("probes", PRIORITY_LEVEL_EXEMPT, 2, "", {
      subjects: groups("system:unauthenticated", "system:authenticated"),
      nonResourceRules: [nonResourceRule(["get"], ["/healthz", "/readyz", "/livez"])],
    }),
    flowSchema("system-leader-election", "leader-election", 100, "ByUser", {
      subjects: [...users("system:kube-controller-manager", "system:kube-scheduler"), ...kubeSystemServiceAccounts(ALL)],
      resourceRules: [resourceRule(getCreateUpdate, ["coordination.k8s.io"], ["leases"], false)],
    }),
    flowSchema("workload-leader-election", "leader-election", 200, "ByUser", {
      subjects: kubeSystemServiceAccounts(ALL),
      resourceRules: [resourceRule(getCreateUpdate, [""], ["endpoints", "configmaps"], false), resourceRule(getCreateUpdate, ["coordination.k8s.io"], ["leases"], false)],
    }),
    flowSchema("endpoint-controller", "workload-high", 150, "ByUser", {
      subjects: [...users("system:kube-controller-manager"), ...kubeSystemServiceAccounts("endpoint-controller", "endpointslicemirroring-controller")],
      resourceRules: [resourceRule(getCreateUpdate, [""], ["endpoints"], false)],
    }),
    flowSchema("kube-controller-manager", "workload-high", 800, "ByNamespace", everything(users("system:kube-controller-manager"))),
    flowSchema("kube-scheduler", "workload-high", 800, "ByNamespace", everything(users("system:kube-scheduler"))),
    flowSchema("kube-system-service-accounts", "workload-high", 900, "ByNamespace", everything(kubeSystemServiceAccounts(ALL))),
    flowSchema("service-accounts", "workload-low", 9000, "ByUser", everything(groups("system:serviceaccounts"))),
    flowSchema("global-default", "global-default", 9900, "ByUser", everything(groups("system:unauthenticated", "system:authenticated"))),
  ];
}

/** The mandatory object of a kind with this name, if any (a fresh copy). */
export function mandatoryFlowSchema(name: string): KObject | undefined {
  return mandatoryFlowSchemas().find((o) => o.metadata.name === name);
}

export function mandatoryPriorityLevelConfiguration(name: string): KObject | undefined {
  return mandatoryPriorityLevelConfigurations().find((o) => o.metadata.name === name);
}
