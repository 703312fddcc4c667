/**
 * The volume manager against a real in-process API server (with TokenRequest and the
 * ServiceAccount admission), real tmpfs and bind mounts in a temp dir. Everything mounted is
 * unmounted in afterAll.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { generateKeyPairSync } from "node:crypto";
import { builtinResources, type ApiClient, type KubeObject } from "@lite/sdk";
import type { ApiServer } from "../../../apiserver/index.ts";
import { createAuthentication, defaultIssuer } from "../../../auth/authn/authentication.ts";
import { decodeJwt } from "../../../auth/authn/jwt.ts";
import { apiObjectReader } from "../../../auth/authn/object-reader.ts";
import { quietLog, startTestCluster, type TestCluster } from "../../../controllers/testing/in-process.ts";
import { agentPaths, type AgentPaths } from "../../paths.ts";
import { isMountPoint, mountsUnder, readMounts, unmountAllUnder } from "./host-mounts.ts";
import { VolumeError } from "./errors.ts";
import { VolumeManager } from "./volume-manager.ts";

let cluster: TestCluster;
let client: ApiClient;
let root: string;
let paths: AgentPaths;
let now = Date.now();
const clock = () => now;
const events: { pod: string; type: string; reason: string; message: string }[] = [];
let vm: VolumeManager;

const ns = "default";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const cm = (name: string, data: Record<string, string>, binaryData?: Record<string, string>) =>
  client.create({ ...builtinResources.configMaps, namespace: ns }, { metadata: { name, namespace: ns }, data, ...(binaryData ? { binaryData } : {}) });
const secret = (name: string, data: Record<string, string>) =>
  client.create({ ...builtinResources.secrets, namespace: ns }, { metadata: { name, namespace: ns }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) });

/** Creates a pod on node-1 whose container mounts every listed volume at /v/<name> (no token volume unless asked). */
async function mkPod(name: string, volumes: Record<string, unknown>[], extra: { spec?: Record<string, unknown>; labels?: Record<string, string>; container?: Record<string, unknown>; mounts?: Record<string, unknown>[] } = {}): Promise<KubeObject> {
  const volumeMounts = extra.mounts ?? volumes.map((v) => ({ name: v.name, mountPath: `/v/${v.name as string}` }));
  return client.create({ ...builtinResources.pods, namespace: ns }, {
    metadata: { name, namespace: ns, labels: extra.labels ?? { app: name } },
    spec: { nodeName: "node-1", automountServiceAccountToken: false, containers: [{ name: "c", image: "busybox", volumeMounts, ...extra.container }], volumes, ...extra.spec },
  });
}
const uid = (pod: KubeObject) => pod.metadata.uid!;
const vdir = (pod: KubeObject, plugin: string, name: string) => `${paths.podsDir}/${uid(pod)}/volumes/kubernetes.io~${plugin}/${name}`;
const mode = (p: string) => statSync(p).mode & 0o7777;
const tmpfsOf = (dir: string) => readMounts().find((m) => m.mountPoint === dir && m.fsType === "tmpfs");
async function setUpError(pod: KubeObject): Promise<VolumeError> {
  try {
    await vm.setUp(pod);
  } catch (err) {
    if (err instanceof VolumeError) return err;
    throw err;
  }
  throw new Error("setUp succeeded");
}

beforeAll(async () => {
  let api: ApiServer | undefined;
  const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  const authn = createAuthentication({ serviceKeyPem: pem, issuer: defaultIssuer(), objects: apiObjectReader(() => api), authorize: (u, a) => api!.authorize(u, a), now: () => new Date(now) });
  cluster = await startTestCluster({ admission: [authn.admission], issueToken: authn.issueToken });
  api = cluster.harness.server;
  client = cluster.client;
  await client.create({ ...builtinResources.serviceAccounts, namespace: ns }, { metadata: { name: "default", namespace: ns } });
  await client.create({ ...builtinResources.serviceAccounts, namespace: ns }, { metadata: { name: "bot", namespace: ns } });
  await cm("kube-root-ca.crt", { "ca.crt": "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n" });
  await client.create(builtinResources.nodes, {
    metadata: { name: "node-1", labels: { "kubernetes.io/hostname": "node-1", zone: "a" } },
    status: { allocatable: { cpu: "4", memory: "1Gi", "ephemeral-storage": "10Gi" } },
  });
  root = mkdtempSync(`${tmpdir()}/vm-`);
  paths = agentPaths(root);
  mkdirSync(paths.podsDir, { recursive: true });
  vm = new VolumeManager({
    client, paths, nodeName: "node-1", log: quietLog, clock,
    recordEvent: (pod, type, reason, message) => { events.push({ pod: pod.metadata.name!, type, reason, message }); },
  });
});

