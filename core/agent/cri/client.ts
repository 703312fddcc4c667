/**
 * `createCriClient`: the CRI v1 client over gRPC (@grpc/grpc-js) on the runtime's unix socket.
 *
 * Contract:
 * - One channel per client, shared by RuntimeService and ImageService; it connects lazily and
 *   reconnects by itself (back-off capped at 2 s, so a restarted containerd is reachable again
 *   quickly). Calls do not wait for the socket: while the runtime is down they reject with
 *   UNAVAILABLE, and the caller decides when to retry.
 * - Every call has a deadline: `timeoutMs` (default 2 min, the kubelet's runtime-request-timeout;
 *   10 s for Version and Status), `pullTimeoutMs` for PullImage (default 2 min); ExecSync gets its own timeout plus `timeoutMs` (none when its timeout is 0),
 *   like the upstream kubelet's remote runtime.
 * - Every failure rejects with `CriError(method, grpcCode, details)`, where method is the RPC
 *   name (e.g. "PullImage") and details the runtime's own message.
 * - `close()` closes the channel; later calls reject with UNAVAILABLE.
 */
import * as grpc from "@grpc/grpc-js";
import { criMethod, type CriService } from "./codec.ts";
import {
  CriError,
  type AuthConfig,
  type Container,
  type ContainerConfig,
  type ContainerFilter,
  type ContainerStats,
  type ContainerStatus,
  type CriClient,
  type FilesystemUsage,
  type Image,
  type LinuxContainerResources,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxStatus,
  type RuntimeCondition,
} from "./types.ts";

export interface CriClientOptions {
  /** Deadline of every call but PullImage (and the slack added to ExecSync's own timeout). Default 2 min. */
  timeoutMs?: number;
  /** Deadline of PullImage. Default 2 min. */
  pullTimeoutMs?: number;
}

/** The kubelet's --runtime-request-timeout default: a loaded runtime can take that long to create a sandbox. */
const DEFAULT_TIMEOUT_MS = 120_000;
/** Health calls (Version, Status) answer fast or the runtime is unwell: they must not hold a readiness check for minutes. */
const HEALTH_TIMEOUT_MS = 10_000;
const DEFAULT_PULL_TIMEOUT_MS = 120_000;
/** The kubelet's limit too: large ListContainers/ListImages answers on busy nodes. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const GRPC_INTERNAL = 13;

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 2_000,
  "grpc.enable_http_proxy": 0,
};

/** `unix:///run/x.sock` and `/run/x.sock` name the same socket; other gRPC targets pass unchanged. */
export function criTarget(endpoint: string): string {
  return endpoint.startsWith("/") ? `unix://${endpoint}` : endpoint;
}

/** A CRI channel's raw unary calls: `deadlineMs` 0 means none; failures are CriErrors. */
export interface CriChannel {
  call<Res>(service: CriService, method: string, request: object, deadlineMs: number): Promise<Res>;
  close(): void;
}

