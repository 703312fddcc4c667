/** Printers for Pods, Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs (printers.go). */
import { humanDuration } from "../machinery/duration.ts";
import { AGE_COLUMN, NAME_COLUMN, age, col, containerImages, containerNames, selectorText, since, type Json } from "./cells.ts";
import type { TablePrinter } from "./types.ts";

function podStatusReason(pod: Json): { reason: string; ready: number; total: number; restarts: number; lastRestart?: number } {
  const spec: Json = pod.spec ?? {};
  const status: Json = pod.status ?? {};
  let reason: string = status.reason || status.phase || "";
  const total = (spec.containers ?? []).length;
  let ready = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  const noteRestart = (cs: Json) => {
    const t = cs.lastState?.terminated?.finishedAt;
    if (t) { const ms = Date.parse(t); if (!lastRestart || ms > lastRestart) lastRestart = ms; }
  };
  for (const c of status.conditions ?? []) {
    if (c.type === "PodScheduled" && c.status === "False" && c.reason === "SchedulingGated") reason = "SchedulingGated";
  }
  let initializing = false;
  const inits: Json[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const cs = inits[i] as Json;
    restarts += cs.restartCount ?? 0;
    noteRestart(cs);
    const term = cs.state?.terminated;
    const wait = cs.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (term) {
      reason = `Init:${term.reason || (term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`)}`;
    } else if (wait?.reason && wait.reason !== "PodInitializing") {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }
  if (!initializing) {
    restarts = 0;
    let hasRunning = false;
    const statuses: Json[] = [...(status.containerStatuses ?? [])].reverse();
    for (const cs of statuses) {
      restarts += cs.restartCount ?? 0;
      noteRestart(cs);
      const term = cs.state?.terminated;
      if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (cs.ready && cs.state?.running) { hasRunning = true; ready++; }
    }
    if (reason === "Completed" && hasRunning) {
      const readyCond = (status.conditions ?? []).some((c: Json) => c.type === "Ready" && c.status === "True");
      reason = readyCond ? "Running" : "NotReady";
    }
  }
  if (pod.metadata?.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (pod.metadata?.deletionTimestamp && status.phase !== "Succeeded" && status.phase !== "Failed") reason = "Terminating";
  return { reason, ready, total, restarts, lastRestart };
}

export const podPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
    col("Status", "string", 0, "The aggregate status of the containers in this pod."),
    col("Restarts", "string", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
    AGE_COLUMN,
    col("IP", "string", 1, "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
    col("Node", "string", 1, "NodeName is a request to schedule this pod onto a specific node."),
    col("Nominated Node", "string", 1, "nominatedNodeName is set only when this pod preempts other pods on the node."),
    col("Readiness Gates", "string", 1, "If specified, all readiness gates will be evaluated for pod readiness."),
  ],
  cells(pod, now) {
    const s = podStatusReason(pod);
    const restarts = s.lastRestart ? `${s.restarts} (${humanDuration(now.getTime() - s.lastRestart)} ago)` : String(s.restarts);
    const gates: Json[] = pod.spec?.readinessGates ?? [];
    let gateText = "<none>";
    if (gates.length > 0) {
      const trueConds = new Set((pod.status?.conditions ?? []).filter((c: Json) => c.status === "True").map((c: Json) => c.type));
      gateText = `${gates.filter((g) => trueConds.has(g.conditionType)).length}/${gates.length}`;
    }
    return [
      pod.metadata.name ?? "", `${s.ready}/${s.total}`, s.reason, restarts, age(pod, now),
      pod.status?.podIP || "<none>", pod.spec?.nodeName || "<none>", pod.status?.nominatedNodeName || "<none>", gateText,
    ];
  },
};

const WIDE_TEMPLATE_COLUMNS = [
  col("Containers", "string", 1, "Names of each container in the template."),
  col("Images", "string", 1, "Images referenced by each container in the template."),
  col("Selector", "string", 1, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."),
];

export const deploymentPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Ready", "string", 0, "Number of the pod with ready state"),
    col("Up-to-date", "integer", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
    col("Available", "integer", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
    AGE_COLUMN, ...WIDE_TEMPLATE_COLUMNS,
  ],
  cells(d, now) {
    const st: Json = d.status ?? {};
    return [
      d.metadata.name ?? "", `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`, st.updatedReplicas ?? 0, st.availableReplicas ?? 0, age(d, now),
      containerNames(d.spec?.template?.spec), containerImages(d.spec?.template?.spec), selectorText(d.spec?.selector),
    ];
  },
};

export const replicaSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Desired", "integer", 0, "Replicas is the number of desired pods."),
    col("Current", "integer", 0, "Replicas is the most recently observed number of replicas."),
    col("Ready", "integer", 0, "The number of ready replicas for this replica set."),
    AGE_COLUMN, ...WIDE_TEMPLATE_COLUMNS,
  ],
  cells(rs, now) {
    const st: Json = rs.status ?? {};
    return [
      rs.metadata.name ?? "", rs.spec?.replicas ?? 0, st.replicas ?? 0, st.readyReplicas ?? 0, age(rs, now),
      containerNames(rs.spec?.template?.spec), containerImages(rs.spec?.template?.spec), selectorText(rs.spec?.selector),
    ];
  },
};

export const statefulSetPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Ready", "string", 0, "Number of the pod with ready state"), AGE_COLUMN, WIDE_TEMPLATE_COLUMNS[0]!, WIDE_TEMPLATE_COLUMNS[1]!],
  cells(s, now) {
    return [s.metadata.name ?? "", `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}`, age(s, now), containerNames(s.spec?.template?.spec), containerImages(s.spec?.template?.spec)];
  },
};

export const daemonSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Desired", "integer", 0, "The desired number of nodes that should be running the daemon pod."),
    col("Current", "integer", 0, "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
    col("Ready", "integer", 0, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
    col("Up-to-date", "integer", 0, "The total number of nodes that are running updated daemon pod"),
    col("Available", "integer", 0, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
    col("Node Selector", "string", 0, "NodeSelector is a selector which must be true for the pod to fit on a node."),
    AGE_COLUMN, ...WIDE_TEMPLATE_COLUMNS,
  ],
  cells(d, now) {
    const st: Json = d.status ?? {};
    const ns = d.spec?.template?.spec?.nodeSelector;
    const nsText = ns && Object.keys(ns).length ? Object.keys(ns).sort().map((k) => `${k}=${ns[k]}`).join(",") : "<none>";
    return [
      d.metadata.name ?? "", st.desiredNumberScheduled ?? 0, st.currentNumberScheduled ?? 0, st.numberReady ?? 0, st.updatedNumberScheduled ?? 0,
      st.numberAvailable ?? 0, nsText, age(d, now), containerNames(d.spec?.template?.spec), containerImages(d.spec?.template?.spec), selectorText(d.spec?.selector),
    ];
  },
};

function jobStatus(job: Json): string {
  const conds: Json[] = job.status?.conditions ?? [];
  const has = (t: string) => conds.some((c) => c.type === t && c.status === "True");
  if (has("Failed")) return "Failed";
  if (has("Complete")) return "Complete";
  if (job.metadata?.deletionTimestamp) return "Terminating";
  if (has("FailureTarget")) return "FailureTarget";
  if (has("SuccessCriteriaMet")) return "SuccessCriteriaMet";
  if (has("Suspended")) return "Suspended";
  return "Running";
}

export const jobPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Status", "string", 0, "Status of the job."),
    col("Completions", "string", 0, "The desired number of successfully finished pods the job should be run with."),
    col("Duration", "string", 0, "Time required to complete the job."),
    AGE_COLUMN, ...WIDE_TEMPLATE_COLUMNS,
  ],
  cells(job, now) {
    const st: Json = job.status ?? {};
    const spec: Json = job.spec ?? {};
    const succeeded = st.succeeded ?? 0;
    const completions = spec.completions !== undefined && spec.completions !== null
      ? `${succeeded}/${spec.completions}`
      : `${succeeded}/1 of ${spec.parallelism ?? 1}`;
    let duration = "";
    if (st.startTime) {
      const end = st.completionTime ? Date.parse(st.completionTime) : now.getTime();
      duration = humanDuration(end - Date.parse(st.startTime));
    }
    return [
      job.metadata.name ?? "", jobStatus(job), completions, duration, age(job, now),
      containerNames(spec.template?.spec), containerImages(spec.template?.spec), selectorText(spec.selector),
    ];
  },
};

export { since };
