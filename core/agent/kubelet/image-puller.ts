/**
 * Makes a container's image present according to its imagePullPolicy, as upstream's image manager
 * (kubelet `images/image_manager.go`): events Pulling/Pulled/Failed/BackOff, waiting reasons
 * ErrImagePull, ImagePullBackOff and ErrImageNeverPull with upstream's messages, back-off per
 * image between failed pulls, and credentials from the pod's imagePullSecrets.
 */
import { builtinResources, type ApiClient, type KubeObject } from "@lite/sdk";
import type { AuthConfig, CriClient, Image } from "../cri/types.ts";
import { CriError } from "../cri/types.ts";
import { backoffKey, type CrashBackoff } from "./crash-backoff.ts";
import type { ContainerSpec, Pod } from "./pod-types.ts";

export class ImagePullError extends Error {
  constructor(readonly reason: "ErrImagePull" | "ImagePullBackOff" | "ErrImageNeverPull" | "InvalidImageName", message: string) {
    super(message);
  }
}

export interface ImagePullerDeps {
  cri: CriClient;
  client: ApiClient;
  backoff: CrashBackoff;
  event(pod: Pod, type: "Normal" | "Warning", reason: string, message: string): void;
  now(): number;
}

/** The registry host of an image reference, as docker's reference parsing decides it. */
export function registryHost(image: string): string {
  const first = image.split("/")[0]!;
  if (image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return first;
  return "docker.io";
}

function defaultPolicy(image: string): "Always" | "IfNotPresent" {
  const lastPart = image.split("/").pop() ?? image;
  if (image.includes("@")) return "IfNotPresent";
  const tag = lastPart.includes(":") ? lastPart.split(":").pop() : "latest";
  return tag === "latest" ? "Always" : "IfNotPresent";
}

/** Credentials for `image` from the pod's imagePullSecrets (kubernetes.io/dockerconfigjson or dockercfg). */
export async function pullCredentials(client: ApiClient, pod: Pod, image: string): Promise<AuthConfig | undefined> {
  const host = registryHost(image);
  const candidates = host === "docker.io" ? ["docker.io", "index.docker.io", "https://index.docker.io/v1/", "registry-1.docker.io"] : [host, `https://${host}`, `http://${host}`];
  for (const ref of pod.spec.imagePullSecrets ?? []) {
    let secret: KubeObject & { data?: Record<string, string> };
    try {
      secret = await client.get<KubeObject & { data?: Record<string, string> }>({ ...builtinResources.secrets, namespace: pod.metadata.namespace ?? "", name: ref.name });
    } catch { continue; }
    const raw = secret?.data?.[".dockerconfigjson"] ?? secret?.data?.[".dockercfg"];
    if (!raw) continue;
    let parsed: Record<string, unknown>;
    try { parsed = JSON.parse(Buffer.from(raw, "base64").toString("utf8")); } catch { continue; }
    const auths = (parsed.auths ?? parsed) as Record<string, { username?: string; password?: string; auth?: string; identitytoken?: string }>;
    for (const key of Object.keys(auths)) {
      const k = key.replace(/\/+$/, "");
      if (candidates.includes(k) || candidates.includes(key) || k.replace(/^https?:\/\//, "") === host) {
        const a = auths[key]!;
        let { username, password } = a;
        if (!username && a.auth) [username, password] = Buffer.from(a.auth, "base64").toString("utf8").split(/:(.*)/s) as [string, string];
        // No serverAddress, as upstream's keyring: containerd url-parses it, and "host:port" without a scheme fails.
        return { username, password, ...(a.identitytoken ? { identityToken: a.identitytoken } : {}) };
      }
    }
  }
  return undefined;
}

/** Ensures the image is present; returns its CRI image status (undefined only if the runtime cannot say). Throws ImagePullError. */
export async function ensureImage(deps: ImagePullerDeps, pod: Pod, container: ContainerSpec): Promise<Image | undefined> {
  const image = container.image ?? "";
  if (!image || /\s/.test(image) || image !== image.trim()) {
    throw new ImagePullError("InvalidImageName", `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`);
  }
  const policy = container.imagePullPolicy ?? defaultPolicy(image);
  const present = policy === "Always" ? undefined : await deps.cri.imageStatus(image);
  if (present) {
    deps.event(pod, "Normal", "Pulled", `Container image "${image}" already present on machine`);
    return present;
  }
  if (policy === "Never") {
    const message = `Container image "${image}" is not present with pull policy of Never`;
    deps.event(pod, "Warning", "ErrImageNeverPull", message);
    throw new ImagePullError("ErrImageNeverPull", message);
  }
  const key = backoffKey(pod.metadata.uid ?? "", `image:${image}`);
  if (deps.backoff.remaining(key, deps.now()) > 0) {
    const message = `Back-off pulling image "${image}"`;
    deps.event(pod, "Normal", "BackOff", message);
    throw new ImagePullError("ImagePullBackOff", message);
  }
  deps.event(pod, "Normal", "Pulling", `Pulling image "${image}"`);
  const started = deps.now();
  try {
    const auth = await pullCredentials(deps.client, pod, image);
    await deps.cri.pullImage(image, auth);
    deps.backoff.reset(key);
    const took = ((deps.now() - started) / 1000).toFixed(3);
    const pulled = await deps.cri.imageStatus(image).catch(() => undefined);
    deps.event(pod, "Normal", "Pulled", `Successfully pulled image "${image}" in ${took}s (${took}s including waiting).${pulled?.size ? ` Image size: ${pulled.size} bytes.` : ""}`);
    return pulled;
  } catch (err) {
    deps.backoff.next(key, deps.now());
    const detail = err instanceof CriError ? err.details : err instanceof Error ? err.message : String(err);
    const message = `Failed to pull image "${image}": ${detail}`;
    deps.event(pod, "Warning", "Failed", message);
    deps.event(pod, "Warning", "Failed", "Error: ErrImagePull");
    throw new ImagePullError("ErrImagePull", message);
  }
}
