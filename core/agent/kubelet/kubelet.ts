/**
 * The kubelet: watches the pods bound to this node, runs each through its lifecycle on the CRI
 * runtime, relists the runtime every second to notice container exits (upstream's PLEG), resyncs
 * every pod every 10 s (back-off expiry, volume contents, status), and removes what belongs to
 * pods that no longer exist — including, at start, leftovers of pods deleted while lite was down.
 * Containers of pods that still exist are adopted as they are: a restarted lite restarts nothing.
 */
import { builtinResources } from "@lite/sdk";
import type { RuntimePod } from "../kubelet-server/pod-runtime-view.ts";
import { createInformer } from "../../controllers/runtime/informer.ts";
import type { Clock } from "../../controllers/runtime/clock.ts";
import type { KubeletDeps } from "./kubelet-deps.ts";
import { PodLifecycle, type PodLifecycleParts } from "./pod-lifecycle.ts";
import type { Pod } from "./pod-types.ts";
import { PodWorkers } from "./pod-workers.ts";
import { latestContainer, previousContainer, RuntimeSnapshot } from "./runtime-snapshot.ts";
import { metadataShownChanged } from "./volumes/metadata-shown-changed.ts";

/** A pod as the kubelet API reads it: the kubelet server's view type, with the typed Pod. */
export type RuntimePodView = RuntimePod & { pod: Pod };

export interface Kubelet {
  /** The pods this kubelet runs, with their containers (for the kubelet API: logs, exec, port-forward). */
  get(namespace: string, name: string): RuntimePodView | undefined;
  list(): RuntimePodView[];
  /** A probe asked to restart a container. */
  restartContainer(uid: string, container: string, message: string): void;
  /** Re-sync a pod soon (probe result changed). */
  poke(uid: string): void;
  /** Evicts a pod under node pressure (status Failed/Evicted, containers stopped within the grace period; default 0). */
  evict(pod: Pod, message: string, gracePeriodSeconds?: number, options?: { disruptionTarget?: boolean }): Promise<void>;
  /** Pods that run here now (not terminal, not being deleted). */
  activePods(): Pod[];
  stop(): Promise<void>;
}

export interface KubeletOptions {
  deps: KubeletDeps;
  parts: Omit<PodLifecycleParts, "snapshot" | "runtimeName">;
  clock: Clock;
  relistMs?: number;
  resyncMs?: number;
  volumeRefreshMs?: number;
}

export async function startKubelet(options: KubeletOptions): Promise<Kubelet> {
  const { deps } = options;
  // Every relist (the periodic one, or one a pod's sync ran) wakes the pods whose containers changed.
  const snapshot = new RuntimeSnapshot(deps.cri, (uids) => { for (const uid of uids) if (workers.has(uid)) workers.kick(uid); });
  const runtimeName = (await deps.cri.version()).runtimeName || "containerd";
  const lifecycle = new PodLifecycle(deps, { ...options.parts, snapshot, runtimeName: () => runtimeName });
  lifecycle.onStopped = (uid) => workers.kick(uid);
  const workers = new PodWorkers({
    sync: (pod) => lifecycle.sync(pod),
    gone: async (pod) => { await lifecycle.terminate(pod, true); await lifecycle.cleanup(pod.metadata.uid!); },
  }, deps.log);

  const abort = new AbortController();
  const informer = createInformer<Pod>({ client: deps.client, clock: options.clock, log: deps.log }, builtinResources.pods, { fieldSelector: `spec.nodeName=${deps.nodeName}` });
  informer.on({
    add: (pod) => workers.update(pod),
    update: (old, pod) => {
      workers.update(pod);
      // downwardAPI files showing labels or annotations follow a change at once (upstream remounts
      // on the pod update), not only at the periodic refresh.
      if (!pod.metadata.deletionTimestamp && metadataShownChanged(old, pod)) void options.parts.volumes.refresh?.(pod).catch(() => {});
    },
    delete: (pod) => workers.remove(pod),
  });
  // The runtime's state first (upstream's pod workers read the PLEG's pod cache): a pod worker that
  // syncs before it would find no sandbox for a pod whose containers survived a restart, ask for a
  // new one, get containerd's "name is reserved" (FailedCreatePodSandBox) and back off 10 s before
  // adopting the running containers.
  await snapshot.relist();
  const running = informer.run(abort.signal);
  await informer.waitForSync(abort.signal);

  // Leftovers of pods that no longer exist (deleted while the kubelet was down).
  const known = new Set(informer.list().map((p) => p.metadata.uid!));
  for (const uid of snapshot.uids()) if (!known.has(uid)) await lifecycle.cleanup(uid).catch(() => {});

  const relist = setInterval(async () => {
    try {
      await snapshot.relist();
    } catch (err) {
      deps.log.debug("runtime relist failed", { error: err instanceof Error ? err.message : String(err) });
    }
  }, options.relistMs ?? 1_000);
  const resync = setInterval(() => {
    for (const pod of workers.pods()) {
      workers.kick(pod.metadata.uid!);
      lifecycle.collectGarbage(pod.metadata.uid!).catch(() => {});
    }
  }, options.resyncMs ?? 10_000);

  // ConfigMap/Secret/downwardAPI/projected contents and service-account tokens (upstream: ~1 min sync).
  const refresh = setInterval(() => {
    for (const pod of workers.pods()) if (!pod.metadata.deletionTimestamp) void options.parts.volumes.refresh?.(pod).catch(() => {});
  }, options.volumeRefreshMs ?? 20_000);

  const view = (pod: Pod): RuntimePodView => {
    const rt = snapshot.get(pod.metadata.uid!);
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
    return {
      pod,
      sandboxId: rt?.sandboxes.find((s) => s.state === "SANDBOX_READY")?.id,
      containers: [...(pod.spec.initContainers ?? []), ...pod.spec.containers, ...(pod.spec.ephemeralContainers ?? [])].map((c) => {
        const cur = latestContainer(rt, c.name);
        // `previous` is the instance the status shows as lastState (upstream validateContainerLogStatus):
        // in back-off that is the newest, exited one.
        const lastId = statuses.find((s) => s.name === c.name)?.lastState?.terminated?.containerID?.replace(/^[a-z]+:\/\//, "");
        const prev = rt?.containers.find((x) => x.id === lastId) ?? previousContainer(rt, c.name);
        const state = cur?.status.state === "CONTAINER_RUNNING" ? "running" : cur?.status.state === "CONTAINER_EXITED" ? "terminated" : "waiting";
        return {
          name: c.name, containerId: cur?.id, logPath: cur?.status.logPath || undefined, previousLogPath: prev?.status.logPath || undefined, state,
          waitingReason: statuses.find((s) => s.name === c.name)?.state.waiting?.reason ?? (cur ? undefined : "ContainerCreating"),
        };
      }),
    };
  };

  return {
    get(namespace, name) {
      const pod = informer.get(namespace, name);
      return pod ? view(pod) : undefined;
    },
    list: () => informer.list().map(view),
    restartContainer(uid, container, message) {
      lifecycle.requestKill(uid, container, message);
      workers.kick(uid);
    },
    poke: (uid) => workers.kick(uid),
    evict: (pod, message, gracePeriodSeconds, options) => lifecycle.evict(pod, message, gracePeriodSeconds, options),
    activePods: () => workers.pods().filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed"),
    async stop() {
      clearInterval(relist);
      clearInterval(resync);
      clearInterval(refresh);
      abort.abort();
      await running.catch(() => {});
      await workers.stop();
      options.parts.probes.stop();
    },
  };
}