afterAll(async () => {
  if (root) {
    unmountAllUnder(root);
    rmSync(root, { recursive: true, force: true });
  }
  await cluster?.close();
});

describe("emptyDir and hostPath", () => {
  test("disk dir 0777, Memory tmpfs sized by sizeLimit or the pod's limit, hostPath checked", async () => {
    const pod = await mkPod("ed", [
      { name: "scratch", emptyDir: {} },
      { name: "mem", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      { name: "mem2", emptyDir: { medium: "Memory" } },
      { name: "host", hostPath: { path: `${root}/host/data`, type: "DirectoryOrCreate" } },
      { name: "unused", configMap: { name: "does-not-exist" } },
    ], { mounts: ["scratch", "mem", "mem2", "host"].map((n) => ({ name: n, mountPath: `/v/${n}` })), container: { resources: { limits: { memory: "32Mi" } } } });
    const volumes = await vm.setUp(pod);
    expect([...volumes.keys()].sort()).toEqual(["host", "mem", "mem2", "scratch"]);
    expect(volumes.get("scratch")).toEqual({ name: "scratch", plugin: "kubernetes.io/empty-dir", hostPath: vdir(pod, "empty-dir", "scratch"), readOnly: false });
    expect(mode(vdir(pod, "empty-dir", "scratch"))).toBe(0o777);
    expect(tmpfsOf(vdir(pod, "empty-dir", "scratch"))).toBeUndefined();
    expect(tmpfsOf(vdir(pod, "empty-dir", "mem"))?.superOptions).toContain("size=32768k"); // pod limit 32Mi < sizeLimit 64Mi
    expect(tmpfsOf(vdir(pod, "empty-dir", "mem2"))?.superOptions).toContain("size=32768k");
    expect(volumes.get("host")).toEqual({ name: "host", plugin: "kubernetes.io/host-path", hostPath: `${root}/host/data`, readOnly: false });
    expect(statSync(`${root}/host/data`).isDirectory()).toBe(true);

    // Idempotent: contents survive, nothing is mounted twice.
    writeFileSync(`${vdir(pod, "empty-dir", "mem")}/keep`, "x");
    await vm.setUp(pod);
    expect(readFileSync(`${vdir(pod, "empty-dir", "mem")}/keep`, "utf8")).toBe("x");
    expect(mountsUnder(vdir(pod, "empty-dir", "mem"))).toHaveLength(1);

    // A fresh manager (agent restart) adopts the volumes as they are.
    const again = new VolumeManager({ client, paths, nodeName: "node-1", log: quietLog, clock, recordEvent: () => {} });
    await again.setUp(pod);
    expect(readFileSync(`${vdir(pod, "empty-dir", "mem")}/keep`, "utf8")).toBe("x");
    expect(mountsUnder(vdir(pod, "empty-dir", "mem"))).toHaveLength(1);
  });

  test("sizeLimit below the pod limit wins; no limits means node allocatable", async () => {
    const pod = await mkPod("ed2", [{ name: "mem", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } }, { name: "big", emptyDir: { medium: "Memory" } }]);
    await vm.setUp(pod);
    expect(tmpfsOf(vdir(pod, "empty-dir", "mem"))?.superOptions).toContain("size=16384k");
    expect(tmpfsOf(vdir(pod, "empty-dir", "big"))?.superOptions).toContain("size=1048576k");
  });

  test("a failing hostPath check is a FailedMount with upstream's text", async () => {
    writeFileSync(`${root}/plain-file`, "");
    const pod = await mkPod("hp-bad", [{ name: "h", hostPath: { path: `${root}/plain-file`, type: "Directory" } }]);
    const err = await setUpError(pod);
    expect(err.message).toBe(`MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${root}/plain-file is not a directory`);
    expect(err.reason).toBe("FailedMount");
    expect(events.at(-1)).toEqual({ pod: "hp-bad", type: "Warning", reason: "FailedMount", message: err.message });
  });
});

