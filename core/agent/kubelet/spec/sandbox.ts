/**
 * A pod's CRI PodSandboxConfig (upstream kuberuntime generatePodSandboxConfig): metadata, labels
 * and annotations, DNS, hostname (unset for hostNetwork: the runtime uses the node's), the log
 * directory, every app container port as a port mapping (hostPort 0 ones too, as upstream), and
 * the Linux security context and sysctls. No cgroup parent is set.
 */
import { readFileSync } from "node:fs";
import type { PodSandboxConfig, PortMapping } from "../../cri/types.ts";
import { podDnsConfig, type ClusterDns } from "./dns.ts";
import { SandboxConfigError, type SpecWarning } from "./errors.ts";
import { kernelHostname } from "./hostname.ts";
import { sandboxAnnotations, sandboxLabels } from "./labels.ts";
import { sandboxSecurityContext } from "./security-context.ts";
import type { Container, Pod } from "./types.ts";

export interface SandboxOptions {
  /** Sandbox attempt: 0 first, then one more per recreation. */
  attempt: number;
  /** Absolute; see paths.ts podLogDirectory. */
  logDirectory: string;
  cluster: ClusterDns;
  /** Path of the node's resolv.conf (default /etc/resolv.conf); null: none, as `--resolv-conf=""`. */
  hostResolvConf?: string | null;
  /** Receives Warning events to record on the pod (DNSConfigForming, MissingClusterDNS). */
  warnings?: SpecWarning[];
}

function runtimeProtocol(p: string | undefined): PortMapping["protocol"] {
  return p === "UDP" ? "UDP" : p === "SCTP" ? "SCTP" : "TCP";
}

/** upstream MakePortMappings: a port repeated under the same name (or same identity) counts once. */
export function portMappings(container: Container): PortMapping[] {
  const seen = new Set<string>();
  const out: PortMapping[] = [];
  for (const p of container.ports ?? []) {
    const family = !p.hostIP ? "any" : p.hostIP.includes(":") ? "v6" : "v4";
    const name = p.name || `${family}-${p.protocol ?? ""}-${p.hostIP ?? ""}:${p.containerPort}:${p.hostPort ?? 0}`;
    if (seen.has(name)) continue;
    seen.add(name);
    const m: PortMapping = { protocol: runtimeProtocol(p.protocol), containerPort: p.containerPort, hostPort: p.hostPort ?? 0 };
    if (p.hostIP) m.hostIp = p.hostIP;
    out.push(m);
  }
  return out;
}

/** Throws SandboxConfigError with upstream's message (bad hostname, unreadable resolv.conf…). */
export function buildSandboxConfig(pod: Pod, opts: SandboxOptions): PodSandboxConfig {
  const m = pod.metadata;
  try {
    const resolvPath = opts.hostResolvConf === undefined ? "/etc/resolv.conf" : opts.hostResolvConf;
    const resolvText = resolvPath === null ? null : readFileSync(resolvPath, "utf8");
    const config: PodSandboxConfig = {
      metadata: { name: m.name ?? "", uid: m.uid ?? "", namespace: m.namespace ?? "", attempt: opts.attempt },
      labels: sandboxLabels(pod),
      annotations: sandboxAnnotations(pod),
      dnsConfig: podDnsConfig(pod, opts.cluster, resolvText, opts.warnings),
      logDirectory: opts.logDirectory,
      linux: {
        securityContext: sandboxSecurityContext(pod),
        sysctls: Object.fromEntries((pod.spec.securityContext?.sysctls ?? []).map((s) => [s.name, s.value])),
      },
    };
    if (!pod.spec.hostNetwork) config.hostname = kernelHostname(pod, opts.cluster.clusterDomain);
    const ports = pod.spec.containers.flatMap(portMappings);
    if (ports.length) config.portMappings = ports;
    return config;
  } catch (err) {
    if (err instanceof SandboxConfigError) throw err;
    throw new SandboxConfigError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}
