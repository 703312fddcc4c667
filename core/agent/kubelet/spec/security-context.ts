/**
 * Linux security settings for CRI, from the pod's and the container's securityContext (upstream
 * kuberuntime security_context.go, securitycontext/util.go, runtime util NamespacesForPod,
 * getSeccompProfile, verifyRunAsNonRoot). Container fields override the pod's.
 */
import type { LinuxContainerSecurityContext, LinuxSandboxSecurityContext, NamespaceOption, SecurityProfile } from "../../cri/types.ts";
import { formatPod, type Container, type Pod, type SeccompProfile, type SecurityContext } from "./types.ts";

/** Paths the runtime masks in non-privileged containers unless procMount is Unmasked (moby's list). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
];
export const DEFAULT_READONLY_PATHS: readonly string[] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

/** The user an image runs as: a numeric uid, or a name the kubelet cannot check. */
export interface ImageUser { uid?: number; username?: string }

/**
 * Reads an image config's `User` ("1000", "1000:1000", "app", "app:grp", "") as containerd's CRI
 * does: the part before ':' as a uid when numeric, else as a username; "" means root (uid 0).
 */
export function parseImageUser(user: string): ImageUser {
  const name = user.split(":")[0] ?? "";
  if (name === "") return { uid: 0 };
  return /^[+-]?\d+$/.test(name) ? { uid: Number(name) } : { username: name };
}

/** The pod's namespace modes (NODE for host*, PID shared as POD with shareProcessNamespace). */
export function namespaceOptions(pod: Pod): NamespaceOption {
  const s = pod.spec;
  return {
    network: s.hostNetwork ? "NODE" : "POD",
    pid: s.hostPID ? "NODE" : s.shareProcessNamespace ? "POD" : "CONTAINER",
    ipc: s.hostIPC ? "NODE" : "POD",
  };
}

/** upstream DetermineEffectiveSecurityContext: the pod's runAs* settings, overridden by the container's. */
export function effectiveSecurityContext(pod: Pod, container: Container): SecurityContext {
  const p = pod.spec.securityContext;
  const fromPod: SecurityContext = p ? { runAsUser: p.runAsUser, runAsGroup: p.runAsGroup, runAsNonRoot: p.runAsNonRoot } : {};
  const c = container.securityContext ?? {};
  const out: SecurityContext = { ...fromPod };
  for (const key of Object.keys(c) as (keyof SecurityContext)[]) {
    if (c[key] !== undefined) (out as Record<string, unknown>)[key] = c[key];
  }
  return out;
}

/**
 * Throws an Error with upstream's message when runAsNonRoot cannot hold. `image` is the image's
 * user; undefined (unknown) counts as root, as upstream treats an image status without one.
 */
export function verifyRunAsNonRoot(pod: Pod, container: Container, image: ImageUser | undefined): void {
  const sc = effectiveSecurityContext(pod, container);
  if (sc.runAsNonRoot !== true) return;
  const where = `(pod: "${formatPod(pod)}", container: ${container.name})`;
  if (sc.runAsUser !== undefined) {
    if (sc.runAsUser === 0) throw new Error(`container's runAsUser breaks non-root policy ${where}`);
    return;
  }
  const uid = image?.uid ?? (image?.username ? undefined : 0);
  if (uid === 0) throw new Error(`container has runAsNonRoot and image will run as root ${where}`);
  if (uid === undefined && image?.username) {
    throw new Error(`container has runAsNonRoot and image has non-numeric user (${image.username}), cannot verify user is non-root ${where}`);
  }
}

/**
 * The container's seccomp profile: the container's field, else the pod's, else Unconfined (the
 * kubelet's --seccomp-default=false). Localhost profiles resolve under `profileRoot`.
 */
export function seccompProfile(pod: Pod, container: Container, profileRoot: string): SecurityProfile {
  const field: SeccompProfile | undefined = container.securityContext?.seccompProfile ?? pod.spec.securityContext?.seccompProfile;
  if (field?.type === "RuntimeDefault") return { profileType: "RuntimeDefault" };
  if (field?.type === "Localhost") {
    if (!field.localhostProfile) throw new Error("localhostProfile must be set if seccompProfile type is Localhost.");
    return { profileType: "Localhost", localhostRef: `${profileRoot.replace(/\/+$/, "")}/${field.localhostProfile}` };
  }
  return { profileType: "Unconfined" };
}

const podGroups = (pod: Pod): number[] => {
  const sc = pod.spec.securityContext;
  return [...(sc?.fsGroup !== undefined ? [sc.fsGroup] : []), ...(sc?.supplementalGroups ?? [])];
};

/** Any container of the pod privileged (the sandbox then is too). */
export function hasPrivilegedContainer(pod: Pod): boolean {
  return [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].some((c) => c.securityContext?.privileged === true);
}

/** The sandbox's security context (upstream generatePodSandboxLinuxConfig): seccomp always RuntimeDefault. */
export function sandboxSecurityContext(pod: Pod): LinuxSandboxSecurityContext {
  const sc = pod.spec.securityContext;
  const out: LinuxSandboxSecurityContext = {
    namespaceOptions: namespaceOptions(pod),
    privileged: hasPrivilegedContainer(pod),
    seccomp: { profileType: "RuntimeDefault" },
  };
  if (sc?.runAsUser !== undefined) out.runAsUser = { value: sc.runAsUser };
  if (sc?.runAsGroup !== undefined) out.runAsGroup = { value: sc.runAsGroup };
  const groups = podGroups(pod);
  if (groups.length) out.supplementalGroups = groups;
  return out;
}

/**
 * The container's security context (upstream determineEffectiveSecurityContext). Without a
 * runAsUser, the image's uid (or user name) is passed; `image` undefined leaves the user to the
 * runtime, which then takes the image's own.
 */
export function containerSecurityContext(pod: Pod, container: Container, image: ImageUser | undefined, seccompProfileRoot: string): LinuxContainerSecurityContext {
  const sc = effectiveSecurityContext(pod, container);
  const out: LinuxContainerSecurityContext = {
    privileged: sc.privileged === true,
    readonlyRootfs: sc.readOnlyRootFilesystem === true,
    namespaceOptions: namespaceOptions(pod),
    seccomp: seccompProfile(pod, container, seccompProfileRoot),
    noNewPrivs: sc.allowPrivilegeEscalation === false,
    maskedPaths: sc.procMount === "Unmasked" ? [] : [...DEFAULT_MASKED_PATHS],
    readonlyPaths: sc.procMount === "Unmasked" ? [] : [...DEFAULT_READONLY_PATHS],
  };
  if (sc.capabilities) out.capabilities = { addCapabilities: [...(sc.capabilities.add ?? [])], dropCapabilities: [...(sc.capabilities.drop ?? [])] };
  if (sc.runAsUser !== undefined) out.runAsUser = { value: sc.runAsUser };
  else if (image?.uid !== undefined) out.runAsUser = { value: image.uid };
  else if (image?.username) out.runAsUsername = image.username;
  if (sc.runAsGroup !== undefined) out.runAsGroup = { value: sc.runAsGroup };
  const groups = podGroups(pod);
  if (groups.length) out.supplementalGroups = groups;
  return out;
}
