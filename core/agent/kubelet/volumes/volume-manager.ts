/**
 * The kubelet's volume manager: prepares the volumes a pod's containers mount, turns volumeMounts
 * into CRI mounts, refreshes projected API data, and tears everything down after the pod.
 *
 * Contract:
 * - Calls for one pod are serialised; different pods proceed in parallel.
 * - setUp() is idempotent and cheap once volumes are ready. A volume that fails is retried with
 *   upstream's exponential back-off (500 ms doubling to 2 min 2 s); each failed attempt records a
 *   Warning FailedMount event on the pod (upstream's text), and setUp() throws the first failure
 *   as a VolumeError while the other volumes stay ready.
 * - Only volumes some container (init, regular, ephemeral) mounts are set up, as upstream.
 * - State lives on disk under `paths.podsDir/<uid>/` (upstream's layout), so a restarted agent
 *   re-adopts existing volumes: contents and tmpfs mounts are kept.
 */
import { cpus, totalmem } from "node:os";
import { readdirSync, rmdirSync, rmSync, statSync } from "node:fs";
import { builtinResources, type ApiClient, type KubeObject, type Logger } from "@lite/sdk";
import type { Mount } from "../../cri/types.ts";
import type { AgentPaths } from "../../paths.ts";
import { buildContainerMounts } from "./container-mounts.ts";
import { errorMessage, SetUpError, VolumeError } from "./errors.ts";
import { mountsUnder, unmountAllUnder } from "./host-mounts.ts";
import { podDir, podVolumesDir, subPathsDir, subPathTarget } from "./layout.ts";
import { ServiceAccountTokens } from "./service-account-tokens.ts";
import { allContainers, podSpec, type ContainerSpec, type MountedVolume, type PodVolume, type PodVolumes, type ResourceList } from "./types.ts";
import { isProjectedType, setUpVolume, type PluginContext } from "./volume-plugins.ts";

export interface VolumeManagerDeps {
  /** The node's client (its identity reads configMaps/secrets/claims and requests tokens). */
  client: ApiClient;
  paths: AgentPaths;
  nodeName: string;
  log: Logger;
  recordEvent(pod: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  /** ms since the epoch (default Date.now): back-off and token rotation. */
  clock?: () => number;
}

const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 122_000;
const NODE_CACHE_MS = 30_000;

interface Failure {
  error: VolumeError;
  retryAt: number;
  delayMs: number;
}

interface PodState {
  readonly volumes: Map<string, MountedVolume>;
  readonly failures: Map<string, Failure>;
}

/** Names of the volumes some container mounts (upstream GetPodVolumeNames). */
function usedVolumeNames(pod: KubeObject): Set<string> {
  const names = new Set<string>();
  for (const c of allContainers(pod)) {
    for (const m of c.volumeMounts ?? []) names.add(m.name);
    for (const d of c.volumeDevices ?? []) names.add(d.name);
  }
  return names;
}

export class VolumeManager {
  /** The service-account token cache (exposed for tests and status). */
  readonly tokens: ServiceAccountTokens;
  private readonly pods = new Map<string, PodState>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly clock: () => number;
  private readonly ctx: PluginContext;
  private nodeCache?: { at: number; node?: KubeObject };

  constructor(private readonly deps: VolumeManagerDeps) {
    this.clock = deps.clock ?? Date.now;
    this.tokens = new ServiceAccountTokens(deps.client, this.clock);
    this.ctx = {
      client: deps.client, paths: deps.paths, nodeName: deps.nodeName, tokens: this.tokens,
      node: () => this.node(),
      allocatable: () => this.allocatable(),
      now: () => new Date(this.clock()),
    };
  }

  /** Prepares every volume the pod's containers mount. Throws VolumeError for the first that fails. */
  setUp(pod: KubeObject): Promise<PodVolumes> {
    return this.exclusive(pod.metadata.uid ?? "", async () => {
      const state = this.state(pod.metadata.uid ?? "");
      const used = usedVolumeNames(pod);
      const volumes = (podSpec(pod).volumes ?? []).filter((v) => used.has(v.name));
      let first: VolumeError | undefined;
      const processFailures: { name: string; message: string }[] = [];
      for (const vol of volumes) {
        if (state.volumes.has(vol.name)) continue;
        const failure = state.failures.get(vol.name);
        if (failure && this.clock() < failure.retryAt) {
          first ??= failure.error;
          continue;
        }
        try {
          const { eventName: _, ...mounted } = await setUpVolume(pod, vol, this.ctx);
          state.volumes.set(vol.name, mounted);
          state.failures.delete(vol.name);
        } catch (err) {
          if (err instanceof SetUpError && err.stage === "Process") {
            processFailures.push({ name: vol.name, message: err.message });
            continue;
          }
          const error = this.volumeError(vol, err);
          this.fail(pod, state, vol.name, error);
          first ??= error;
        }
      }
      if (processFailures.length) {
        // Upstream reports claims it cannot resolve for the pod as a whole.
        const unmounted = volumes.map((v) => v.name).filter((n) => !state.volumes.has(n)).sort();
        const failed = processFailures.map((f) => f.name).sort();
        const message = `Unable to attach or mount volumes: unmounted volumes=[${unmounted.join(" ")}], unattached volumes=[], failed to process volumes=[${failed.join(" ")}]: ${processFailures[0]!.message}`;
        for (const f of processFailures) {
          const error = new VolumeError(f.name, message, f.message);
          this.fail(pod, state, f.name, error, f === processFailures[0]);
          first ??= error;
        }
      }
      if (first) throw first;
      return new Map(volumes.map((v) => [v.name, state.volumes.get(v.name)!]));
    });
  }

