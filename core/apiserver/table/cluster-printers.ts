/**
 * Printers for HorizontalPodAutoscalers, Leases, ControllerRevisions, PodDisruptionBudgets,
 * PriorityClasses, RuntimeClasses, CronJobs, ReplicationControllers, (Cluster)RoleBindings and
 * Mutating/ValidatingWebhookConfigurations, FlowSchemas and PriorityLevelConfigurations (upstream printers.go,
 * 1.32), and APIServices (kube-aggregator's own table convertor, `pkg/registry/apiservice/etcd`).
 */
import { hpaFromV1 } from "../conversion/hpa/hpa-v1.ts";
import type { KObject } from "../resources/types.ts";
import { AGE_COLUMN, NAME_COLUMN, age, col, containerImages, containerNames, mapSelectorText, selectorText, since, type Json } from "./cells.ts";
import { quantityString } from "./storage-printers.ts";
import type { TablePrinter } from "./types.ts";

/** Go's (*resource.Quantity).String(): `<nil>` for a nil pointer. */
function q(v: unknown): string {
  return v === undefined || v === null ? "<nil>" : quantityString(v);
}

const MAX_METRICS = 2;

/** upstream formatHPAMetrics: spec metrics paired with status metrics by index; at most two listed. */
export function formatHPAMetrics(specs: Json[] | undefined, statuses: Json[] | undefined): string {
  if (!specs || specs.length === 0) return "<none>";
  const st: Json[] = statuses ?? [];
  const list: string[] = [];
  specs.forEach((spec, i) => {
    const s: Json | undefined = st[i];
    switch (spec.type) {
      case "External":
      case "Object": {
        const key = spec.type === "External" ? "external" : "object";
        const target: Json = spec[key]?.target ?? {};
        const cur: Json | undefined = s?.[key];
        if (target.averageValue != null) {
          const current = cur && cur.current?.averageValue != null ? q(cur.current.averageValue) : "<unknown>";
          list.push(`${current}/${q(target.averageValue)} (avg)`);
        } else {
          const current = cur ? q(cur.current?.value) : "<unknown>";
          list.push(`${current}/${q(target.value)}`);
        }
        break;
      }
      case "Pods": {
        const current = s?.pods ? q(s.pods.current?.averageValue) : "<unknown>";
        list.push(`${current}/${q(spec.pods?.target?.averageValue)}`);
        break;
      }
      case "Resource":
      case "ContainerResource": {
        const key = spec.type === "Resource" ? "resource" : "containerResource";
        const src: Json = spec[key] ?? {};
        const target: Json = src.target ?? {};
        const cur: Json | undefined = s?.[key];
        if (target.averageValue != null) {
          const current = cur ? q(cur.current?.averageValue) : "<unknown>";
          list.push(`${src.name ?? ""}: ${current}/${q(target.averageValue)}`);
        } else {
          const current = cur && cur.current?.averageUtilization != null ? `${cur.current.averageUtilization}%` : "<unknown>";
          const goal = target.averageUtilization != null ? `${target.averageUtilization}%` : "<auto>";
          list.push(`${src.name ?? ""}: ${current}/${goal}`);
        }
        break;
      }
      default:
        list.push("<unknown type>");
    }
  });
  if (list.length > MAX_METRICS) return `${list.slice(0, MAX_METRICS).join(", ")} + ${list.length - MAX_METRICS} more...`;
  return list.join(", ");
}

export const horizontalPodAutoscalerPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Reference", "string", 0, "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count."),
    col("Targets", "string", 0, "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization."),
    col("MinPods", "string", 0, "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available."),
    col("MaxPods", "string", 0, "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas."),
    col("Replicas", "string", 0, "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler."),
    AGE_COLUMN,
  ],
  cells(obj, now) {
    // autoscaling/v1 objects are printed from their v2 form, as upstream prints the internal version.
    const hpa: Json = obj.apiVersion === "autoscaling/v1" ? hpaFromV1(obj as KObject) : obj;
    const spec: Json = hpa.spec ?? {};
    const ref: Json = spec.scaleTargetRef ?? {};
    return [
      obj.metadata.name ?? "", `${ref.kind ?? ""}/${ref.name ?? ""}`, formatHPAMetrics(spec.metrics, hpa.status?.currentMetrics),
      spec.minReplicas != null ? String(spec.minReplicas) : "<unset>", spec.maxReplicas ?? 0, hpa.status?.currentReplicas ?? 0, age(obj, now),
    ];
  },
};

