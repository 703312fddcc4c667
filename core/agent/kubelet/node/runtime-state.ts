/**
 * What the kubelet knows about the container runtime's health (upstream kubelet runtimeState and
 * updateRuntimeUp): the last successful status check and the runtime's own RuntimeReady /
 * NetworkReady conditions, turned into the errors that make the node NotReady.
 */
import type { CriClient, RuntimeCondition } from "../../cri/types.ts";

/** Upstream maxWaitForContainerRuntime: no good status check for this long means "container runtime is down". */
export const RUNTIME_SYNC_THRESHOLD_MS = 30_000;

export interface RuntimeState {
  /** Asks the runtime for its status once (upstream updateRuntimeUp); never throws. */
  check(nowMs: number): Promise<void>;
  /** The errors that keep the node NotReady, in upstream order (runtime, then network). */
  errors(nowMs: number): string[];
}

export function createRuntimeState(cri: Pick<CriClient, "status">, onCheckFailed?: (err: unknown) => void): RuntimeState {
  let lastSync: number | undefined;
  let runtimeError: string | undefined;
  let networkError: string | undefined;
  return {
    async check(now) {
      let conditions: RuntimeCondition[];
      try {
        conditions = (await cri.status()).conditions ?? [];
      } catch (err) {
        onCheckFailed?.(err); // the sync time ages; past the threshold the runtime counts as down
        return;
      }
      const network = conditions.find((c) => c.type === "NetworkReady");
      networkError = network?.status ? undefined : `container runtime network not ready: ${conditionText(network)}`;
      const runtime = conditions.find((c) => c.type === "RuntimeReady");
      if (!runtime?.status) {
        runtimeError = `container runtime not ready: ${conditionText(runtime)}`;
        return;
      }
      runtimeError = undefined;
      lastSync = now;
    },
    errors(now) {
      const errs: string[] = [];
      if (lastSync === undefined) errs.push("container runtime status check may not have completed yet");
      else if (now - lastSync >= RUNTIME_SYNC_THRESHOLD_MS) errs.push("container runtime is down");
      if (runtimeError) errs.push(runtimeError);
      if (networkError) errs.push(networkError);
      return errs;
    },
  };
}

/** Upstream RuntimeCondition.String(): `NetworkReady=false reason:X message:Y`; a missing condition prints `<nil>`. */
export function conditionText(c: RuntimeCondition | undefined): string {
  return c ? `${c.type}=${c.status} reason:${c.reason} message:${c.message}` : "<nil>";
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several de-duplicated in brackets; undefined when none. */
export function aggregateMessage(messages: readonly string[]): string | undefined {
  const unique = [...new Set(messages)];
  if (unique.length === 0) return undefined;
  return unique.length === 1 ? unique[0] : `[${unique.join(", ")}]`;
}
