/**
 * Setting up one pod volume of each supported type, as upstream's in-tree plugins do (SetUp).
 * Every function is idempotent: calling it again refreshes contents (configMap, secret,
 * downwardAPI, projected write a new version only when it differs) and keeps existing
 * directories, tmpfs and bind mounts. Failures throw SetUpError / Error with upstream's text.
 */
import { mkdirSync } from "node:fs";
import { builtinResources, ephemeralClaimName, isNotFound, type ApiClient, type KubeObject } from "@lite/sdk";
import type { AgentPaths } from "../../paths.ts";
import { writeAtomically, type Payload } from "./atomic-writer.ts";
import { downwardApiPayload } from "./downward-api.ts";
import { memoryVolumeSize, quantityBytes, setUpDiskDir, setUpEmptyDir } from "./empty-dir.ts";
import { aggregate, errorMessage, SetUpError } from "./errors.ts";
import { bindMount, isMountPoint } from "./host-mounts.ts";
import { checkHostPathType } from "./host-path.ts";
import { PLUGINS, volumeDir } from "./layout.ts";
import { configMapPayload, DEFAULT_MODE, secretPayload } from "./object-payload.ts";
import { checkLocalPath, checkNodeAffinity, resolveClaim } from "./persistent-volume-claim.ts";
import type { ServiceAccountTokens } from "./service-account-tokens.ts";
import { allContainers, podSpec, type DownwardAPIVolumeFile, type MountedVolume, type PodVolume, type ResourceList } from "./types.ts";
import { setVolumeOwnership } from "./volume-ownership.ts";

export interface PluginContext {
  readonly client: ApiClient;
  readonly paths: AgentPaths;
  readonly nodeName: string;
  readonly tokens: ServiceAccountTokens;
  /** This node's Node object (cached), undefined when it cannot be read. */
  node(): Promise<KubeObject | undefined>;
  /** The node's allocatable resources (the Node's status, else measured). */
  allocatable(): Promise<ResourceList>;
  now(): Date;
}

/** What a set-up volume looks like plus the name upstream uses for it in events (the PV's for claims). */
export interface SetUpResult extends MountedVolume {
  readonly eventName: string;
}

/** The volume types that project API data and are refreshed periodically. */
export function isProjectedType(vol: PodVolume): boolean {
  return !!(vol.configMap || vol.secret || vol.downwardAPI || vol.projected);
}

/** The pod's fsGroup and fsGroupChangePolicy. */
function fsGroupOf(pod: KubeObject): { fsGroup?: number; policy?: string } {
  const sc = podSpec(pod).securityContext;
  return { fsGroup: sc?.fsGroup ?? undefined, policy: sc?.fsGroupChangePolicy };
}

/** util.FsUserFrom: the runAsUser every container shares, if they all set the same one. */
export function commonRunAsUser(pod: KubeObject): number | undefined {
  const podUser = podSpec(pod).securityContext?.runAsUser;
  let user: number | undefined;
  for (const c of allContainers(pod)) {
    const u = c.securityContext?.runAsUser ?? podUser;
    if (u === undefined || u === null || (user !== undefined && user !== u)) return undefined;
    user = u;
  }
  return user;
}

async function getObject(client: ApiClient, kind: "configmap" | "secret", namespace: string, name: string, optional: boolean): Promise<KubeObject | undefined> {
  const resource = kind === "configmap" ? builtinResources.configMaps : builtinResources.secrets;
  try {
    return await client.get({ ...resource, namespace, name });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if (optional) return undefined;
    // The kubelet's object managers report the singular resource name.
    throw new SetUpError(`${kind} ${JSON.stringify(name)} not found`);
  }
}

function needsAllocatable(items: readonly DownwardAPIVolumeFile[] | undefined): boolean {
  return !!items?.some((i) => i.resourceFieldRef);
}

