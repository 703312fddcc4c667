/**
 * Upstream conformance tests for ConfigMaps and Secrets, as volumes (test/e2e/common/storage:
 * configmap_volume.go, secrets_volume.go, projected_configmap.go, projected_secret.go) and as
 * environment (test/e2e/common/node: configmap.go, secrets.go, downwardapi.go), against the
 * compiled binary: the same objects, API calls and checks, on one lite server whose embedded agent
 * runs the pods in a network namespace of its own. Every case has its own namespace and the cases
 * run concurrently.
 *
 * No registry is reachable, so agnhost's `mounttest` is replaced by busybox commands that print
 * the lines mounttest prints and upstream asserts on:
 * - `--file_content=F`  → `content of file "F": <cat F>`,
 * - `--file_mode=F`     → `mode of file "F": <stat -L -c %A F>` (mounttest os.Stat-s through the
 *   ..data symlink, so does `stat -L`), e.g. `-rw-r--r--`,
 * - `--file_content_in_loop=F` (with --break_on_expected_content=false) → a loop printing the
 *   content, or `Error reading file F: …` while F cannot be read, once a second;
 * and where upstream names fsGroup, `owner of file "F": <uid> <gid>` checks the group too.
 * Like upstream's TestContainerOutput, a pod runs to Succeeded and its container log (read via
 * the API: pods/<name>/log) must contain every expected line; the update tests poll the log of
 * a long-running pod. The kubelet refreshes projected data every 20 s (upstream: about 1 min).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, isInvalid, type ApiClient, type KubeObject } from "@lite/sdk";
import { httpsTransport, kubeconfigTransportOptions, type Transport } from "../core/client/index.ts";
import type { LiteServer } from "./harness/lite-process.ts";
import { within, populatedNamespace } from "./harness/kube.ts";
import { startNetnsServer, type NetnsServer } from "./harness/netns-server.ts";
import { busyboxPod, getPod, isRunningReady, podEvents, type Pod } from "./harness/pods.ts";

setDefaultTimeout(300_000);

const R = builtinResources;
/** Upstream's nonRootTestUserID. */
const NON_ROOT_UID = 1000;

let cluster: NetnsServer;
let server: LiteServer;
let client: ApiClient;
let transport: Transport;

beforeAll(async () => {
  cluster = await startNetnsServer("lite-volumes-cm-secret");
  ({ server, client } = cluster);
  transport = httpsTransport(kubeconfigTransportOptions(server.kubeconfig));
});

afterAll(async () => {
  await cluster?.stop();
});

/**
 * A fresh namespace, once its controllers have populated it (the `default` ServiceAccount and the
 * `kube-root-ca.crt` ConfigMap), as harness freshNamespace does, but through the API client: many
 * concurrent kubectl processes would cost more CPU than the pods under test.
 */
async function freshNamespace(prefix: string): Promise<string> {
  return populatedNamespace(client, prefix, 60_000);
}

// ---- objects ------------------------------------------------------------------------------------

type ConfigMap = KubeObject & { data?: Record<string, string>; binaryData?: Record<string, string>; immutable?: boolean };
type Secret = KubeObject & { data?: Record<string, string>; type?: string; immutable?: boolean };

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString();

/** Upstream newConfigMap. */
const newConfigMap = (name: string): ConfigMap => ({ metadata: { name }, data: { "data-1": "value-1", "data-2": "value-2", "data-3": "value-3" } });
/** Upstream secretForTest (values end in a newline). */
const secretForTest = (name: string): Secret => ({ metadata: { name }, data: { "data-1": b64("value-1\n"), "data-2": b64("value-2\n"), "data-3": b64("value-3\n") } });

const createConfigMap = (ns: string, cm: ConfigMap) => client.create<ConfigMap>({ ...R.configMaps, namespace: ns }, cm);
const createSecret = (ns: string, s: Secret) => client.create<Secret>({ ...R.secrets, namespace: ns }, s);

// ---- pods and their output -------------------------------------------------------------------------

/** A busybox pod object (harness defaults: image busybox, IfNotPresent, 1 s grace period); restartPolicy Never. */
function pod(name: string, spec: Record<string, any>): Record<string, any> {
  return JSON.parse(busyboxPod(name, { restartPolicy: "Never", ...spec }));
}

/** The lines agnhost mounttest prints for --file_content / --file_mode, plus ownership (uid gid). */
function mounttest(opts: { content?: string[]; mode?: string[]; owner?: string[] }): string[] {
  const lines = [
    ...(opts.content ?? []).map((f) => `echo "content of file \\"${f}\\": $(cat ${f})"`),
    ...(opts.mode ?? []).map((f) => `echo "mode of file \\"${f}\\": $(stat -L -c %A ${f})"`),
    ...(opts.owner ?? []).map((f) => `echo "owner of file \\"${f}\\": $(stat -L -c '%u %g' ${f})"`),
  ];
  return ["sh", "-c", lines.join("; ")];
}

/** mounttest --break_on_expected_content=false --file_content_in_loop=F: reports F once a second, forever. */
function contentInLoop(file: string): string[] {
  return ["sh", "-c", `while true; do if c=$(cat ${file} 2>&1); then echo "content of file \\"${file}\\": $c"; else echo "Error reading file ${file}: $c"; fi; sleep 1; done`];
}

/** Go's os.FileMode string of a regular file (upstream getFileModeRegex): 0o644 → "-rw-r--r--". */
function modeString(mode: number): string {
  return "-" + [..."rwxrwxrwx"].map((c, i) => (mode & (1 << (8 - i)) ? c : "-")).join("");
}

