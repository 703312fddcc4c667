/**
 * Upstream storage conformance tests for emptyDir, downwardAPI, projected and subPath volumes
 * (kubernetes test/e2e/common/storage: empty_dir.go, downwardapi_volume.go,
 * projected_downwardapi.go, projected_combined.go; test/e2e/storage: subpath.go,
 * empty_dir_wrapper.go) against the compiled binary: one lite server whose embedded agent runs the
 * pods in a network namespace of its own (tests/harness/netns-server.ts). Every case has its own
 * namespace and the cases run concurrently, at most MAX_CASES_AT_ONCE with pods at a time.
 *
 * No registry is reachable, so agnhost is replaced by busybox:
 * - `agnhost mounttest` becomes a busybox script (mounttest() below) that prints mounttest's own
 *   lines (`perms of file "…": -rw-r--r--`, `mount type of "…": tmpfs`, `content of file "…": …`,
 *   `mode of file "…": …`) from `stat -L -c %a`, `stat -f -c %T` and `cat`, in mounttest's order
 *   and with its umask 0, so the same strings upstream asserts are asserted here;
 * - `agnhost test-webserver` becomes busybox httpd; the pause image is lite's lite.local/pause:3.10.
 * As upstream's TestContainerOutput does, a pod that runs to completion must reach Succeeded, then
 * its container log (read through the API, pods/<name>/log) must contain every expected line.
 * Pods that run until changed (the label/annotation update tests) have their log polled.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, isConflict, type ApiClient, type KubeObject } from "@lite/sdk";
import { parseQuantity, quantityScaledValue } from "../core/apiserver/machinery/quantity.ts";
import { httpsTransport, kubeconfigTransportOptions } from "../core/client/index.ts";
import type { Transport } from "../core/client/transport.ts";
import { kubectl, type LiteServer } from "./harness/lite-process.ts";
import { within, populatedNamespace } from "./harness/kube.ts";
import { startNetnsServer, type NetnsServer } from "./harness/netns-server.ts";
import { condition, ctr, getPod, isRunningReady, type Pod } from "./harness/pods.ts";

/** A case's time, its wait for a slot (MAX_CASES_AT_ONCE) included. */
const CASE_TIMEOUT_MS = 600_000;
setDefaultTimeout(CASE_TIMEOUT_MS);

/** How long a pod may take to start or finish (upstream: PodStart, 5 min); generous for a loaded machine. */
const POD_TIMEOUT_MS = 240_000;

const PAUSE = "lite.local/pause:3.10";
const R = builtinResources;
const pods = (namespace: string) => ({ ...R.pods, namespace });

let cluster: NetnsServer;
let server: LiteServer;
let client: ApiClient;
let transport: Transport;

beforeAll(async () => {
  cluster = await startNetnsServer("lite-volumes-conformance");
  ({ server, client } = cluster);
  transport = httpsTransport(kubeconfigTransportOptions(server.kubeconfig));
});

afterAll(async () => {
  await cluster?.stop();
});

// ---- framework helpers, ported ----------------------------------------------------------------

/** framework.NewDefaultFramework: a fresh namespace, populated (default ServiceAccount, kube-root-ca.crt). */
async function freshNamespace(prefix: string): Promise<string> {
  return populatedNamespace(client, prefix, 90_000);
}

const uuid = () => crypto.randomUUID();

/** Polls the pod once a second (dozens of cases poll at once) until `check` holds. */
function waitPod(ns: string, name: string, what: string, check: (p: Pod) => boolean): Promise<Pod> {
  return within(POD_TIMEOUT_MS, async () => {
    const p = await getPod(client, ns, name);
    return p && check(p) ? p : undefined;
  }, 1000).catch(async (err) => {
    const last = await getPod(client, ns, name);
    // What containerd says of the pod's containers, to tell a slow node from a missed status change.
    const tasks = await ctr(server, ["tasks", "ls"]).catch((e) => String(e));
    const ids = (last?.status?.containerStatuses ?? []).map((c) => c.containerID?.replace("containerd://", "") ?? "");
    throw new Error(`pod ${ns}/${name}: not ${what}: ${err}; last status: ${JSON.stringify(last?.status)}; tasks: ${tasks.split("\n").filter((l) => ids.some((id) => id && l.includes(id))).join(" | ")}`);
  });
}

/** A container on the built-in busybox image (no registry pulls). */
function busybox(name: string, script: string, extra: Record<string, any> = {}): Record<string, any> {
  return { name, image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sh", "-c", script], ...extra };
}

function podObject(name: string, spec: Record<string, any>, metadata: Record<string, any> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, ...metadata }, spec: { terminationGracePeriodSeconds: 1, ...spec } } as KubeObject;
}

/** GET pods/<name>/log (e2epod.GetPodLogs). */
async function podLogs(ns: string, name: string, container: string): Promise<string> {
  const res = await transport.send(new Request(`${transport.baseUrl}/api/v1/namespaces/${ns}/pods/${name}/log?container=${encodeURIComponent(container)}`));
  const body = await res.text();
  if (!res.ok) throw new Error(`logs of ${ns}/${name}/${container}: HTTP ${res.status}: ${body}`);
  return body;
}

