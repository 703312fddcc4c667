/**
 * The pod lifecycle's view of its collaborators (spec translation, volumes, probes, hooks). The
 * kubelet wires the real implementations (spec/, volumes/, prober/, lifecycle/); tests may wire
 * their own.
 */
import type { ClusterSettings } from "@lite/sdk";
import type { ContainerConfig, KeyValue, Mount, PodSandboxConfig } from "../cri/types.ts";
import type { ContainerSpec, Pod } from "./pod-types.ts";

export interface SpecPort {
  sandboxConfig(pod: Pod, opts: { attempt: number; logDirectory: string; cluster: ClusterSettings }): PodSandboxConfig;
  containerConfig(pod: Pod, container: ContainerSpec, opts: {
    restartCount: number; env: KeyValue[]; mounts: Mount[]; logPath: string; podDir: string; podIPs: string[];
    /** The user the image runs as (CRI image status uid or username), for runAsNonRoot. */
    imageUser?: { uid?: number; username?: string };
  }): ContainerConfig;
  /** Throws an error whose message is upstream's (reason CreateContainerConfigError). */
  env(pod: Pod, container: ContainerSpec, podIPs: string[]): Promise<KeyValue[]>;
  qosClass(pod: Pod): string;
}

export interface VolumesPort {
  /** Throws with upstream's FailedMount message. Returns an opaque handle for containerMounts. */
  setUp(pod: Pod): Promise<unknown>;
  containerMounts(pod: Pod, container: ContainerSpec, volumes: unknown, env: Map<string, string>): Mount[];
  tearDown(uid: string): Promise<void>;
  refresh?(pod: Pod): Promise<void>;
}

export interface ProbeTarget { podIP?: string; containerId: string; startedAt: number }

export interface ProbesPort {
  sync(pod: Pod, running: Map<string, ProbeTarget>): void;
  ready(uid: string, container: string): boolean;
  started(uid: string, container: string): boolean;
  removePod(uid: string): void;
  stop(): void;
}

export interface HooksPort {
  /** Runs a postStart/preStop handler; resolves with its outcome (never rejects). */
  run(kind: "postStart" | "preStop", pod: Pod, container: ContainerSpec, target: ProbeTarget, timeoutSeconds: number): Promise<{ ok: boolean; message: string }>;
}
