/**
 * The kubelet's hooks port: runs a container's postStart or preStop handler (see handlers.ts).
 *
 * What the caller does with the outcome, as upstream (kuberuntime_container.go):
 * - postStart runs right after StartContainer; on failure record Warning `FailedPostStartHook`
 *   with the message "PostStartHook failed" (the handler's message may hold secrets: it goes to
 *   the container status instead, waiting reason `PostStartHookError`) and kill the container;
 * - preStop runs before StopContainer, waited for at most the grace period; on failure record
 *   Warning `FailedPreStopHook` "PreStopHook failed"; the time it took is taken off the grace
 *   period, leaving at least 2 s (`remainingGraceSeconds`).
 */
import type { CriClient } from "../../cri/types.ts";
import type { ContainerSpec, Pod } from "../pod-types.ts";
import type { HooksPort, ProbeTarget } from "../ports.ts";
import type { LifecycleHandler } from "../prober/probe-types.ts";
import type { RecordEvent } from "../prober/run-probe.ts";
import { runHandler, type HandlerOutcome } from "./handlers.ts";

/** Upstream's minimumGracePeriodInSeconds. */
const MINIMUM_GRACE_SECONDS = 2;

export function createHookRunner(deps: { cri: CriClient; recordEvent?: RecordEvent }): HooksPort {
  return {
    /** `timeoutSeconds` > 0 bounds the handler (exec and HTTP give up, a sleep ends early as failed). */
    async run(kind: "postStart" | "preStop", pod: Pod, container: ContainerSpec, target: ProbeTarget, timeoutSeconds: number): Promise<HandlerOutcome> {
      const handler = container.lifecycle?.[kind] as LifecycleHandler | undefined;
      if (!handler) return { ok: true, message: "" };
      const signal = timeoutSeconds > 0 ? AbortSignal.timeout(timeoutSeconds * 1000) : undefined;
      return runHandler(handler, { ...target, pod, container }, { cri: deps.cri, recordEvent: deps.recordEvent, signal }, timeoutSeconds);
    },
  };
}

/** The grace period left for StopContainer after a preStop hook that ran `elapsedMs` (upstream: whole seconds off, at least 2). */
export function remainingGraceSeconds(graceSeconds: number, elapsedMs: number): number {
  return Math.max(MINIMUM_GRACE_SECONDS, graceSeconds - Math.floor(elapsedMs / 1000));
}