/**
 * e2epodoutput.TestContainerOutput: creates the pod, waits for it to finish, requires Succeeded,
 * then requires every `expected` string in the log of container `containerIndex`. Returns the log.
 */
async function testContainerOutput(ns: string, pod: KubeObject, containerIndex: number, expected: (string | RegExp)[]): Promise<string> {
  await client.create(pods(ns), pod);
  const name = pod.metadata.name!;
  const container = (pod as any).spec.containers[containerIndex].name as string;
  const done = await waitPod(ns, name, "Succeeded or Failed", (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed");
  const log = await podLogs(ns, name, container);
  expect(done.status?.phase, `pod ${name} failed; log:\n${log}\nstatus: ${JSON.stringify(done.status)}`).toBe("Succeeded");
  for (const e of expected) {
    if (typeof e === "string") expect(log).toContain(e);
    else expect(log).toMatch(e);
  }
  return log;
}

/** PodClient.CreateSync: creates the pod and waits until it is Running and Ready. */
async function createSync(ns: string, pod: KubeObject): Promise<Pod> {
  await client.create(pods(ns), pod);
  return waitPod(ns, pod.metadata.name!, "Running and Ready", isRunningReady);
}

/** PodClient.Update: get, mutate, update; retried on conflict. */
async function updatePod(ns: string, name: string, mutate: (p: Pod) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const p = await client.get<Pod>({ ...pods(ns), name });
    mutate(p);
    try {
      await client.update(pods(ns), p);
      return;
    } catch (err) {
      if (attempt >= 9 || !isConflict(err)) throw err;
      await Bun.sleep(50);
    }
  }
}

/** Polls the container's log until it contains `text` (gomega.Eventually(GetPodLogs).Should(ContainSubstring)). */
function eventuallyLogContains(ns: string, name: string, container: string, text: string, timeoutMs = POD_TIMEOUT_MS): Promise<string> {
  return within(timeoutMs, async () => {
    const log = await podLogs(ns, name, container).catch(() => "");
    return log.includes(text) ? log : undefined;
  }, 1000);
}

// ---- agnhost mounttest, as a busybox script ----------------------------------------------------

/** Go's os.FileMode.Perm().String() of an octal mode from `stat -c %a` (special bits dropped). */
const PERM_FN = `perm() { m=$(( 0$1 & 0777 )); s=""; for sh in 6 3 0; do b=$(( (m >> sh) & 7 )); `
  + `[ $((b & 4)) -ne 0 ] && s="\${s}r" || s="\${s}-"; [ $((b & 2)) -ne 0 ] && s="\${s}w" || s="\${s}-"; [ $((b & 1)) -ne 0 ] && s="\${s}x" || s="\${s}-"; done; echo "-$s"; }`;

interface MounttestFlags {
  fsType?: string;
  newFile0644?: string;
  newFile0666?: string;
  newFile0777?: string;
  /** Mode string of a regular file (os.Stat(...).Mode().String(); the volume files here are all regular). */
  fileMode?: string;
  filePerm?: string;
  fileOwner?: string;
  fileContent?: string;
  /** --file_content_in_loop with --break_on_expected_content=false: prints the content every second, forever. */
  fileContentInLoop?: string;
}

/**
 * The mounttest run for these flags: its umask 0, its order (fs type, new files, mode, perms,
 * owner, content, content in a loop) and its output lines; a failing step makes the exit code 1.
 */
function mounttest(f: MounttestFlags): string {
  const q = (p: string) => `"${p}"`;
  const lines = [PERM_FN, "umask 0", "rc=0"];
  if (f.fsType) lines.push(`echo "mount type of \\"${f.fsType}\\": $(stat -f -c %T ${q(f.fsType)})" || rc=1`);
  for (const [path, mode] of [[f.newFile0644, "0644"], [f.newFile0666, "0666"], [f.newFile0777, "0777"]] as const) {
    if (!path) continue;
    lines.push(`{ printf 'mount-tester new file\\n' > ${q(path)} && chmod ${mode} ${q(path)} && printf 'content of file "%s": %s\\n\\n' ${q(path)} "$(cat ${q(path)})"; } || rc=1`);
  }
  if (f.fileMode) lines.push(`[ -f ${q(f.fileMode)} ] && echo "mode of file \\"${f.fileMode}\\": $(perm $(stat -L -c %a ${q(f.fileMode)}))" || rc=1`);
  if (f.filePerm) lines.push(`echo "perms of file \\"${f.filePerm}\\": $(perm $(stat -L -c %a ${q(f.filePerm)}))" || rc=1`);
  if (f.fileOwner) lines.push(`echo "owner UID of \\"${f.fileOwner}\\": $(stat -L -c %u ${q(f.fileOwner)})" && echo "owner GID of \\"${f.fileOwner}\\": $(stat -L -c %g ${q(f.fileOwner)})" || rc=1`);
  if (f.fileContent) lines.push(`c=$(cat ${q(f.fileContent)}) && printf 'content of file "%s": %s\\n' ${q(f.fileContent)} "$c" || rc=1`);
  if (f.fileContentInLoop) lines.push(`while :; do printf 'content of file "%s": %s\\n' ${q(f.fileContentInLoop)} "$(cat ${q(f.fileContentInLoop)})"; sleep 1; done`);
  lines.push("exit $rc");
  return lines.join("\n");
}

// ---- EmptyDir (empty_dir.go) ------------------------------------------------------------------

const VOLUME_PATH = "/test-volume";
const NON_ROOT_UID = 1001;

/** testPodWithVolume: the test container mounts the emptyDir at /test-volume; runAsUser unless uid is 0. */
function testPodWithVolume(uid: number, medium: "" | "Memory", script: string): KubeObject {
  return podObject(`pod-${uuid()}`, {
    // Upstream also sets seLinuxOptions level s0: SELinux is not in use on these nodes.
    securityContext: uid !== 0 ? { runAsUser: uid } : {},
    restartPolicy: "Never",
    containers: [busybox("test-container", script, { volumeMounts: [{ name: "test-volume", mountPath: VOLUME_PATH }] })],
    volumes: [{ name: "test-volume", emptyDir: medium ? { medium } : {} }],
  });
}

/** doTestVolumeMode / doTest0644 / doTest0666 / doTest0777. */
async function doTestEmptyDir(uid: number, medium: "" | "Memory", newFileMode?: "0644" | "0666" | "0777"): Promise<void> {
  const ns = await freshNamespace("emptydir");
  const filePath = `${VOLUME_PATH}/test-file`;
  const flags: MounttestFlags = { fsType: VOLUME_PATH };
  const out: string[] = [];
  if (!newFileMode) {
    flags.filePerm = VOLUME_PATH;
    out.push(`perms of file "${VOLUME_PATH}": -rwxrwxrwx`);
  } else {
    if (newFileMode === "0644") flags.newFile0644 = filePath;
    if (newFileMode === "0666") flags.newFile0666 = filePath;
    if (newFileMode === "0777") flags.newFile0777 = filePath;
    flags.filePerm = filePath;
    const perms = { "0644": "-rw-r--r--", "0666": "-rw-rw-rw-", "0777": "-rwxrwxrwx" }[newFileMode];
    out.push(`perms of file "${filePath}": ${perms}`, `content of file "${filePath}": mount-tester new file`);
  }
  if (medium === "Memory") out.push(`mount type of "${VOLUME_PATH}": tmpfs`);
  await testContainerOutput(ns, testPodWithVolume(uid, medium, mounttest(flags)), 0, out);
}

// ---- Downward API volume (downwardapi_volume.go) and Projected downwardAPI (projected_downwardapi.go) ----

type Kind = "downwardAPI" | "projected";

/** The items of downwardAPIVolumeBasePod / projectedDownwardAPIVolumeBasePod (plus labels/annotations files). */
function downwardItems(labels: boolean, annotations: boolean): Record<string, any>[] {
  const res = (path: string, resource: string) => ({ path, resourceFieldRef: { containerName: "client-container", resource } });
  return [
    { path: "podname", fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } },
    res("cpu_limit", "limits.cpu"), res("cpu_request", "requests.cpu"), res("memory_limit", "limits.memory"), res("memory_request", "requests.memory"),
    ...(labels ? [{ path: "labels", fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels" } }] : []),
    ...(annotations ? [{ path: "annotations", fieldRef: { apiVersion: "v1", fieldPath: "metadata.annotations" } }] : []),
  ];
}

/** The "podinfo" volume, as a downwardAPI volume or a projected volume with one downwardAPI source. */
function podinfoVolume(kind: Kind, opts: { labels?: boolean; annotations?: boolean; itemMode?: number; defaultMode?: number } = {}): Record<string, any> {
  const items = downwardItems(!!opts.labels, !!opts.annotations);
  if (opts.itemMode !== undefined) items[0]!.mode = opts.itemMode;
  const defaultMode = opts.defaultMode !== undefined ? { defaultMode: opts.defaultMode } : {};
  return kind === "downwardAPI"
    ? { name: "podinfo", downwardAPI: { items, ...defaultMode } }
    : { name: "podinfo", projected: { sources: [{ downwardAPI: { items } }], ...defaultMode } };
}

/** downwardAPIVolumeBasePod (or its projected twin) with one client-container running `script`. */
function downwardPod(kind: Kind, name: string, script: string, opts: { labels?: Record<string, string>; annotations?: Record<string, string>; itemMode?: number; defaultMode?: number; resources?: Record<string, any> } = {}): KubeObject {
  const labels = opts.labels && Object.keys(opts.labels).length ? opts.labels : undefined;
  const annotations = opts.annotations && Object.keys(opts.annotations).length ? opts.annotations : undefined;
  return podObject(name, {
    restartPolicy: "Never",
    containers: [busybox("client-container", script, {
      ...(opts.resources ? { resources: opts.resources } : {}),
      volumeMounts: [{ name: "podinfo", mountPath: "/etc/podinfo" }],
    })],
    volumes: [podinfoVolume(kind, { labels: !!labels, annotations: !!annotations, itemMode: opts.itemMode, defaultMode: opts.defaultMode })],
  }, { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) });
}

/** downwardAPIVolumeBaseContainers' resources: requests 250m / 32Mi, limits 1250m / 64Mi. */
const CONTAINER_RESOURCES = { requests: { cpu: "250m", memory: "32Mi" }, limits: { cpu: "1250m", memory: "64Mi" } };

/** The node's allocatable cpu (whole cores, rounded up, as the downward API divides) and memory (bytes). */
async function nodeAllocatable(): Promise<{ cpu: string; memory: string }> {
  const node = (await client.list<KubeObject & { status?: { allocatable?: Record<string, string> } }>(R.nodes)).items[0]!;
  const alloc = node.status!.allocatable!;
  const milli = quantityScaledValue(parseQuantity(alloc.cpu!), -3);
  return { cpu: ((milli + 999n) / 1000n).toString(), memory: quantityScaledValue(parseQuantity(alloc.memory!), 0).toString() };
}

type ResourceFile = "cpu_limit" | "cpu_request" | "memory_limit" | "memory_request";

/** "should provide container's cpu/memory limit/request": the file holds the container's value. */
async function doTestContainerResource(kind: Kind, file: ResourceFile, expected: string): Promise<void> {
  const ns = await freshNamespace(kind === "downwardAPI" ? "downward-api" : "projected");
  const path = `/etc/podinfo/${file}`;
  const name = `downwardapi-volume-${uuid()}`;
  const log = await testContainerOutput(ns, downwardPod(kind, name, mounttest({ fileContent: path }), { resources: CONTAINER_RESOURCES }), 0, [`${expected}\n`]);
  expect(log).toBe(`content of file "${path}": ${expected}\n`);
}

/** "should provide node allocatable (cpu|memory) as default … limit if the limit is not set". */
async function doTestDefaultLimit(kind: Kind, file: "cpu_limit" | "memory_limit"): Promise<void> {
  const ns = await freshNamespace(kind === "downwardAPI" ? "downward-api" : "projected");
  const path = `/etc/podinfo/${file}`;
  const name = `downwardapi-volume-${uuid()}`;
  const log = await testContainerOutput(ns, downwardPod(kind, name, mounttest({ fileContent: path })), 0, [/[1-9]/]);
  // Beyond upstream's regexp: the value is the node's allocatable.
  const alloc = await nodeAllocatable();
  expect(log).toBe(`content of file "${path}": ${file === "cpu_limit" ? alloc.cpu : alloc.memory}\n`);
}

async function doTestPodname(kind: Kind): Promise<void> {
  const ns = await freshNamespace(kind === "downwardAPI" ? "downward-api" : "projected");
  const name = `downwardapi-volume-${uuid()}`;
  await testContainerOutput(ns, downwardPod(kind, name, mounttest({ fileContent: "/etc/podinfo/podname" })), 0, [`${name}\n`]);
}

/** "should set DefaultMode on files" / "should set mode on item file": 0400 → -r--------. */
async function doTestMode(kind: Kind, which: "defaultMode" | "itemMode"): Promise<void> {
  const ns = await freshNamespace(kind === "downwardAPI" ? "downward-api" : "projected");
  const name = `downwardapi-volume-${uuid()}`;
  const opts = which === "defaultMode" ? { defaultMode: 0o400 } : { itemMode: 0o400 };
  await testContainerOutput(ns, downwardPod(kind, name, mounttest({ fileMode: "/etc/podinfo/podname" }), opts), 0, [`mode of file "/etc/podinfo/podname": -r--------`]);
}

/** "should update labels on modification": key1 is in the file, then a new label key3 appears in it. */
async function doTestLabelsUpdate(kind: Kind): Promise<void> {
  const ns = await freshNamespace(kind === "downwardAPI" ? "downward-api" : "projected");
  const name = `labelsupdate${uuid()}`;
  const pod = downwardPod(kind, name, mounttest({ fileContentInLoop: "/etc/podinfo/labels" }), { labels: { key1: "value1", key2: "value2" } });
  await createSync(ns, pod);
  await eventuallyLogContains(ns, name, "client-container", `key1="value1"\n`);
  await updatePod(ns, name, (p) => { p.metadata.labels = { ...p.metadata.labels, key3: "value3" }; });
  const log = await eventuallyLogContains(ns, name, "client-container", `key3="value3"\n`);
  expect(log).toContain(`content of file "/etc/podinfo/labels": key1="value1"\nkey2="value2"\nkey3="value3"\n`);
}

/** "should update annotations on modification": builder="bar", then builder="foo". */
async function doTestAnnotationsUpdate(kind: Kind): Promise<void> {
  const ns = await freshNamespace(kind === "downwardAPI" ? "downward-api" : "projected");
  const name = `annotationupdate${uuid()}`;
  const pod = downwardPod(kind, name, mounttest({ fileContentInLoop: "/etc/podinfo/annotations" }), { annotations: { builder: "bar" } });
  await createSync(ns, pod);
  await eventuallyLogContains(ns, name, "client-container", `builder="bar"\n`);
  await updatePod(ns, name, (p) => { p.metadata.annotations = { ...p.metadata.annotations, builder: "foo" }; });
  const log = await eventuallyLogContains(ns, name, "client-container", `builder="foo"\n`);
  expect(log).toMatch(/content of file "\/etc\/podinfo\/annotations": (.*\n)*builder="foo"\n/);
}

// ---- Subpath, atomic writer volumes (storage/subpath.go, testsuites/subpath.go) ----------------

const PROBE_VOLUME_PATH = "/probe-volume";

/**
 * SubpathTestPod after removeUnusedContainers: only the subpath container is left, mounting the
 * volume at /test-volume with `subPath` and an emptyDir probe volume; TestBasicSubpathFile makes
 * it read `file` (mounttest --file_content_in_loop; here one read).
 */
function subpathTestPod(subPath: string, volumeType: string, source: Record<string, any>, file = VOLUME_PATH): KubeObject {
  const suffix = `${volumeType.replace(/[^A-Za-z0-9]/g, "-")}-${uuid().slice(0, 4)}`.toLowerCase();
  return podObject(`pod-subpath-test-${suffix}`, {
    restartPolicy: "Never",
    containers: [busybox(`test-container-subpath-${suffix}`, mounttest({ fileContent: file }), {
      securityContext: { privileged: false },
      volumeMounts: [{ name: "test-volume", mountPath: file, subPath }, { name: "liveness-probe-volume", mountPath: PROBE_VOLUME_PATH }],
    })],
    volumes: [{ name: "test-volume", ...source }, { name: "liveness-probe-volume", emptyDir: {} }],
  });
}

/** The BeforeEach of "Atomic writer volumes": my-secret and my-configmap. */
async function atomicWriterData(): Promise<string> {
  const ns = await freshNamespace("subpath");
  await client.create({ ...R.secrets, namespace: ns }, { apiVersion: "v1", kind: "Secret", metadata: { name: "my-secret" }, data: { "secret-key": btoa("secret-value") } } as KubeObject);
  await client.create({ ...R.configMaps, namespace: ns }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "my-configmap" }, data: { "configmap-key": "configmap-value" } } as KubeObject);
  return ns;
}

