/**
 * What spec translation reports. Messages are upstream's words, so `kubectl describe pod` reads
 * as on any Kubernetes node.
 */

/**
 * The container cannot be configured (env source missing, runAsNonRoot violated, bad hostname…).
 * The kubelet shows it as the container's waiting reason `CreateContainerConfigError` with this
 * message, and an event `Failed` "Error: <message>".
 */
export class ContainerConfigError extends Error {
  readonly reason = "CreateContainerConfigError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ContainerConfigError";
  }
}

/**
 * The pod sandbox cannot be configured (bad hostname/FQDN, unreadable resolv.conf…). Upstream
 * records event `FailedCreatePodSandBox` "Failed to create pod sandbox: <message>".
 */
export class SandboxConfigError extends Error {
  readonly reason = "FailedCreatePodSandBox";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SandboxConfigError";
  }
}

/** A Warning event the kubelet should record on the pod (e.g. DNSConfigForming); not fatal. */
export interface SpecWarning { reason: string; message: string }