async function podLog(ns: string, name: string, container: string): Promise<string> {
  const res = await transport.send(new Request(`${transport.baseUrl}/api/v1/namespaces/${ns}/pods/${name}/log?container=${container}`));
  const text = await res.text();
  if (!res.ok) throw new Error(`logs of ${ns}/${name}/${container}: HTTP ${res.status}: ${text}`);
  return text;
}

/**
 * At most this many of the file's short-lived pods run at once. All ~40 at once is a burst of pod
 * starts, exits and sandbox stops the node's containerd works through slowly when the machine is
 * loaded (seen: tasks long stopped while the CRI still reported them running, StopPodSandbox
 * exceeding its 2 min deadline), which holds pod statuses back for minutes.
 */
const POD_SLOTS = 8;
let freeSlots = POD_SLOTS;
const slotWaiters: (() => void)[] = [];
async function withPodSlot<T>(run: () => Promise<T>): Promise<T> {
  if (freeSlots > 0) freeSlots--;
  else await new Promise<void>((resolve) => slotWaiters.push(resolve));
  try {
    return await run();
  } finally {
    const next = slotWaiters.shift();
    if (next) next();
    else freeSlots++;
  }
}

/**
 * Upstream TestContainerOutput(Regexp): creates the pod, waits until it has Succeeded, and checks
 * that the container's log contains every expected line.
 */
async function testContainerOutput(ns: string, p: Record<string, any>, expected: (string | RegExp)[], container = p.spec.containers[0].name): Promise<string> {
  const { phase, log } = await withPodSlot(async () => {
    await client.create({ ...R.pods, namespace: ns }, p as KubeObject);
    const done = await waitForPod(ns, p.metadata.name, "terminated", (x) => x.status?.phase === "Succeeded" || x.status?.phase === "Failed");
    return { phase: done.status?.phase, log: await podLog(ns, p.metadata.name, container) };
  });
  expect(phase, `log: ${log}`).toBe("Succeeded");
  for (const e of expected) {
    if (typeof e === "string") expect(log).toContain(e);
    else expect(log).toMatch(e);
  }
  return log;
}

/** Polls the container's log until it contains `text` (upstream: Eventually(pollLogs).Should(ContainSubstring)). */
async function logEventuallyContains(ns: string, name: string, container: string, text: string, ms = 90_000): Promise<void> {
  let last = "";
  try {
    await within(ms, async () => { last = await podLog(ns, name, container).catch(() => ""); return last.includes(text) ? true : undefined; }, 500);
  } catch {
    throw new Error(`log of ${ns}/${name}/${container} never contained ${JSON.stringify(text)}; last log tail: ${last.slice(-400)}`);
  }
}

/** CreateSync: create the pod and wait until it runs. */
async function createSync(ns: string, p: Record<string, any>): Promise<void> {
  await client.create({ ...R.pods, namespace: ns }, p as KubeObject);
  await waitForPod(ns, p.metadata.name, "Running and Ready", isRunningReady);
}

/**
 * Polls the pod every 500 ms (many pods wait at once: a gentler pace than the harness' waitForPod)
 * until `check` holds; throws with the last status seen.
 */
async function waitForPod(ns: string, name: string, what: string, check: (p: Pod) => boolean, ms = 150_000): Promise<Pod> {
  let last: Pod | undefined;
  try {
    return await within(ms, async () => { last = await getPod(client, ns, name); return last && check(last) ? last : undefined; }, 500);
  } catch {
    const events = await podEvents(client, ns, name).catch(() => []);
    throw new Error(`pod ${ns}/${name}: not ${what} within ${ms} ms; last status: ${JSON.stringify(last?.status ?? "(no pod)")}; events: ${JSON.stringify(events)}`);
  }
}

const deletePod = (ns: string, name: string) => client.delete({ ...R.pods, namespace: ns, name }).catch(() => {});

// ---- volume sources ------------------------------------------------------------------------------

type Kind = "configMap" | "projectedConfigMap" | "secret" | "projectedSecret";

/** A volume of `kind` referencing object `ref`; `source` adds fields to the configMap/secret source (items, optional, defaultMode). */
function volume(kind: Kind, name: string, ref: string, source: Record<string, any> = {}, projectedDefaultMode?: number): Record<string, any> {
  switch (kind) {
    case "configMap": return { name, configMap: { name: ref, ...source } };
    case "secret": return { name, secret: { secretName: ref, ...source } };
    case "projectedConfigMap": return { name, projected: { sources: [{ configMap: { name: ref, ...source } }], ...(projectedDefaultMode !== undefined ? { defaultMode: projectedDefaultMode } : {}) } };
    case "projectedSecret": return { name, projected: { sources: [{ secret: { name: ref, ...source } }], ...(projectedDefaultMode !== undefined ? { defaultMode: projectedDefaultMode } : {}) } };
  }
}

const isProjected = (kind: Kind) => kind.startsWith("projected");

// ---- upstream's doConfigMapE2E* / doProjectedConfigMapE2E* ----------------------------------------

/** doConfigMapE2EWithoutMappings / doProjectedConfigMapE2EWithoutMappings (fsGroup 0: none). */
async function configMapWithoutMappings(kind: "configMap" | "projectedConfigMap", prefix: string, asUser: boolean, defaultMode?: number): Promise<void> {
  const ns = await freshNamespace(prefix);
  const name = kind === "configMap" ? "configmap-test-volume" : "projected-configmap-test-volume";
  const volumeName = kind === "configMap" ? "configmap-volume" : "projected-configmap-volume";
  const mountPath = `/etc/${volumeName}`;
  await createConfigMap(ns, newConfigMap(name));
  const file = `${mountPath}/data-1`;
  // The plain source sets its own defaultMode; upstream's projected variant sets the projected volume's.
  const vol = kind === "configMap"
    ? volume(kind, volumeName, name, defaultMode !== undefined ? { defaultMode } : {})
    : volume(kind, volumeName, name, {}, defaultMode);
  await testContainerOutput(ns, pod(`pod-${prefix}`, {
    ...(asUser ? { securityContext: { runAsUser: NON_ROOT_UID } } : {}),
    volumes: [vol],
    containers: [{ name: `${volumeName}-test`, command: mounttest({ content: [file], mode: [file] }), volumeMounts: [{ name: volumeName, mountPath, readOnly: true }] }],
  }), [`content of file "${file}": value-1`, `mode of file "${file}": ${modeString(defaultMode ?? 0o644)}`]);
}

