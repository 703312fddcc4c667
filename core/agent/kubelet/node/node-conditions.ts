/**
 * The kubelet's node conditions (upstream pkg/kubelet/nodestatus setters): MemoryPressure,
 * DiskPressure, PIDPressure and Ready, with upstream's reasons and messages. Every condition's
 * lastHeartbeatTime is now; lastTransitionTime moves only when the status changes. Ready comes
 * last, as upstream keeps it for old readers.
 */
import { aggregateMessage } from "./runtime-state.ts";
import type { NodeCondition, NodePressure } from "./types.ts";
import { formatTime } from "../../../kube-time.ts";

interface PressureText { type: string; trueReason: string; trueMessage: string; falseReason: string; falseMessage: string; trueEvent: string; falseEvent: string }

const PRESSURE: Record<keyof NodePressure, PressureText> = {
  memory: {
    type: "MemoryPressure",
    trueReason: "KubeletHasInsufficientMemory", trueMessage: "kubelet has insufficient memory available",
    falseReason: "KubeletHasSufficientMemory", falseMessage: "kubelet has sufficient memory available",
    trueEvent: "NodeHasInsufficientMemory", falseEvent: "NodeHasSufficientMemory",
  },
  disk: {
    type: "DiskPressure",
    trueReason: "KubeletHasDiskPressure", trueMessage: "kubelet has disk pressure",
    falseReason: "KubeletHasNoDiskPressure", falseMessage: "kubelet has no disk pressure",
    trueEvent: "NodeHasDiskPressure", falseEvent: "NodeHasNoDiskPressure",
  },
  pid: {
    type: "PIDPressure",
    trueReason: "KubeletHasInsufficientPID", trueMessage: "kubelet has insufficient PID available",
    falseReason: "KubeletHasSufficientPID", falseMessage: "kubelet has sufficient PID available",
    trueEvent: "NodeHasInsufficientPID", falseEvent: "NodeHasSufficientPID",
  },
};

export const KUBELET_CONDITION_TYPES = ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"] as const;

export interface ConditionInputs {
  pressure: NodePressure;
  /** Why the node is not ready (runtime, network, missing capacity); empty when ready. */
  notReadyErrors: readonly string[];
  nowMs: number;
}

/**
 * The node's conditions after this kubelet's update: its own four recomputed from `inputs`,
 * any others (written by other components) kept as they were.
 */
export function nodeConditions(existing: readonly NodeCondition[] | undefined, inputs: ConditionInputs): NodeCondition[] {
  const now = formatTime(inputs.nowMs);
  const old = new Map((existing ?? []).map((c) => [c.type, c]));
  const next = (type: string, status: "True" | "False", reason: string, message: string): NodeCondition => {
    const prev = old.get(type);
    const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    return { type, status, lastHeartbeatTime: now, lastTransitionTime, reason, message };
  };
  const own: NodeCondition[] = (Object.keys(PRESSURE) as (keyof NodePressure)[]).map((k) => {
    const t = PRESSURE[k];
    return inputs.pressure[k] ? next(t.type, "True", t.trueReason, t.trueMessage) : next(t.type, "False", t.falseReason, t.falseMessage);
  });
  const notReady = aggregateMessage(inputs.notReadyErrors);
  const ready = notReady === undefined
    ? next("Ready", "True", "KubeletReady", "kubelet is posting ready status")
    : next("Ready", "False", "KubeletNotReady", notReady);
  const others = (existing ?? []).filter((c) => !(KUBELET_CONDITION_TYPES as readonly string[]).includes(c.type));
  return [...others, ...own, ready];
}

/**
 * The node status Events upstream's setters record for a change from `before` to `after`
 * (reasons such as NodeHasSufficientMemory, NodeNotReady): a pressure condition whenever its
 * status differs from before (a missing one counts as Unknown), Ready only when an earlier Ready
 * had another status.
 */
export function conditionEvents(before: readonly NodeCondition[] | undefined, after: readonly NodeCondition[]): string[] {
  const status = (cs: readonly NodeCondition[] | undefined, type: string) => cs?.find((c) => c.type === type)?.status;
  const reasons: string[] = [];
  for (const t of Object.values(PRESSURE)) {
    const now = status(after, t.type);
    if (now !== undefined && now !== (status(before, t.type) ?? "Unknown")) reasons.push(now === "True" ? t.trueEvent : t.falseEvent);
  }
  const wasReady = status(before, "Ready");
  const ready = status(after, "Ready");
  if (wasReady !== undefined && ready !== undefined && ready !== wasReady) reasons.push(ready === "True" ? "NodeReady" : "NodeNotReady");
  return reasons;
}
