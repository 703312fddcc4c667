/**
 * The CRI v1 (runtime.v1) surface the kubelet uses, as plain TypeScript shapes.
 *
 * Field names are the proto field names in lowerCamelCase (what @grpc/proto-loader yields with
 * keepCase=false). int64 values are plain numbers (longs: Number); nanosecond timestamps fit a
 * double's integer range only to ~104 days of precision loss, which the kubelet tolerates (it
 * reports seconds). Only the fields lite reads or sets are declared; the wire format is CRI v1's.
 */

export interface KeyValue { key: string; value: string }

export interface PortMapping { protocol?: "TCP" | "UDP" | "SCTP"; containerPort: number; hostPort?: number; hostIp?: string }

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  selinuxRelabel?: boolean;
  /** PROPAGATION_PRIVATE | PROPAGATION_HOST_TO_CONTAINER | PROPAGATION_BIDIRECTIONAL */
  propagation?: "PROPAGATION_PRIVATE" | "PROPAGATION_HOST_TO_CONTAINER" | "PROPAGATION_BIDIRECTIONAL";
}

export interface DnsConfig { servers?: string[]; searches?: string[]; options?: string[] }

/** NamespaceMode: POD (0), CONTAINER (1), NODE (2), TARGET (3). */
export type NamespaceMode = "POD" | "CONTAINER" | "NODE" | "TARGET";
export interface NamespaceOption { network?: NamespaceMode; pid?: NamespaceMode; ipc?: NamespaceMode; targetId?: string }

export interface SecurityProfile { profileType: "RuntimeDefault" | "Unconfined" | "Localhost"; localhostRef?: string }

export interface LinuxSandboxSecurityContext {
  namespaceOptions?: NamespaceOption;
  runAsUser?: { value: number };
  runAsGroup?: { value: number };
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  privileged?: boolean;
  seccomp?: SecurityProfile;
}

export interface PodSandboxConfig {
  metadata: { name: string; uid: string; namespace: string; attempt: number };
  hostname?: string;
  logDirectory?: string;
  dnsConfig?: DnsConfig;
  portMappings?: PortMapping[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: {
    cgroupParent?: string;
    securityContext?: LinuxSandboxSecurityContext;
    sysctls?: Record<string, string>;
  };
}

export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
}

export interface Capability { addCapabilities?: string[]; dropCapabilities?: string[] }

export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged?: boolean;
  namespaceOptions?: NamespaceOption;
  runAsUser?: { value: number };
  runAsGroup?: { value: number };
  runAsUsername?: string;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  noNewPrivs?: boolean;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccomp?: SecurityProfile;
}

export interface ImageSpec { image: string; annotations?: Record<string, string> }

export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: ImageSpec;
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Relative to the sandbox's logDirectory. */
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: { resources?: LinuxContainerResources; securityContext?: LinuxContainerSecurityContext };
}

export type PodSandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";
export type ContainerState = "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED" | "CONTAINER_UNKNOWN";

export interface PodSandbox {
  id: string;
  metadata: { name: string; uid: string; namespace: string; attempt: number };
  state: PodSandboxState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxStatus {
  id: string;
  metadata: { name: string; uid: string; namespace: string; attempt: number };
  state: PodSandboxState;
  createdAt: number;
  network?: { ip: string; additionalIps?: { ip: string }[] };
  linux?: { namespaces?: { options?: NamespaceOption } };
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: { name: string; attempt: number };
  image: ImageSpec;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerStatus {
  id: string;
  metadata: { name: string; attempt: number };
  state: ContainerState;
  /** Nanoseconds since the epoch; 0 when not yet. */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: ImageSpec;
  imageRef: string;
  /** e.g. "Completed", "Error", "OOMKilled". */
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts: Mount[];
  logPath: string;
}

export interface Image { id: string; repoTags: string[]; repoDigests: string[]; size: number; pinned?: boolean; uid?: { value: number }; username?: string }

export interface AuthConfig { username?: string; password?: string; auth?: string; serverAddress?: string; identityToken?: string; registryToken?: string }

export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }

export interface ContainerStats {
  attributes: { id: string; metadata: { name: string; attempt: number }; labels: Record<string, string>; annotations: Record<string, string> };
  cpu?: { timestamp: number; usageCoreNanoSeconds?: { value: number }; usageNanoCores?: { value: number } };
  memory?: {
    timestamp: number;
    workingSetBytes?: { value: number };
    availableBytes?: { value: number };
    usageBytes?: { value: number };
    rssBytes?: { value: number };
    pageFaults?: { value: number };
    majorPageFaults?: { value: number };
  };
  writableLayer?: { timestamp: number; fsId?: { mountpoint: string }; usedBytes?: { value: number }; inodesUsed?: { value: number } };
}

export interface FilesystemUsage { timestamp: number; fsId: { mountpoint: string }; usedBytes?: { value: number }; inodesUsed?: { value: number } }

export interface ContainerFilter { id?: string; state?: { state: ContainerState }; podSandboxId?: string; labelSelector?: Record<string, string> }
export interface PodSandboxFilter { id?: string; state?: { state: PodSandboxState }; labelSelector?: Record<string, string> }

/**
 * A CRI runtime + image service client. Every method rejects with a `CriError` carrying the gRPC
 * status code and the runtime's message (e.g. image pull failures keep the registry's words).
 */
export interface CriClient {
  readonly endpoint: string;
  version(): Promise<{ version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }>;
  status(): Promise<{ conditions: RuntimeCondition[] }>;

  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  stopPodSandbox(podSandboxId: string): Promise<void>;
  removePodSandbox(podSandboxId: string): Promise<void>;
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** timeout in seconds: SIGTERM, then SIGKILL after it (0: kill at once). */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  containerStatus(containerId: string): Promise<ContainerStatus>;
  /** Runs a command synchronously; timeout in seconds (0: none). */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<{ stdout: Uint8Array; stderr: Uint8Array; exitCode: number }>;
  /** Returns the streaming server URL for this exec. */
  exec(req: { containerId: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): Promise<string>;
  attach(req: { containerId: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): Promise<string>;
  portForward(req: { podSandboxId: string; port: number[] }): Promise<string>;
  /** Asks the runtime to reopen the container's log file (after the kubelet rotates it). */
  reopenContainerLog(containerId: string): Promise<void>;
  listContainerStats(filter?: { id?: string; podSandboxId?: string }): Promise<ContainerStats[]>;
  updateContainerResources(containerId: string, linux: LinuxContainerResources): Promise<void>;

  listImages(): Promise<Image[]>;
  /** undefined when the image is not present. */
  imageStatus(image: string): Promise<Image | undefined>;
  /** Returns the image ref (its id). */
  pullImage(image: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string>;
  removeImage(image: string): Promise<void>;
  imageFsInfo(): Promise<FilesystemUsage[]>;

  close(): void;
}

/** gRPC status codes the kubelet distinguishes. */
export const GrpcCode = { NOT_FOUND: 5, UNAVAILABLE: 14, DEADLINE_EXCEEDED: 4, UNKNOWN: 2 } as const;

export class CriError extends Error {
  constructor(readonly method: string, readonly code: number, readonly details: string) {
    super(`${method}: ${details}`);
    this.name = "CriError";
  }
}
