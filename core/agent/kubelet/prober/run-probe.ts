/**
 * One probe of a container, as upstream's prober.probe: the handler (exec, httpGet, tcpSocket,
 * grpc) is run, retried up to 3 times while the prober itself errors, and the outcome is reported
 * as events on the pod (reason Unhealthy `Liveness probe failed: <output>` / `... probe errored
 * and resulted in <result> state: <error>`, reason ProbeWarning `... probe warning: <output>`).
 */
import type { CriClient } from "../../cri/types.ts";
import { podFullName, type ContainerSpec, type Pod } from "../pod-types.ts";
import type { ProbeTarget } from "../ports.ts";
import { resolveContainerPort } from "./container-port.ts";
import { execProbe, expandStatic } from "./exec-probe.ts";
import { grpcProbe } from "./grpc-probe.ts";
import { buildHttpGetRequest } from "./http-get.ts";
import { httpProbe } from "./http-probe.ts";
import { containerFieldPath, type ProbeKind, type ProbeOutcome, type TimedProbe } from "./probe-types.ts";
import { tcpProbe } from "./tcp-probe.ts";

/** Records an event about the pod; `fieldPath` names the container (`spec.containers{name}`). */
export type RecordEvent = (pod: Pod, type: "Normal" | "Warning", reason: string, message: string, fieldPath?: string) => void;

export interface ProbeSubject { pod: Pod; container: ContainerSpec; target: ProbeTarget; cri: CriClient }

const MAX_PROBE_RETRIES = 3;

/** One attempt of the probe's handler. Never throws: failures to even try are `error` outcomes. */
export async function runProbeHandler(probe: TimedProbe, s: ProbeSubject): Promise<ProbeOutcome> {
  const timeout = probe.timeoutSeconds;
  const podIP = s.target.podIP ?? "";
  try {
    if (probe.exec) {
      const env = s.container.env as { name: string; value?: string }[] | undefined;
      return await execProbe(s.cri, s.target.containerId, (probe.exec.command ?? []).map((a) => expandStatic(a, env)), timeout);
    }
    if (probe.httpGet) return await httpProbe(buildHttpGetRequest(probe.httpGet, s.container, podIP, "probe"), timeout);
    if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket.host || podIP, resolveContainerPort(probe.tcpSocket.port, s.container), timeout);
    if (probe.grpc) return await grpcProbe(podIP, probe.grpc.service ?? "", probe.grpc.port, timeout);
    return { result: "unknown", output: "", error: `missing probe handler for ${podFullName(s.pod)}:${s.container.name}` };
  } catch (err) {
    return { result: "unknown", output: "", error: (err as Error)?.message ?? String(err) };
  }
}

const title = (kind: ProbeKind) => kind[0]!.toUpperCase() + kind.slice(1);

/**
 * Probes once (with retries on prober errors) and records the events. Returns `success` (also for
 * a warning), `failure`, or `error` when the prober could not tell (the caller throws it away).
 */
export async function probeContainer(kind: ProbeKind, probe: TimedProbe, s: ProbeSubject, recordEvent: RecordEvent): Promise<"success" | "failure" | "error"> {
  let outcome = await runProbeHandler(probe, s);
  for (let i = 1; i < MAX_PROBE_RETRIES && outcome.error !== undefined; i++) outcome = await runProbeHandler(probe, s);
  const fieldPath = containerFieldPath(s.pod, s.container.name);
  const event = (reason: string, message: string) => {
    try { recordEvent(s.pod, "Warning", reason, message, fieldPath); } catch { /* events are best effort */ }
  };
  if (outcome.error !== undefined) {
    event("Unhealthy", `${title(kind)} probe errored and resulted in ${outcome.result} state: ${outcome.error}`);
    return "error";
  }
  switch (outcome.result) {
    case "success": return "success";
    case "warning":
      event("ProbeWarning", `${title(kind)} probe warning: ${outcome.output}`);
      return "success";
    case "failure":
      event("Unhealthy", `${title(kind)} probe failed: ${outcome.output}`);
      return "failure";
    default: return "failure";
  }
}
