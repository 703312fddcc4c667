/**
 * DefaultPreemption (PostFilter): when no node fits, find a node where evicting lower-priority
 * pods makes room. Per node (only those whose rejection was Unschedulable, not Unresolvable):
 * remove every lower-priority pod, check the pod fits, then reprieve victims from the highest
 * priority down (PDB-violating ones first) while it still fits. Candidates are ranked as
 * upstream: fewest PDB violations, lowest highest-victim priority, smallest priority sum, fewest
 * victims. Victims are deleted (Event "Preempted"), the pod is nominated to the node.
 */
import {
  Statuses, defineSchedulerPlugin, isSuccess, type CycleState, type KubeObject, type NodeToStatus, type Pod, type PodInfo,
  type SchedulerHandle,
} from "@lite/sdk";
import { builtinResources } from "@lite/sdk";
import { labelSelectorMatches } from "../helpers/selectors.ts";
import { fitErrorMessage } from "../framework/fit-error.ts";
import { formatTime } from "../../kube-time.ts";

export const NOT_HELPFUL = "Preemption is not helpful for scheduling";
export const NO_VICTIMS = "No preemption victims found for incoming pod";

type Pdb = KubeObject & { spec?: { selector?: import("@lite/sdk").LabelSelector }; status?: { disruptionsAllowed?: number } };

interface Candidate { node: string; victims: PodInfo[]; pdbViolations: number }

const startTime = (p: Pod) => Date.parse((p.status?.startTime as string | undefined) ?? p.metadata.creationTimestamp ?? "") || 0;

function selectVictims(handle: SchedulerHandle, state: CycleState, pod: Pod, nodeName: string, pdbs: readonly Pdb[]): Candidate | undefined {
  const original = handle.snapshot().get(nodeName);
  if (!original) return undefined;
  const ni = handle.cloneNodeInfo(original);
  const st = state.clone();
  const prio = handle.podPriority(pod);
  const lower = ni.pods.filter((pi) => handle.podPriority(pi.pod) < prio);
  for (const pi of lower) {
    ni.removePod(pi.pod);
    handle.runPreFilterExtensionRemovePod(st, pod, pi, ni);
  }
  if (!isSuccess(handle.runFilterPlugins(st, pod, ni))) return undefined;
  // Highest priority first (then longest-running), PDB-protected pods before the rest.
  const budget = new Map(pdbs.map((p) => [p, p.status?.disruptionsAllowed ?? 0]));
  const violates = (pi: PodInfo) => pdbs.some((p) => p.metadata.namespace === pi.pod.metadata.namespace && labelSelectorMatches(p.spec?.selector, pi.pod.metadata.labels) && (budget.get(p) ?? 0) <= 0);
  const sorted = [...lower].sort((a, b) => handle.podPriority(b.pod) - handle.podPriority(a.pod) || startTime(a.pod) - startTime(b.pod));
  const violating = sorted.filter(violates), plain = sorted.filter((pi) => !violates(pi));
  const victims: PodInfo[] = [];
  let pdbViolations = 0;
  const reprieve = (pi: PodInfo, isViolating: boolean) => {
    ni.addPod(pi);
    handle.runPreFilterExtensionAddPod(st, pod, pi, ni);
    if (isSuccess(handle.runFilterPlugins(st, pod, ni))) return;
    ni.removePod(pi.pod);
    handle.runPreFilterExtensionRemovePod(st, pod, pi, ni);
    victims.push(pi);
    if (isViolating) pdbViolations++;
  };
  for (const pi of violating) reprieve(pi, true);
  for (const pi of plain) reprieve(pi, false);
  return victims.length ? { node: nodeName, victims, pdbViolations } : undefined;
}

function better(a: Candidate, b: Candidate, prio: (p: Pod) => number): boolean {
  if (a.pdbViolations !== b.pdbViolations) return a.pdbViolations < b.pdbViolations;
  const hi = (c: Candidate) => Math.max(...c.victims.map((v) => prio(v.pod)));
  if (hi(a) !== hi(b)) return hi(a) < hi(b);
  const sum = (c: Candidate) => c.victims.reduce((s, v) => s + prio(v.pod) + 2 ** 31, 0);
  if (sum(a) !== sum(b)) return sum(a) < sum(b);
  return a.victims.length < b.victims.length;
}

export const defaultPreemptionPlugin = defineSchedulerPlugin({
  name: "DefaultPreemption",
  create: (handle) => {
    const pdbInformer = handle.informers.informerFor<Pdb>({ group: "policy", version: "v1", resource: "poddisruptionbudgets" });
    return {
      name: "DefaultPreemption",
      async postFilter(state, pod, filtered: NodeToStatus) {
        if (pod.spec.preemptionPolicy === "Never") return { status: Statuses.unschedulable("preemption: not eligible due to preemptionPolicy=Never") };
        const nominated = pod.status?.nominatedNodeName;
        if (nominated) {
          const ni = handle.snapshot().get(nominated);
          const prio = handle.podPriority(pod);
          if (ni?.pods.some((pi) => pi.pod.metadata.deletionTimestamp && handle.podPriority(pi.pod) < prio)) {
            return { status: Statuses.unschedulable("preemption: not eligible due to a terminating pod on the nominated node") };
          }
        }
        const all = handle.snapshot().list();
        const statuses = new Map<string, import("@lite/sdk").PluginStatus>();
        const pdbs = pdbInformer.list();
        let best: Candidate | undefined;
        for (const ni of all) {
          const s = filtered.get(ni.name);
          if (s && s.code === "UnschedulableAndUnresolvable") { statuses.set(ni.name, Statuses.unresolvable(NOT_HELPFUL)); continue; }
          const c = selectVictims(handle, state, pod, ni.name, pdbs);
          if (!c) { statuses.set(ni.name, Statuses.unschedulable(NO_VICTIMS)); continue; }
          if (!best || better(c, best, (p) => handle.podPriority(p))) best = c;
        }
        if (!best) {
          const msg = fitErrorMessage(all.length, { nodeToStatus: statuses, unschedulablePlugins: new Set() });
          return { status: Statuses.unschedulable(`preemption: ${msg}`) };
        }
        for (const v of best.victims) {
          handle.recordEvent(v.pod, "Normal", "Preempted", `Preempted by pod ${pod.metadata.uid} on node ${best.node}`);
          try {
            await handle.client.patch({ ...builtinResources.pods, namespace: v.pod.metadata.namespace, name: v.pod.metadata.name! }, "strategic", {
              status: { conditions: [{ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler", message: "default-scheduler: preempting to accommodate a higher priority pod", lastTransitionTime: formatTime(Date.now()) }] },
            }, { subresource: "status" });
          } catch { /* the delete below matters */ }
          try {
            await handle.client.delete({ ...builtinResources.pods, namespace: v.pod.metadata.namespace, name: v.pod.metadata.name! }, { preconditions: { uid: v.pod.metadata.uid } });
          } catch (err) {
            handle.log.warn("preemption: could not delete victim", { pod: `${v.pod.metadata.namespace}/${v.pod.metadata.name}`, error: String(err) });
          }
        }
        return { status: Statuses.success(), nominatedNodeName: best.node };
      },
    };
  },
});
