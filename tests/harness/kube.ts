/**
 * Small helpers for the kubectl and client-library end-to-end suites: namespaces per case,
 * manifests on stdin, and a kubectl that streams (for `get -w`).
 */
import type { Subprocess } from "bun";
import { builtinResources, isAlreadyExists, isConflict, isNotFound, type ApiClient, type KubeObject } from "@lite/sdk";
import { kubectl, type LiteServer, type RunResult } from "./lite-process.ts";

export const KUBECTL_DIR = "/usr/lib/google-cloud-sdk/bin";

/** The stdout of a successful run; throws with both streams otherwise. */
export function ok(r: RunResult): string {
  if (r.code !== 0) throw new Error(`kubectl exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

let counter = 0;
/** A fresh namespace (created with `kubectl create -f`, so it works with every kubectl). */
/**
 * Creates a namespace and, as the upstream e2e framework does, waits until its controllers have
 * populated it (the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap), so listings
 * in tests see a settled namespace.
 */
export async function freshNamespace(server: LiteServer, prefix = "t", binary?: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${++counter}`;
  ok(await kubectl(server, ["create", "-f", "-"], { stdin: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name } }), binary }));
  await waitForNamespaceContents(server, name);
  return name;
}

export async function waitForNamespaceContents(server: LiteServer, namespace: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await kubectl(server, ["-n", namespace, "get", "serviceaccount/default", "configmap/kube-root-ca.crt", "-o", "name"]);
    if (r.code === 0) return;
    if (Date.now() > deadline) throw new Error(`namespace ${namespace} was not populated within ${timeoutMs} ms: ${r.stderr}`);
    await Bun.sleep(100);
  }
}

export function configMap(name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data });
}

/** A JSON manifest as YAML (kubectl reads a stream that starts with "{" as JSON only, so multi-document streams need YAML). */
export function yaml(json: string): string {
  return Bun.YAML.stringify(JSON.parse(json), null, 2);
}

export function deploymentYaml(name: string, replicas = 2, image = "nginx:1.25"): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: c
        image: ${image}
        ports: [{containerPort: 80}]
