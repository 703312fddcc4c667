/**
 * Helpers for the kubelet end-to-end suites (real pods on the embedded agent's containerd):
 * busybox pod manifests, polling a pod's status through the API, the pod's events, and what the
 * node's containerd still holds for a pod (through `ctr` on lite's socket).
 */
import { builtinResources, type ApiClient, type KubeObject } from "@lite/sdk";
import { createApiClient, httpsTransport, kubeconfigTransportOptions } from "../../core/client/index.ts";
import { agentPaths } from "../../core/agent/paths.ts";
import type { LiteServer } from "./lite-process.ts";

/** The parts of a Pod the suites read (loosely typed: the tests assert on them). */
export type Pod = KubeObject & {
  spec: Record<string, any>;
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    qosClass?: string;
    conditions?: { type: string; status: string; reason?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
};

export interface ContainerStatus {
  name: string;
  containerID?: string;
  image?: string;
  imageID?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: { running?: { startedAt?: string }; waiting?: { reason?: string; message?: string }; terminated?: Terminated };
  lastState?: { terminated?: Terminated };
}

export interface Terminated { exitCode: number; reason?: string; message?: string; containerID?: string }

/** An API client with the server's admin kubeconfig (polling through it is much cheaper than kubectl). */
export function adminClient(server: LiteServer): ApiClient {
  return createApiClient({ transport: httpsTransport(kubeconfigTransportOptions(server.kubeconfig)), fieldManager: "kubelet-e2e" });
}

/** The pod, or undefined when it does not exist. */
export async function getPod(client: ApiClient, namespace: string, name: string): Promise<Pod | undefined> {
  try {
    return await client.get<Pod>({ ...builtinResources.pods, namespace, name });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/**
 * Polls the pod until `check` returns true; resolves with the pod. On timeout, throws with `what`
 * and the last status seen, so a failure says where the pod got stuck.
 */
export async function waitForPod(client: ApiClient, namespace: string, name: string, what: string, check: (pod: Pod) => boolean, timeoutMs = 75_000): Promise<Pod> {
  const deadline = Date.now() + timeoutMs;
  let last: Pod | undefined;
  for (;;) {
    last = await getPod(client, namespace, name);
    if (last && check(last)) return last;
    if (Date.now() > deadline) throw new Error(`pod ${namespace}/${name}: not ${what} within ${timeoutMs} ms; last status: ${JSON.stringify(last?.status ?? "(no pod)")}`);
    await Bun.sleep(200);
  }
}

export const condition = (pod: Pod, type: string): string | undefined => pod.status?.conditions?.find((c) => c.type === type)?.status;
export const isReady = (pod: Pod): boolean => condition(pod, "Ready") === "True";
export const isRunningReady = (pod: Pod): boolean => pod.status?.phase === "Running" && isReady(pod);
export const containerStatus = (pod: Pod, name: string): ContainerStatus | undefined =>
  [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((c) => c.name === name);

/** The pod's core/v1 events as "Reason: message" lines. */
export async function podEvents(client: ApiClient, namespace: string, name: string): Promise<string[]> {
  const list = await client.list<KubeObject & { reason?: string; message?: string }>({ ...builtinResources.events, namespace }, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

/**
 * The pod's events once every `expected` line is among them (events are written in the background,
 * so they can trail the status change a test waited for), or after `timeoutMs` whatever there is.
 */
export async function podEventsIncluding(client: ApiClient, namespace: string, name: string, expected: string[], timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await podEvents(client, namespace, name);
    if (expected.every((e) => events.includes(e)) || Date.now() > deadline) return events;
    await Bun.sleep(250);
  }
}

/**
 * A busybox pod as a JSON manifest: image busybox with imagePullPolicy IfNotPresent on every
 * container (no registry is reachable) and a 1 s grace period (fast deletes), unless `spec` says otherwise.
 */
export function busyboxPod(name: string, spec: Record<string, any>, metadata: Record<string, any> = {}): string {
  const withImage = (c: Record<string, any>) => ({ image: "busybox", imagePullPolicy: "IfNotPresent", ...c });
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...metadata },
    spec: {
      terminationGracePeriodSeconds: 1,
      ...spec,
      containers: (spec.containers ?? []).map(withImage),
      ...(spec.initContainers ? { initContainers: spec.initContainers.map(withImage) } : {}),
    },
  });
}

/** Runs `ctr` (containerd's CLI) on the server's containerd socket, namespace k8s.io. */
export async function ctr(server: LiteServer, args: string[]): Promise<string> {
  const proc = Bun.spawn(["ctr", "-a", agentPaths(server.dataDir).containerdSocket, "-n", "k8s.io", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`ctr ${args.join(" ")} exited ${code}: ${err}`);
  return out;
}

/** IDs of the containers (sandboxes included) containerd holds for the pod with this UID. */
export async function runtimeContainersOf(server: LiteServer, uid: string): Promise<string[]> {
  const out = await ctr(server, ["containers", "ls", "-q", `labels."io.kubernetes.pod.uid"==${uid}`]);
  return out.split("\n").filter(Boolean);
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for programs that cannot listen on port 0). */
export function freeLoopbackPort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/**
 * A Deployment of busybox httpd pods on :8080 (port name `http`, TCP readiness every second) and
 * its Service on port 80. `script` fills /www (default: the pod's hostname as index.html);
 * `service` adds Service spec fields (type, clusterIP, …).
 */
export function httpdDeployment(name: string, replicas: number, opts: { script?: string; service?: Record<string, unknown> } = {}): Record<string, unknown>[] {
  const script = opts.script ?? "mkdir -p /www && hostname > /www/index.html";
  return [
    {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
      spec: {
        replicas, selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{
              name: "httpd", image: "busybox", imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", `${script} && exec httpd -f -p 8080 -h /www`],
              ports: [{ name: "http", containerPort: 8080 }],
              readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
            }],
          },
        },
      },
    },
    { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: "http" }], ...opts.service } },
  ];
}

/** How many ready endpoints the Service's EndpointSlices list. */
export async function readyEndpointCount(client: ApiClient, namespace: string, service: string): Promise<number> {
  const slices = await client.list<KubeObject & { endpoints?: { conditions?: { ready?: boolean } }[] }>(
    { group: "discovery.k8s.io", version: "v1", resource: "endpointslices", namespace }, { labelSelector: `kubernetes.io/service-name=${service}` });
  return slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).length;
}
