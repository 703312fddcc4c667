/**
 * Why a pod fits no node, worded as upstream's FitError:
 * `0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. preemption: ...`
 */
import type { PluginStatus } from "@lite/sdk";

export interface Diagnosis {
  /** Filter status per rejected node. */
  nodeToStatus: Map<string, PluginStatus>;
  /** Plugins that rejected the pod (they decide which cluster events may help it). */
  unschedulablePlugins: Set<string>;
  /** Set when PreFilter rejected the pod: its message replaces the per-node histogram. */
  preFilterMsg?: string;
  /** The PostFilter (preemption) message, appended. */
  postFilterMsg?: string;
}

export class FitError extends Error {
  constructor(readonly numAllNodes: number, readonly diagnosis: Diagnosis) {
    super(fitErrorMessage(numAllNodes, diagnosis));
    this.name = "FitError";
  }
  /** The message with everything the diagnosis holds now (PostFilter adds to it after construction). */
  describe(): string { return fitErrorMessage(this.numAllNodes, this.diagnosis); }
}

/** Reasons counted over nodes, "N reason" sorted as strings, joined by ", ". */
export function reasonHistogram(nodeToStatus: ReadonlyMap<string, PluginStatus>): string {
  const counts = new Map<string, number>();
  for (const s of nodeToStatus.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort().join(", ");
}

export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
  else {
    const hist = reasonHistogram(d.nodeToStatus);
    if (hist) msg += ` ${hist}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
  return msg;
}

export const NO_NODES_AVAILABLE = "no nodes available to schedule pods";