/** TestBasicSubpathFile: the pod succeeds with the contents in its log; then it is deleted and waited for. */
async function testBasicSubpath(ns: string, contents: string, pod: KubeObject, file = VOLUME_PATH): Promise<void> {
  const log = await testContainerOutput(ns, pod, 0, [contents]);
  expect(log).toBe(`content of file "${file}": ${contents}\n`);
  await client.delete({ ...pods(ns), name: pod.metadata.name! });
  await within(POD_TIMEOUT_MS, async () => ((await getPod(client, ns, pod.metadata.name!)) ? undefined : true), 1000);
}

// ---- the tests ------------------------------------------------------------------------------------

/**
 * At most this many cases have pods at once: every case is concurrent, but dozens of pods starting
 * together on a 2-core machine slow every one of them down (runc, CNI, volume set-up) more than
 * running them in waves does.
 */
const MAX_CASES_AT_ONCE = 8;
let running = 0;
const queue: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CASES_AT_ONCE) await new Promise<void>((resolve) => queue.push(resolve));
  else running++;
  try {
    return await fn();
  } finally {
    // Hand the slot straight to the next waiting case, if any.
    const next = queue.shift();
    if (next) next();
    else running--;
  }
}
/** A concurrent case that waits for a slot (MAX_CASES_AT_ONCE). */
const it = (name: string, fn: () => Promise<unknown>) => test(name, () => limited(fn).then(() => {}), CASE_TIMEOUT_MS);