describe("configMap and secret", () => {
  test("all keys, items with paths and modes, binaryData, read-only, AtomicWriter layout", async () => {
    await cm("app", { "a.conf": "A", "b.conf": "B" }, { "blob.bin": b64("\u0000\u0001bin") });
    const pod = await mkPod("cm1", [
      { name: "all", configMap: { name: "app" } },
      { name: "some", configMap: { name: "app", defaultMode: 0o600, items: [{ key: "a.conf", path: "conf/a" }, { key: "b.conf", path: "b", mode: 0o444 }] } },
    ]);
    const volumes = await vm.setUp(pod);
    const all = vdir(pod, "configmap", "all");
    expect(volumes.get("all")).toEqual({ name: "all", plugin: "kubernetes.io/configmap", hostPath: all, readOnly: true });
    expect(readdirSync(all).filter((n) => !n.startsWith("..")).sort()).toEqual(["a.conf", "b.conf", "blob.bin"]);
    expect(readlinkSync(`${all}/a.conf`)).toBe("..data/a.conf");
    expect(readlinkSync(`${all}/..data`)).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
    expect(readFileSync(`${all}/a.conf`, "utf8")).toBe("A");
    expect([...readFileSync(`${all}/blob.bin`)]).toEqual([0, 1, 98, 105, 110]);
    expect(mode(`${all}/a.conf`)).toBe(0o644);
    expect(mode(all)).toBe(0o777);
    const some = vdir(pod, "configmap", "some");
    expect(readFileSync(`${some}/conf/a`, "utf8")).toBe("A");
    expect(mode(`${some}/conf/a`)).toBe(0o600);
    expect(mode(`${some}/b`)).toBe(0o444);
    expect(existsSync(`${some}/a.conf`)).toBe(false);
    const [m] = vm.containerMounts(pod, { name: "c", volumeMounts: [{ name: "all", mountPath: "/etc/app" }] } as never, volumes, new Map());
    expect(m).toEqual({ containerPath: "/etc/app", hostPath: all, readonly: true, propagation: "PROPAGATION_PRIVATE" });
  });

  test("secrets are decoded onto a tmpfs", async () => {
    await secret("creds", { user: "admin", pass: "s3cret" });
    const pod = await mkPod("sec1", [{ name: "s", secret: { secretName: "creds", defaultMode: 0o400, items: [{ key: "pass", path: "p/word" }] } }, { name: "all", secret: { secretName: "creds" } }]);
    await vm.setUp(pod);
    const dir = vdir(pod, "secret", "s");
    expect(tmpfsOf(dir)).toBeDefined();
    expect(readFileSync(`${dir}/p/word`, "utf8")).toBe("s3cret");
    expect(mode(`${dir}/p/word`)).toBe(0o400);
    expect(readFileSync(`${vdir(pod, "secret", "all")}/user`, "utf8")).toBe("admin");
  });

  test("optional sources and keys may be missing", async () => {
    const pod = await mkPod("opt", [
      { name: "gone", configMap: { name: "absent", optional: true } },
      { name: "key", configMap: { name: "app", optional: true, items: [{ key: "nope", path: "x" }, { key: "a.conf", path: "a" }] } },
      { name: "sgone", secret: { secretName: "absent", optional: true } },
    ]);
    await vm.setUp(pod);
    expect(readdirSync(vdir(pod, "configmap", "gone"))).toEqual(expect.arrayContaining(["..data"]));
    expect(readdirSync(vdir(pod, "configmap", "gone")).filter((n) => !n.startsWith(".."))).toEqual([]);
    expect(readdirSync(vdir(pod, "configmap", "key")).filter((n) => !n.startsWith(".."))).toEqual(["a"]);
    expect(readdirSync(vdir(pod, "secret", "sgone")).filter((n) => !n.startsWith(".."))).toEqual([]);
  });

  test("missing objects and keys: upstream messages, events, back-off; other volumes stay ready", async () => {
    const pod = await mkPod("missing", [
      { name: "scratch", emptyDir: {} },
      { name: "cfg", configMap: { name: "later" } },
    ]);
    const before = events.length;
    const err = await setUpError(pod);
    expect(err.message).toBe('MountVolume.SetUp failed for volume "cfg" : configmap "later" not found');
    expect(err.volume).toBe("cfg");
    expect(existsSync(vdir(pod, "empty-dir", "scratch"))).toBe(true);
    expect(events.length).toBe(before + 1);

    // Within the back-off window the failure is reported again without a new attempt or event.
    await cm("later", { k: "v" });
    expect((await setUpError(pod)).message).toBe(err.message);
    expect(events.length).toBe(before + 1);
    now += 600;
    const volumes = await vm.setUp(pod);
    expect(readFileSync(`${volumes.get("cfg")!.hostPath}/k`, "utf8")).toBe("v");

    const keys = await mkPod("badkeys", [
      { name: "k1", configMap: { name: "app", items: [{ key: "missing-key", path: "x" }] } },
      { name: "k2", secret: { secretName: "creds", items: [{ key: "nokey", path: "x" }] } },
      { name: "k3", secret: { secretName: "no-such-secret" } },
    ]);
    expect((await setUpError(keys)).message).toBe('MountVolume.SetUp failed for volume "k1" : configmap references non-existent config key: missing-key');
    expect(events.slice(-3).map((e) => e.message)).toEqual([
      'MountVolume.SetUp failed for volume "k1" : configmap references non-existent config key: missing-key',
      'MountVolume.SetUp failed for volume "k2" : references non-existent secret key: nokey',
      'MountVolume.SetUp failed for volume "k3" : secret "no-such-secret" not found',
    ]);
    // The back-off doubles: 500 ms is not enough for the second retry.
    now += 600;
    await setUpError(keys);
    const count = events.length;
    now += 600;
    await setUpError(keys);
    expect(events.length).toBe(count);
  });
});