export const leasePrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Holder", "string", 0, "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field."), AGE_COLUMN],
  cells: (l, now) => [l.metadata.name ?? "", l.spec?.holderIdentity ?? "", age(l, now)],
};

/** formatResourceName(GroupKind, name, true): `kind.group/name` in lower case (`daemonset.apps/fluentd`). */
function controllerOf(obj: KObject): string {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return "<none>";
  const apiVersion = ref.apiVersion ?? "";
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  if (!ref.kind && !group) return ref.name;
  const gk = group ? `${ref.kind}.${group}` : ref.kind;
  return `${gk.toLowerCase()}/${ref.name}`;
}

export const controllerRevisionPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Controller", "string", 0, "Controller of the object"),
    col("Revision", "string", 0, "Revision indicates the revision of the state represented by Data."),
    AGE_COLUMN,
  ],
  cells: (cr, now) => [cr.metadata.name ?? "", controllerOf(cr), cr.revision ?? 0, age(cr, now)],
};

/** intstr.IntOrString.String(), `N/A` when unset. */
function intOrStringText(v: unknown): string {
  return v === undefined || v === null ? "N/A" : String(v);
}

export const podDisruptionBudgetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Min Available", "string", 0, "The minimum number of pods that must be available."),
    col("Max Unavailable", "string", 0, "The maximum number of pods that may be unavailable."),
    col("Allowed Disruptions", "integer", 0, "Calculated number of pods that may be disrupted at this time."),
    AGE_COLUMN,
  ],
  cells: (pdb, now) => [
    pdb.metadata.name ?? "", intOrStringText(pdb.spec?.minAvailable), intOrStringText(pdb.spec?.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, age(pdb, now),
  ],
};

export const priorityClassPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Value", "integer", 0, "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec."),
    col("Global-Default", "boolean", 0, "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority."),
    AGE_COLUMN,
    col("PreemptionPolicy", "string", 0, "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset."),
  ],
  cells: (pc, now) => [pc.metadata.name ?? "", pc.value ?? 0, pc.globalDefault === true, age(pc, now), pc.preemptionPolicy ?? ""],
};

export const runtimeClassPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Handler", "string", 0, ""), AGE_COLUMN],
  cells: (rc, now) => [rc.metadata.name ?? "", rc.handler ?? "", age(rc, now)],
};

const WIDE_TEMPLATE = [
  col("Containers", "string", 1, "Names of each container in the template."),
  col("Images", "string", 1, "Images referenced by each container in the template."),
];

export const cronJobPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Schedule", "string", 0, "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    col("Timezone", "string", 0, "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
    col("Suspend", "boolean", 0, "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false."),
    col("Active", "integer", 0, "A list of pointers to currently running jobs."),
    col("Last Schedule", "string", 0, "Information when was the last time the job was successfully scheduled."),
    AGE_COLUMN, ...WIDE_TEMPLATE,
    col("Selector", "string", 1, "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
  ],
  cells(cj, now) {
    const spec: Json = cj.spec ?? {};
    const suspend = spec.suspend == null ? "<unset>" : spec.suspend ? "True" : "False";
    const last = cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : "<none>";
    const podSpec = spec.jobTemplate?.spec?.template?.spec;
    return [
      cj.metadata.name ?? "", spec.schedule ?? "", spec.timeZone ?? "<none>", suspend, (cj.status?.active ?? []).length, last, age(cj, now),
      containerNames(podSpec), containerImages(podSpec), selectorText(spec.jobTemplate?.spec?.selector),
    ];
  },
};

export const replicationControllerPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Desired", "integer", 0, "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
    col("Current", "integer", 0, "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
    col("Ready", "integer", 0, "The number of ready replicas for this replication controller."),
    AGE_COLUMN, ...WIDE_TEMPLATE,
    col("Selector", "string", 1, "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
  ],
  cells(rc, now) {
    const podSpec = rc.spec?.template?.spec;
    return [
      rc.metadata.name ?? "", rc.spec?.replicas ?? 0, rc.status?.replicas ?? 0, rc.status?.readyReplicas ?? 0, age(rc, now),
      containerNames(podSpec), containerImages(podSpec), mapSelectorText(rc.spec?.selector),
    ];
  },
};