describe.concurrent("[sig-storage] EmptyDir wrapper volumes (dist/lite)", () => {
  it("[sig-storage] EmptyDir wrapper volumes should not conflict [Conformance]: a pod with a secret and a configMap volume starts", async () => {
    const ns = await freshNamespace("emptydir-wrapper");
    const name = `emptydir-wrapper-test-${uuid()}`;
    await client.create({ ...R.secrets, namespace: ns }, { apiVersion: "v1", kind: "Secret", metadata: { name }, data: { "data-1": btoa("value-1\n") } } as KubeObject);
    await client.create({ ...R.configMaps, namespace: ns }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, binaryData: { "data-1": btoa("value-1\n") } } as KubeObject);
    const podName = `pod-secrets-${uuid()}`;
    // agnhost test-webserver → busybox httpd.
    const pod = await createSync(ns, podObject(podName, {
      volumes: [{ name: "secret-volume", secret: { secretName: name } }, { name: "configmap-volume", configMap: { name } }],
      containers: [busybox("secret-test", "mkdir -p /www && exec httpd -f -p 8080 -h /www", {
        volumeMounts: [{ name: "secret-volume", mountPath: "/etc/secret-volume", readOnly: true }, { name: "configmap-volume", mountPath: "/etc/configmap-volume" }],
      })],
    }));
    expect(pod.status?.phase).toBe("Running");
    expect(condition(pod, "Ready")).toBe("True");
    // DeferCleanup: the secret, the configMap and the pod (grace period 0) are deleted without error.
    await client.delete({ ...R.secrets, namespace: ns, name });
    await client.delete({ ...R.configMaps, namespace: ns, name });
    await client.delete({ ...pods(ns), name: podName }, { gracePeriodSeconds: 0 });
  });

  // Not limited: it starts first and its pods, once running, cost little; it is the longest case.
  test("[sig-storage] EmptyDir wrapper volumes should not cause race condition when used for configmaps [Serial] [Conformance]: 3 × 5 pods with 50 configMap volumes each run", async () => {
    const ns = await freshNamespace("emptydir-wrapper");
    const VOLUMES = 50, PODS = 5, ITERATIONS = 3;
    // createConfigmapsForRace / makeConfigMapVolumes.
    const names = Array.from({ length: VOLUMES }, (_, i) => `racey-configmap-${i}`);
    await Promise.all(names.map((n) => client.create({ ...R.configMaps, namespace: ns }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: n }, data: { "data-1": "value-1" } } as KubeObject)));
    const volumes = names.map((n, i) => ({ name: `racey-configmap-${i}`, configMap: { name: n, items: [{ key: "data-1", path: "data-1" }] } }));
    const volumeMounts = names.map((_, i) => ({ name: `racey-configmap-${i}`, mountPath: `/etc/config-${i}` }));
    const node = (await client.list<KubeObject>(R.nodes)).items[0]!;
    const hostname = node.metadata.labels!["kubernetes.io/hostname"]!;
    const rcs: string[] = [];
    try {
      for (let i = 0; i < ITERATIONS; i++) {
        // testNoWrappedVolumeRace: an RC of pause pods pinned to one node, every pod Running.
        const rcName = `wrapped-volume-race-${uuid()}`;
        rcs.push(rcName);
        await client.create({ group: "", version: "v1", resource: "replicationcontrollers", namespace: ns }, {
          apiVersion: "v1", kind: "ReplicationController", metadata: { name: rcName },
          spec: {
            replicas: PODS, selector: { name: rcName },
            template: {
              metadata: { labels: { name: rcName } },
              spec: {
                terminationGracePeriodSeconds: 1,
                containers: [{ name: "test-container", image: PAUSE, imagePullPolicy: "IfNotPresent", volumeMounts }],
                affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [hostname] }] }] } } },
                dnsPolicy: "Default",
                volumes,
              },
            },
          },
        } as KubeObject);
        // e2epod.PodsCreated, then each pod (not being deleted) Running.
        const created = await within(60_000, async () => {
          const list = (await client.list<Pod>(pods(ns), { labelSelector: `name=${rcName}` })).items;
          return list.length === PODS ? list : undefined;
        }, 250);
        for (const p of created) {
          if (p.metadata.deletionTimestamp) continue;
          await waitPod(ns, p.metadata.name!, "Running", (x) => x.status?.phase === "Running");
        }
      }
    } finally {
      // DeleteRCAndWaitForGC, then deleteConfigMaps.
      for (const rc of rcs) await client.delete({ group: "", version: "v1", resource: "replicationcontrollers", namespace: ns, name: rc }).catch(() => {});
    }
    await within(POD_TIMEOUT_MS, async () => ((await client.list<Pod>(pods(ns))).items.length === 0 ? true : undefined), 1000);
    for (const n of names) await client.delete({ ...R.configMaps, namespace: ns, name: n });
  }, CASE_TIMEOUT_MS);
});

