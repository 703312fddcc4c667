/**
 * The node agent (K3s' agent half, embedded in `lite server` and run by `lite agent`): containerd
 * supervised as a child (or an existing CRI runtime), the built-in and air-gap images, the kubelet
 * API, the Node with its status and Lease, and the kubelet's pod lifecycle. Stops in reverse;
 * containers keep running (their shims outlive containerd) and are adopted at the next start.
 */
import { mkdirSync } from "node:fs";
import { totalmem } from "node:os";
import type { ApiClient, ClusterSettings, KubeObject, Logger } from "@lite/sdk";
import { realClock } from "../controllers/runtime/clock.ts";
import { createEventRecorder } from "../controllers/runtime/event-recorder.ts";

import { recordNodeNetns } from "./node-netns-record.ts";
import { startContainerd, type ContainerdHandle } from "./containerd/supervisor.ts";
import { loadRegistries } from "./containerd/registries.ts";
import { createCriClient } from "./cri/client.ts";
import type { CriClient } from "./cri/types.ts";
import { BUILTIN_IMAGES, SANDBOX_IMAGE } from "./images/builtin-images.ts";
import type { EvictionSettings, ImageGcPolicy } from "../config/kubelet-config.ts";
import { createEvictionManager } from "./kubelet/eviction/eviction-manager.ts";
import { createImageGcManager } from "./kubelet/eviction/image-gc.ts";
import { separateDevices } from "./kubelet/eviction/local-storage.ts";
import { hostSignalSources, observeSignals } from "./kubelet/node/eviction-signals.ts";
import { BUILTIN_REGISTRIES, startBuiltinRegistry, writeMirrorHosts } from "./registry-mirror/index.ts";
import { importImages } from "./images/import.ts";
import { ProbeMetrics, startKubeletServer, type KubeletServer } from "./kubelet-server/index.ts";
import { tokenReviewAuthenticator } from "./kubelet-server/token-review.ts";
import type { Attributes, UserInfo } from "../apiserver/authz/types.ts";
import { startKubelet, type Kubelet } from "./kubelet/kubelet.ts";
import { createHookRunner } from "./kubelet/lifecycle/index.ts";
import { startNodeStatus, type NodeStatusHandle } from "./kubelet/node/index.ts";
import type { Pod } from "./kubelet/pod-types.ts";
import { probeFailureKill, ProbeManager } from "./kubelet/prober/index.ts";
import { createSpecPort } from "./kubelet/spec-port.ts";
import { startLogRotation } from "./kubelet/logs/log-rotation.ts";
import { VolumeManager } from "./kubelet/volumes/index.ts";
import { agentPaths } from "./paths.ts";

export interface NodeAgentOptions {
  dataDir: string;
  nodeName: string;
  nodeIP: string;
  role: "server" | "agent";
  /** The API as this node (system:node:<name>, group system:nodes). */
  client: ApiClient;
  cluster: ClusterSettings;
  log: Logger;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  /** K3s-format registries.yaml (default /etc/lite/registries.yaml; a missing file configures nothing). */
  registriesFile?: string;
  /** Use this CRI endpoint instead of starting containerd. */
  containerRuntimeEndpoint?: string;
  kubeletPort: number;
  /** Pod capacity reported by the Node (`--kubelet-arg=max-pods`). */
  maxPods?: number;
  /** Container log rotation (`--kubelet-arg=container-log-max-size/-files`; default 10Mi, 5). */
  containerLogMaxSize?: number;
  containerLogMaxFiles?: number;
  /** Node-pressure eviction and image GC settings (`--kubelet-arg` eviction-*, image-gc-*, config=FILE; default upstream's). */
  eviction?: EvictionSettings;
  imageGc?: ImageGcPolicy;
  /** KubeletConfiguration fields lite ignores (logged once). */
  kubeletConfigIgnored?: readonly string[];
  bindAddress: string;
  /** The kubelet's serving certificate and the CA client certificates must chain to. */
  kubeletTls: { cert: string; key: string; clientCA: string };
  /** Whether `user` may do `attrs` on the kubelet API (a SubjectAccessReview). */
  authorize(user: UserInfo, attrs: Attributes): Promise<boolean>;
  /** Aborts a start that is still waiting (registration). */
  signal?: AbortSignal;
}

export interface NodeAgent {
  readonly kubeletPort: number;
  readonly cri: CriClient;
  stop(): Promise<void>;
}