/** doConfigMapE2EWithMappings / doProjectedConfigMapE2EWithMappings (fsGroup 0: the mode is checked). */
async function configMapWithMappings(kind: "configMap" | "projectedConfigMap", prefix: string, asUser: boolean, itemMode?: number): Promise<void> {
  const ns = await freshNamespace(prefix);
  const name = kind === "configMap" ? "configmap-test-volume-map" : "projected-configmap-test-volume-map";
  const volumeName = kind === "configMap" ? "configmap-volume" : "projected-configmap-volume";
  const mountPath = `/etc/${volumeName}`;
  await createConfigMap(ns, newConfigMap(name));
  const file = `${mountPath}/path/to/data-2`;
  // The plain source sets the item's mode; upstream's projected variant sets the projected volume's defaultMode.
  const item = { key: "data-2", path: "path/to/data-2", ...(kind === "configMap" && itemMode !== undefined ? { mode: itemMode } : {}) };
  const vol = volume(kind, volumeName, name, { items: [item] }, kind === "projectedConfigMap" ? itemMode : undefined);
  await testContainerOutput(ns, pod(`pod-${prefix}`, {
    ...(asUser ? { securityContext: { runAsUser: NON_ROOT_UID } } : {}),
    volumes: [vol],
    containers: [{ name: `${volumeName}-test`, command: mounttest({ content: [file], mode: [file] }), volumeMounts: [{ name: volumeName, mountPath, readOnly: true }] }],
  }), [`content of file "${file}": value-2`, `mode of file "${file}": ${modeString(itemMode ?? 0o644)}`]);
}

/** "updates should be reflected in volume": value-1 in the loop's output, then value-2 after an update. */
async function configMapUpdates(kind: "configMap" | "projectedConfigMap", prefix: string): Promise<void> {
  const ns = await freshNamespace(prefix);
  const name = kind === "configMap" ? "configmap-test-upd" : "projected-configmap-test-upd";
  const volumeName = kind === "configMap" ? "configmap-volume" : "projected-configmap-volume";
  const mountPath = `/etc/${volumeName}`;
  const created = await createConfigMap(ns, { metadata: { name }, data: { "data-1": "value-1" } });
  const podName = `pod-${prefix}`;
  const container = `${volumeName}-test`;
  await createSync(ns, pod(podName, {
    volumes: [volume(kind, volumeName, name)],
    containers: [{ name: container, command: contentInLoop(`${mountPath}/data-1`), volumeMounts: [{ name: volumeName, mountPath, readOnly: true }] }],
  }));
  await logEventuallyContains(ns, podName, container, "value-1");
  // Updating configmap: resourceVersion cleared to force the update.
  await client.update({ ...R.configMaps, namespace: ns }, { ...created, metadata: { ...created.metadata, resourceVersion: undefined }, data: { "data-1": "value-2" } });
  await logEventuallyContains(ns, podName, container, "value-2");
  await deletePod(ns, podName);
}

/** "optional updates should be reflected in volume": a deleted, an updated and a created optional source. */
async function optionalUpdates(kind: Kind, prefix: string): Promise<void> {
  const ns = await freshNamespace(prefix);
  const isCM = kind === "configMap" || kind === "projectedConfigMap";
  const mountPath = { configMap: "/etc/configmap-volumes", projectedConfigMap: "/etc/projected-configmap-volumes", secret: "/etc/secret-volumes", projectedSecret: "/etc/projected-secret-volumes" }[kind];
  const p = isCM ? "cm" : "s";
  const names = { delete: `${p}-test-opt-del`, update: `${p}-test-opt-upd`, create: `${p}-test-opt-create` };
  const containers = isCM ? { delete: "delcm-volume-test", update: "updcm-volume-test", create: "createcm-volume-test" } : { delete: "dels-volume-test", update: "upds-volume-test", create: "creates-volume-test" };
  const volumes = isCM ? { delete: "deletecm-volume", update: "updatecm-volume", create: "createcm-volume" } : { delete: "deletes-volume", update: "updates-volume", create: "creates-volume" };
  const object = (name: string, data: Record<string, string>) => isCM
    ? { metadata: { name }, data } as ConfigMap
    : { metadata: { name }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) } as Secret;
  const create = (o: KubeObject) => isCM ? createConfigMap(ns, o) : createSecret(ns, o);
  const resource = isCM ? R.configMaps : R.secrets;

  await create(object(names.delete, { "data-1": "value-1" }));
  const updateObj = await create(object(names.update, { "data-1": "value-1" }));
  const podName = `pod-${prefix}`;
  const file = { delete: `${mountPath}/delete/data-1`, update: `${mountPath}/update/data-3`, create: `${mountPath}/create/data-1` };
  const roles = ["delete", "update", "create"] as const;
  await createSync(ns, pod(podName, {
    volumes: roles.map((r) => volume(kind, volumes[r], names[r], { optional: true })),
    containers: roles.map((r) => ({ name: containers[r], command: contentInLoop(file[r]), volumeMounts: [{ name: volumes[r], mountPath: `${mountPath}/${r}`, readOnly: true }] })),
  }));
  await logEventuallyContains(ns, podName, containers.create, `Error reading file ${file.create}`);
  await logEventuallyContains(ns, podName, containers.update, `Error reading file ${file.update}`);
  await logEventuallyContains(ns, podName, containers.delete, "value-1");

  // Delete one, update one (data-1 out, data-3 in; resourceVersion cleared to force it), create the third.
  await client.delete({ ...resource, namespace: ns, name: names.delete });
  const updated = object(names.update, { "data-3": "value-3" });
  await client.update({ ...resource, namespace: ns }, { ...updated, metadata: { ...updateObj.metadata, resourceVersion: undefined } });
  await create(object(names.create, { "data-1": "value-1" }));

  await logEventuallyContains(ns, podName, containers.create, "value-1");
  await logEventuallyContains(ns, podName, containers.update, "value-3");
  await logEventuallyContains(ns, podName, containers.delete, `Error reading file ${file.delete}`);
  await deletePod(ns, podName);
}

