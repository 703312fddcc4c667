/**
 * ServiceAccount admission (upstream plugin/pkg/admission/serviceaccount), mutating, pods on
 * CREATE only: defaults `spec.serviceAccountName` to `default`, rejects a pod whose service
 * account does not exist (retrying the `default` one briefly, as its controller may be about to
 * create it), and unless automount is off on the pod or the service account mounts the
 * projected `kube-api-access-<random>` volume (token, kube-root-ca.crt's ca.crt, namespace) at
 * /var/run/secrets/kubernetes.io/serviceaccount in every container and init container.
 * Read-only: it never writes service accounts or config maps.
 */
import { randomInt } from "node:crypto";
import type { AdmissionPlugin } from "../../apiserver/admission/types.ts";
import { apiErrors } from "../../apiserver/errors/index.ts";
import type { KObject } from "../../apiserver/resources/index.ts";
import type { ObjectReader } from "./types.ts";

export const DEFAULT_SERVICE_ACCOUNT = "default";
export const TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
export const TOKEN_VOLUME_PREFIX = "kube-api-access-";
/** Upstream WarnOnlyBoundTokenExpirationSeconds: the kubelet-projected token's lifetime. */
export const PROJECTED_TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
/** apimachinery's SimpleNameGenerator alphabet (no vowels, no confusable digits). */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function randomSuffix(n = 5): string {
  return Array.from({ length: n }, () => NAME_ALPHABET[randomInt(NAME_ALPHABET.length)]).join("");
}

/** The projected volume source upstream's TokenVolumeSource() builds (defaultMode 0644). */
export function tokenVolumeSource(): Record<string, unknown> {
  return {
    sources: [
      { serviceAccountToken: { expirationSeconds: PROJECTED_TOKEN_EXPIRATION_SECONDS, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
    ],
    defaultMode: 420,
  };
}

/** The pod's own setting wins, then the service account's; default true. */
export function shouldAutomount(sa: KObject, pod: KObject): boolean {
  if (typeof pod.spec?.automountServiceAccountToken === "boolean") return pod.spec.automountServiceAccountToken;
  if (typeof sa.automountServiceAccountToken === "boolean") return sa.automountServiceAccountToken;
  return true;
}

/** Adds the token volume and its mounts to `pod` in place (upstream mountServiceAccountToken). */
export function mountServiceAccountToken(pod: KObject, suffix: () => string = randomSuffix): void {
  const spec = pod.spec;
  const volumes: KObject[] = Array.isArray(spec.volumes) ? spec.volumes : [];
  const existing = volumes.find((v) => typeof v?.name === "string" && v.name.startsWith(TOKEN_VOLUME_PREFIX));
  const volumeName: string = existing?.name ?? `${TOKEN_VOLUME_PREFIX}${suffix()}`;
  let needsVolume = false;
  for (const list of [spec.initContainers, spec.containers]) {
    for (const c of Array.isArray(list) ? list : []) {
      const mounts: Record<string, unknown>[] = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
      if (mounts.some((m) => m?.mountPath === TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
      needsVolume = true;
    }
  }
  if (!existing && needsVolume) spec.volumes = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
}

export interface ServiceAccountAdmissionOptions {
  objects: ObjectReader;
  /** Waits between lookups of a missing `default` service account (default: 100-200 ms). */
  sleep?: (ms: number) => Promise<void>;
}

export function serviceAccountAdmission(opts: ServiceAccountAdmissionOptions): AdmissionPlugin {
  const sleep = opts.sleep ?? ((ms: number) => Bun.sleep(ms));
  async function lookup(namespace: string, name: string): Promise<KObject | undefined> {
    // Upstream retries the default service account up to 10 times: its controller creates it.
    const attempts = name === DEFAULT_SERVICE_ACCOUNT ? 10 : 1;
    const interval = 100 + randomInt(100);
    for (let i = 0; i < attempts; i++) {
      if (i) await sleep(interval);
      const sa = await opts.objects("ServiceAccount", namespace, name);
      if (sa) return sa;
    }
    return undefined;
  }
  return {
    name: "ServiceAccount",
    async admit(attrs) {
      if (attrs.operation !== "CREATE" || attrs.def.group !== "" || attrs.def.resource !== "pods" || attrs.subresource) return;
      const pod = attrs.object;
      if (!pod || !pod.spec || typeof pod.spec !== "object") return;
      if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
      if (!pod.spec.serviceAccountName) pod.spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
      pod.spec.serviceAccount = pod.spec.serviceAccountName;
      const name: string = pod.spec.serviceAccountName;
      const sa = await lookup(attrs.namespace, name);
      if (!sa) {
        throw apiErrors.forbidden({ group: "", resource: "pods" }, attrs.name,
          `error looking up service account ${attrs.namespace}/${name}: serviceaccount ${JSON.stringify(name)} not found`);
      }
      if (shouldAutomount(sa, pod)) mountServiceAccountToken(pod);
      if (!Array.isArray(pod.spec.imagePullSecrets) || pod.spec.imagePullSecrets.length === 0) {
        const pulls = Array.isArray(sa.imagePullSecrets) ? sa.imagePullSecrets : [];
        if (pulls.length) pod.spec.imagePullSecrets = pulls.map((s: { name?: string }) => ({ name: s.name }));
      }
    },
  };
}