describe.concurrent("[sig-storage] EmptyDir volumes (dist/lite)", () => {
  it("[sig-storage] EmptyDir volumes volume on tmpfs should have the correct mode [LinuxOnly] [NodeConformance] [Conformance]: -rwxrwxrwx, tmpfs", () => doTestEmptyDir(0, "Memory"));
  it("[sig-storage] EmptyDir volumes should support (root,0644,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(0, "Memory", "0644"));
  it("[sig-storage] EmptyDir volumes should support (root,0666,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(0, "Memory", "0666"));
  it("[sig-storage] EmptyDir volumes should support (root,0777,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(0, "Memory", "0777"));
  it("[sig-storage] EmptyDir volumes should support (non-root,0644,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(NON_ROOT_UID, "Memory", "0644"));
  it("[sig-storage] EmptyDir volumes should support (non-root,0666,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(NON_ROOT_UID, "Memory", "0666"));
  it("[sig-storage] EmptyDir volumes should support (non-root,0777,tmpfs) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(NON_ROOT_UID, "Memory", "0777"));
  it("[sig-storage] EmptyDir volumes volume on default medium should have the correct mode [LinuxOnly] [NodeConformance] [Conformance]: -rwxrwxrwx", () => doTestEmptyDir(0, ""));
  it("[sig-storage] EmptyDir volumes should support (root,0644,default) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(0, "", "0644"));
  it("[sig-storage] EmptyDir volumes should support (root,0666,default) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(0, "", "0666"));
  it("[sig-storage] EmptyDir volumes should support (root,0777,default) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(0, "", "0777"));
  it("[sig-storage] EmptyDir volumes should support (non-root,0644,default) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(NON_ROOT_UID, "", "0644"));
  it("[sig-storage] EmptyDir volumes should support (non-root,0666,default) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(NON_ROOT_UID, "", "0666"));
  it("[sig-storage] EmptyDir volumes should support (non-root,0777,default) [LinuxOnly] [NodeConformance] [Conformance]", () => doTestEmptyDir(NON_ROOT_UID, "", "0777"));

  it("[sig-storage] EmptyDir volumes pod should support shared volumes between containers [Conformance]: the main container reads what the sub container wrote", async () => {
    const ns = await freshNamespace("emptydir");
    const message = "Hello from the busy-box sub-container";
    const name = `pod-sharedvolume-${uuid()}`;
    await client.create(pods(ns), podObject(name, {
      terminationGracePeriodSeconds: 0,
      restartPolicy: "Never",
      volumes: [{ name: "shared-data", emptyDir: {} }],
      containers: [
        busybox("busybox-main-container", "trap 'exit 0' TERM; while :; do sleep 1; done", { volumeMounts: [{ name: "shared-data", mountPath: "/usr/share/volumeshare" }] }),
        busybox("busybox-sub-container", `echo ${message} > /pod-data/shareddata.txt`, { volumeMounts: [{ name: "shared-data", mountPath: "/pod-data" }] }),
      ],
    }));
    await waitPod(ns, name, "Running", (p) => p.status?.phase === "Running");
    // ExecShellInContainer (its output trimmed); the sub container may still be starting when the pod runs.
    const result = await within(30_000, async () => {
      const r = await kubectl(server, ["-n", ns, "exec", name, "-c", "busybox-main-container", "--", "sh", "-c", "cat /usr/share/volumeshare/shareddata.txt"]);
      return r.code === 0 ? r.stdout.trim() : undefined;
    }, 250);
    expect(result).toBe(message);
  });
});

describe.concurrent("[sig-storage] Downward API volume (dist/lite)", () => {
  it("[sig-storage] Downward API volume should provide podname only [NodeConformance] [Conformance]", () => doTestPodname("downwardAPI"));
  it("[sig-storage] Downward API volume should set DefaultMode on files [LinuxOnly] [NodeConformance] [Conformance]: 0400 → -r--------", () => doTestMode("downwardAPI", "defaultMode"));
  it("[sig-storage] Downward API volume should set mode on item file [LinuxOnly] [NodeConformance] [Conformance]: 0400 → -r--------", () => doTestMode("downwardAPI", "itemMode"));
  it("[sig-storage] Downward API volume should update labels on modification [NodeConformance] [Conformance]", () => doTestLabelsUpdate("downwardAPI"));
  it("[sig-storage] Downward API volume should update annotations on modification [NodeConformance] [Conformance]", () => doTestAnnotationsUpdate("downwardAPI"));
  it("[sig-storage] Downward API volume should provide container's cpu limit [NodeConformance] [Conformance]: 1250m → 2", () => doTestContainerResource("downwardAPI", "cpu_limit", "2"));
  it("[sig-storage] Downward API volume should provide container's memory limit [NodeConformance] [Conformance]: 64Mi", () => doTestContainerResource("downwardAPI", "memory_limit", "67108864"));
  it("[sig-storage] Downward API volume should provide container's cpu request [NodeConformance] [Conformance]: 250m → 1", () => doTestContainerResource("downwardAPI", "cpu_request", "1"));
  it("[sig-storage] Downward API volume should provide container's memory request [NodeConformance] [Conformance]: 32Mi", () => doTestContainerResource("downwardAPI", "memory_request", "33554432"));
  it("[sig-storage] Downward API volume should provide node allocatable (cpu) as default cpu limit if the limit is not set [NodeConformance] [Conformance]", () => doTestDefaultLimit("downwardAPI", "cpu_limit"));
  it("[sig-storage] Downward API volume should provide node allocatable (memory) as default memory limit if the limit is not set [NodeConformance] [Conformance]", () => doTestDefaultLimit("downwardAPI", "memory_limit"));
});

/**
 * Upstream's Projected downwardAPI tests for podname and the resource files create the same pod as
 * the Downward API volume tests (downwardAPIVolumePodForSimpleTest, downwardAPIVolumeForContainerResources):
 * that pod runs here as upstream's, and its projected twin runs too, so the projection is covered.
 */
describe.concurrent("[sig-storage] Projected downwardAPI (dist/lite)", () => {
  const both = (fn: (kind: Kind) => Promise<void>) => () => Promise.all([fn("downwardAPI"), fn("projected")]).then(() => {});
  it("[sig-storage] Projected downwardAPI should provide podname only [NodeConformance] [Conformance]", both(doTestPodname));
  it("[sig-storage] Projected downwardAPI should set DefaultMode on files [LinuxOnly] [NodeConformance] [Conformance]: 0400 → -r--------", () => doTestMode("projected", "defaultMode"));
  it("[sig-storage] Projected downwardAPI should set mode on item file [LinuxOnly] [NodeConformance] [Conformance]: 0400 → -r--------", () => doTestMode("projected", "itemMode"));
  it("[sig-storage] Projected downwardAPI should update labels on modification [NodeConformance] [Conformance]", () => doTestLabelsUpdate("projected"));
  it("[sig-storage] Projected downwardAPI should update annotations on modification [NodeConformance] [Conformance]", () => doTestAnnotationsUpdate("projected"));
  it("[sig-storage] Projected downwardAPI should provide container's cpu limit [NodeConformance] [Conformance]: 1250m → 2", both((k) => doTestContainerResource(k, "cpu_limit", "2")));
  it("[sig-storage] Projected downwardAPI should provide container's memory limit [NodeConformance] [Conformance]: 64Mi", both((k) => doTestContainerResource(k, "memory_limit", "67108864")));
  it("[sig-storage] Projected downwardAPI should provide container's cpu request [NodeConformance] [Conformance]: 250m → 1", both((k) => doTestContainerResource(k, "cpu_request", "1")));
  it("[sig-storage] Projected downwardAPI should provide container's memory request [NodeConformance] [Conformance]: 32Mi", both((k) => doTestContainerResource(k, "memory_request", "33554432")));
  it("[sig-storage] Projected downwardAPI should provide node allocatable (cpu) as default cpu limit if the limit is not set [NodeConformance] [Conformance]", both((k) => doTestDefaultLimit(k, "cpu_limit")));
  it("[sig-storage] Projected downwardAPI should provide node allocatable (memory) as default memory limit if the limit is not set [NodeConformance] [Conformance]", both((k) => doTestDefaultLimit(k, "memory_limit")));
});

describe.concurrent("[sig-storage] Projected combined and Subpath atomic writer volumes (dist/lite)", () => {
  it("[sig-storage] Projected combined should project all components that make up the projection API [Projection] [NodeConformance] [Conformance]: podname, secret and configMap in one volume", async () => {
    const ns = await freshNamespace("projected");
    const podName = `projected-volume-${uuid()}`;
    const secretName = `secret-projected-all-test-volume-${uuid()}`;
    const configMapName = `configmap-projected-all-test-volume-${uuid()}`;
    await client.create({ ...R.configMaps, namespace: ns }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: configMapName }, data: { "configmap-data": "configmap-value-1" } } as KubeObject);
    await client.create({ ...R.secrets, namespace: ns }, { apiVersion: "v1", kind: "Secret", metadata: { name: secretName }, data: { "secret-data": btoa("secret-value-1") } } as KubeObject);
    const pod = podObject(podName, {
      restartPolicy: "Never",
      volumes: [{
        name: "podinfo",
        projected: { sources: [
          { downwardAPI: { items: [{ path: "podname", fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } }] } },
          { secret: { name: secretName } },
          { configMap: { name: configMapName } },
        ] },
      }],
      containers: [busybox("projected-all-volume-test", "cat /all/podname && cat /all/secret-data && cat /all/configmap-data", { volumeMounts: [{ name: "podinfo", mountPath: "/all" }] })],
    });
    const log = await testContainerOutput(ns, pod, 0, [podName, "secret-value-1", "configmap-value-1"]);
    expect(log).toBe(`${podName}secret-value-1configmap-value-1`);
  });

  it("[sig-storage] Subpath Atomic writer volumes should support subpaths with secret pod [Conformance]", async () => {
    const ns = await atomicWriterData();
    await testBasicSubpath(ns, "secret-value", subpathTestPod("secret-key", "secret", { secret: { secretName: "my-secret" } }));
  });

  it("[sig-storage] Subpath Atomic writer volumes should support subpaths with configmap pod [Conformance]", async () => {
    const ns = await atomicWriterData();
    await testBasicSubpath(ns, "configmap-value", subpathTestPod("configmap-key", "configmap", { configMap: { name: "my-configmap" } }));
  });

  it("[sig-storage] Subpath Atomic writer volumes should support subpaths with configmap pod with mountPath of existing file [Conformance]: /etc/resolv.conf", async () => {
    const ns = await atomicWriterData();
    const file = "/etc/resolv.conf";
    await testBasicSubpath(ns, "configmap-value", subpathTestPod("configmap-key", "configmap", { configMap: { name: "my-configmap" } }, file), file);
  });

  it("[sig-storage] Subpath Atomic writer volumes should support subpaths with downward pod [Conformance]", async () => {
    const ns = await atomicWriterData();
    const pod = subpathTestPod("downward/podname", "downwardAPI", {
      downwardAPI: { items: [{ path: "downward/podname", fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } }] },
    });
    await testBasicSubpath(ns, pod.metadata.name!, pod);
  });

  it("[sig-storage] Subpath Atomic writer volumes should support subpaths with projected pod [Conformance]", async () => {
    const ns = await atomicWriterData();
    await testBasicSubpath(ns, "configmap-value", subpathTestPod("projected/configmap-key", "projected", {
      projected: { sources: [{ configMap: { name: "my-configmap", items: [{ path: "projected/configmap-key", key: "configmap-key" }] } }] },
    }));
  });
});