/** "should be consumable in multiple volumes in the same pod": one object, two volumes, two mounts. */
async function multipleVolumes(kind: Kind, prefix: string): Promise<void> {
  const ns = await freshNamespace(prefix);
  const isCM = kind === "configMap" || kind === "projectedConfigMap";
  const base = { configMap: "configmap-volume", projectedConfigMap: "projected-configmap-volume", secret: "secret-volume", projectedSecret: "projected-secret-volume" }[kind];
  const name = `${isProjected(kind) ? "projected-" : ""}${isCM ? "configmap-test-volume" : "secret-test"}`;
  if (isCM) await createConfigMap(ns, newConfigMap(name));
  else await createSecret(ns, secretForTest(name));
  const file = `/etc/${base}/data-1`;
  // Upstream checks the content, and for secrets the default mode too.
  const expected = [`content of file "${file}": value-1`, ...(isCM ? [] : [`mode of file "${file}": ${modeString(0o644)}`])];
  await testContainerOutput(ns, pod(`pod-${prefix}`, {
    volumes: [volume(kind, base, name), volume(kind, `${base}-2`, name)],
    containers: [{
      name: `${base}-test`, command: mounttest({ content: [file, `/etc/${base}-2/data-1`], mode: isCM ? [] : [file] }),
      volumeMounts: [{ name: base, mountPath: `/etc/${base}`, readOnly: true }, { name: `${base}-2`, mountPath: `/etc/${base}-2`, readOnly: true }],
    }],
  }), [...expected, `content of file "/etc/${base}-2/data-1": value-1`]);
}

// ---- upstream's doSecretE2E* / doProjectedSecretE2E* ---------------------------------------------

/** doSecretE2EWithoutMapping / doProjectedSecretE2EWithoutMapping. */
async function secretWithoutMapping(kind: "secret" | "projectedSecret", ns: string, prefix: string, secretName: string, opts: { defaultMode?: number; fsGroup?: number; uid?: number } = {}): Promise<void> {
  const volumeName = kind === "secret" ? "secret-volume" : "projected-secret-volume";
  const mountPath = `/etc/${volumeName}`;
  await createSecret(ns, secretForTest(secretName));
  const file = `${mountPath}/data-1`;
  const vol = kind === "secret"
    ? volume(kind, volumeName, secretName, opts.defaultMode !== undefined ? { defaultMode: opts.defaultMode } : {})
    : volume(kind, volumeName, secretName, {}, opts.defaultMode);
  const securityContext = opts.fsGroup !== undefined || opts.uid !== undefined ? { securityContext: { fsGroup: opts.fsGroup, runAsUser: opts.uid } } : {};
  const expected = [`content of file "${file}": value-1`, `mode of file "${file}": ${modeString(opts.defaultMode ?? 0o644)}`];
  // With fsGroup the file belongs to that group (how the non-root user can read a 0440 file).
  if (opts.fsGroup !== undefined) expected.push(`owner of file "${file}": 0 ${opts.fsGroup}`);
  await testContainerOutput(ns, pod(`pod-${prefix}`, {
    ...securityContext,
    volumes: [vol],
    containers: [{ name: `${volumeName}-test`, command: mounttest({ content: [file], mode: [file], owner: [file] }), volumeMounts: [{ name: volumeName, mountPath }] }],
  }), expected);
}

/** doSecretE2EWithMapping / doProjectedSecretE2EWithMapping. */
async function secretWithMapping(kind: "secret" | "projectedSecret", prefix: string, mode?: number): Promise<void> {
  const ns = await freshNamespace(prefix);
  const volumeName = kind === "secret" ? "secret-volume" : "projected-secret-volume";
  const mountPath = `/etc/${volumeName}`;
  const name = kind === "secret" ? "secret-test-map" : "projected-secret-test-map";
  await createSecret(ns, secretForTest(name));
  const file = `${mountPath}/new-path-data-1`;
  // The plain source sets the item's mode; upstream's projected variant sets the projected volume's defaultMode.
  const item = { key: "data-1", path: "new-path-data-1", ...(kind === "secret" && mode !== undefined ? { mode } : {}) };
  const vol = volume(kind, volumeName, name, { items: [item] }, kind === "projectedSecret" ? mode : undefined);
  await testContainerOutput(ns, pod(`pod-${prefix}`, {
    volumes: [vol],
    containers: [{ name: `${volumeName}-test`, command: mounttest({ content: [file], mode: [file] }), volumeMounts: [{ name: volumeName, mountPath }] }],
  }), [`content of file "${file}": value-1`, `mode of file "${file}": ${modeString(mode ?? 0o644)}`]);
}