/** rbac.SubjectsStrings: users, groups and `namespace:name` service accounts. */
function subjectsText(subjects: Json[] | undefined): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === "User") users.push(s.name);
    else if (s.kind === "Group") groups.push(s.name);
    else if (s.kind === "ServiceAccount") sas.push(`${s.namespace ?? ""}:${s.name}`);
  }
  return [users.join(", "), groups.join(", "), sas.join(", ")];
}

function bindingPrinter(what: string): TablePrinter {
  return {
    columns: [
      NAME_COLUMN,
      col("Role", "string", 0, "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error."),
      AGE_COLUMN,
      col("Users", "string", 1, `Users in the ${what}`),
      col("Groups", "string", 1, `Groups in the ${what}`),
      col("ServiceAccounts", "string", 1, `ServiceAccounts in the ${what}`),
    ],
    cells(b, now) {
      const ref: Json = b.roleRef ?? {};
      return [b.metadata.name ?? "", `${ref.kind ?? ""}/${ref.name ?? ""}`, age(b, now), ...subjectsText(b.subjects)];
    },
  };
}

export const roleBindingPrinter = bindingPrinter("roleBinding");
export const clusterRoleBindingPrinter = bindingPrinter("clusterRoleBinding");

/** Mutating and ValidatingWebhookConfigurations: the number of webhooks. */
export const webhookConfigurationPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Webhooks", "integer", 0, "Webhooks indicates the number of webhooks registered in this configuration"), AGE_COLUMN],
  cells: (c, now) => [c.metadata.name ?? "", Array.isArray(c.webhooks) ? c.webhooks.length : 0, age(c, now)],
};

/** ValidatingAdmissionPolicies (upstream printers.go): the number of validations and the parameter kind. */
export const validatingAdmissionPolicyPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Validations", "integer", 0, "Validations indicates the number of validation rules defined in this configuration"),
    col("ParamKind", "string", 0, "ParamKind specifies the kind of resources used to parameterize this policy"),
    AGE_COLUMN,
  ],
  cells: (p, now) => {
    const spec = (p.spec ?? {}) as Json;
    const pk = spec.paramKind as Json | undefined;
    return [p.metadata.name ?? "", Array.isArray(spec.validations) ? spec.validations.length : 0, pk ? `${pk.apiVersion ?? ""}/${pk.kind ?? ""}` : "<unset>", age(p, now)];
  },
};

/** ValidatingAdmissionPolicyBindings (upstream printers.go): the policy and the parameter reference. */
export const validatingAdmissionPolicyBindingPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("PolicyName", "string", 0, "PolicyName indicates the policy definition which the policy binding binded to"),
    col("ParamRef", "string", 0, "ParamRef indicates the param resource which sets the configration param"),
    AGE_COLUMN,
  ],
  cells: (b, now) => {
    const spec = (b.spec ?? {}) as Json;
    const ref = spec.paramRef as Json | undefined;
    const paramRef = !ref ? "<unset>" : ref.namespace ? `${ref.namespace}/${ref.name ?? "*"}` : ref.name ? `*/${ref.name}` : "*/*";
    return [b.metadata.name ?? "", spec.policyName ?? "", paramRef, age(b, now)];
  },
};

/** APIServices: the backing Service (`Local` without one) and the Available condition (`False (Reason)`), as kube-aggregator prints them. */
export const apiServicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Service", "string", 0, "The reference to the service that hosts this API endpoint."),
    col("Available", "string", 0, "Whether this service is available."),
    AGE_COLUMN,
  ],
  cells(s, now) {
    const ref: Json | undefined = s.spec?.service ?? undefined;
    const service = ref ? `${ref.namespace ?? ""}/${ref.name ?? ""}` : "Local";
    const conditions: Json[] = Array.isArray(s.status?.conditions) ? s.status.conditions : [];
    const available = conditions.find((c) => c?.type === "Available");
    let status = "Unknown";
    if (available) {
      const value = String(available.status ?? "");
      status = value !== "True" && available.reason ? `${value} (${available.reason})` : value;
    }
    return [s.metadata.name ?? "", service, status, age(s, now)];
  },
};