  /**
   * CRI mounts for one container's volumeMounts (subPath/subPathExpr expanded with `env`,
   * readOnly, propagation). Throws Error with upstream's text for a bad or escaping subPath.
   */
  containerMounts(pod: KubeObject, container: { name: string }, volumes: PodVolumes, env: ReadonlyMap<string, string>): Mount[] {
    const uid = pod.metadata.uid ?? "";
    return buildContainerMounts({
      container: container as ContainerSpec, volumes, env, log: this.deps.log,
      subPathTarget: (volume, name, index) => subPathTarget(this.deps.paths, uid, volume, name, index),
    });
  }

  /**
   * Re-projects configMap, secret, downwardAPI and projected volumes already set up (new data,
   * labels, rotated tokens); unchanged contents are left alone. Failures are logged and recorded
   * as FailedMount events; the old contents stay. Never throws.
   */
  refresh(pod: KubeObject): Promise<void> {
    return this.exclusive(pod.metadata.uid ?? "", async () => {
      const state = this.pods.get(pod.metadata.uid ?? "");
      if (!state) return;
      for (const vol of podSpec(pod).volumes ?? []) {
        if (!state.volumes.has(vol.name) || !isProjectedType(vol)) continue;
        try {
          await setUpVolume(pod, vol, this.ctx);
        } catch (err) {
          const error = this.volumeError(vol, err);
          this.deps.log.warn("volume refresh failed", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, volume: vol.name, error: error.detail });
          this.deps.recordEvent(pod, "Warning", "FailedMount", error.message);
        }
      }
    });
  }

  /**
   * Unmounts subPath binds, tmpfs and local-volume binds of the pod, then removes its
   * `volumes/` and `volume-subpaths/` (and the pod dir when nothing else is left). Call after
   * all of the pod's containers are gone; throws (removing nothing) while a mount is busy.
   */
  tearDown(podUid: string): Promise<void> {
    return this.exclusive(podUid, async () => {
      // Forget first: after a partial teardown the next setUp must start from the disk.
      this.pods.delete(podUid);
      const dir = podDir(this.deps.paths, podUid);
      const volumesDir = podVolumesDir(this.deps.paths, podUid);
      const subPaths = subPathsDir(this.deps.paths, podUid);
      unmountAllUnder(subPaths);
      unmountAllUnder(volumesDir);
      const left = [...mountsUnder(subPaths), ...mountsUnder(volumesDir)];
      if (left.length) throw new Error(`cannot remove volumes of pod ${podUid}: still mounted: ${left.map((m) => m.mountPoint).join(", ")}`);
      rmSync(subPaths, { recursive: true, force: true });
      rmSync(volumesDir, { recursive: true, force: true });
      try { rmdirSync(dir); } catch { /* other pod state remains, or already gone */ }
      this.tokens.forgetPod(podUid);
    });
  }

  /** UIDs of pods with a directory under podsDir (to clean up orphans at start). */
  podsOnDisk(): string[] {
    let names: string[];
    try { names = readdirSync(this.deps.paths.podsDir); } catch { return []; }
    return names.filter((n) => {
      try { return statSync(`${this.deps.paths.podsDir}/${n}`).isDirectory(); } catch { return false; }
    });
  }

  private state(uid: string): PodState {
    let s = this.pods.get(uid);
    if (!s) this.pods.set(uid, (s = { volumes: new Map(), failures: new Map() }));
    return s;
  }

  private volumeError(vol: PodVolume, err: unknown): VolumeError {
    const detail = errorMessage(err);
    const name = (err as { eventName?: string }).eventName ?? vol.name;
    const stage = err instanceof SetUpError ? err.stage : "SetUp";
    const prefix = stage === "NewMounter" ? "MountVolume.NewMounter initialization failed"
      : stage === "NodeAffinity" ? "MountVolume.NodeAffinity check failed" : "MountVolume.SetUp failed";
    return new VolumeError(vol.name, `${prefix} for volume ${JSON.stringify(name)} : ${detail}`, detail);
  }

  /** Records the failure with back-off and (optionally) its event. */
  private fail(pod: KubeObject, state: PodState, volume: string, error: VolumeError, record = true): void {
    const previous = state.failures.get(volume);
    const delayMs = previous ? Math.min(previous.delayMs * 2, MAX_BACKOFF_MS) : INITIAL_BACKOFF_MS;
    state.failures.set(volume, { error, delayMs, retryAt: this.clock() + delayMs });
    this.deps.log.warn("volume setup failed", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, volume, error: error.detail });
    if (record) this.deps.recordEvent(pod, "Warning", "FailedMount", error.message);
  }

  private async node(): Promise<KubeObject | undefined> {
    const now = this.clock();
    if (this.nodeCache && now - this.nodeCache.at < NODE_CACHE_MS) return this.nodeCache.node;
    let node: KubeObject | undefined;
    try {
      node = await this.deps.client.get({ ...builtinResources.nodes, name: this.deps.nodeName });
    } catch (err) {
      this.deps.log.debug("node not readable for volumes", { error: errorMessage(err) });
    }
    this.nodeCache = { at: now, node };
    return node;
  }

  /** The Node's status.allocatable, or the machine's cpus and memory when it is not registered. */
  private async allocatable(): Promise<ResourceList> {
    const node = (await this.node()) as (KubeObject & { status?: { allocatable?: ResourceList } }) | undefined;
    return node?.status?.allocatable ?? { cpu: String(cpus().length), memory: String(totalmem()) };
  }

  /** Runs `fn` after every earlier call for the same pod has settled. */
  private async exclusive<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(uid) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(() => {}, () => {});
    this.locks.set(uid, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(uid) === settled) this.locks.delete(uid);
    }
  }
}
