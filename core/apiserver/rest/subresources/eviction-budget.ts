/**
 * The PodDisruptionBudget check of pods/eviction (upstream pkg/registry/core/pod/storage/eviction.go):
 * pods that are terminal, Pending or already deleting skip budgets; more than one matching budget
 * is a 500; otherwise the budget must allow a disruption, which is charged (disruptionsAllowed
 * decremented, the pod recorded in disruptedPods) by CAS before the pod is deleted. A refusal is
 * 429 with upstream's message and a `DisruptionBudget` cause; kubectl drain retries it.
 */
import { ApiError, apiErrors } from "../../errors/index.ts";
import { labelSelectorFromObject } from "../../machinery/label-selector.ts";
import type { KObject } from "../../resources/index.ts";
import { formatTime } from "../../../kube-time.ts";
import type { ApiContext } from "../context.ts";

const REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";
/** Upstream MaxDisruptedPodSize. */
const MAX_DISRUPTED_PODS = 2000;

function refused(cause: string): ApiError {
  return new ApiError(429, "TooManyRequests", REFUSED, { causes: [{ reason: "DisruptionBudget", message: cause }] });
}

function isReady(pod: KObject): boolean {
  return (pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True");
}

/** Throws when a budget forbids evicting `pod`; otherwise charges the budget (unless dry run). */
export async function checkDisruptionBudget(ctx: ApiContext, pod: KObject, dryRun: boolean): Promise<void> {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed" || phase === "Pending" || pod.metadata.deletionTimestamp) return;
  const def = ctx.registry.find("policy", "v1", "poddisruptionbudgets");
  if (!def) return;
  const store = ctx.resourceStore(def);
  const namespace = pod.metadata.namespace ?? "";
  const page = await store.listPage(namespace, {});
  const matching = page.kvs.map((kv) => store.decode(kv)).filter((b) => labelSelectorFromObject(b.spec?.selector).matches(pod.metadata.labels ?? {}));
  if (matching.length === 0) return;
  if (matching.length > 1) throw new ApiError(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
  const name = matching[0]!.metadata.name!;
  const gr = { group: "policy", resource: "poddisruptionbudget" };
  await store.guaranteedUpdate(namespace, name, (cur) => {
    if (!cur) return { action: "none" };
    const pdb = structuredClone(cur.object);
    const st = pdb.status ?? {};
    // IfHealthyBudget: a not-ready pod may go while the budget is met.
    const policy = pdb.spec?.unhealthyPodEvictionPolicy ?? "IfHealthyBudget";
    if (!isReady(pod) && (policy === "AlwaysAllow" || ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0))) return { action: "none" };
    if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw refused(`The disruption budget ${name} is still being processed by the server.`);
    if ((st.disruptionsAllowed ?? 0) < 0) throw apiErrors.forbidden(gr, name, "pdb disruptions allowed is negative");
    if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) throw apiErrors.forbidden(gr, name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
    if ((st.disruptionsAllowed ?? 0) === 0) throw refused(`The disruption budget ${name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`);
    st.disruptionsAllowed = (st.disruptionsAllowed ?? 0) - 1;
    if (st.disruptionsAllowed === 0) {
      st.conditions = (st.conditions ?? []).map((c: Record<string, unknown>) => c.type === "DisruptionAllowed"
        ? { ...c, status: "False", reason: "InsufficientPods", lastTransitionTime: c.status === "False" ? c.lastTransitionTime : formatTime(ctx.now()) } : c);
    }
    if (dryRun) return { action: "none" };
    st.disruptedPods = { ...(st.disruptedPods ?? {}), [pod.metadata.name!]: formatTime(ctx.now()) };
    pdb.status = st;
    return { action: "update", object: pdb };
  });
}