/** Writes `payload` atomically into `dir`; a new version gets fsGroup (read-only masks) before the swap. */
function project(dir: string, payload: Payload, pod: KubeObject, ctx: PluginContext): void {
  const { fsGroup, policy } = fsGroupOf(pod);
  const written = writeAtomically(dir, payload, { now: ctx.now(), setPerms: (tsDir) => setVolumeOwnership(tsDir, fsGroup, true) });
  if (written) setVolumeOwnership(dir, fsGroup, true, policy);
}

async function tmpfsDir(dir: string, pod: KubeObject, ctx: PluginContext): Promise<void> {
  const memory = quantityBytes((await ctx.allocatable()).memory);
  setUpEmptyDir(dir, "Memory", () => memoryVolumeSize(pod, undefined, memory));
}

/** The projected volume's payload: every source, errors aggregated (upstream collectData). */
async function projectedPayload(pod: KubeObject, vol: PodVolume, ctx: PluginContext): Promise<Payload> {
  const source = vol.projected!;
  const defaultMode = source.defaultMode ?? DEFAULT_MODE;
  const namespace = pod.metadata.namespace ?? "";
  const { fsGroup } = fsGroupOf(pod);
  const fsUser = commonRunAsUser(pod);
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const s of source.sources ?? []) {
    try {
      if (s.secret) {
        const optional = !!s.secret.optional;
        const obj = await getObject(ctx.client, "secret", namespace, s.secret.name ?? "", optional);
        for (const [k, v] of secretPayload(obj, s.secret.items, defaultMode, optional)) payload.set(k, v);
      } else if (s.configMap) {
        const optional = !!s.configMap.optional;
        const obj = await getObject(ctx.client, "configmap", namespace, s.configMap.name ?? "", optional);
        for (const [k, v] of configMapPayload(obj, s.configMap.items, defaultMode, optional)) payload.set(k, v);
      } else if (s.downwardAPI) {
        const alloc = needsAllocatable(s.downwardAPI.items) ? await ctx.allocatable() : {};
        const r = downwardApiPayload(s.downwardAPI.items, pod, defaultMode, () => alloc);
        if (r.error) throw new Error(r.error);
        for (const [k, v] of r.payload) payload.set(k, v);
      } else if (s.serviceAccountToken) {
        const tp = s.serviceAccountToken;
        const token = await ctx.tokens.get(namespace, podSpec(pod).serviceAccountName ?? "default", {
          audiences: tp.audience ? [tp.audience] : undefined,
          expirationSeconds: tp.expirationSeconds ?? 3600,
          boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "" },
        });
        // With fsGroup, ownership turns 0600 into 0640.
        const mode = fsUser !== undefined || fsGroup !== undefined ? 0o600 : defaultMode;
        payload.set(tp.path, { data: token, mode, fsUser });
      }
    } catch (err) {
      errors.push(errorMessage(err));
    }
  }
  const error = aggregate(errors);
  if (error) throw new SetUpError(error);
  return payload;
}

