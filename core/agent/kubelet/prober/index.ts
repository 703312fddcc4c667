/** The kubelet's probes (liveness, readiness, startup): the manager and what the kubelet needs around it. */
export { ProbeManager, findContainer, type ProbeManagerDeps } from "./manager.ts";
export { probeFailureKill } from "./probe-kill.ts";
export { probeContainer, runProbeHandler, type ProbeSubject, type RecordEvent } from "./run-probe.ts";
export type { ExecAction, GRPCAction, HTTPGetAction, HTTPHeader, LifecycleHandler, Probe, ProbeHandler, ProbeKind, ProbeOutcome, SleepAction, TCPSocketAction } from "./probe-types.ts";
