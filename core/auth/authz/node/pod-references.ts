/** The objects a pod uses, as upstream's node-authorizer graph records them (secrets, configmaps, PVCs, service account). */
import type { KObject } from "../../../apiserver/index.ts";

export interface PodReferences {
  readonly secrets: ReadonlySet<string>;
  readonly configmaps: ReadonlySet<string>;
  readonly pvcs: ReadonlySet<string>;
  readonly serviceAccount: string;
}

// biome-ignore lint: pod specs are open JSON.
type Json = any;

function containers(spec: Json): Json[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

export function podReferences(pod: KObject): PodReferences {
  const spec: Json = pod.spec ?? {};
  const secrets = new Set<string>();
  const configmaps = new Set<string>();
  const pvcs = new Set<string>();
  const add = (set: Set<string>, name: unknown) => { if (typeof name === "string" && name) set.add(name); };
  for (const s of spec.imagePullSecrets ?? []) add(secrets, s?.name);
  for (const c of containers(spec)) {
    for (const e of c?.envFrom ?? []) { add(secrets, e?.secretRef?.name); add(configmaps, e?.configMapRef?.name); }
    for (const e of c?.env ?? []) { add(secrets, e?.valueFrom?.secretKeyRef?.name); add(configmaps, e?.valueFrom?.configMapKeyRef?.name); }
  }
  for (const v of spec.volumes ?? []) {
    add(secrets, v?.secret?.secretName);
    add(configmaps, v?.configMap?.name);
    add(pvcs, v?.persistentVolumeClaim?.claimName);
    if (v?.ephemeral && typeof v.name === "string") add(pvcs, `${pod.metadata.name}-${v.name}`);
    for (const src of v?.projected?.sources ?? []) { add(secrets, src?.secret?.name); add(configmaps, src?.configMap?.name); }
    for (const vol of Object.values(v ?? {}) as Json[]) {
      // Volume sources with credentials (csi, cephfs, rbd, iscsi, flexVolume, azureFile, ...).
      if (vol && typeof vol === "object") {
        add(secrets, vol.secretRef?.name);
        add(secrets, vol.nodePublishSecretRef?.name);
        if (v?.azureFile === vol) add(secrets, vol.secretName);
      }
    }
  }
  return { secrets, configmaps, pvcs, serviceAccount: typeof spec.serviceAccountName === "string" ? spec.serviceAccountName : "" };
}