export function openCriChannel(endpoint: string): CriChannel {
  const channel = new grpc.Client(criTarget(endpoint), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  return {
    call<Res>(service: CriService, method: string, request: object, deadlineMs: number): Promise<Res> {
      return new Promise<Res>((resolve, reject) => {
        try {
          const codec = criMethod(service, method);
          const deadline = deadlineMs > 0 ? Date.now() + deadlineMs : Infinity;
          channel.makeUnaryRequest(
            codec.path,
            (req: object) => codec.encodeRequest(req),
            (bytes: Buffer) => codec.decodeResponse(bytes),
            request,
            new grpc.Metadata(),
            { deadline },
            (err, res) => (err ? reject(new CriError(method, err.code, err.details || err.message)) : resolve(res as Res)),
          );
        } catch (err) {
          // Encoding failures (a value of the wrong type in the request) are ours, not the runtime's.
          reject(new CriError(method, GRPC_INTERNAL, err instanceof Error ? err.message : String(err)));
        }
      });
    },
    close: () => channel.close(),
  };
}

export function createCriClient(endpoint: string, opts: CriClientOptions = {}): CriClient {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pullTimeoutMs = opts.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS;
  const channel = openCriChannel(endpoint);
  const call = <Res>(service: CriService, method: string, request: object, deadlineMs = timeoutMs) => channel.call<Res>(service, method, request, deadlineMs);
  const runtime = <Res>(method: string, request: object, deadlineMs?: number) => call<Res>("RuntimeService", method, request, deadlineMs);
  const image = <Res>(method: string, request: object, deadlineMs?: number) => call<Res>("ImageService", method, request, deadlineMs);

  return {
    endpoint,

    version: () =>
      runtime<{ version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }>("Version", { version: "v1" }, Math.min(timeoutMs, HEALTH_TIMEOUT_MS)),
    async status() {
      const res = await runtime<{ status?: { conditions: RuntimeCondition[] } }>("Status", {}, Math.min(timeoutMs, HEALTH_TIMEOUT_MS));
      return { conditions: res.status?.conditions ?? [] };
    },

    async runPodSandbox(config: PodSandboxConfig, runtimeHandler = "") {
      return (await runtime<{ podSandboxId: string }>("RunPodSandbox", { config, runtimeHandler })).podSandboxId;
    },
    async stopPodSandbox(podSandboxId: string) {
      await runtime("StopPodSandbox", { podSandboxId });
    },
    async removePodSandbox(podSandboxId: string) {
      await runtime("RemovePodSandbox", { podSandboxId });
    },
    async podSandboxStatus(podSandboxId: string) {
      const res = await runtime<{ status?: PodSandboxStatus }>("PodSandboxStatus", { podSandboxId });
      if (!res.status) throw new CriError("PodSandboxStatus", GRPC_INTERNAL, `no status for sandbox ${podSandboxId}`);
      return res.status;
    },
    async listPodSandbox(filter?: PodSandboxFilter) {
      return (await runtime<{ items: PodSandbox[] }>("ListPodSandbox", { filter })).items;
    },

    async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig) {
      return (await runtime<{ containerId: string }>("CreateContainer", { podSandboxId, config, sandboxConfig })).containerId;
    },
    async startContainer(containerId: string) {
      await runtime("StartContainer", { containerId });
    },
    async stopContainer(containerId: string, timeoutSeconds: number) {
      // The runtime waits up to the grace period itself: give the call that long plus our slack.
      await runtime("StopContainer", { containerId, timeout: timeoutSeconds }, timeoutMs + timeoutSeconds * 1000);
    },
    async removeContainer(containerId: string) {
      await runtime("RemoveContainer", { containerId });
    },
    async listContainers(filter?: ContainerFilter) {
      return (await runtime<{ containers: Container[] }>("ListContainers", { filter })).containers;
    },
    async containerStatus(containerId: string) {
      const res = await runtime<{ status?: ContainerStatus }>("ContainerStatus", { containerId });
      if (!res.status) throw new CriError("ContainerStatus", GRPC_INTERNAL, `no status for container ${containerId}`);
      return res.status;
    },
    async execSync(containerId: string, cmd: string[], timeoutSeconds: number) {
      const deadline = timeoutSeconds > 0 ? timeoutSeconds * 1000 + timeoutMs : 0;
      const res = await runtime<{ stdout: Uint8Array; stderr: Uint8Array; exitCode: number }>(
        "ExecSync", { containerId, cmd, timeout: timeoutSeconds }, deadline);
      return { stdout: res.stdout, stderr: res.stderr, exitCode: res.exitCode };
    },
    async exec(req) {
      return (await runtime<{ url: string }>("Exec", req)).url;
    },
    async attach(req) {
      return (await runtime<{ url: string }>("Attach", req)).url;
    },
    async portForward(req) {
      return (await runtime<{ url: string }>("PortForward", req)).url;
    },
    async reopenContainerLog(containerId: string) {
      await runtime("ReopenContainerLog", { containerId });
    },
    async listContainerStats(filter?: { id?: string; podSandboxId?: string }) {
      return (await runtime<{ stats: ContainerStats[] }>("ListContainerStats", { filter })).stats;
    },
    async updateContainerResources(containerId: string, linux: LinuxContainerResources) {
      await runtime("UpdateContainerResources", { containerId, linux });
    },

    async listImages() {
      return (await image<{ images: Image[] }>("ListImages", {})).images;
    },
    async imageStatus(name: string) {
      return (await image<{ image?: Image }>("ImageStatus", { image: { image: name } })).image;
    },
    async pullImage(name: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig) {
      return (await image<{ imageRef: string }>("PullImage", { image: { image: name }, auth, sandboxConfig }, pullTimeoutMs)).imageRef;
    },
    async removeImage(name: string) {
      await image("RemoveImage", { image: { image: name } });
    },
    async imageFsInfo() {
      return (await image<{ imageFilesystems: FilesystemUsage[] }>("ImageFsInfo", {})).imageFilesystems;
    },

    close: () => channel.close(),
  };
}