`;
}

export function podYaml(name: string, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] } });
}

/** A long-running kubectl (e.g. `get -w`) whose stdout can be awaited line by line. */
export interface StreamingKubectl {
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function kubectlStream(server: LiteServer, args: string[], binary = "kubectl"): StreamingKubectl {
  const proc = Bun.spawn([binary, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: server.dataDir, KUBECONFIG: server.kubeconfig, KUBECACHEDIR: `${server.dataDir}/kube-cache` },
    stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  const pump = async (s: ReadableStream<Uint8Array>, to: (t: string) => void) => {
    const d = new TextDecoder();
    for await (const chunk of s) { to(d.decode(chunk, { stream: true })); for (const l of listeners) l(); }
  };
  const pumped = Promise.all([pump(proc.stdout, (t) => { out += t; }), pump(proc.stderr, (t) => { err += t; })]);
  return {
    proc,
    output: () => out,
    waitFor(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out)) { listeners.delete(check); clearTimeout(timer); resolve(); }
        };
        const timer = setTimeout(() => { listeners.delete(check); reject(new Error(`timed out waiting for ${pattern}\nstdout: ${out}\nstderr: ${err}`)); }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      await pumped;
    },
  };
}

/** Polls `check` every `intervalMs` until it returns a value (not undefined); throws after `ms`. */
export async function within<T>(ms: number, check: () => Promise<T | undefined>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await Bun.sleep(intervalMs);
  }
}

let populatedCounter = 0;
/**
 * A fresh namespace created through the API client (far cheaper than kubectl when many cases start
 * at once), resolved once its controllers populated it (the `default` ServiceAccount and the
 * `kube-root-ca.crt` ConfigMap), as upstream's e2e framework waits. Named `<prefix>-<pid>-<n>`.
 */
export async function populatedNamespace(client: ApiClient, prefix: string, timeoutMs = 120_000): Promise<string> {
  const name = `${prefix}-${process.pid}-${++populatedCounter}`;
  await client.create(builtinResources.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  await within(timeoutMs, async () => {
    try {
      await client.get({ ...builtinResources.serviceAccounts, namespace: name, name: "default" });
      await client.get({ ...builtinResources.configMaps, namespace: name, name: "kube-root-ca.crt" });
      return true;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }, 250);
  return name;
}

/**
 * Deletes the namespaces and waits (at most `timeoutMs`, never throwing) until none of their pods
 * is left, as upstream's framework destroys each test's namespace: the pods go through their
 * kubelet now, so a node stopped afterwards has little left to kill or unmount.
 */
export async function deleteNamespacesAndDrain(client: ApiClient, namespaces: string[], timeoutMs = 90_000): Promise<void> {
  await Promise.all(namespaces.map((name) => client.delete({ ...builtinResources.namespaces, name }).catch(() => {})));
  const gone = new Set(namespaces);
  await within(timeoutMs, async () => ((await client.list(builtinResources.pods)).items.some((p) => gone.has(p.metadata.namespace ?? "")) ? undefined : true), 500)
    .catch(() => {});
}

/**
 * retry.RetryOnConflict(retry.DefaultRetry, fn) as upstream's tests use it: re-runs `fn` while it
 * fails with a Conflict, up to `tries` (5) times, `delayMs(attempt)` (10 ms) apart.
 */
export async function retryOnConflict<T>(fn: () => Promise<T>, options: { tries?: number; delayMs?: (attempt: number) => number } = {}): Promise<T> {
  const tries = options.tries ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= tries - 1 || !isConflict(err)) throw err;
      await Bun.sleep(options.delayMs?.(attempt) ?? 10);
    }
  }
}

/**
 * A selector-less Service `name` (port -> targetPort) in `namespace` (created if missing) whose one
 * ready EndpointSlice endpoint is 127.0.0.1:`endpointPort`: how tests put a webhook served by the
 * test process behind a `clientConfig.service` reference, where upstream deploys a pod.
 */
export async function loopbackService(
  client: ApiClient,
  target: { namespace: string; name: string; port: number; targetPort: number; labels?: Record<string, string> },
  endpointPort: number,
): Promise<void> {
  const { namespace, name } = target;
  await client.create(builtinResources.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }).catch((err) => {
    if (!isAlreadyExists(err)) throw err;
  });
  await client.create({ ...builtinResources.services, namespace }, {
    apiVersion: "v1", kind: "Service", metadata: { name, labels: target.labels ?? {} },
    spec: { ports: [{ protocol: "TCP", port: target.port, targetPort: target.targetPort }] },
  } as KubeObject);
  await client.create({ ...builtinResources.endpointSlices, namespace }, {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: `${name}-1`, labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4", endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }], ports: [{ port: endpointPort, protocol: "TCP" }],
  } as KubeObject);
}

/** The namespaces a suite creates (populatedNamespace), deleted and drained together at its end. */
export class TrackedNamespaces {
  readonly names: string[] = [];
  async create(client: ApiClient, prefix: string, timeoutMs?: number): Promise<string> {
    const name = await populatedNamespace(client, prefix, timeoutMs);
    this.names.push(name);
    return name;
  }
  drain(client: ApiClient, timeoutMs?: number): Promise<void> {
    return deleteNamespacesAndDrain(client, this.names, timeoutMs);
  }
}

/**
 * Upstream CreateNewV1CustomResourceDefinitionWatchUnsafe's wait: the CRD is Established and every
 * one of `refs` (its served versions) answers a LIST.
 */
export async function waitForCrdServed(client: ApiClient, crdName: string, refs: readonly Parameters<ApiClient["list"]>[0][]): Promise<void> {
  await within(30_000, async () => {
    const got = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>({ ...builtinResources.customResourceDefinitions, name: crdName });
    if (!(got.status?.conditions ?? []).some((x) => x.type === "Established" && x.status === "True")) return undefined;
    for (const ref of refs) {
      try { await client.list(ref); } catch { return undefined; }
    }
    return true;
  });
}

/** Runs `body`, then the cleanups it registered, last first (their failures ignored when `ignoreFailures`). */
export async function withCleanups(body: (cleanups: (() => Promise<unknown>)[]) => Promise<void>, options: { ignoreFailures?: boolean } = {}): Promise<void> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    await body(cleanups);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      if (options.ignoreFailures) await cleanup().catch(() => undefined);
      else await cleanup();
    }
  }
}