/** "should be immutable if `immutable` field is set", for ConfigMaps and Secrets. */
async function immutable(isCM: boolean, prefix: string): Promise<void> {
  const ns = await freshNamespace(prefix);
  const target = { ...(isCM ? R.configMaps : R.secrets), namespace: ns };
  const name = "immutable";
  const value = (v: string) => (isCM ? v : b64(`${v}\n`));
  let current = await client.create<ConfigMap>(target, isCM ? newConfigMap(name) : secretForTest(name));
  // Data can change while mutable.
  current = await client.update<ConfigMap>(target, { ...current, data: { ...current.data, "data-4": value("value-4") } });
  // Mark it immutable.
  current = await client.update<ConfigMap>(target, { ...current, immutable: true });
  expect(current.immutable).toBe(true);
  // Data can't be changed now: Invalid.
  const changeData = await client.update(target, { ...current, data: { ...current.data, "data-5": value("value-5") } }).then(() => undefined, (e) => e);
  expect(isInvalid(changeData), String(changeData)).toBe(true);
  // It can't be switched back to mutable: Invalid.
  current = await client.get<ConfigMap>({ ...target, name });
  expect(current.immutable).toBe(true);
  expect(current.data?.["data-5"]).toBeUndefined();
  const backToMutable = await client.update(target, { ...current, immutable: false }).then(() => undefined, (e) => e);
  expect(isInvalid(backToMutable), String(backToMutable)).toBe(true);
  // Metadata can be changed.
  current = await client.get<ConfigMap>({ ...target, name });
  const relabeled = await client.update<ConfigMap>(target, { ...current, metadata: { ...current.metadata, labels: { label1: "value1" } } });
  expect(relabeled.metadata.labels).toEqual({ label1: "value1" });
  // An immutable object can be deleted.
  await client.delete({ ...target, name });
  await expect(client.get({ ...target, name })).rejects.toMatchObject({ code: 404 });
}

// ---- env: upstream's TestContainerOutput with `env` ---------------------------------------------

/**
 * Upstream runs `sh -c env`; this machine's busybox (1.35) sh drops variables whose names are not
 * shell identifiers (`data-1`) from the environment it passes on, so the envFrom cases run `env`
 * directly: the same check of the container's environment, without the shell in between.
 */
const ENV_WITHOUT_SHELL = ["env"];

function envPod(name: string, container: Record<string, any>): Record<string, any> {
  return pod(name, { containers: [{ command: ["sh", "-c", "env"], ...container }] });
}

/** upstream testDownwardAPI: dapi-container with requests 250m/32Mi and limits 1250m/64Mi. */
function downwardApiPod(name: string, env: Record<string, any>[], withResources = true): Record<string, any> {
  return envPod(name, {
    name: "dapi-container", env,
    ...(withResources ? { resources: { requests: { cpu: "250m", memory: "32Mi" }, limits: { cpu: "1250m", memory: "64Mi" } } } : {}),
  });
}
const fieldRef = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } });
const resourceFieldRef = (name: string, resource: string) => ({ name, valueFrom: { resourceFieldRef: { resource } } });
/** e2enetwork.RegexIPv4 / RegexIPv6. */
const IPV4 = "(?:\\d+)\\.(?:\\d+)\\.(?:\\d+)\\.(?:\\d+)";
const IPV6 = "(?:(?:[0-9a-fA-F:]+):(?:[0-9a-fA-F:]*))";

