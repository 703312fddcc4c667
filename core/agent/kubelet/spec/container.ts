/**
 * A container's CRI ContainerConfig (upstream kuberuntime generateContainerConfig, kubelet
 * makeMounts): image as written in the pod, command/args with `$(VAR)` expanded, workingDir, the
 * resolved env, mounts (the volumes' ones, then the managed /etc/hosts, then the termination
 * message file), labels, annotations, stdin/tty, cgroup resources and security context.
 *
 * Side effects, as upstream's: writes `<podDir>/etc-hosts`, and creates an empty, world-writable
 * termination message file `<podDir>/containers/<name>/<random id>` per call.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import type { ContainerConfig, KeyValue, Mount } from "../../cri/types.ts";
import { ContainerConfigError } from "./errors.ts";
import { expandCommand } from "./expansion.ts";
import { ETC_HOSTS, mountsHostsFile, writeHostsFile } from "./hosts.ts";
import { containerAnnotations, containerLabels } from "./labels.ts";
import { containerResources } from "./resources.ts";
import { containerSecurityContext, parseImageUser, verifyRunAsNonRoot, type ImageUser } from "./security-context.ts";
import type { Container, Pod } from "./types.ts";

export interface ContainerOptions {
  /** The container's restart count: CRI metadata.attempt and the restartCount annotation. */
  restartCount: number;
  /** From resolveEnv. */
  env: KeyValue[];
  /** The container's volume mounts, ready (volumes are set up elsewhere). */
  mounts: Mount[];
  /** Relative to the sandbox's logDirectory, e.g. "c/0.log". */
  logPath: string;
  /** `DATA_DIR/agent/pods/<uid>`. */
  podDir: string;
  /** The pod's IPs (node IPs for hostNetwork); /etc/hosts is only managed once there are some. */
  podIPs: readonly string[];
  clusterDomain: string;
  /** Bytes of memory on the node: Burstable containers' oomScoreAdj. */
  nodeMemoryCapacity: number;
  /**
   * The user the image runs as: its config's `User` string or the CRI image status' uid/username.
   * Leave undefined only when unknown: runAsUser is then left to the runtime, and runAsNonRoot
   * without runAsUser fails as for a root image.
   */
  imageUser?: string | ImageUser;
  /** Where Localhost seccomp profiles live (default /var/lib/kubelet/seccomp, upstream's and K3s'). */
  seccompProfileRoot?: string;
  /** The node's hosts file, copied for hostNetwork pods (default /etc/hosts). */
  nodeHostsPath?: string;
}

export const DEFAULT_SECCOMP_PROFILE_ROOT = "/var/lib/kubelet/seccomp";

/** Creates the (empty, 0666) file behind the container's terminationMessagePath. */
function terminationMessageMount(podDir: string, container: Container): Mount | undefined {
  if (!container.terminationMessagePath) return undefined;
  const dir = `${podDir}/containers/${container.name}`;
  const id = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0")).join("");
  const file = `${dir}/${id}`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    writeFileSync(file, "");
    chmodSync(file, 0o666);
  } catch {
    return undefined; // upstream logs and runs the container without it
  }
  return { hostPath: file, containerPath: container.terminationMessagePath };
}

/** Throws ContainerConfigError with upstream's message. */
export function buildContainerConfig(pod: Pod, container: Container, opts: ContainerOptions): ContainerConfig {
  try {
    const image = typeof opts.imageUser === "string" ? parseImageUser(opts.imageUser) : opts.imageUser;
    verifyRunAsNonRoot(pod, container, image);
    const mounts = [...opts.mounts];
    if (mountsHostsFile(pod, container, opts.podIPs) && !mounts.some((m) => m.containerPath === ETC_HOSTS)) {
      const hostPath = writeHostsFile(opts.podDir, pod, opts.podIPs, opts.clusterDomain, opts.nodeHostsPath);
      mounts.push({ hostPath, containerPath: ETC_HOSTS, readonly: false });
    }
    const termination = terminationMessageMount(opts.podDir, container);
    if (termination) mounts.push(termination);
    const { command, args } = expandCommand(container, opts.env);
    const config: ContainerConfig = {
      metadata: { name: container.name, attempt: opts.restartCount },
      image: { image: container.image ?? "" },
      command,
      args,
      envs: opts.env.map((e) => ({ key: e.key, value: e.value })),
      mounts,
      labels: containerLabels(pod, container),
      annotations: containerAnnotations(pod, container, opts.restartCount),
      logPath: opts.logPath,
      stdin: container.stdin === true,
      stdinOnce: container.stdinOnce === true,
      tty: container.tty === true,
      linux: {
        resources: containerResources(pod, container, opts.nodeMemoryCapacity),
        securityContext: containerSecurityContext(pod, container, image, opts.seccompProfileRoot ?? DEFAULT_SECCOMP_PROFILE_ROOT),
      },
    };
    if (container.workingDir) config.workingDir = container.workingDir;
    return config;
  } catch (err) {
    if (err instanceof ContainerConfigError) throw err;
    throw new ContainerConfigError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}
