/**
 * One pod's lifecycle on this node (upstream kubelet `SyncPod` / `SyncTerminatingPod` and the
 * kuberuntime manager's `computePodActions`): volumes, the sandbox, init containers in order
 * (sidecars kept running), the app containers with restartPolicy and CrashLoopBackOff, liveness
 * kills, restarts of app containers whose spec changed (a new image), status; and graceful
 * termination (preStop, SIGTERM, SIGKILL after the grace period), after which the kubelet deletes
 * the pod object.
 *
 * Calls for one pod are serialised by the pod workers; different pods run concurrently.
 */
import { mkdirSync, rmSync } from "node:fs";
import { builtinResources, type KubeObject } from "@lite/sdk";
import type { Image, PodSandboxConfig } from "../cri/types.ts";
import { CriError } from "../cri/types.ts";
import { podLogDirectory } from "../paths.ts";
import { backoffKey, createCrashBackoff } from "./crash-backoff.ts";
import { ensureImage, ImagePullError } from "./image-puller.ts";
import type { KubeletDeps } from "./kubelet-deps.ts";
import { generatePodStatus } from "./pod-status.ts";
import { formatTime } from "../../kube-time.ts";
import { isSidecar, podFullName, type ContainerSpec, type Pod } from "./pod-types.ts";
import type { HooksPort, ProbesPort, ProbeTarget, SpecPort, VolumesPort } from "./ports.ts";
import { latestContainer, type PodRuntime, type RuntimeContainer, type RuntimeSnapshot } from "./runtime-snapshot.ts";
import { StatusManager } from "./status-manager.ts";
import { remainingGraceSeconds } from "./lifecycle/index.ts";
import { CONTAINER_HASH_ANNOTATION, containerHash } from "./spec/labels.ts";

const TEN_MINUTES = 600_000;
/** Back-off key of sandbox creation (container names are DNS labels, so no container collides). */
const SANDBOX_BACKOFF = "sandbox:";
const RUNTIME_CLASSES = { group: "node.k8s.io", version: "v1", resource: "runtimeclasses" } as const;
const errorText = (err: unknown) => (err instanceof CriError ? err.details : err instanceof Error ? err.message : String(err));

export interface PodLifecycleParts {
  snapshot: RuntimeSnapshot;
  spec: SpecPort;
  volumes: VolumesPort;
  probes: ProbesPort;
  hooks: HooksPort;
  runtimeName: () => string;
}

export class PodLifecycle {
  readonly backoff = createCrashBackoff();
  readonly status: StatusManager;
  /** uid -> container -> why it is not running. */
  private waiting = new Map<string, Map<string, { reason: string; message?: string }>>();
  /** uid -> container -> why the kubelet must kill it (liveness/startup failure). */
  private kills = new Map<string, Map<string, string>>();
  /** uid -> app containers stopped because their spec changed: started again whatever the restart policy. */
  private redefined = new Map<string, Set<string>>();
  private sandboxIPs = new Map<string, string | undefined>();
  /** Pods evicted here: terminal even before the API shows phase Failed. */
  private evicted = new Set<string>();
  /** Container IDs being stopped in the background (probe kills). */
  private stopping = new Set<string>();
  /** Called when a background stop finished (the kubelet re-syncs the pod). */
  onStopped: (uid: string) => void = () => {};

  constructor(private readonly deps: KubeletDeps, private readonly parts: PodLifecycleParts) {
    this.status = new StatusManager(deps.client, deps.log);
  }

  podDir(uid: string): string { return `${this.deps.paths.podsDir}/${uid}`; }

  /**
   * The CRI runtime handler for the pod's RuntimeClass (upstream's runtimeclass manager): "" (the
   * runtime's default) without one; a RuntimeClass that does not exist fails the sandbox with the
   * API's NotFound message, so the pod gets FailedCreatePodSandBox and backs off.
   */
  private async runtimeHandlerOf(pod: Pod): Promise<string> {
    const name = pod.spec.runtimeClassName;
    if (!name) return "";
    const rc = await this.deps.client.get<KubeObject & { handler?: string }>({ ...RUNTIME_CLASSES, name });
    return rc.handler ?? "";
  }