export async function startNodeAgent(o: NodeAgentOptions): Promise<NodeAgent> {
  const paths = agentPaths(o.dataDir);
  const { log } = o;
  const clock = realClock();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => { for (const s of stops.reverse()) await s().catch((err) => log.warn("agent stop step failed", { error: String(err) })); stops.length = 0; };
  try {
    for (const dir of [paths.root, paths.podsDir, paths.podLogsDir, paths.cniConfDir, paths.imagesDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    recordNodeNetns(paths);
    let containerd: ContainerdHandle | undefined;
    let endpoint = o.containerRuntimeEndpoint;
    if (!endpoint) {
      const t0 = performance.now();
      containerd = await startContainerd({ paths, log, sandboxImage: SANDBOX_IMAGE, registries: await loadRegistries(o.registriesFile) });
      stops.push(() => containerd!.stop());
      endpoint = `unix://${containerd.socket}`;
      log.info("containerd ready", { version: containerd.version(), socket: containerd.socket, elapsedMs: Math.round(performance.now() - t0) });
    }
    const cri = createCriClient(endpoint);
    stops.push(async () => cri.close());
    if (containerd) {
      const t0 = performance.now();
      const report = await importImages({ socket: containerd.socket, paths, log });
      log.info("images imported", { ...report, elapsedMs: Math.round(performance.now() - t0) } as never);
      // The built-in images are also served by a loopback registry that containerd mirrors docker.io and
      // lite.local through, so `imagePullPolicy: Always` (busybox:latest) pulls them offline as a no-op.
      if (report.builtin.status !== "failed") {
        try {
          const mirror = await startBuiltinRegistry({ layoutTar: report.builtin.file, log });
          stops.push(() => mirror.stop());
          writeMirrorHosts(paths, mirror.port, BUILTIN_REGISTRIES);
        } catch (err) {
          log.warn("built-in image mirror not started; pulls of busybox/lite.local go upstream", { error: String(err) });
        }
      }
    }

    const events = createEventRecorder({ client: o.client, component: "kubelet", host: o.nodeName, clock, log });
    stops.push(() => events.flush());
    const podEvent = (pod: Pod, type: "Normal" | "Warning", reason: string, message: string) =>
      events.event({ ...pod, apiVersion: "v1", kind: "Pod" } as KubeObject, type, reason, message);

    let kubelet: Kubelet | undefined;
    const probeMetrics = new ProbeMetrics();
    const server: KubeletServer = await startKubeletServer({
      port: o.kubeletPort, bindAddress: o.bindAddress, tls: o.kubeletTls, nodeName: o.nodeName, cri,
      pods: { get: (ns, name) => kubelet?.get(ns, name), list: () => kubelet?.list() ?? [] },
      authorize: o.authorize, authenticateToken: tokenReviewAuthenticator(o.client), fsPath: paths.root, log, probeMetrics,
    });
    stops.push(() => server.stop());

    // Node-pressure eviction owns the pressure conditions the Node reports (upstream's setters ask it).
    if (o.kubeletConfigIgnored?.length) log.warn("kubelet config file: fields lite does not implement are ignored", { fields: o.kubeletConfigIgnored.join(",") });
    const nodeEvent = (type: "Normal" | "Warning", reason: string, message: string) =>
      events.event({ apiVersion: "v1", kind: "Node", metadata: { name: o.nodeName, uid: o.nodeName } } as KubeObject, type, reason, message);
    const imageGc = createImageGcManager({ cri, policy: o.imageGc, keep: new Set<string>([...BUILTIN_IMAGES]), startedAt: Date.now(), recordEvent: nodeEvent });
    const signalSources = hostSignalSources(paths.root, paths.containerdRoot);
    const eviction = createEvictionManager({
      cri, log, settings: o.eviction, imageGc, signals: () => observeSignals(signalSources), now: () => Date.now(), recordNodeEvent: nodeEvent,
      pods: () => kubelet?.activePods() ?? [], evict: (pod, message, grace, options) => kubelet!.evict(pod, message, grace, options),
      // LocalStorageCapacityIsolation (upstream's default): emptyDir sizeLimit and ephemeral-storage limits.
      localStorage: { paths, dedicatedImageFs: separateDevices(paths.root, paths.containerdRoot) },
    });

    // The kubernetes.io/hostname label and the Hostname address carry the node name, as K3s runs the
    // kubelet with --hostname-override=<node name> (nodeSelector/affinity on hostname then work).
    const nodeStatus: NodeStatusHandle = await startNodeStatus({
      client: o.client, nodeName: o.nodeName, nodeIP: o.nodeIP, hostname: o.nodeName, role: o.role, labels: o.labels,
      taints: o.taints as never, kubeletPort: server.port, maxPods: o.maxPods, cri, paths, log, clock,
      recordEvent: nodeEvent,
      ...(o.eviction ? { eviction: o.eviction } : {}), pressure: () => eviction.pressure(),
      signal: o.signal,
    });
    stops.push(() => nodeStatus.stop());

    const volumes = new VolumeManager({ client: o.client, paths, nodeName: o.nodeName, log, recordEvent: (pod, type, reason, message) => podEvent(pod as Pod, type, reason, message) });
    const probes = new ProbeManager({
      cri, log, clock, recordEvent: podEvent,
      observe: (pod, container, kind, verdict) => probeMetrics.observe(
        { namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "" }, container, kind, verdict),
      onChange(uid, container, kind, ok) {
        if (!ok && (kind === "liveness" || kind === "startup")) {
          const pod = kubelet?.list().find((p) => p.pod.metadata.uid === uid)?.pod;
          if (pod) kubelet?.restartContainer(uid, container, probeFailureKill(pod, container, kind).message);
          return;
        }
        kubelet?.poke(uid);
      },
    });
    const spec = createSpecPort({
      client: o.client, nodeIP: o.nodeIP, cluster: o.cluster, nodeMemoryCapacity: totalmem(), event: podEvent,
      nodeAllocatable: () => (nodeStatus.node()?.status?.allocatable ?? {}) as never,
    });
    kubelet = await startKubelet({
      deps: { client: o.client, cri, paths, log, nodeName: o.nodeName, nodeIP: o.nodeIP, cluster: o.cluster, event: podEvent, now: () => Date.now() },
      parts: {
        spec,
        volumes: {
          setUp: (pod) => volumes.setUp(pod),
          containerMounts: (pod, c, v, env) => volumes.containerMounts(pod, c, v as never, env),
          tearDown: (uid) => volumes.tearDown(uid),
          refresh: (pod) => volumes.refresh(pod),
        },
        probes,
        hooks: createHookRunner({ cri, recordEvent: podEvent }),
      },
      clock,
    });
    stops.push(() => kubelet!.stop());
    const evictionLoop = eviction.start();
    stops.push(async () => evictionLoop.stop());
    const logRotation = startLogRotation({ cri, log, maxSizeBytes: o.containerLogMaxSize, maxFiles: o.containerLogMaxFiles });
    stops.push(async () => logRotation.stop());
    return { kubeletPort: server.port, cri, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