/** FlowSchemas, listed in matching order (precedence, then name) as upstream's printFlowSchemaList sorts them. */
export const flowSchemaPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("PriorityLevel", "string", 0, "`name` is the name of the priority level configuration being referenced Required."),
    col("MatchingPrecedence", "string", 0, "`matchingPrecedence` is used to choose among the FlowSchemas that match a given request. The chosen FlowSchema is among those with the numerically lowest (which we take to be logically highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note that if the precedence is not specified, it will be set to 1000 as default."),
    col("DistinguisherMethod", "string", 0, "`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty string."),
    AGE_COLUMN,
    col("MissingPL", "string", 0, "references a broken or non-existent PriorityLevelConfiguration"),
  ],
  cells(fs, now) {
    const spec: Json = fs.spec ?? {};
    const conditions: Json[] = Array.isArray(fs.status?.conditions) ? fs.status.conditions : [];
    const dangling = conditions.find((c) => c?.type === "Dangling");
    return [
      fs.metadata.name ?? "", spec.priorityLevelConfiguration?.name ?? "", spec.matchingPrecedence ?? 0,
      spec.distinguisherMethod ? String(spec.distinguisherMethod.type ?? "") : "<none>", age(fs, now), dangling ? String(dangling.status ?? "") : "?",
    ];
  },
  order(items) {
    const precedence = (fs: KObject) => (typeof fs.spec?.matchingPrecedence === "number" ? fs.spec.matchingPrecedence : 0);
    return [...items].sort((a, b) => precedence(a) - precedence(b) || compareNames(a.metadata.name ?? "", b.metadata.name ?? ""));
  },
};

/** Byte-wise string order, as Go compares strings. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** PriorityLevelConfigurations: the Limited level's shares and queuing (`<none>` for Exempt levels and rejecting ones). */
export const priorityLevelConfigurationPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Type", "string", 0, "`type` indicates whether this priority level is subject to limitation on request execution.  A value of `\"Exempt\"` means that requests of this priority level are not subject to a limit (and thus are never queued) and do not detract from the capacity made available to other priority levels.  A value of `\"Limited\"` means that (a) requests of this priority level _are_ subject to limits and (b) some of the server's limited capacity is made available exclusively to this priority level. Required."),
    col("NominalConcurrencyShares", "string", 0, "`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level. This is the number of execution seats available at this priority level. This is used both for requests dispatched from this priority level as well as requests dispatched from other priority levels borrowing seats from this level. The server's concurrency limit (ServerCL) is divided among the Limited priority levels in proportion to their NCS values:\n\nNominalCL(i)  = ceil( ServerCL * NCS(i) / sum_ncs ) sum_ncs = sum[priority level k] NCS(k)\n\nBigger numbers mean a larger nominal concurrency limit, at the expense of every other priority level.\n\nIf not specified, this field defaults to a value of 30.\n\nSetting this field to zero supports the construction of a \"jail\" for this priority level that is used to hold some request(s)"),
    col("Queues", "string", 0, "`queues` is the number of queues for this priority level. The queues exist independently at each apiserver. The value must be positive.  Setting it to 1 effectively precludes shufflesharding and thus makes the distinguisher method of associated flow schemas irrelevant.  This field has a default value of 64."),
    col("HandSize", "string", 0, "`handSize` is a small positive number that configures the shuffle sharding of requests into queues.  When enqueuing a request at this priority level the request's flow identifier (a string pair) is hashed and the hash value is used to shuffle the list of queues and deal a hand of the size specified here.  The request is put into one of the shortest queues in that hand. `handSize` must be no larger than `queues`, and should be significantly smaller (so that a few heavy flows do not saturate most of the queues).  See the user-facing documentation for more extensive guidance on setting this field.  This field has a default value of 8."),
    col("QueueLengthLimit", "string", 0, "`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time; excess requests are rejected.  This value must be positive.  If not specified, it will be defaulted to 50."),
    AGE_COLUMN,
  ],
  cells(pl, now) {
    const spec: Json = pl.spec ?? {};
    let shares: string | number = "<none>";
    let queues: string | number = "<none>";
    let handSize: string | number = "<none>";
    let queueLengthLimit: string | number = "<none>";
    if (spec.limited) {
      shares = spec.limited.nominalConcurrencyShares ?? 0;
      const queuing: Json | undefined = spec.limited.limitResponse?.queuing ?? undefined;
      if (queuing) {
        queues = queuing.queues ?? 0;
        handSize = queuing.handSize ?? 0;
        queueLengthLimit = queuing.queueLengthLimit ?? 0;
      }
    }
    return [pl.metadata.name ?? "", String(spec.type ?? ""), shares, queues, handSize, queueLengthLimit, age(pl, now)];
  },
};