  /** A probe asked for a restart of `container` (liveness/startup failure). */
  requestKill(uid: string, container: string, message: string): void {
    let m = this.kills.get(uid);
    if (!m) this.kills.set(uid, m = new Map());
    m.set(container, message);
  }

  private setWaiting(uid: string, name: string, reason: string, message?: string): void {
    let m = this.waiting.get(uid);
    if (!m) this.waiting.set(uid, m = new Map());
    m.set(name, { reason, ...(message ? { message } : {}) });
  }
  private clearWaiting(uid: string, name: string): void { this.waiting.get(uid)?.delete(name); }

  /** Brings the pod towards its spec. Returns ms after which it wants another sync (back-off, polling). */
  async sync(pod: Pod): Promise<number | undefined> {
    const uid = pod.metadata.uid!;
    if (pod.metadata.deletionTimestamp) return this.terminate(pod, undefined);
    const rt = this.parts.snapshot.get(uid);
    const terminal = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
    if (this.evicted.has(uid) && !terminal) return 1_000; // the Failed status is on its way
    if (terminal) {
      await this.stopRuntime(pod, rt, 0);
      await this.writeStatus(pod, undefined, true);
      return undefined;
    }
    const deadline = pod.spec.activeDeadlineSeconds;
    const startTime = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
    if (deadline !== undefined && startTime !== undefined && this.deps.now() - startTime >= deadline * 1000) {
      this.deps.event(pod, "Normal", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
      await this.stopRuntime(pod, rt, pod.spec.terminationGracePeriodSeconds ?? 30);
      await this.parts.snapshot.relist();
      const status = this.generate(pod, undefined, true);
      await this.status.set(pod, { ...status, phase: "Failed", reason: "DeadlineExceeded", message: "Pod was active on the node longer than the specified deadline" });
      return undefined;
    }

    mkdirSync(this.podDir(uid), { recursive: true, mode: 0o750 });
    let volumes: unknown;
    try {
      volumes = await this.parts.volumes.setUp(pod);
    } catch {
      // The volume manager records FailedMount itself (with its own back-off); the pod waits in ContainerCreating.
      await this.writeStatus(pod, undefined);
      return 2_000;
    }

    // The sandbox: reuse the newest ready one, else (re)create it, killing what ran in the old one.
    let sandbox = rt?.sandboxes[0];
    const policy = pod.spec.restartPolicy ?? "Always";
    if (!sandbox || sandbox.state !== "SANDBOX_READY") {
      if (sandbox && policy === "Never" && (rt?.containers.length ?? 0) > 0) {
        await this.writeStatus(pod, undefined, true);
        return undefined;
      }
      await this.stopRuntime(pod, rt, 0);
      const attempt = sandbox ? sandbox.metadata.attempt + 1 : 0;
      const config = this.sandboxConfig(pod, attempt);
      mkdirSync(config.logDirectory!, { recursive: true });
      const sandboxKey = backoffKey(uid, SANDBOX_BACKOFF);
      const wait = this.backoff.remaining(sandboxKey, this.deps.now());
      if (wait > 0) return wait;
      try {
        const id = await this.deps.cri.runPodSandbox(config, await this.runtimeHandlerOf(pod));
        sandbox = { id, metadata: config.metadata, state: "SANDBOX_READY", createdAt: Date.now() * 1e6, labels: {}, annotations: {} };
        this.backoff.reset(sandboxKey);
      } catch (err) {
        // Back off (10 s doubling to 5 min, as the kubelet's pod worker does): a RunPodSandbox that
        // timed out may still be running in the runtime, and a tight retry only piles more on.
        this.backoff.next(sandboxKey, this.deps.now());
        this.deps.event(pod, "Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${errorText(err)}`);
        await this.writeStatus(pod, undefined);
        return this.backoff.remaining(sandboxKey, this.deps.now());
      }
      // The new sandbox has no containers yet: nothing to relist until they start.
    }
    const sandboxConfig = this.sandboxConfig(pod, sandbox.metadata.attempt);
    let podIP = this.sandboxIPs.get(sandbox.id);
    if (!this.sandboxIPs.has(sandbox.id)) {
      const st = await this.deps.cri.podSandboxStatus(sandbox.id);
      podIP = pod.spec.hostNetwork ? this.deps.nodeIP : st.network?.ip || undefined;
      this.sandboxIPs.set(sandbox.id, podIP);
    }
    const podIPs = podIP ? [podIP] : [];

    let requeue: number | undefined;
    const want = (ms: number | undefined) => { if (ms !== undefined) requeue = requeue === undefined ? ms : Math.min(requeue, ms); };
    const current = () => this.parts.snapshot.get(uid);
    const kills = this.kills.get(uid);

    // Init containers, in order; sidecars start and keep running, the next waits until one has started.
    let initDone = true;
    for (const c of pod.spec.initContainers ?? []) {
      const last = latestContainer(current(), c.name, sandbox.id);
      if (isSidecar(c)) {
        if (last?.status.state === "CONTAINER_RUNNING") {
          if (await this.killIfAsked(pod, c, last, kills)) { initDone = false; break; }
          if (!this.parts.probes.started(uid, c.name)) { initDone = false; want(1_000); break; }
          continue;
        }
        want(await this.startContainer(pod, c, sandbox.id, sandboxConfig, podIPs, volumes));
        initDone = false;
        break;
      }
      if (last?.status.state === "CONTAINER_EXITED" && last.status.exitCode === 0) continue;
      initDone = false;
      if (last?.status.state === "CONTAINER_RUNNING") break;
      if (last?.status.state === "CONTAINER_CREATED") { want(await this.startCreated(pod, c, last)); break; }
      if (last?.status.state === "CONTAINER_EXITED" && policy === "Never") break; // the pod fails
      want(await this.startContainer(pod, c, sandbox.id, sandboxConfig, podIPs, volumes));
      break;
    }

    if (initDone) {
      for (const c of pod.spec.containers) {
        const last = latestContainer(current(), c.name, sandbox.id) ?? latestContainer(current(), c.name);
        const state = last?.status.state;
        if (state === "CONTAINER_RUNNING") {
          if (!this.restartIfChanged(pod, c, last!)) await this.killIfAsked(pod, c, last!, kills);
          continue;
        }
        if (state === "CONTAINER_CREATED") {
          // Created but never started: a start that failed without the runtime saying so, or a
          // CreateContainer whose answer timed out. Pod syncs are serialised, so no start is in flight.
          want(await this.startCreated(pod, c, last!));
          continue;
        }
        const redefined = this.redefined.get(uid)?.has(c.name) ?? false;
        if (state === "CONTAINER_EXITED" && last!.sandboxId === sandbox.id && !redefined) {
          const failed = last!.status.exitCode !== 0;
          if (policy === "Never" || (policy === "OnFailure" && !failed)) continue;
        }
        const retry = await this.startContainer(pod, c, sandbox.id, sandboxConfig, podIPs, volumes);
        if (retry === undefined) this.redefined.get(uid)?.delete(c.name);
        want(retry);
      }
    }

    // Ephemeral containers (upstream computePodActions): started once the sandbox runs, even before
    // initialization completes, and never restarted (no probes, no restart policy).
    for (const c of pod.spec.ephemeralContainers ?? []) {
      if (latestContainer(current(), c.name)) continue;
      want(await this.startContainer(pod, c, sandbox.id, sandboxConfig, podIPs, volumes));
    }

    await this.parts.snapshot.relist();
    const running = new Map<string, ProbeTarget>();
    for (const c of [...(pod.spec.initContainers ?? []).filter(isSidecar), ...pod.spec.containers]) {
      const rc = latestContainer(current(), c.name);
      if (rc?.status.state === "CONTAINER_RUNNING") running.set(c.name, { podIP, containerId: rc.id, startedAt: Math.floor(rc.status.startedAt / 1e6) });
    }
    this.parts.probes.sync(pod, running);
    const status = await this.writeStatus(pod, { id: sandbox.id, ready: true, ip: podIP });
    if (status === "Succeeded" || status === "Failed") await this.stopRuntime(pod, current(), 0);
    return requeue;
  }

  /**
   * Kills a container a probe failed, in the background: the grace period may be long, and the
   * pod's status (readiness of the others) must keep flowing meanwhile. `onStopped` re-syncs the pod.
   */
  private async killIfAsked(pod: Pod, c: ContainerSpec, rc: RuntimeContainer, kills: Map<string, string> | undefined): Promise<boolean> {
    if (this.stopping.has(rc.id)) return true;
    const why = kills?.get(c.name);
    if (!why) return false;
    kills!.delete(c.name);
    this.deps.event(pod, "Normal", "Killing", why);
    this.stopping.add(rc.id);
    void this.stopContainer(pod, c, rc, pod.spec.terminationGracePeriodSeconds ?? 30).finally(() => {
      this.stopping.delete(rc.id);
      this.onStopped(pod.metadata.uid!);
    });
    return true;
  }

  /**
   * Stops a running app container whose spec changed since it was created (its hash annotation:
   * name and image, the mutable fields) in the background; the next sync starts it from the new
   * spec whatever the restart policy (upstream computePodActions: "Container X definition changed,
   * will be restarted"). True when the container is being stopped.
   */
  private restartIfChanged(pod: Pod, c: ContainerSpec, rc: RuntimeContainer): boolean {
    if (this.stopping.has(rc.id)) return true;
    const hash = rc.status.annotations?.[CONTAINER_HASH_ANNOTATION];
    if (hash === undefined || hash === containerHash(c)) return false;
    const uid = pod.metadata.uid!;
    let names = this.redefined.get(uid);
    if (!names) this.redefined.set(uid, names = new Set());
    names.add(c.name);
    this.deps.event(pod, "Normal", "Killing", `Container ${c.name} definition changed, will be restarted`);
    this.stopping.add(rc.id);
    void this.stopContainer(pod, c, rc, pod.spec.terminationGracePeriodSeconds ?? 30).finally(() => {
      this.stopping.delete(rc.id);
      this.onStopped(uid);
    });
    return true;
  }

  private sandboxConfig(pod: Pod, attempt: number): PodSandboxConfig {
    const m = pod.metadata;
    return this.parts.spec.sandboxConfig(pod, { attempt, logDirectory: podLogDirectory(this.deps.paths, m.namespace ?? "", m.name ?? "", m.uid ?? ""), cluster: this.deps.cluster });
  }

  /** Starts (or restarts) one container; returns ms until it may be retried when it could not start. */
  private async startContainer(pod: Pod, c: ContainerSpec, sandboxId: string, sandboxConfig: PodSandboxConfig, podIPs: string[], volumes: unknown): Promise<number | undefined> {
    const uid = pod.metadata.uid!;
    const key = backoffKey(uid, c.name);
    const prev = latestContainer(this.parts.snapshot.get(uid), c.name);
    const now = this.deps.now();
    if (prev?.status.state === "CONTAINER_EXITED") {
      // A container that never started (StartError: startedAt 0) ran for 0 ms, not since 1970.
      const ranMs = prev.status.startedAt > 0 ? (prev.status.finishedAt - prev.status.startedAt) / 1e6 : 0;
      if (ranMs >= TEN_MINUTES) this.backoff.reset(key);
      const left = this.backoff.remaining(key, now);
      if (left > 0) {
        const delay = Math.round(this.backoff.delay(key) / 1000);
        this.setWaiting(uid, c.name, "CrashLoopBackOff", `back-off ${delay >= 60 ? `${Math.floor(delay / 60)}m${delay % 60}s` : `${delay}s`} restarting failed container=${c.name} pod=${podFullName(pod)}`);
        this.deps.event(pod, "Warning", "BackOff", `Back-off restarting failed container ${c.name} in pod ${podFullName(pod)}`);
        return left;
      }
      this.backoff.next(key, now);
    }
    const restartCount = prev ? prev.restartCount + 1 : 0;
    let image: Image | undefined;
    try {
      image = await ensureImage({ cri: this.deps.cri, client: this.deps.client, backoff: this.backoff, event: this.deps.event, now: this.deps.now }, pod, c);
    } catch (err) {
      if (err instanceof ImagePullError) {
        this.setWaiting(uid, c.name, err.reason, err.message);
        return err.reason === "ErrImageNeverPull" || err.reason === "InvalidImageName" ? 10_000 : Math.max(1_000, this.backoff.remaining(backoffKey(uid, `image:${c.image}`), this.deps.now()));
      }
      throw err;
    }
    // The user the image runs as, from the status the pull step already read (runAsNonRoot checks).
    const imageUser = image && { ...(image.uid ? { uid: image.uid.value } : {}), ...(image.username ? { username: image.username } : {}) };
    let config;
    try {
      const env = await this.parts.spec.env(pod, c, podIPs);
      const mounts = this.parts.volumes.containerMounts(pod, c, volumes, new Map(env.map((e) => [e.key, e.value])));
      config = this.parts.spec.containerConfig(pod, c, { restartCount, env, mounts, logPath: `${c.name}/${restartCount}.log`, podDir: this.podDir(uid), podIPs, imageUser });
    } catch (err) {
      this.setWaiting(uid, c.name, "CreateContainerConfigError", errorText(err));
      this.deps.event(pod, "Warning", "Failed", `Error: ${errorText(err)}`);
      return 5_000;
    }
    let id: string;
    try {
      mkdirSync(`${sandboxConfig.logDirectory}/${c.name}`, { recursive: true }); // containerd does not create it
      id = await this.deps.cri.createContainer(sandboxId, config, sandboxConfig);
    } catch (err) {
      this.setWaiting(uid, c.name, "CreateContainerError", errorText(err));
      this.deps.event(pod, "Warning", "Failed", `Error: ${errorText(err)}`);
      return 5_000;
    }
    this.deps.event(pod, "Normal", "Created", `Created container ${c.name}`);
    try {
      await this.deps.cri.startContainer(id);
    } catch (err) {
      // The container exists and exited (or never ran): its status carries the reason; retry with back-off.
      this.clearWaiting(uid, c.name);
      this.deps.event(pod, "Warning", "Failed", `Error: ${errorText(err)}`);
      return 1_000;
    }
    this.clearWaiting(uid, c.name);
    this.deps.event(pod, "Normal", "Started", `Started container ${c.name}`);
    if (c.lifecycle?.postStart) {
      const target = { podIP: podIPs[0], containerId: id, startedAt: this.deps.now() };
      // No timeout (as upstream); the handler's own output may hold secrets, so the event text is fixed
      // and the message goes to the container's waiting state.
      const outcome = await this.parts.hooks.run("postStart", pod, c, target, 0);
      if (!outcome.ok) {
        this.deps.event(pod, "Warning", "FailedPostStartHook", "PostStartHook failed");
        this.setWaiting(uid, c.name, "PostStartHookError", outcome.message);
        await this.deps.cri.stopContainer(id, pod.spec.terminationGracePeriodSeconds ?? 30).catch(() => {});
      }
    }
    return undefined;
  }

  /**
   * Starts a container left in Created. When the runtime refuses, removes it so that the next sync
   * creates a fresh one (upstream creates a new container beside a stale one; removing keeps the
   * runtime tidy). Returns ms until the next attempt, or undefined once started.
   */
  private async startCreated(pod: Pod, c: ContainerSpec, rc: RuntimeContainer): Promise<number | undefined> {
    const uid = pod.metadata.uid!;
    try {
      await this.deps.cri.startContainer(rc.id);
      this.parts.snapshot.invalidate(rc.id);
      this.clearWaiting(uid, c.name);
      this.deps.event(pod, "Normal", "Started", `Started container ${c.name}`);
      return undefined;
    } catch (err) {
      this.deps.log.warn("a created container did not start; removing it", { pod: podFullName(pod), container: c.name, error: errorText(err) });
      await this.deps.cri.removeContainer(rc.id).catch(() => {});
      this.parts.snapshot.invalidate(rc.id);
      this.setWaiting(uid, c.name, "CreateContainerError", errorText(err));
      return 1_000;
    }
  }

  /** preStop, then SIGTERM and SIGKILL after `graceSeconds`. */
  private async stopContainer(pod: Pod, c: ContainerSpec | undefined, rc: RuntimeContainer, graceSeconds: number): Promise<void> {
    const started = this.deps.now();
    if (c?.lifecycle?.preStop && rc.status.state === "CONTAINER_RUNNING" && graceSeconds > 0) {
      const target = { podIP: this.sandboxIPs.get(rc.sandboxId), containerId: rc.id, startedAt: Math.floor(rc.status.startedAt / 1e6) };
      const outcome = await Promise.race([
        this.parts.hooks.run("preStop", pod, c, target, graceSeconds),
        Bun.sleep(graceSeconds * 1000).then(() => ({ ok: true, message: "timed out" })), // upstream: only a log line
      ]);
      if (!outcome.ok) this.deps.event(pod, "Warning", "FailedPreStopHook", "PreStopHook failed");
    }
    // What is left of the grace period after the hook, at least 2 s (kubelet's minimumGracePeriodInSeconds).
    const left = graceSeconds > 0 ? remainingGraceSeconds(graceSeconds, this.deps.now() - started) : 0;
    try {
      await this.deps.cri.stopContainer(rc.id, left);
    } catch (err) {
      this.deps.log.warn("stopping a container failed", { container: rc.id, error: errorText(err) });
    }
    this.parts.snapshot.invalidate(rc.id);
  }

  /** Stops every running container of the pod (app containers first, then sidecars) and its sandboxes. */
  private async stopRuntime(pod: Pod, rt: PodRuntime | undefined, graceSeconds: number): Promise<void> {
    if (!rt) return;
    const specs = new Map([...(pod.spec.initContainers ?? []), ...pod.spec.containers, ...(pod.spec.ephemeralContainers ?? [])].map((c) => [c.name, c] as const));
    const live = rt.containers.filter((c) => c.status.state === "CONTAINER_RUNNING" || c.status.state === "CONTAINER_CREATED");
    const sidecarNames = new Set((pod.spec.initContainers ?? []).filter(isSidecar).map((c) => c.name));
    const announce = (rc: RuntimeContainer) => { if (rc.status.state === "CONTAINER_RUNNING") this.deps.event(pod, "Normal", "Killing", `Stopping container ${rc.name}`); };
    const first = live.filter((c) => !sidecarNames.has(c.name));
    first.forEach(announce);
    await Promise.all(first.map((rc) => this.stopContainer(pod, specs.get(rc.name), rc, graceSeconds)));
    const sidecars = live.filter((c) => sidecarNames.has(c.name));
    sidecars.forEach(announce);
    await Promise.all(sidecars.map((rc) => this.stopContainer(pod, specs.get(rc.name), rc, graceSeconds)));
    for (const s of rt.sandboxes) {
      if (s.state !== "SANDBOX_READY") continue;
      await this.deps.cri.stopPodSandbox(s.id).catch((err) => this.deps.log.warn("stopping a sandbox failed", { sandbox: s.id, error: errorText(err) }));
      this.sandboxIPs.delete(s.id);
    }
    if (live.length || rt.sandboxes.some((s) => s.state === "SANDBOX_READY")) await this.parts.snapshot.relist();
  }

  private generate(pod: Pod, sandbox: { id: string; ready: boolean; ip?: string } | undefined, terminal = false) {
    const uid = pod.metadata.uid!;
    return generatePodStatus({
      pod, runtime: this.parts.snapshot.get(uid), sandbox, hostIP: this.deps.nodeIP,
      waiting: (name) => this.waiting.get(uid)?.get(name),
      ready: (name) => this.parts.probes.ready(uid, name),
      started: (name) => this.parts.probes.started(uid, name),
      runtimeName: this.parts.runtimeName(), qosClass: this.parts.spec.qosClass(pod), now: this.deps.now(), terminal,
    });
  }

  private async writeStatus(pod: Pod, sandbox: { id: string; ready: boolean; ip?: string } | undefined, terminal = false): Promise<string | undefined> {
    const status = this.generate(pod, sandbox, terminal);
    try {
      await this.status.set(pod, status);
    } catch { /* retried on the next sync */ }
    return status.phase;
  }

  /**
   * Node-pressure eviction: the pod fails with reason Evicted (and a DisruptionTarget condition,
   * TerminationByKubelet, unless `disruptionTarget: false`: upstream's local storage limit
   * evictions set none) and its containers are stopped within `gracePeriodSeconds` (the eviction
   * manager passes 1 for a hard threshold, as upstream; 0 kills at once).
   */
  async evict(pod: Pod, message: string, gracePeriodSeconds = 0, options: { disruptionTarget?: boolean } = {}): Promise<void> {
    this.evicted.add(pod.metadata.uid!);
    this.deps.event(pod, "Warning", "Evicted", message);
    await this.stopRuntime(pod, this.parts.snapshot.get(pod.metadata.uid!), gracePeriodSeconds);
    const status = this.generate(pod, undefined, true);
    const now = formatTime(this.deps.now());
    const conditions = options.disruptionTarget === false ? status.conditions : [...(status.conditions ?? []).filter((c) => c.type !== "DisruptionTarget"),
      { type: "DisruptionTarget", status: "True" as const, lastTransitionTime: now, reason: "TerminationByKubelet", message }];
    await this.status.set(pod, { ...status, phase: "Failed", reason: "Evicted", message, conditions }).catch(() => {});
  }

  /**
   * Graceful termination of a pod being deleted (or gone from the API when `gone`): kill within the
   * grace period, write the final status, then delete the pod object (grace 0, UID precondition).
   */
  async terminate(pod: Pod, gone: boolean | undefined): Promise<undefined> {
    const uid = pod.metadata.uid!;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    await this.stopRuntime(pod, this.parts.snapshot.get(uid), grace);
    this.parts.probes.removePod(uid);
    if (gone) return undefined;
    await this.writeStatus(pod, undefined, pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed");
    try {
      await this.deps.client.delete({ ...builtinResources.pods, namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "" }, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      this.deps.log.debug("final pod delete failed", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, error: errorText(err) });
    }
    return undefined;
  }

  /** Removes everything of a pod that is gone from the API: containers, sandboxes, volumes, state. */
  async cleanup(uid: string): Promise<void> {
    const rt = this.parts.snapshot.get(uid);
    for (const c of rt?.containers ?? []) {
      if (c.status.state === "CONTAINER_RUNNING") await this.deps.cri.stopContainer(c.id, 0).catch(() => {});
      await this.deps.cri.removeContainer(c.id).catch(() => {});
    }
    for (const s of rt?.sandboxes ?? []) {
      await this.deps.cri.stopPodSandbox(s.id).catch(() => {});
      await this.deps.cri.removePodSandbox(s.id).catch(() => {});
      this.sandboxIPs.delete(s.id);
    }
    await this.parts.volumes.tearDown(uid).catch((err) => this.deps.log.warn("volume teardown failed", { uid, error: errorText(err) }));
    rmSync(this.podDir(uid), { recursive: true, force: true });
    this.parts.probes.removePod(uid);
    this.backoff.forgetPod(uid);
    this.status.forget(uid);
    this.waiting.delete(uid);
    this.kills.delete(uid);
    this.redefined.delete(uid);
    this.evicted.delete(uid);
  }

  /** Removes exited containers beyond the newest two per container name (the previous one backs `logs --previous`). */
  async collectGarbage(uid: string): Promise<void> {
    const rt = this.parts.snapshot.get(uid);
    const seen = new Map<string, number>();
    for (const c of rt?.containers ?? []) {
      const n = (seen.get(c.name) ?? 0) + 1;
      seen.set(c.name, n);
      if (n > 2 && c.status.state === "CONTAINER_EXITED") await this.deps.cri.removeContainer(c.id).catch(() => {});
    }
  }
}