/** Sets up (or refreshes) one volume of `pod`. */
export async function setUpVolume(pod: KubeObject, vol: PodVolume, ctx: PluginContext): Promise<SetUpResult> {
  const uid = pod.metadata.uid ?? "";
  const namespace = pod.metadata.namespace ?? "";
  const { fsGroup, policy } = fsGroupOf(pod);
  const base = { name: vol.name, eventName: vol.name };

  if (vol.emptyDir) {
    const dir = volumeDir(ctx.paths, uid, PLUGINS.emptyDir, vol.name);
    const medium = vol.emptyDir.medium ?? "";
    const memory = medium === "Memory" ? quantityBytes((await ctx.allocatable()).memory) : 0;
    setUpEmptyDir(dir, medium, () => memoryVolumeSize(pod, vol.emptyDir!.sizeLimit, memory));
    setVolumeOwnership(dir, fsGroup, false, policy);
    return { ...base, plugin: PLUGINS.emptyDir, hostPath: dir, readOnly: false };
  }
  if (vol.hostPath) {
    checkHostPathType(vol.hostPath.path, vol.hostPath.type);
    return { ...base, plugin: PLUGINS.hostPath, hostPath: vol.hostPath.path, readOnly: false };
  }
  if (vol.configMap) {
    const src = vol.configMap;
    const optional = !!src.optional;
    const obj = await getObject(ctx.client, "configmap", namespace, src.name ?? "", optional);
    const payload = configMapPayload(obj, src.items, src.defaultMode ?? DEFAULT_MODE, optional);
    const dir = volumeDir(ctx.paths, uid, PLUGINS.configMap, vol.name);
    setUpDiskDir(dir);
    project(dir, payload, pod, ctx);
    return { ...base, plugin: PLUGINS.configMap, hostPath: dir, readOnly: true };
  }
  if (vol.secret) {
    const src = vol.secret;
    const optional = !!src.optional;
    const obj = await getObject(ctx.client, "secret", namespace, src.secretName ?? "", optional);
    const payload = secretPayload(obj, src.items, src.defaultMode ?? DEFAULT_MODE, optional);
    const dir = volumeDir(ctx.paths, uid, PLUGINS.secret, vol.name);
    await tmpfsDir(dir, pod, ctx);
    project(dir, payload, pod, ctx);
    return { ...base, plugin: PLUGINS.secret, hostPath: dir, readOnly: true };
  }
  if (vol.downwardAPI) {
    const src = vol.downwardAPI;
    const alloc = needsAllocatable(src.items) ? await ctx.allocatable() : {};
    const r = downwardApiPayload(src.items, pod, src.defaultMode ?? DEFAULT_MODE, () => alloc);
    if (r.error) throw new SetUpError(r.error);
    const dir = volumeDir(ctx.paths, uid, PLUGINS.downwardAPI, vol.name);
    setUpDiskDir(dir);
    project(dir, r.payload, pod, ctx);
    return { ...base, plugin: PLUGINS.downwardAPI, hostPath: dir, readOnly: true };
  }
  if (vol.projected) {
    const payload = await projectedPayload(pod, vol, ctx);
    const dir = volumeDir(ctx.paths, uid, PLUGINS.projected, vol.name);
    await tmpfsDir(dir, pod, ctx);
    project(dir, payload, pod, ctx);
    return { ...base, plugin: PLUGINS.projected, hostPath: dir, readOnly: true };
  }
  // A generic ephemeral volume is its `<pod>-<volume>` claim (made by the ephemeral volume controller).
  const claimSource = vol.persistentVolumeClaim ?? (vol.ephemeral ? { claimName: ephemeralClaimName(pod.metadata.name ?? "", vol.name), readOnly: false } : undefined);
  if (claimSource) {
    const claim = await resolveClaim(ctx.client, namespace, claimSource.claimName, !!claimSource.readOnly, vol.ephemeral ? pod : undefined);
    const named = { name: vol.name, eventName: claim.pvName };
    try {
      if (claim.nodeAffinity) checkNodeAffinity(claim.nodeAffinity, (await ctx.node()) ?? { metadata: { name: ctx.nodeName, labels: {} } });
      if (claim.plugin === PLUGINS.hostPath) {
        checkHostPathType(claim.path, claim.hostPathType);
        return { ...named, plugin: PLUGINS.hostPath, hostPath: claim.path, readOnly: claim.readOnly };
      }
      checkLocalPath(claim.path, claim.pvName);
      const dir = volumeDir(ctx.paths, uid, PLUGINS.local, claim.pvName);
      if (!isMountPoint(dir)) {
        mkdirSync(dir, { recursive: true, mode: 0o750 });
        bindMount(claim.path, dir, { readOnly: claim.readOnly });
        if (!claim.readOnly) setVolumeOwnership(dir, fsGroup, false, policy);
      }
      return { ...named, plugin: PLUGINS.local, hostPath: dir, readOnly: claim.readOnly };
    } catch (err) {
      // Report under the PV's name, as upstream does.
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { eventName: claim.pvName });
    }
  }
  const kind = Object.keys(vol).find((k) => k !== "name") ?? "unknown";
  throw new SetUpError(`failed to get Plugin from volumeSpec for volume ${JSON.stringify(vol.name)} err=no volume plugin matched (lite does not support ${kind} volumes)`, "Process");
}
