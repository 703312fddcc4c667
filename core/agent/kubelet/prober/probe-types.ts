/**
 * The v1 Probe and LifecycleHandler shapes the prober reads (core/v1 JSON field names), and the
 * outcome of one probe attempt. The pod's own shapes are the kubelet's (../pod-types.ts), where
 * probes are untyped; `probeOf` narrows them here.
 */
import type { ContainerSpec } from "../pod-types.ts";

export type ProbeKind = "liveness" | "readiness" | "startup";

/** Upstream's limit on what a probe keeps of a command's output or a response body. */
export const MAX_PROBE_OUTPUT_BYTES = 10 * 1024;

export interface HTTPHeader { name: string; value: string }
export interface ExecAction { command?: string[] }
export interface HTTPGetAction { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: HTTPHeader[] }
export interface TCPSocketAction { port: number | string; host?: string }
export interface GRPCAction { port: number; service?: string }
export interface SleepAction { seconds: number }

export interface ProbeHandler { exec?: ExecAction; httpGet?: HTTPGetAction; tcpSocket?: TCPSocketAction; grpc?: GRPCAction }
export interface LifecycleHandler { exec?: ExecAction; httpGet?: HTTPGetAction; tcpSocket?: TCPSocketAction; sleep?: SleepAction }

export interface Probe extends ProbeHandler {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  /** Grace period for the kill that follows a liveness/startup failure (overrides the pod's). */
  terminationGracePeriodSeconds?: number;
}

/** A Probe with upstream's defaults applied to unset (or zero) timing fields. */
export type TimedProbe = Probe & Required<Pick<Probe, "initialDelaySeconds" | "timeoutSeconds" | "periodSeconds" | "successThreshold" | "failureThreshold">>;

/**
 * The outcome of one probe attempt, as upstream's pkg/probe: `warning` counts as success (with a
 * ProbeWarning event); `error` set means the prober itself failed (the attempt is retried and then
 * thrown away, it never counts toward a threshold).
 */
export interface ProbeOutcome {
  result: "success" | "warning" | "failure" | "unknown";
  output: string;
  error?: string;
}

/** The container's probe of `kind`, typed, with the API defaults (timeout 1 s, period 10 s, thresholds 1/3). */
export function probeOf(container: ContainerSpec, kind: ProbeKind): TimedProbe | undefined {
  const raw = container[`${kind}Probe`] as Probe | undefined;
  if (!raw) return undefined;
  return {
    ...raw,
    initialDelaySeconds: raw.initialDelaySeconds || 0,
    timeoutSeconds: raw.timeoutSeconds || 1,
    periodSeconds: raw.periodSeconds || 10,
    successThreshold: raw.successThreshold || 1,
    failureThreshold: raw.failureThreshold || 3,
  };
}

/** The object reference field path of a container in events (`spec.containers{name}`), as upstream. */
export function containerFieldPath(pod: { spec: { initContainers?: ContainerSpec[] } }, name: string): string {
  return pod.spec.initContainers?.some((c) => c.name === name) ? `spec.initContainers{${name}}` : `spec.containers{${name}}`;
}