describe("live updates", () => {
  test("refresh swaps ..data for new contents; a subPath mount keeps the old file", async () => {
    await cm("live", { greeting: "hello", other: "1" });
    const pod = await mkPod("live", [{ name: "cfg", configMap: { name: "live" } }]);
    const volumes = await vm.setUp(pod);
    const dir = volumes.get("cfg")!.hostPath;
    const [sub] = vm.containerMounts(pod, { name: "c", volumeMounts: [{ name: "cfg", mountPath: "/greeting", subPath: "greeting" }] } as never, volumes, new Map());
    expect(readFileSync(sub!.hostPath, "utf8")).toBe("hello");
    const first = readlinkSync(`${dir}/..data`);

    await vm.refresh(pod);
    expect(readlinkSync(`${dir}/..data`)).toBe(first);

    await client.update({ ...builtinResources.configMaps, namespace: ns }, { metadata: { name: "live", namespace: ns }, data: { greeting: "bonjour" } });
    await vm.refresh(pod);
    const second = readlinkSync(`${dir}/..data`);
    expect(second).not.toBe(first);
    expect(existsSync(`${dir}/${first}`)).toBe(false);
    expect(readFileSync(`${dir}/greeting`, "utf8")).toBe("bonjour");
    expect(existsSync(`${dir}/other`)).toBe(false);
    expect(readFileSync(sub!.hostPath, "utf8")).toBe("hello");
  });

  test("downwardAPI: metadata, labels, resources; label changes show up on refresh", async () => {
    const pod = await mkPod("dapi", [{
      name: "info", downwardAPI: { items: [
        { path: "name", fieldRef: { fieldPath: "metadata.name" } },
        { path: "uid", fieldRef: { fieldPath: "metadata.uid" } },
        { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
        { path: "tier", fieldRef: { fieldPath: "metadata.labels['tier']" } },
        { path: "cpu", resourceFieldRef: { containerName: "c", resource: "limits.cpu", divisor: "1m" } },
        { path: "mem", resourceFieldRef: { containerName: "c", resource: "limits.memory", divisor: "1Mi" } },
      ] },
    }], { labels: { tier: "web", app: "dapi" }, container: { resources: { limits: { cpu: "250m" } } } });
    await vm.setUp(pod);
    const dir = vdir(pod, "downward-api", "info");
    expect(readFileSync(`${dir}/name`, "utf8")).toBe("dapi");
    expect(readFileSync(`${dir}/uid`, "utf8")).toBe(uid(pod));
    expect(readFileSync(`${dir}/labels`, "utf8")).toBe('app="dapi"\ntier="web"');
    expect(readFileSync(`${dir}/tier`, "utf8")).toBe("web");
    expect(readFileSync(`${dir}/cpu`, "utf8")).toBe("250");
    expect(readFileSync(`${dir}/mem`, "utf8")).toBe("1024"); // no limit: the node's 1Gi
    const updated = { ...pod, metadata: { ...pod.metadata, labels: { tier: "db", app: "dapi" } } };
    await vm.refresh(updated);
    expect(readFileSync(`${dir}/tier`, "utf8")).toBe("db");
    expect(readFileSync(`${dir}/labels`, "utf8")).toBe('app="dapi"\ntier="db"');
  });
});

describe("projected and service-account tokens", () => {
  test("the default kube-api-access volume: token bound to the pod, ca.crt, namespace", async () => {
    const pod = await mkPod("sa", [], { spec: { automountServiceAccountToken: true } });
    const access = (pod.spec as { volumes: { name: string }[] }).volumes.find((v) => v.name.startsWith("kube-api-access-"))!;
    const volumes = await vm.setUp(pod);
    const dir = volumes.get(access.name)!.hostPath;
    expect(dir).toBe(vdir(pod, "projected", access.name));
    expect(tmpfsOf(dir)?.superOptions).toContain("size=1048576k");
    expect(readFileSync(`${dir}/namespace`, "utf8")).toBe("default");
    expect(readFileSync(`${dir}/ca.crt`, "utf8")).toContain("TEST");
    const jwt = decodeJwt(readFileSync(`${dir}/token`, "utf8"))!;
    expect(jwt.payload.aud).toEqual([defaultIssuer()]);
    expect((jwt.payload.exp as number) - (jwt.payload.iat as number)).toBe(3607);
    expect(JSON.stringify(jwt.payload)).toContain(uid(pod));
    expect(mode(`${dir}/token`)).toBe(0o644);
    expect(vm.containerMounts(pod, (pod.spec as { containers: { name: string }[] }).containers[0]!, volumes, new Map())).toContainEqual(
      { containerPath: "/var/run/secrets/kubernetes.io/serviceaccount", hostPath: dir, readonly: true, propagation: "PROPAGATION_PRIVATE" });
  });

  test("audience and expiry; cached until 80% of the lifetime, then rotated with a ..data swap", async () => {
    const pod = await mkPod("tok", [{ name: "vault", projected: { defaultMode: 0o440, sources: [
      { serviceAccountToken: { audience: "vault", expirationSeconds: 600, path: "vault-token" } },
      { downwardAPI: { items: [{ path: "pod", fieldRef: { fieldPath: "metadata.name" } }] } },
    ] } }], { spec: { serviceAccountName: "bot" } });
    const requests = vm.tokens.requests;
    await vm.setUp(pod);
    const dir = vdir(pod, "projected", "vault");
    const first = readFileSync(`${dir}/vault-token`, "utf8");
    const jwt = decodeJwt(first)!;
    expect(jwt.payload.aud).toEqual(["vault"]);
    expect((jwt.payload.exp as number) - (jwt.payload.iat as number)).toBe(600);
    expect(jwt.payload.sub).toBe("system:serviceaccount:default:bot");
    expect(mode(`${dir}/vault-token`)).toBe(0o440);
    expect(readFileSync(`${dir}/pod`, "utf8")).toBe("tok");
    expect(vm.tokens.requests).toBe(requests + 1);
    const data = readlinkSync(`${dir}/..data`);

    now += 300_000; // 50%: cached
    await vm.refresh(pod);
    expect(vm.tokens.requests).toBe(requests + 1);
    expect(readlinkSync(`${dir}/..data`)).toBe(data);

    now += 200_000; // 83%: rotated
    await vm.refresh(pod);
    expect(vm.tokens.requests).toBe(requests + 2);
    expect(readFileSync(`${dir}/vault-token`, "utf8")).not.toBe(first);
    expect(readlinkSync(`${dir}/..data`)).not.toBe(data);
  });

  test("a token for a missing service account fails with upstream's text", async () => {
    const pod = await mkPod("nosa", [{ name: "t", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }]);
    await client.delete({ ...builtinResources.serviceAccounts, namespace: ns, name: "bot" }).catch(() => {});
    const pod2 = { ...pod, spec: { ...(pod.spec as object), serviceAccountName: "bot" } };
    const err = await setUpError(pod2);
    expect(err.message).toStartWith('MountVolume.SetUp failed for volume "t" : failed to fetch token: serviceaccounts "bot" not found');
    await client.create({ ...builtinResources.serviceAccounts, namespace: ns }, { metadata: { name: "bot", namespace: ns } });
  });

  test("fsGroup: group ownership and setgid; token 0640; a common runAsUser owns the token", async () => {
    const pod = await mkPod("fsg", [
      { name: "scratch", emptyDir: {} },
      { name: "cfg", configMap: { name: "app" } },
      { name: "tok", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } },
    ], { spec: { securityContext: { fsGroup: 1234 } } });
    await vm.setUp(pod);
    const scratch = vdir(pod, "empty-dir", "scratch");
    expect(statSync(scratch).gid).toBe(1234);
    expect(mode(scratch)).toBe(0o2777);
    const cfg = vdir(pod, "configmap", "cfg");
    expect(statSync(`${cfg}/a.conf`).gid).toBe(1234);
    expect(mode(`${cfg}/a.conf`)).toBe(0o644);
    expect(mode(`${cfg}/${readlinkSync(`${cfg}/..data`)}`)).toBe(0o2755);
    const tok = vdir(pod, "projected", "tok");
    expect(mode(`${tok}/token`)).toBe(0o640);
    expect(statSync(`${tok}/token`).gid).toBe(1234);

    const owned = await mkPod("fsuser", [{ name: "tok", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }],
      { spec: { securityContext: { runAsUser: 1000 } } });
    await vm.setUp(owned);
    const file = `${vdir(owned, "projected", "tok")}/token`;
    expect(statSync(file).uid).toBe(1000);
    expect(mode(file)).toBe(0o600);
  });
});

