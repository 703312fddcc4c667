/**
 * The HorizontalPodAutoscaler controller (kube-controller-manager's, autoscaling/v2): every sync
 * period (15 s) per HPA, reads the target's scale subresource, computes a replica count from each
 * resource metric (CPU/memory utilization of requests or average value, from metrics.k8s.io
 * PodMetrics), takes the largest, stabilizes and rate-limits it (legacy rules or `spec.behavior`),
 * writes the scale when it changes, and keeps status (currentReplicas, desiredReplicas,
 * currentMetrics, lastScaleTime, conditions AbleToScale/ScalingActive/ScalingLimited) and Events
 * (SuccessfulRescale, FailedGetScale, FailedRescale, FailedGetResourceMetric,
 * FailedComputeMetricsReplicas) as upstream does.
 */
import { builtinResources, defineController, isConflict, isNotFound, type ApiClient, type ControllerDefinition, type KubeObject, type ReconcileContext, type ResourceRef } from "@lite/sdk";
import { parseLabelSelector } from "../../apiserver/machinery/label-selector.ts";
import { formatQuantity, parseQuantity, quantityScaledValue } from "../../apiserver/machinery/quantity.ts";
import { realClock, type Clock } from "../runtime/clock.ts";
import { HpaHistory, normalizeLegacy, normalizeWithBehavior, type HpaBehavior, type Normalized } from "./behavior.ts";
import { ReplicaCalculationError, resourceAverageValueReplicas, resourceUtilizationReplicas, type PodInfo, type PodMetric, type ResourceReplicas } from "./replica-calculator.ts";
import { formatTime } from "../../kube-time.ts";

export const HPAS = { group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers" } as const;
const POD_METRICS = { group: "metrics.k8s.io", version: "v1beta1", resource: "pods" } as const;
export const SYNC_PERIOD_MS = 15_000;

const KNOWN_SCALABLE: Record<string, ResourceRef> = {
  "apps/Deployment": builtinResources.deployments,
  "apps/ReplicaSet": builtinResources.replicaSets,
  "apps/StatefulSet": builtinResources.statefulSets,
  "/ReplicationController": { group: "", version: "v1", resource: "replicationcontrollers" },
};

interface MetricTarget { type?: string; averageUtilization?: number; averageValue?: string; value?: string }
interface MetricSpec { type: string; resource?: { name: string; target: MetricTarget }; containerResource?: { name: string; container: string; target: MetricTarget } }
interface Condition { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }
interface HpaStatus { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: unknown[]; conditions?: Condition[]; lastScaleTime?: string; observedGeneration?: number }
export interface Hpa extends KubeObject {
  spec: { scaleTargetRef: { apiVersion?: string; kind: string; name: string }; minReplicas?: number; maxReplicas: number; metrics?: MetricSpec[]; behavior?: HpaBehavior };
  status?: HpaStatus;
}
interface Scale extends KubeObject { spec?: { replicas?: number }; status?: { replicas?: number; selector?: string } }
interface PodLike extends KubeObject {
  spec?: { containers?: { name: string; resources?: { requests?: Record<string, string> } }[] };
  status?: { phase?: string; startTime?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}
interface PodMetricsObject extends KubeObject { timestamp?: string; window?: string; containers?: { name: string; usage?: Record<string, string> }[] }

export interface HpaControllerOptions {
  clock?: Clock;
  /** --horizontal-pod-autoscaler-sync-period (default 15 s). */
  syncPeriodMs?: number;
}

const milli = (q: string): number => Number(quantityScaledValue(parseQuantity(q), -3));
const milliQuantity = (m: number): string => formatQuantity({ mantissa: BigInt(Math.trunc(m)), exponent: -3, format: "DecimalSI", value: m / 1000 });

/** Go duration ("15.012s", "1m0s") to ms; 0 when unparsable. */
function durationMs(d: string | undefined): number {
  if (!d) return 0;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(d))) total += Number(m[1]) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, "µs": 1e-3, ns: 1e-6 } as Record<string, number>)[m[2]!]!;
  return total;
}

function setCondition(conditions: Condition[], type: string, status: "True" | "False", reason: string, message: string, now: number): void {
  const i = conditions.findIndex((c) => c.type === type);
  const prev = i >= 0 ? conditions[i] : undefined;
  const next: Condition = { type, status, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : formatTime(now), reason, message };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
}

/** A failure to compute one metric: the Event reason and the error text. */
class MetricError extends Error {
  constructor(readonly reason: string, message: string) { super(message); }
}

