/**
 * Pod spec → CRI configs: the kubelet's translation of a v1 Pod into sandbox and container
 * configs, environment, DNS, /etc/hosts, security and resources, following upstream kubelet.
 */
export { buildContainerConfig, DEFAULT_SECCOMP_PROFILE_ROOT, type ContainerOptions } from "./container.ts";
export { podDnsConfig, parseResolvConf, type ClusterDns } from "./dns.ts";
export { containerResourceValue, podFieldValue, resourceFieldValue, withAllocatableLimits, type PodRuntimeFacts } from "./downward-api.ts";
export { resolveEnv, type EnvDeps } from "./env.ts";
export { ContainerConfigError, SandboxConfigError, type SpecWarning } from "./errors.ts";
export { expandCommand, expandVars } from "./expansion.ts";
export { podHostnameAndDomain } from "./hostname.ts";
export { hostsFileContent, managedHostsFile, writeHostsFile } from "./hosts.ts";
export { containerHash } from "./labels.ts";
export { podQos, qosClass, type QosClass } from "./qos.ts";
export { containerResources, oomScoreAdj } from "./resources.ts";
export { buildSandboxConfig, type SandboxOptions } from "./sandbox.ts";
export { parseImageUser, type ImageUser } from "./security-context.ts";
export { serviceLinkEnv } from "./service-env.ts";
export type { Container, Pod } from "./types.ts";