describe("persistentVolumeClaim", () => {
  async function claim(name: string, pv: string | undefined, bound: boolean): Promise<KubeObject> {
    const created = await client.create({ ...builtinResources.persistentVolumeClaims, namespace: ns }, {
      metadata: { name, namespace: ns }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...(pv ? { volumeName: pv } : {}) },
    });
    if (!bound) return created;
    return client.updateStatus({ ...builtinResources.persistentVolumeClaims, namespace: ns }, { ...created, status: { phase: "Bound" } });
  }
  async function volume(name: string, source: Record<string, unknown>, claimObj: KubeObject, affinity?: Record<string, string>): Promise<void> {
    await client.create(builtinResources.persistentVolumes, {
      metadata: { name },
      spec: {
        capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], ...source,
        claimRef: { kind: "PersistentVolumeClaim", namespace: ns, name: claimObj.metadata.name, uid: claimObj.metadata.uid },
        ...(affinity ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: Object.entries(affinity).map(([key, v]) => ({ key, operator: "In", values: [v] })) }] } } } : {}),
      },
    });
  }

  test("bound to a hostPath PV: its path; read-only claims stay read-only", async () => {
    const c = await claim("data", "pv-host", true);
    await volume("pv-host", { hostPath: { path: `${root}/pv-host`, type: "DirectoryOrCreate" } }, c);
    const pod = await mkPod("pvc1", [{ name: "data", persistentVolumeClaim: { claimName: "data", readOnly: true } }]);
    const volumes = await vm.setUp(pod);
    expect(volumes.get("data")).toEqual({ name: "data", plugin: "kubernetes.io/host-path", hostPath: `${root}/pv-host`, readOnly: true });
    expect(existsSync(`${root}/pv-host`)).toBe(true);
  });

  test("bound to a local PV on this node: bind-mounted into the pod dir", async () => {
    mkdirSync(`${root}/disk1`);
    writeFileSync(`${root}/disk1/hello`, "disk");
    const c = await claim("local", "pv-local", true);
    await volume("pv-local", { local: { path: `${root}/disk1` } }, c, { "kubernetes.io/hostname": "node-1" });
    const pod = await mkPod("pvc2", [{ name: "data", persistentVolumeClaim: { claimName: "local" } }]);
    const volumes = await vm.setUp(pod);
    const dir = vdir(pod, "local-volume", "pv-local");
    expect(volumes.get("data")).toEqual({ name: "data", plugin: "kubernetes.io/local-volume", hostPath: dir, readOnly: false });
    expect(isMountPoint(dir)).toBe(true);
    expect(readFileSync(`${dir}/hello`, "utf8")).toBe("disk");

    const reader = await mkPod("pvc2-ro", [{ name: "data", persistentVolumeClaim: { claimName: "local", readOnly: true } }]);
    const ro = (await vm.setUp(reader)).get("data")!;
    expect(ro.readOnly).toBe(true);
    expect(readMounts().find((m) => m.mountPoint === ro.hostPath)?.options.split(",")).toContain("ro");
    expect(() => writeFileSync(`${ro.hostPath}/x`, "")).toThrow();
  });

  test("unbound, missing, wrong node, missing path: upstream's messages", async () => {
    await claim("pending", undefined, false);
    const p1 = await mkPod("pvc-pending", [{ name: "data", persistentVolumeClaim: { claimName: "pending" } }, { name: "scratch", emptyDir: {} }]);
    const e1 = await setUpError(p1);
    expect(e1.message).toBe("Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[data]: error processing PVC default/pending: PVC is not bound");
    expect(events.at(-1)!.message).toBe(e1.message);

    const p2 = await mkPod("pvc-ghost", [{ name: "data", persistentVolumeClaim: { claimName: "ghost" } }]);
    expect((await setUpError(p2)).message).toBe('Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[data]: error processing PVC default/ghost: failed to fetch PVC from API server: persistentvolumeclaims "ghost" not found');

    mkdirSync(`${root}/disk2`);
    const far = await claim("far", "pv-far", true);
    await volume("pv-far", { local: { path: `${root}/disk2` } }, far, { "kubernetes.io/hostname": "node-2" });
    const p3 = await mkPod("pvc-far", [{ name: "data", persistentVolumeClaim: { claimName: "far" } }]);
    expect((await setUpError(p3)).message).toBe('MountVolume.NodeAffinity check failed for volume "pv-far" : no matching NodeSelectorTerms');

    const gone = await claim("gone", "pv-gone", true);
    await volume("pv-gone", { local: { path: `${root}/no-such-disk` } }, gone, { zone: "a" });
    const p4 = await mkPod("pvc-gone", [{ name: "data", persistentVolumeClaim: { claimName: "gone" } }]);
    expect((await setUpError(p4)).message).toBe(`MountVolume.NewMounter initialization failed for volume "pv-gone" : path "${root}/no-such-disk" does not exist`);
  });
});