export function horizontalPodAutoscalerController(options: HpaControllerOptions = {}): ControllerDefinition {
  const clock = options.clock ?? realClock();
  const syncPeriodMs = options.syncPeriodMs ?? SYNC_PERIOD_MS;
  const histories = new Map<string, HpaHistory>();
  /** key -> when it was last synced and at which generation (own status writes do not resync early). */
  const lastSync = new Map<string, { at: number; generation?: number }>();

  async function scalableResource(client: ApiClient, apiVersion: string, kind: string, signal: AbortSignal): Promise<ResourceRef | undefined> {
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0]! : "";
    const known = KNOWN_SCALABLE[`${group}/${kind}`];
    if (known) return known;
    const found = (await client.discover({ signal })).resources.find((r) => r.group === group && r.kind === kind);
    return found ? { group: found.group, version: found.version, resource: found.resource } : undefined;
  }

  function podInfos(pods: readonly PodLike[], resource: string, container: string | undefined): PodInfo[] {
    return pods.map((p) => {
      let request: number | undefined = 0;
      for (const c of p.spec?.containers ?? []) {
        if (container && c.name !== container) continue;
        const q = c.resources?.requests?.[resource];
        if (q === undefined) { request = undefined; break; }
        request += milli(q);
      }
      const ready = p.status?.conditions?.find((c) => c.type === "Ready");
      return {
        name: p.metadata.name ?? "",
        phase: p.status?.phase,
        deleting: !!p.metadata.deletionTimestamp,
        startTime: p.status?.startTime ? Date.parse(p.status.startTime) : undefined,
        ready: ready ? { status: ready.status, lastTransitionTime: ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0 } : undefined,
        request,
      };
    });
  }

  /** Upstream's resource metrics client: per pod, the sum over its containers (a pod missing one is left out). */
  async function podMetrics(ctx: ReconcileContext, namespace: string, selector: string, resource: string, container: string | undefined): Promise<Map<string, PodMetric>> {
    let list: { items: PodMetricsObject[] };
    try {
      list = await ctx.client.list<PodMetricsObject>({ ...POD_METRICS, namespace }, { labelSelector: selector, signal: ctx.signal });
    } catch (err) {
      throw new ReplicaCalculationError(`unable to get metrics for resource ${resource}: unable to fetch metrics from resource metrics API: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (list.items.length === 0) throw new ReplicaCalculationError(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
    const out = new Map<string, PodMetric>();
    for (const pm of list.items) {
      let sum = 0;
      let missing = false;
      for (const c of pm.containers ?? []) {
        if (container && c.name !== container) continue;
        const q = c.usage?.[resource];
        if (q === undefined) { missing = true; break; }
        sum += milli(q);
      }
      if (missing) continue;
      out.set(pm.metadata.name ?? "", { value: sum, timestamp: pm.timestamp ? Date.parse(pm.timestamp) : 0, windowMs: durationMs(pm.window) });
    }
    return out;
  }

  /** One metric's proposal: replicas, its name for messages, and its status entry. */
  async function computeMetric(ctx: ReconcileContext, hpa: Hpa, spec: MetricSpec, current: number, selector: string, pods: readonly PodLike[]): Promise<{ replicas: number; name: string; status: unknown }> {
    const ns = hpa.metadata.namespace ?? "";
    if (spec.type !== "Resource" && spec.type !== "ContainerResource") {
      throw new MetricError(`FailedGet${spec.type}Metric`, `unable to get metric for ${spec.type} metric: only resource metrics (metrics.k8s.io) are served; no custom or external metrics API is registered`);
    }
    const source = spec.type === "Resource" ? spec.resource : spec.containerResource;
    if (!source) throw new MetricError(`FailedGet${spec.type}Metric`, `invalid ${spec.type} metric source: neither a value target nor a utilization target was set`);
    const container = spec.type === "ContainerResource" ? spec.containerResource?.container : undefined;
    const reason = spec.type === "Resource" ? "FailedGetResourceMetric" : "FailedGetContainerResourceMetric";
    const target = source.target ?? {};
    const now = clock.now();
    const infos = podInfos(pods, source.name, container);
    let result: ResourceReplicas;
    const what = container ? `${source.name} resource of container "${container}"` : `${source.name} resource`;
    if (target.type === "Utilization" || (target.averageUtilization !== undefined && target.averageValue === undefined)) {
      const utilization = target.averageUtilization;
      if (utilization === undefined) throw new MetricError(reason, `invalid resource metric source: neither a utilization target nor a value target was set`);
      try {
        result = resourceUtilizationReplicas(current, utilization, source.name, infos, await podMetrics(ctx, ns, selector, source.name, container), now);
      } catch (err) {
        throw new MetricError(reason, `failed to get ${source.name} utilization: ${err instanceof Error ? err.message : String(err)}`);
      }
      const currentStatus = { averageUtilization: result.utilization, averageValue: milliQuantity(result.rawAverage) };
      return {
        replicas: result.replicas, name: `${what} utilization (percentage of request)`,
        status: spec.type === "Resource"
          ? { type: "Resource", resource: { name: source.name, current: currentStatus } }
          : { type: "ContainerResource", containerResource: { name: source.name, container, current: currentStatus } },
      };
    }
    if (!target.averageValue) throw new MetricError(reason, `invalid resource metric source: neither a utilization target nor a value target was set`);
    try {
      result = resourceAverageValueReplicas(current, milli(target.averageValue), source.name, infos, await podMetrics(ctx, ns, selector, source.name, container), now);
    } catch (err) {
      throw new MetricError(reason, `failed to get ${source.name} usage: ${err instanceof Error ? err.message : String(err)}`);
    }
    const currentStatus = { averageValue: milliQuantity(result.rawAverage) };
    return {
      replicas: result.replicas, name: what,
      status: spec.type === "Resource"
        ? { type: "Resource", resource: { name: source.name, current: currentStatus } }
        : { type: "ContainerResource", containerResource: { name: source.name, container, current: currentStatus } },
    };
  }

  return defineController({
    name: "horizontal-pod-autoscaler",
    workers: 5,
    watches: [
      { target: HPAS },
      // Read from the cache when computing; a pod change does not sync an HPA early (upstream neither).
      { target: builtinResources.pods, map: () => [] },
    ],
    async reconcile(key, ctx) {
      const [namespace, name] = key.split("/") as [string, string];
      const cached = ctx.informer<Hpa>(HPAS).get(namespace, name);
      if (!cached || cached.metadata.deletionTimestamp) {
        histories.delete(key);
        lastSync.delete(key);
        return;
      }
      const now = clock.now();
      const last = lastSync.get(key);
      if (last && last.generation === cached.metadata.generation && now - last.at < syncPeriodMs) {
        return { requeueAfterMs: syncPeriodMs - (now - last.at) };
      }
      lastSync.set(key, { at: now, generation: cached.metadata.generation });
      await syncHpa(ctx, key, structuredClone(cached) as Hpa, now);
      return { requeueAfterMs: syncPeriodMs };
    },
  });

  async function syncHpa(ctx: ReconcileContext, key: string, hpa: Hpa, now: number): Promise<void> {
    const typed = { ...hpa, apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" };
    const status: HpaStatus = structuredClone(hpa.status ?? {});
    const conditions: Condition[] = status.conditions ?? [];
    status.conditions = conditions;
    const ref = hpa.spec.scaleTargetRef;
    const writeStatus = async () => {
      if (JSON.stringify(status) === JSON.stringify(hpa.status ?? {})) return;
      try {
        await ctx.client.updateStatus(HPAS, { ...hpa, status }, { signal: ctx.signal });
      } catch (err) {
        if (isNotFound(err)) return;
        if (isConflict(err)) { lastSync.delete(key); return; } // a newer version: sync it again
        throw err;
      }
    };
    const failScale = async (reason: string, message: string, eventReason = reason) => {
      ctx.events.event(typed, "Warning", eventReason, message);
      setCondition(conditions, "AbleToScale", "False", reason, `the HPA controller was unable to get the target's current scale: ${message}`, now);
      await writeStatus();
    };

    // The target's scale.
    let resource: ResourceRef | undefined;
    try {
      resource = await scalableResource(ctx.client, ref.apiVersion ?? "", ref.kind, ctx.signal);
    } catch { /* reported below */ }
    if (!resource) return failScale("FailedGetScale", `no matches for kind "${ref.kind}" in group "${(ref.apiVersion ?? "").split("/")[0] ?? ""}"`);
    const target = { ...resource, namespace: hpa.metadata.namespace, name: ref.name };
    let scale: Scale;
    try {
      scale = await ctx.client.get<Scale>(target, { subresource: "scale", signal: ctx.signal });
    } catch (err) {
      return failScale("FailedGetScale", err instanceof Error ? err.message : String(err));
    }
    setCondition(conditions, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale", now);

    const current = scale.spec?.replicas ?? 0;
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    const history = histories.get(key) ?? new HpaHistory(current, now);
    histories.set(key, history);
    let desired = 0;
    let rescaleReason = "";
    let metricStatuses: unknown[] | undefined = status.currentMetrics;

    if (current === 0 && min !== 0) {
      desired = 0;
      setCondition(conditions, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", now);
    } else if (current > max) {
      rescaleReason = "Current number of replicas above Spec.MaxReplicas";
      desired = max;
    } else if (current < min) {
      rescaleReason = "Current number of replicas below Spec.MinReplicas";
      desired = min;
    } else {
      const selectorText = scale.status?.selector ?? "";
      let proposal: number | undefined;
      let metricName = "";
      const specs: MetricSpec[] = hpa.spec.metrics?.length ? hpa.spec.metrics : [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }];
      const statuses: unknown[] = [];
      let invalid = 0;
      let firstError: MetricError | undefined;
      if (!selectorText) {
        const message = "selector is required";
        ctx.events.event(typed, "Warning", "SelectorRequired", message);
        setCondition(conditions, "ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector", now);
        status.currentReplicas = current;
        await writeStatus();
        return;
      }
      let pods: PodLike[];
      try {
        const selector = parseLabelSelector(selectorText);
        pods = ctx.informer<PodLike>(builtinResources.pods).list(hpa.metadata.namespace).filter((p) => selector.matches(p.metadata.labels ?? {}));
      } catch (err) {
        const message = `couldn't convert selector into a corresponding internal selector object: ${err instanceof Error ? err.message : String(err)}`;
        ctx.events.event(typed, "Warning", "InvalidSelector", message);
        setCondition(conditions, "ScalingActive", "False", "InvalidSelector", message, now);
        await writeStatus();
        return;
      }
      for (const spec of specs) {
        try {
          const r = await computeMetric(ctx, hpa, spec, current, selectorText, pods);
          statuses.push(r.status);
          if (proposal === undefined || r.replicas > proposal) { proposal = r.replicas; metricName = r.name; }
        } catch (err) {
          if (ctx.signal.aborted) return;
          const e = err instanceof MetricError ? err : new MetricError("FailedGetResourceMetric", String(err));
          invalid++;
          firstError ??= e;
          statuses.push({ type: "" });
          ctx.events.event(typed, "Warning", e.reason, e.message);
          setCondition(conditions, "ScalingActive", "False", e.reason, `the HPA was unable to compute the replica count: ${e.message}`, now);
        }
      }
      metricStatuses = statuses;
      if (proposal === undefined || invalid >= specs.length || (invalid > 0 && proposal < current)) {
        const message = `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: failed to get ${specMetricName(specs[0])} resource metric value: ${firstError?.message ?? "unknown"}`;
        ctx.events.event(typed, "Warning", "FailedComputeMetricsReplicas", message);
        status.currentReplicas = current;
        status.currentMetrics = metricStatuses;
        await writeStatus();
        return;
      }
      setCondition(conditions, "ScalingActive", "True", "ValidMetricFound", `the HPA was able to successfully calculate a replica count from ${metricName}`, now);
      rescaleReason = proposal > current ? `${metricName} above target` : "All metrics below target";
      const normalized: Normalized = hpa.spec.behavior
        ? normalizeWithBehavior(history, hpa.spec.behavior, current, proposal, min, max, now)
        : normalizeLegacy(history, current, proposal, min, max, now);
      setCondition(conditions, "AbleToScale", "True", normalized.ableToScale.reason, normalized.ableToScale.message, now);
      setCondition(conditions, "ScalingLimited", normalized.scalingLimited.limited ? "True" : "False", normalized.scalingLimited.reason, normalized.scalingLimited.message, now);
      desired = normalized.replicas;
    }

    const rescale = desired !== current;
    if (rescale) {
      try {
        await ctx.client.update<Scale>(target, { ...scale, spec: { ...scale.spec, replicas: desired } }, { subresource: "scale", signal: ctx.signal });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        ctx.events.event(typed, "Warning", "FailedRescale", `New size: ${desired}; reason: ${rescaleReason}; error: ${message}`);
        setCondition(conditions, "AbleToScale", "False", "FailedUpdateScale", `the HPA controller was unable to update the target scale: ${message}`, now);
        status.currentReplicas = current;
        status.currentMetrics = metricStatuses;
        await writeStatus();
        return;
      }
      setCondition(conditions, "AbleToScale", "True", "SucceededRescale", `the HPA controller was able to update the target scale to ${desired}`, now);
      ctx.events.event(typed, "Normal", "SuccessfulRescale", `New size: ${desired}; reason: ${rescaleReason}`);
      history.recordScale(hpa.spec.behavior, current, desired, now);
      ctx.log.info("successful rescale", { hpa: key, currentReplicas: current, desiredReplicas: desired, reason: rescaleReason });
    }
    status.currentReplicas = current;
    status.desiredReplicas = desired;
    status.currentMetrics = metricStatuses;
    if (rescale) status.lastScaleTime = formatTime(now);
    await writeStatus();
  }
}

function specMetricName(spec: MetricSpec | undefined): string {
  return spec?.resource?.name ?? spec?.containerResource?.name ?? spec?.type ?? "";
}
