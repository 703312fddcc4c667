/**
 * The replica calculator of kube-controller-manager's HPA controller, for resource metrics: from
 * the targeted pods, their metrics (milli-units) and their requests, the replica count that brings
 * usage to the target. Pods being deleted or Failed are ignored; Pending pods, and for CPU pods
 * still initializing (within the 5 min CPU initialization period, not Ready or without one full
 * metric window since turning Ready) are "unready"; pods without metrics are "missing". A change
 * within the tolerance (10 %) keeps the current count; unready and missing pods are counted in the
 * direction that dampens the change, and a change they would reverse is not made.
 */

export const TOLERANCE = 0.1;
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
export const INITIAL_READINESS_DELAY_MS = 30_000;

export interface PodInfo {
  readonly name: string;
  readonly phase?: string;
  readonly deleting: boolean;
  /** status.startTime (ms), if set. */
  readonly startTime?: number;
  /** The Ready condition, if present. */
  readonly ready?: { readonly status: string; readonly lastTransitionTime: number };
  /** Sum of the containers' requests of the resource (milli-units); undefined when a container has none. */
  readonly request?: number;
}

export interface PodMetric {
  /** Milli-units (millicores, millibytes). */
  readonly value: number;
  readonly timestamp: number;
  readonly windowMs: number;
}

export class ReplicaCalculationError extends Error {}

interface Groups { readyCount: number; unready: Set<string>; missing: Set<string>; ignored: Set<string> }

export function groupPods(pods: readonly PodInfo[], metrics: ReadonlyMap<string, PodMetric>, resource: string, now: number): Groups {
  const g: Groups = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    if (pod.deleting || pod.phase === "Failed") { g.ignored.add(pod.name); continue; }
    if (pod.phase === "Pending") { g.unready.add(pod.name); continue; }
    const metric = metrics.get(pod.name);
    if (!metric) { g.missing.add(pod.name); continue; }
    if (resource === "cpu") {
      let unready: boolean;
      if (!pod.ready || pod.startTime === undefined) unready = true;
      else if (pod.startTime + CPU_INITIALIZATION_PERIOD_MS > now) {
        unready = pod.ready.status === "False" || metric.timestamp < pod.ready.lastTransitionTime + metric.windowMs;
      } else {
        unready = pod.ready.status === "False" && pod.startTime + INITIAL_READINESS_DELAY_MS > pod.ready.lastTransitionTime;
      }
      if (unready) { g.unready.add(pod.name); continue; }
    }
    g.readyCount++;
  }
  return g;
}

/** Upstream GetResourceUtilizationRatio: usage ratio, utilization (int percent of requests) and the raw average. */
export function utilizationRatio(metrics: ReadonlyMap<string, number>, requests: ReadonlyMap<string, number>, targetUtilization: number) {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [pod, value] of metrics) {
    const request = requests.get(pod);
    if (request === undefined) continue;
    metricsTotal += value;
    requestsTotal += request;
    entries++;
  }
  if (requestsTotal === 0) throw new ReplicaCalculationError("no metrics returned matched known pods");
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / entries) };
}

export interface ResourceReplicas {
  replicas: number;
  /** Percent of requests (utilization targets only). */
  utilization?: number;
  /** Average value per pod, milli-units. */
  rawAverage: number;
  timestamp: number;
}

function podMetricValues(metrics: ReadonlyMap<string, PodMetric>, drop: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, m] of metrics) if (!drop.has(name)) out.set(name, m.value);
  return out;
}

function firstTimestamp(metrics: ReadonlyMap<string, PodMetric>): number {
  for (const m of metrics.values()) return m.timestamp;
  return 0;
}

/**
 * What both calculations start from (upstream GetResourceReplicas / calcPlainMetricReplicas): the
 * pods grouped, and the metrics of the ready pods with a sample; errors as upstream's.
 */