describe("teardown", () => {
  test("unmounts everything, removes the volume dirs; a busy mount keeps everything", async () => {
    mkdirSync(`${root}/disk3`);
    const c = await claim3();
    await client.create(builtinResources.persistentVolumes, {
      metadata: { name: "pv-td" },
      spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], local: { path: `${root}/disk3` }, claimRef: { namespace: ns, name: "td", uid: c.metadata.uid },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }] } } },
    });
    const pod = await mkPod("td", [
      { name: "mem", emptyDir: { medium: "Memory" } },
      { name: "cfg", configMap: { name: "app" } },
      { name: "data", persistentVolumeClaim: { claimName: "td" } },
    ]);
    const volumes = await vm.setUp(pod);
    vm.containerMounts(pod, { name: "c", volumeMounts: [{ name: "mem", mountPath: "/m", subPath: "sub" }, { name: "cfg", mountPath: "/a", subPath: "a.conf" }] } as never, volumes, new Map());
    const dir = `${paths.podsDir}/${uid(pod)}`;
    expect(mountsUnder(dir).length).toBe(4);
    expect(vm.podsOnDisk()).toContain(uid(pod));

    const busy = Bun.spawn(["sleep", "30"], { cwd: vdir(pod, "empty-dir", "mem") });
    try {
      await expect(vm.tearDown(uid(pod))).rejects.toThrow(/unmount failed/);
      expect(existsSync(`${dir}/volumes/kubernetes.io~configmap/cfg/a.conf`)).toBe(true);
    } finally {
      busy.kill();
      await busy.exited;
    }
    await vm.tearDown(uid(pod));
    expect(mountsUnder(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(vm.podsOnDisk()).not.toContain(uid(pod));
    expect(readdirSync(`${root}/disk3`)).toEqual([]); // the local disk itself is untouched
    expect(lstatSync(`${root}/disk3`).isDirectory()).toBe(true);

    async function claim3(): Promise<KubeObject> {
      const created = await client.create({ ...builtinResources.persistentVolumeClaims, namespace: ns }, {
        metadata: { name: "td", namespace: ns }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, volumeName: "pv-td" },
      });
      return client.updateStatus({ ...builtinResources.persistentVolumeClaims, namespace: ns }, { ...created, status: { phase: "Bound" } });
    }
  });

  test("an unsupported volume type is reported, not crashed on", async () => {
    const pod = await mkPod("nfs", [{ name: "share", nfs: { server: "127.0.0.1", path: "/x" } }]);
    expect((await setUpError(pod)).message).toContain("failed to process volumes=[share]: failed to get Plugin from volumeSpec for volume \"share\" err=no volume plugin matched");
  });
});