describe.concurrent("ConfigMap and Secret conformance (dist/lite with its agent)", () => {
  // ---- [sig-node] ConfigMap (test/e2e/common/node/configmap.go) -----------------------------

  test("[sig-node] ConfigMap should be consumable via environment variable [NodeConformance] [Conformance]: configMapKeyRef → CONFIG_DATA_1=value-1", async () => {
    const ns = await freshNamespace("cm-env");
    await createConfigMap(ns, newConfigMap("configmap-test"));
    await testContainerOutput(ns, envPod("pod-configmaps", {
      name: "env-test", env: [{ name: "CONFIG_DATA_1", valueFrom: { configMapKeyRef: { name: "configmap-test", key: "data-1" } } }],
    }), ["CONFIG_DATA_1=value-1"]);
  });

  test("[sig-node] ConfigMap should be consumable via the environment [NodeConformance] [Conformance]: envFrom, with and without prefix", async () => {
    const ns = await freshNamespace("cm-envfrom");
    await createConfigMap(ns, newConfigMap("configmap-test"));
    await testContainerOutput(ns, envPod("pod-configmaps", {
      name: "env-test", command: ENV_WITHOUT_SHELL, envFrom: [{ configMapRef: { name: "configmap-test" } }, { prefix: "p-", configMapRef: { name: "configmap-test" } }],
    }), ["data-1=value-1", "data-2=value-2", "data-3=value-3", "p-data-1=value-1", "p-data-2=value-2", "p-data-3=value-3"]);
  });

  test("[sig-node] ConfigMap should fail to create ConfigMap with empty key [Conformance]: the create is rejected", async () => {
    const ns = await freshNamespace("cm-emptykey");
    const err = await createConfigMap(ns, { metadata: { name: "configmap-test-emptykey" }, data: { "": "value-1" } }).then(() => undefined, (e) => e);
    expect(err, "a ConfigMap with an empty key was created").toBeDefined();
    expect(isInvalid(err), String(err)).toBe(true);
  });

  test("[sig-node] ConfigMap should run through a ConfigMap lifecycle [Conformance]: create, get, strategic patch, list by label in all namespaces, deletecollection", async () => {
    const ns = await freshNamespace("cm-life");
    const name = "test-configmap";
    const target = { ...R.configMaps, namespace: ns };
    await client.create(target, { metadata: { name, labels: { "test-configmap-static": "true" } }, data: { valueName: "value" } } as ConfigMap);
    const fetched = await client.get<ConfigMap>({ ...target, name });
    expect(fetched.data?.valueName).toBe("value");
    expect(fetched.metadata.labels?.["test-configmap-static"]).toBe("true");

    await client.patch({ ...target, name }, "strategic", { metadata: { labels: { "test-configmap": "patched" } }, data: { valueName: "value1" } });
    const listed = await client.list<ConfigMap>(R.configMaps, { labelSelector: "test-configmap=patched" });
    const found = listed.items.find((c) => c.metadata.name === name && c.metadata.namespace === ns);
    expect(found?.metadata.labels).toMatchObject({ "test-configmap-static": "true", "test-configmap": "patched" });
    expect(found?.data?.valueName).toBe("value1");

    await client.deleteCollection(target, { labelSelector: "test-configmap-static=true" });
    expect((await client.list(target, { labelSelector: "test-configmap-static=true" })).items).toHaveLength(0);
  });

  // ---- [sig-node] Secrets (test/e2e/common/node/secrets.go) --------------------------------------

  test("[sig-node] Secrets should be consumable from pods in env vars [NodeConformance] [Conformance]: secretKeyRef → SECRET_DATA=value-1", async () => {
    const ns = await freshNamespace("s-env");
    await createSecret(ns, secretForTest("secret-test"));
    await testContainerOutput(ns, envPod("pod-secrets", {
      name: "secret-env-test", env: [{ name: "SECRET_DATA", valueFrom: { secretKeyRef: { name: "secret-test", key: "data-1" } } }],
    }), ["SECRET_DATA=value-1"]);
  });

  test("[sig-node] Secrets should be consumable via the environment [NodeConformance] [Conformance]: envFrom, with and without prefix", async () => {
    const ns = await freshNamespace("s-envfrom");
    await createSecret(ns, secretForTest("secret-test"));
    await testContainerOutput(ns, envPod("pod-configmaps", {
      name: "env-test", command: ENV_WITHOUT_SHELL, envFrom: [{ secretRef: { name: "secret-test" } }, { prefix: "p-", secretRef: { name: "secret-test" } }],
    }), ["data-1=value-1", "data-2=value-2", "data-3=value-3", "p-data-1=value-1", "p-data-2=value-2", "p-data-3=value-3"]);
  });

  test("[sig-node] Secrets should fail to create secret due to empty secret key [Conformance]: the create is rejected", async () => {
    const ns = await freshNamespace("s-emptykey");
    const err = await createSecret(ns, { metadata: { name: "secret-emptykey-test" }, data: { "": b64("value-1\n") } }).then(() => undefined, (e) => e);
    expect(err, "a Secret with an empty key was created").toBeDefined();
    expect(isInvalid(err), String(err)).toBe(true);
  });

  test("[sig-node] Secrets should patch a secret [Conformance]: list in all namespaces, strategic patch of data, deletecollection by the patched label", async () => {
    const ns = await freshNamespace("s-patch");
    const name = "test-secret";
    const target = { ...R.secrets, namespace: ns };
    await client.create(target, { metadata: { name, labels: { "testsecret-constant": "true" } }, data: { key: b64("value") }, type: "Opaque" } as Secret);
    const listed = await client.list(R.secrets, { labelSelector: "testsecret-constant=true" });
    expect(listed.items.length).toBeGreaterThan(0);
    expect(listed.items.some((s) => s.metadata.name === name && s.metadata.namespace === ns)).toBe(true);

    // Upstream marshals []byte(base64("value1")) as JSON, i.e. base64 once more; the stored data is base64("value1").
    await client.patch({ ...target, name }, "strategic", { metadata: { labels: { testsecret: "true" } }, data: { key: b64(b64("value1")) } });
    const patched = await client.get<Secret>({ ...target, name });
    expect(unb64(unb64(patched.data!.key!))).toBe("value1");

    await client.deleteCollection(target, { labelSelector: "testsecret=true" });
    const after = await client.list(R.secrets, { labelSelector: "testsecret-constant=true" });
    expect(after.items.some((s) => s.metadata.name === name && s.metadata.namespace === ns)).toBe(false);
  });

  // ---- [sig-node] Downward API env (test/e2e/common/node/downwardapi.go) --------------------------

  test("[sig-node] Downward API should provide container's limits.cpu/memory and requests.cpu/memory as env vars [NodeConformance] [Conformance]: rounded up to whole cores and bytes", async () => {
    const ns = await freshNamespace("dapi-res");
    await testContainerOutput(ns, downwardApiPod("downward-api", [
      resourceFieldRef("CPU_LIMIT", "limits.cpu"), resourceFieldRef("MEMORY_LIMIT", "limits.memory"),
      resourceFieldRef("CPU_REQUEST", "requests.cpu"), resourceFieldRef("MEMORY_REQUEST", "requests.memory"),
    ]), ["CPU_LIMIT=2", "MEMORY_LIMIT=67108864", "CPU_REQUEST=1", "MEMORY_REQUEST=33554432"]);
  });

  test("[sig-node] Downward API should provide default limits.cpu/memory from node allocatable [NodeConformance] [Conformance]: no limits → the node's allocatable", async () => {
    const ns = await freshNamespace("dapi-alloc");
    await testContainerOutput(ns, downwardApiPod("downward-api", [resourceFieldRef("CPU_LIMIT", "limits.cpu"), resourceFieldRef("MEMORY_LIMIT", "limits.memory")], false),
      [/CPU_LIMIT=[1-9]/, /MEMORY_LIMIT=[1-9]/]);
  });

  test("[sig-node] Downward API should provide host IP as an env var [NodeConformance] [Conformance]: status.hostIP", async () => {
    const ns = await freshNamespace("dapi-host");
    await testContainerOutput(ns, downwardApiPod("downward-api", [fieldRef("HOST_IP", "status.hostIP")]), [new RegExp(`HOST_IP=${IPV4}|${IPV6}`)]);
  });

  test("[sig-node] Downward API should provide pod UID as env vars [NodeConformance] [Conformance]: metadata.uid", async () => {
    const ns = await freshNamespace("dapi-uid");
    const log = await testContainerOutput(ns, downwardApiPod("downward-api", [fieldRef("POD_UID", "metadata.uid")]),
      [/POD_UID=[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}/]);
    const uid = (await client.get({ ...R.pods, namespace: ns, name: "downward-api" })).metadata.uid;
    expect(log).toContain(`POD_UID=${uid}`);
  });

  // ---- [sig-storage] ConfigMap volumes (configmap_volume.go) --------------------------------------

  test("[sig-storage] ConfigMap should be consumable from pods in volume [NodeConformance] [Conformance]: content, mode -rw-r--r--", () =>
    configMapWithoutMappings("configMap", "cmv", false));

  test("[sig-storage] ConfigMap should be consumable from pods in volume with defaultMode set [LinuxOnly] [NodeConformance] [Conformance]: mode -r--------", () =>
    configMapWithoutMappings("configMap", "cmv-mode", false, 0o400));

  test("[sig-storage] ConfigMap should be consumable from pods in volume as non-root [NodeConformance] [Conformance]: uid 1000 reads it, mode -rw-r--r--", () =>
    configMapWithoutMappings("configMap", "cmv-nonroot", true));

  test("[sig-storage] ConfigMap should be consumable from pods in volume with mappings [NodeConformance] [Conformance]: path/to/data-2", () =>
    configMapWithMappings("configMap", "cmv-map", false));

  test("[sig-storage] ConfigMap should be consumable from pods in volume with mappings and Item mode set [LinuxOnly] [NodeConformance] [Conformance]: item mode -r--------", () =>
    configMapWithMappings("configMap", "cmv-map-mode", false, 0o400));

  test("[sig-storage] ConfigMap should be consumable from pods in volume with mappings as non-root [NodeConformance] [Conformance]: uid 1000", () =>
    configMapWithMappings("configMap", "cmv-map-nonroot", true));

  test("[sig-storage] ConfigMap updates should be reflected in volume [NodeConformance] [Conformance]: value-1, then value-2", () =>
    configMapUpdates("configMap", "cmv-upd"));

  test("[sig-storage] ConfigMap binary data should be reflected in volume [NodeConformance] [Conformance]: text in one container, hexdump of binaryData in another", async () => {
    const ns = await freshNamespace("cmv-bin");
    const name = "configmap-test-upd";
    await createConfigMap(ns, { metadata: { name }, data: { "data-1": "value-1" }, binaryData: { "dump.bin": b64(new Uint8Array([0xde, 0xca, 0xfe, 0xba, 0xd0, 0xfe, 0xff])) } });
    const podName = "pod-configmaps-bin";
    const mount = { name: "configmap-volume", mountPath: "/etc/configmap-volume", readOnly: true };
    await client.create({ ...R.pods, namespace: ns }, pod(podName, {
      volumes: [volume("configMap", "configmap-volume", name)],
      containers: [
        { name: "configmap-volume-test", command: contentInLoop("/etc/configmap-volume/data-1"), volumeMounts: [mount] },
        { name: "configmap-volume-binary-test", command: ["hexdump", "-C", "/etc/configmap-volume/dump.bin"], volumeMounts: [mount] },
      ],
    }) as KubeObject);
    await waitForPod(ns, podName, "Running", (p) => p.status?.phase === "Running");
    await logEventuallyContains(ns, podName, "configmap-volume-test", "value-1");
    await logEventuallyContains(ns, podName, "configmap-volume-binary-test", "de ca fe ba d0 fe ff");
    await deletePod(ns, podName);
  });

  test("[sig-storage] ConfigMap optional updates should be reflected in volume [NodeConformance] [Conformance]: create, update, delete of optional sources", () =>
    optionalUpdates("configMap", "cmv-opt"));

  test("[sig-storage] ConfigMap should be consumable in multiple volumes in the same pod [NodeConformance] [Conformance]", () =>
    multipleVolumes("configMap", "cmv-multi"));

  test("[sig-storage] ConfigMap should be immutable if `immutable` field is set [Conformance]: data frozen, flag cannot be cleared, labels change, delete works", () =>
    immutable(true, "cm-immutable"));

  // ---- [sig-storage] Projected configMap (projected_configmap.go) --------------------------------

  test("[sig-storage] Projected configMap should be consumable from pods in volume [NodeConformance] [Conformance]: content, mode -rw-r--r--", () =>
    configMapWithoutMappings("projectedConfigMap", "pcm", false));

  test("[sig-storage] Projected configMap should be consumable from pods in volume with defaultMode set [LinuxOnly] [NodeConformance] [Conformance]: mode -r--------", () =>
    configMapWithoutMappings("projectedConfigMap", "pcm-mode", false, 0o400));

  test("[sig-storage] Projected configMap should be consumable from pods in volume as non-root [NodeConformance] [Conformance]: uid 1000", () =>
    configMapWithoutMappings("projectedConfigMap", "pcm-nonroot", true));

  test("[sig-storage] Projected configMap should be consumable from pods in volume with mappings [NodeConformance] [Conformance]: path/to/data-2", () =>
    configMapWithMappings("projectedConfigMap", "pcm-map", false));

  test("[sig-storage] Projected configMap should be consumable from pods in volume with mappings and Item mode set [LinuxOnly] [NodeConformance] [Conformance]: mode -r--------", () =>
    configMapWithMappings("projectedConfigMap", "pcm-map-mode", false, 0o400));

  test("[sig-storage] Projected configMap should be consumable from pods in volume with mappings as non-root [NodeConformance] [Conformance]: uid 1000", () =>
    configMapWithMappings("projectedConfigMap", "pcm-map-nonroot", true));

  test("[sig-storage] Projected configMap updates should be reflected in volume [NodeConformance] [Conformance]: value-1, then value-2", () =>
    configMapUpdates("projectedConfigMap", "pcm-upd"));

  test("[sig-storage] Projected configMap optional updates should be reflected in volume [NodeConformance] [Conformance]: create, update, delete of optional sources", () =>
    optionalUpdates("projectedConfigMap", "pcm-opt"));

  test("[sig-storage] Projected configMap should be consumable in multiple volumes in the same pod [NodeConformance] [Conformance]", () =>
    multipleVolumes("projectedConfigMap", "pcm-multi"));

  // ---- [sig-storage] Secrets volumes (secrets_volume.go) --------------------------------------------

  test("[sig-storage] Secrets should be consumable from pods in volume [NodeConformance] [Conformance]: content, mode -rw-r--r--", async () => {
    const ns = await freshNamespace("sv");
    await secretWithoutMapping("secret", ns, "sv", "secret-test");
  });

  test("[sig-storage] Secrets should be consumable from pods in volume with defaultMode set [LinuxOnly] [NodeConformance] [Conformance]: mode -r--------", async () => {
    const ns = await freshNamespace("sv-mode");
    await secretWithoutMapping("secret", ns, "sv-mode", "secret-test", { defaultMode: 0o400 });
  });

  test("[sig-storage] Secrets should be consumable from pods in volume as non-root with defaultMode and fsGroup set [LinuxOnly] [NodeConformance] [Conformance]: mode -r--r-----, group 1001", async () => {
    const ns = await freshNamespace("sv-fsgroup");
    await secretWithoutMapping("secret", ns, "sv-fsgroup", "secret-test", { defaultMode: 0o440, fsGroup: 1001, uid: NON_ROOT_UID });
  });

  test("[sig-storage] Secrets should be consumable from pods in volume with mappings [NodeConformance] [Conformance]: new-path-data-1", () =>
    secretWithMapping("secret", "sv-map"));

  test("[sig-storage] Secrets should be consumable from pods in volume with mappings and Item Mode set [LinuxOnly] [NodeConformance] [Conformance]: item mode -r--------", () =>
    secretWithMapping("secret", "sv-map-mode", 0o400));

  test("[sig-storage] Secrets should be able to mount in a volume regardless of a different secret existing with same name in different namespace [NodeConformance] [Conformance]", async () => {
    const ns2 = await freshNamespace("secret-namespace");
    const name = "secret-test-samename";
    await createSecret(ns2, { metadata: { name }, data: { this_should_not_match_content_of_other_secret: b64("similarly_this_should_not_match_content_of_other_secret\n") } });
    const ns = await freshNamespace("sv-samename");
    await secretWithoutMapping("secret", ns, "sv-samename", name);
  });

  test("[sig-storage] Secrets should be consumable in multiple volumes in a pod [NodeConformance] [Conformance]: content and mode", () =>
    multipleVolumes("secret", "sv-multi"));

  test("[sig-storage] Secrets optional updates should be reflected in volume [NodeConformance] [Conformance]: create, update, delete of optional sources", () =>
    optionalUpdates("secret", "sv-opt"));

  test("[sig-storage] Secrets should be immutable if `immutable` field is set [Conformance]: data frozen, flag cannot be cleared, labels change, delete works", () =>
    immutable(false, "s-immutable"));

  // ---- [sig-storage] Projected secret (projected_secret.go) ---------------------------------------

  test("[sig-storage] Projected secret should be consumable from pods in volume [NodeConformance] [Conformance]: content, mode -rw-r--r--", async () => {
    const ns = await freshNamespace("psv");
    await secretWithoutMapping("projectedSecret", ns, "psv", "projected-secret-test");
  });

  test("[sig-storage] Projected secret should be consumable from pods in volume with defaultMode set [LinuxOnly] [NodeConformance] [Conformance]: mode -r--------", async () => {
    const ns = await freshNamespace("psv-mode");
    await secretWithoutMapping("projectedSecret", ns, "psv-mode", "projected-secret-test", { defaultMode: 0o400 });
  });

  test("[sig-storage] Projected secret should be consumable from pods in volume as non-root with defaultMode and fsGroup set [LinuxOnly] [NodeConformance] [Conformance]: mode -r--r-----, group 1001", async () => {
    const ns = await freshNamespace("psv-fsgroup");
    await secretWithoutMapping("projectedSecret", ns, "psv-fsgroup", "projected-secret-test", { defaultMode: 0o440, fsGroup: 1001, uid: NON_ROOT_UID });
  });

  test("[sig-storage] Projected secret should be consumable from pods in volume with mappings [NodeConformance] [Conformance]: new-path-data-1", () =>
    secretWithMapping("projectedSecret", "psv-map"));

  test("[sig-storage] Projected secret should be consumable from pods in volume with mappings and Item Mode set [LinuxOnly] [NodeConformance] [Conformance]: mode -r--------", () =>
    secretWithMapping("projectedSecret", "psv-map-mode", 0o400));

  test("[sig-storage] Projected secret should be consumable in multiple volumes in a pod [NodeConformance] [Conformance]: content and mode", () =>
    multipleVolumes("projectedSecret", "psv-multi"));

  test("[sig-storage] Projected secret optional updates should be reflected in volume [NodeConformance] [Conformance]: create, update, delete of optional sources", () =>
    optionalUpdates("projectedSecret", "psv-opt"));
});