function usableMetrics(pods: readonly PodInfo[], metricsIn: ReadonlyMap<string, PodMetric>, resource: string, now: number) {
  if (metricsIn.size === 0) throw new ReplicaCalculationError("no metrics returned from resource metrics API");
  if (pods.length === 0) throw new ReplicaCalculationError("no pods returned by selector while calculating replica count");
  const g = groupPods(pods, metricsIn, resource, now);
  const metrics = podMetricValues(metricsIn, new Set([...g.ignored, ...g.unready]));
  if (metrics.size === 0) throw new ReplicaCalculationError("did not receive metrics for targeted pods (pods might be unready)");
  return { timestamp: firstTimestamp(metricsIn), g, metrics };
}

/**
 * The replica count after re-estimating with missing and unready pods filled in (`next`): the
 * current count when within tolerance, when the fill-in reversed the direction of `ratio`, or when
 * the new count would move against it; else `next` times the pods counted.
 */
function rebalancedReplicas(currentReplicas: number, ratio: number, next: number, podCount: number): number {
  if (Math.abs(1.0 - next) <= TOLERANCE || (ratio < 1.0 && next > 1.0) || (ratio > 1.0 && next < 1.0)) return currentReplicas;
  const replicas = Math.ceil(next * podCount);
  if ((next < 1.0 && replicas > currentReplicas) || (next > 1.0 && replicas < currentReplicas)) return currentReplicas;
  return replicas;
}

/** Replicas for a resource utilization target (percent of requests). */
export function resourceUtilizationReplicas(currentReplicas: number, targetUtilization: number, resource: string, pods: readonly PodInfo[], metricsIn: ReadonlyMap<string, PodMetric>, now: number): ResourceReplicas {
  const { timestamp, g, metrics } = usableMetrics(pods, metricsIn, resource, now);
  const requests = new Map<string, number>();
  for (const pod of pods) {
    if (pod.request === undefined) throw new ReplicaCalculationError(`missing request for ${resource} in pod ${pod.name}`);
    requests.set(pod.name, pod.request);
  }
  const { ratio, utilization, rawAverage } = utilizationRatio(metrics, requests, targetUtilization);
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1.0 - ratio) <= TOLERANCE) return { replicas: currentReplicas, utilization, rawAverage, timestamp };
    return { replicas: Math.ceil(ratio * g.readyCount), utilization, rawAverage, timestamp };
  }
  if (g.missing.size > 0) {
    if (ratio < 1.0) {
      // On a scale-down, missing pods count as using their request (or the target, above 100 %).
      const fallback = Math.max(100, targetUtilization);
      for (const pod of g.missing) metrics.set(pod, Math.trunc(((requests.get(pod) ?? 0) * fallback) / 100));
    } else if (ratio > 1.0) {
      for (const pod of g.missing) metrics.set(pod, 0); // on a scale-up, as using nothing
    }
  }
  if (scaleUpWithUnready) for (const pod of g.unready) metrics.set(pod, 0);
  const next = utilizationRatio(metrics, requests, targetUtilization).ratio;
  return { replicas: rebalancedReplicas(currentReplicas, ratio, next, metrics.size), utilization, rawAverage, timestamp };
}

/** Replicas for a resource average-value target (milli-units per pod); upstream calcPlainMetricReplicas. */
export function resourceAverageValueReplicas(currentReplicas: number, targetAverage: number, resource: string, pods: readonly PodInfo[], metricsIn: ReadonlyMap<string, PodMetric>, now: number): ResourceReplicas {
  const { timestamp, g, metrics } = usableMetrics(pods, metricsIn, resource, now);
  const average = (m: ReadonlyMap<string, number>) => {
    let total = 0;
    for (const v of m.values()) total += v;
    return total / m.size;
  };
  const rawAverage = Math.trunc(average(metrics));
  const ratio = average(metrics) / targetAverage;
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1.0 - ratio) <= TOLERANCE) return { replicas: currentReplicas, rawAverage, timestamp };
    return { replicas: Math.ceil(ratio * g.readyCount), rawAverage, timestamp };
  }
  if (g.missing.size > 0) {
    if (ratio < 1.0) for (const pod of g.missing) metrics.set(pod, targetAverage);
    else for (const pod of g.missing) metrics.set(pod, 0);
  }
  if (scaleUpWithUnready) for (const pod of g.unready) metrics.set(pod, 0);
  const next = average(metrics) / targetAverage;
  return { replicas: rebalancedReplicas(currentReplicas, ratio, next, metrics.size), rawAverage, timestamp };
}
