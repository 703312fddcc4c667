/**
 * Upstream API-lifecycle conformance tests across groups (test/e2e/apimachinery/server_version.go,
 * apps/{controller_revision,disruption,replica_set,rc,statefulset}.go, auth/{certificates,
 * service_accounts,subjectreviews}.go, instrumentation/core_events.go, network/{endpointslice,
 * ingress,ingressclass}.go, node/node_lifecycle.go, common/node/runtimeclass.go,
 * scheduling/{limit_range,preemption}.go, storage/{csi_inline,csi_node,csistoragecapacity,
 * persistent_volumes,storageclass,volume_attachment}.go) against the compiled binary. One server
 * (with its agent, in a test network namespace, so workload pods really become Ready) serves every
 * case; each case has its own namespace (or uniquely named cluster objects) and the cases run
 * concurrently.
 *
 * Images are offline: busybox (`sleep`) stands in for upstream's httpd/agnhost/pause images.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinResources, isConflict, isNotFound, type ApiClient, type CollectionTarget, type KubeObject, type ObjectTarget, type WatchEvent } from "@lite/sdk";
import { httpsTransport, kubeconfigTransportOptions } from "../core/client/index.ts";
import { TrackedNamespaces, within } from "./harness/kube.ts";
import { kubectl } from "./harness/lite-process.ts";
import { startNetnsServer, type NetnsServer } from "./harness/netns-server.ts";
import { isRunningReady, type Pod } from "./harness/pods.ts";

setDefaultTimeout(180_000);

type Obj = KubeObject & { spec?: any; status?: any; [k: string]: any };
const R = builtinResources;
const res = {
  controllerRevisions: { group: "apps", version: "v1", resource: "controllerrevisions" },
  pdbs: { group: "policy", version: "v1", resource: "poddisruptionbudgets" },
  rcs: { group: "", version: "v1", resource: "replicationcontrollers" },
  csrs: { group: "certificates.k8s.io", version: "v1", resource: "certificatesigningrequests" },
  ingresses: { group: "networking.k8s.io", version: "v1", resource: "ingresses" },
  ingressClasses: { group: "networking.k8s.io", version: "v1", resource: "ingressclasses" },
  runtimeClasses: { group: "node.k8s.io", version: "v1", resource: "runtimeclasses" },
  limitRanges: { group: "", version: "v1", resource: "limitranges" },
  priorityClasses: { group: "scheduling.k8s.io", version: "v1", resource: "priorityclasses" },
  csiDrivers: { group: "storage.k8s.io", version: "v1", resource: "csidrivers" },
  csiNodes: { group: "storage.k8s.io", version: "v1", resource: "csinodes" },
  csiStorageCapacities: { group: "storage.k8s.io", version: "v1", resource: "csistoragecapacities" },
  storageClasses: { group: "storage.k8s.io", version: "v1", resource: "storageclasses" },
  volumeAttachments: { group: "storage.k8s.io", version: "v1", resource: "volumeattachments" },
  sars: { group: "authorization.k8s.io", version: "v1", resource: "subjectaccessreviews" },
  lsars: { group: "authorization.k8s.io", version: "v1", resource: "localsubjectaccessreviews" },
} as const;

let env: NetnsServer;
let client: ApiClient;
let nodeName: string;
let uniq = 0;
/** A name unique to this run (cluster-scoped objects must not collide across runs or cases). */
const unique = (prefix: string) => `${prefix}-${process.pid}-${++uniq}`;

beforeAll(async () => {
  env = await startNetnsServer("lite-apilife");
  client = env.client;
  nodeName = (await client.list(R.nodes)).items[0]!.metadata.name!;
});

afterAll(async () => {
  // Delete the cases' namespaces first and give their pods a bounded time to go: a node with
  // fewer pods left shuts down (and `lite killall` unmounts) quickly even on a loaded machine.
  if (client) await namespaces.drain(client, 60_000);
  await env?.stop();
});

const selectorOf = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");

async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  try {
    return await within(ms, check, 200);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}

async function gone(target: ObjectTarget): Promise<boolean> {
  try {
    await client.get(target);
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

/** Resolves with the API error of `p` (fails the test when `p` succeeds). */
async function rejection(p: Promise<unknown>): Promise<{ code?: number; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: number; message: string };
  }
  throw new Error("expected the request to fail, it succeeded");
}

/** GET of a raw path as JSON (upstream's discovery RESTClient calls). */
async function raw(path: string): Promise<any> {
  const transport = httpsTransport(kubeconfigTransportOptions(env.server.kubeconfig));
  const r = await transport.send(new Request(`${transport.baseUrl}${path}`, { headers: { accept: "application/json" } }));
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** Every namespace a case created (deleted before the server stops). */
const namespaces = new TrackedNamespaces();
/**
 * A fresh namespace, once its controllers populated it (the `default` ServiceAccount and the
 * `kube-root-ca.crt` ConfigMap), as the upstream framework waits: through the API client, which is
 * far cheaper than kubectl when many cases start at once.
 */
const freshNamespace = (prefix: string) => namespaces.create(client, prefix, 60_000);

/** Upstream's discovery steps: the group in /apis, the version in /apis/<group>, the resources in /apis/<group>/<version>. */
async function expectDiscovery(group: string, version: string, resources: string[]): Promise<void> {
  const groups = await raw("/apis");
  expect(groups.groups.find((g: any) => g.name === group)?.versions.map((v: any) => v.version)).toContain(version);
  const g = await raw(`/apis/${group}`);
  expect(g.versions.map((v: any) => v.version)).toContain(version);
  const list = await raw(`/apis/${group}/${version}`);
  const names = list.resources.map((r: any) => r.name);
  for (const r of resources) expect(names).toContain(r);
}

/** Collects watch events of a collection in the background. */
function watchCollection(target: CollectionTarget, resourceVersion: string, opts: { labelSelector?: string; fieldSelector?: string } = {}) {
  const abort = new AbortController();
  const events: WatchEvent<Obj>[] = [];
  const done = (async () => {
    try {
      for await (const e of client.watch<Obj>(target, { resourceVersion, ...opts, signal: abort.signal })) events.push(e);
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return {
    events,
    until: (what: string, pred: (e: WatchEvent<Obj>) => boolean, ms = 15_000) => waitFor(`watch event: ${what}`, ms, async () => events.find(pred)),
    async stop() { abort.abort(); await done.catch(() => {}); },
  };
}

/** Get-modify-update, retried on conflicts (upstream's retry.RetryOnConflict). */
async function updateWithRetry(target: ObjectTarget, mutate: (o: Obj) => void, subresource?: string): Promise<Obj> {
  return waitFor(`update ${target.name}`, 10_000, async () => {
    const cur = await client.get<Obj>(target);
    mutate(cur);
    try {
      return subresource === "status" ? await client.updateStatus<Obj>(target, cur) : await client.update<Obj>(target, cur);
    } catch (err) {
      if (isConflict(err)) return undefined;
      throw err;
    }
  });
}

/** A busybox container that idles and exits promptly on SIGTERM (stands in for httpd/agnhost/pause). */
const idler = (name = "c") => ({ name, image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"] });

function podTemplate(labels: Record<string, string>, extra: Record<string, any> = {}) {
  return { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, containers: [idler()], ...extra } };
}

async function pods(ns: string, labels: Record<string, string>): Promise<Pod[]> {
  return (await client.list<Pod>({ ...R.pods, namespace: ns }, { labelSelector: selectorOf(labels) })).items;
}

async function runningPods(ns: string, labels: Record<string, string>): Promise<Pod[]> {
  return (await pods(ns, labels)).filter((p) => !p.metadata.deletionTimestamp && isRunningReady(p));
}

/** Waits for `n` running, ready pods with `labels`; on timeout the error shows where each pod got stuck. */
async function waitRunning(ns: string, labels: Record<string, string>, n: number, ms = 120_000): Promise<Pod[]> {
  try {
    return await within(ms, async () => {
      const ps = await runningPods(ns, labels);
      return ps.length === n ? ps : undefined;
    }, 250);
  } catch {
    throw new Error(`${n} running pods in ${ns}: not within ${ms} ms; pods: ${await podSummary(ns)}`);
  }
}

async function podSummary(ns: string): Promise<string> {
  const ps = (await client.list<Pod>({ ...R.pods, namespace: ns })).items;
  return JSON.stringify(ps.map((p) => ({ name: p.metadata.name, node: p.spec.nodeName, phase: p.status?.phase, conditions: p.status?.conditions?.map((c) => `${c.type}=${c.status}${c.reason ? `(${c.reason})` : ""}`), containers: p.status?.containerStatuses?.map((c) => c.state) })));
}

async function waitReadyReplicas(target: ObjectTarget, n: number, ms = 120_000): Promise<Obj> {
  try {
    return await within(ms, async () => {
      const o = await client.get<Obj>(target);
      return (o.status?.readyReplicas ?? 0) === n && (o.status?.replicas ?? 0) === n ? o : undefined;
    }, 250);
  } catch {
    throw new Error(`${target.resource} ${target.name}: ${n} ready replicas not within ${ms} ms; pods: ${await podSummary(target.namespace!)}`);
  }
}

/**
 * The shared body of upstream's "should support <X> API operations" tests: create three objects
 * (generateName), get one, list them (in the namespace and, for namespaced kinds, cluster-wide),
 * watch while patching and updating an annotation, optional status steps, delete one (the list
 * shrinks to two), then deletecollection (the list is empty). Returns how many were created.
 */
async function crudCollection(target: CollectionTarget, make: () => Obj, labels: Record<string, string>,
  opts: { clusterWide?: boolean; status?: (name: string) => Promise<void> } = {}): Promise<number> {
  const labelSelector = selectorOf(labels);
  await client.create(target, make());
  await client.create(target, make());
  const created = await client.create<Obj>(target, make());
  const name = created.metadata.name!;
  const got = await client.get<Obj>({ ...target, name });
  expect(got.metadata.uid).toBe(created.metadata.uid);
  const list = await client.list(target, { labelSelector });
  expect(list.items).toHaveLength(3);
  if (opts.clusterWide) expect((await client.list({ ...target, namespace: undefined }, { labelSelector })).items).toHaveLength(3);

  const w = watchCollection(target, list.metadata.resourceVersion!, { labelSelector });
  try {
    const patched = await client.patch<Obj>({ ...target, name }, "merge", { metadata: { annotations: { patched: "true" } } });
    expect(patched.metadata.annotations?.patched).toBe("true");
    const updated = await updateWithRetry({ ...target, name }, (o) => { o.metadata.annotations = { ...o.metadata.annotations, updated: "true" }; });
    expect(updated.metadata.annotations?.updated).toBe("true");
    await w.until("MODIFIED with both annotations", (e) => e.type === "MODIFIED" && e.object.metadata.name === name
      && e.object.metadata.annotations?.patched === "true" && e.object.metadata.annotations?.updated === "true");
  } finally {
    await w.stop();
  }
  if (opts.status) await opts.status(name);

  await client.delete({ ...target, name });
  await waitFor(`${name} deleted`, 10_000, async () => ((await gone({ ...target, name })) ? true : undefined));
  expect((await client.list(target, { labelSelector })).items).toHaveLength(2);
  await client.deleteCollection(target, { labelSelector });
  await waitFor("collection deleted", 10_000, async () => ((await client.list(target, { labelSelector })).items.length === 0 ? true : undefined));
  return 3;
}

/** A PEM certificate request and a self-signed PEM certificate for e2e.example.com (upstream: cert.MakeCSR, GenerateSelfSignedCertKey). */
async function csrAndCertificate(): Promise<{ csrPem: string; certPem: string }> {
  const dir = mkdtempSync(`${tmpdir()}/lite-csr-`);
  try {
    const run = async (args: string[]) => {
      const p = Bun.spawn(["openssl", ...args], { stdout: "pipe", stderr: "pipe" });
      if ((await p.exited) !== 0) throw new Error(`openssl ${args.join(" ")}: ${await new Response(p.stderr).text()}`);
    };
    await run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${dir}/key.pem`, "-subj", "/CN=e2e.example.com", "-addext", "subjectAltName=DNS:e2e.example.com", "-out", `${dir}/csr.pem`]);
    await run(["req", "-x509", "-key", `${dir}/key.pem`, "-subj", "/CN=e2e.example.com", "-days", "1", "-out", `${dir}/cert.pem`]);
    return { csrPem: readFileSync(`${dir}/csr.pem`, "utf8"), certPem: readFileSync(`${dir}/cert.pem`, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PAUSE = "lite.local/pause:3.10";

function pdb(name: string, budget: Record<string, number | string>, labels: Record<string, string> = {}): Obj {
  return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name, labels }, spec: { selector: { matchLabels: { foo: "bar" } }, ...budget } };
}

/** Upstream waitForPdbToBeProcessed: the controller observed the current generation. */
async function waitPdbProcessed(ns: string, name: string): Promise<Obj> {
  return waitFor(`PDB ${name} processed`, 30_000, async () => {
    const p = await client.get<Obj>({ ...res.pdbs, namespace: ns, name });
    return p.status && (p.status.observedGeneration ?? 0) >= (p.metadata.generation ?? 1) ? p : undefined;
  });
}

/** Upstream createPodsOrDie: pods pod-0.. labelled foo=bar (busybox stands in for pause). */
async function createPods(ns: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await client.create({ ...R.pods, namespace: ns }, { apiVersion: "v1", kind: "Pod", metadata: { name: `pod-${i}`, labels: { foo: "bar" } }, spec: { ...podTemplate({}).spec, restartPolicy: "Always" } });
  }
}

function replicaSet(name: string, replicas: number, podLabels: Record<string, string>): Obj {
  const tpl = podTemplate(podLabels);
  tpl.spec.containers = [idler(name)];
  return { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name }, spec: { replicas, selector: { matchLabels: podLabels }, template: tpl } };
}

function replicationController(name: string, replicas: number, labels: Record<string, string>): Obj {
  const tpl = podTemplate(labels);
  tpl.spec.containers = [idler(name)];
  return { apiVersion: "v1", kind: "ReplicationController", metadata: { name, labels }, spec: { replicas, selector: labels, template: tpl } };
}

function statefulSet(name: string, replicas: number, podLabels: Record<string, string>): Obj {
  const tpl = podTemplate(podLabels);
  tpl.spec.containers = [idler(name)];
  return { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name, labels: podLabels }, spec: { replicas, serviceName: "test", selector: { matchLabels: podLabels }, template: tpl } };
}

/** The headless Service "test" upstream's StatefulSet tests create first. */
async function headlessService(ns: string): Promise<void> {
  await client.create({ ...R.services, namespace: ns }, {
    apiVersion: "v1", kind: "Service", metadata: { name: "test" },
    spec: { clusterIP: "None", selector: { foo: "bar", baz: "blah" }, ports: [{ name: "http", port: 80 }] },
  });
}

/** Upstream's scale steps (ReplicaSet, StatefulSet): get (1/1), update to 2 (unconditional), patch to 4; the workload's spec follows. */
async function expectScaleSubresource(target: ObjectTarget): Promise<void> {
  const scale = await client.get<Obj>(target, { subresource: "scale" });
  expect(scale.kind).toBe("Scale");
  expect(scale.spec.replicas).toBe(1);
  expect(scale.status.replicas).toBe(1);
  scale.metadata.resourceVersion = "";
  scale.spec.replicas = 2;
  const result = await client.update<Obj>(target, scale, { subresource: "scale" });
  expect(result.spec.replicas).toBe(2);
  expect((await client.get<Obj>(target)).spec.replicas).toBe(2);
  // Upstream marshals a whole autoscaling/v1 Scale with only spec.replicas set.
  await client.patch(target, "strategic", { metadata: { creationTimestamp: null }, spec: { replicas: 4 }, status: { replicas: 0 } }, { subresource: "scale" });
  expect((await client.get<Obj>(target)).spec.replicas).toBe(4);
}

/** Upstream's status steps (ReplicaSet, StatefulSet): get /status, update a condition (watched), merge-patch another (watched). */
async function expectStatusEndpoints(target: ObjectTarget): Promise<void> {
  const st = await client.get<Obj>(target, { subresource: "status" });
  expect(st.metadata.name).toBe(target.name);
  const w = watchCollection({ ...target, name: undefined } as CollectionTarget, st.metadata.resourceVersion!, { fieldSelector: `metadata.name=${target.name}` });
  try {
    await updateWithRetry(target, (o) => {
      o.status.conditions = [...(o.status.conditions ?? []), { type: "StatusUpdate", status: "True", reason: "E2E", message: "Set from e2e test" }];
    }, "status");
    await w.until("MODIFIED with the StatusUpdate condition", (e) => e.type === "MODIFIED"
      && (e.object.status?.conditions ?? []).some((c: any) => c.type === "StatusUpdate" && c.reason === "E2E" && c.message === "Set from e2e test"));
    const patched = await client.patch<Obj>(target, "merge", { status: { conditions: [{ type: "StatusPatched", status: "True" }] } }, { subresource: "status" });
    expect(condType(patched, "StatusPatched")?.status).toBe("True");
    await w.until("MODIFIED with the StatusPatched condition", (e) => e.type === "MODIFIED" && condType(e.object, "StatusPatched")?.status === "True");
  } finally {
    await w.stop();
  }
}

const condType = (o: Obj, type: string) => (o.status?.conditions ?? []).find((c: any) => c.type === type);

describe.concurrent("API lifecycle conformance (dist/lite with its agent in a test netns)", () => {
  // ---------------------------------------------------------------- api-machinery
  test("[sig-api-machinery] server version should find the server version [Conformance]: major and minor are plain integers", async () => {
    const v = await raw("/version");
    // Upstream: the major version is its digits; the minor with non-digits removed is unchanged.
    expect(v.major).toMatch(/^[1-9][0-9]*$/);
    expect(v.minor.replace(/[^0-9]+/g, "")).toBe(v.minor);
    expect(v.gitVersion).toBeString();
  });
  // ---------------------------------------------------------------- generic "API operations" tests
  test("[sig-network] EndpointSlice should support creating EndpointSlice API operations [Conformance]: discovery, create, get, list, watch, patch, update, delete, deletecollection", async () => {
    const ns = await freshNamespace("epsapi");
    await expectDiscovery("discovery.k8s.io", "v1", ["endpointslices"]);
    const labels = { "special-label": ns };
    const slice = (): Obj => ({
      apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { generateName: "e2e-example-ing", labels },
      addressType: "IPv4", endpoints: [{ addresses: ["1.2.3.4", "5.6.7.8"] }], ports: [{ name: "http", port: 80, protocol: "TCP" }],
    });
    await crudCollection({ ...R.endpointSlices, namespace: ns }, slice, labels, { clusterWide: true });
  });

  test("[sig-network] Ingress API should support creating Ingress API operations [Conformance]: discovery, CRUD, watch, status get/patch/update, deletecollection", async () => {
    const ns = await freshNamespace("ingapi");
    await expectDiscovery("networking.k8s.io", "v1", ["ingresses", "ingresses/status"]);
    const labels = { "special-label": ns };
    const ingress = (): Obj => ({
      apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { generateName: "e2e-example-ing", labels },
      spec: {
        defaultBackend: { service: { name: "default-backend", port: { number: 8080 } } },
        rules: [{ host: "foo.bar.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "test-backend", port: { number: 8080 } } } }] } }],
      },
    });
    const target = { ...res.ingresses, namespace: ns };
    const created = await crudCollection(target, ingress, labels, {
      clusterWide: true,
      status: async (name) => {
        // Status subresource: get, patch (merge), update; each visible in the reply.
        const st = await client.get<Obj>({ ...target, name }, { subresource: "status" });
        expect(st.metadata.name).toBe(name);
        const patched = await client.patch<Obj>({ ...target, name }, "merge",
          { metadata: { annotations: { patchedstatus: "true" } }, status: { loadBalancer: { ingress: [{ ip: "169.1.1.1" }] } } }, { subresource: "status" });
        expect(patched.status.loadBalancer.ingress).toEqual([{ ip: "169.1.1.1" }]);
        expect(patched.metadata.annotations?.patchedstatus).toBe("true");
        const updated = await updateWithRetry({ ...target, name }, (o) => { o.status.loadBalancer = { ingress: [{ ip: "169.1.1.2" }] }; }, "status");
        expect(updated.status.loadBalancer.ingress).toEqual([{ ip: "169.1.1.2" }]);
      },
    });
    expect(created).toBe(3);
  });

  test("[sig-network] IngressClass API should support creating IngressClass API operations [Conformance]: discovery, create, get, list, watch, patch, update, delete, deletecollection", async () => {
    await expectDiscovery("networking.k8s.io", "v1", ["ingressclasses"]);
    const labels = { "special-label": unique("ic") };
    const ic = (): Obj => ({ apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { generateName: "e2e-example-ingressclass-", labels }, spec: { controller: "example.com/controller" } });
    await crudCollection(res.ingressClasses, ic, labels);
  });

  test("[sig-node] RuntimeClass should support RuntimeClasses API operations [Conformance]: discovery, create, get, list, watch, patch, update, delete, deletecollection", async () => {
    await expectDiscovery("node.k8s.io", "v1", ["runtimeclasses"]);
    const labels = { "special-label": unique("rc") };
    const rc = (): Obj => ({ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { generateName: "e2e-example-rc-", labels }, handler: "e2e-handler" });
    await crudCollection(res.runtimeClasses, rc, labels);
  });

  test("[sig-storage] CSIStorageCapacity should support CSIStorageCapacities API operations [Conformance]: discovery, CRUD, watch, deletecollection", async () => {
    const ns = await freshNamespace("csiscapi");
    await expectDiscovery("storage.k8s.io", "v1", ["csistoragecapacities"]);
    const labels = { "special-label": ns };
    const cap = (): Obj => ({
      apiVersion: "storage.k8s.io/v1", kind: "CSIStorageCapacity", metadata: { generateName: "e2e-example-csc-", labels },
      storageClassName: "e2e-fake-storage-class", capacity: "1Gi", maximumVolumeSize: "1Gi",
      nodeTopology: { matchLabels: { "topology.kubernetes.io/zone": "e2e" } },
    });
    await crudCollection({ ...res.csiStorageCapacities, namespace: ns }, cap, labels, { clusterWide: true });
  });

  test("[sig-auth] Certificates API [Privileged:ClusterAdmin] should support CSR API operations [Conformance]: discovery, CRUD, watch, approval and status subresources, deletecollection", async () => {
    await expectDiscovery("certificates.k8s.io", "v1", ["certificatesigningrequests", "certificatesigningrequests/approval", "certificatesigningrequests/status"]);
    const { csrPem, certPem } = await csrAndCertificate();
    const signerName = `example.com/e2e-${unique("csr")}`;
    const csr = (): Obj => ({
      apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { generateName: "e2e-example-csr-" },
      spec: { request: Buffer.from(csrPem).toString("base64"), signerName, expirationSeconds: 3600, usages: ["digital signature", "key encipherment", "server auth"] },
    });
    const t = res.csrs;
    await client.create(t, csr());
    await client.create(t, csr());
    const created = await client.create<Obj>(t, csr());
    const name = created.metadata.name!;
    const got = await client.get<Obj>({ ...t, name });
    expect(got.metadata.uid).toBe(created.metadata.uid);
    expect(got.spec.expirationSeconds).toBe(3600);
    const bySigner = { fieldSelector: `spec.signerName=${signerName}` };
    const list = await client.list(t, bySigner);
    expect(list.items).toHaveLength(3);

    const w = watchCollection(t, list.metadata.resourceVersion!, { fieldSelector: `metadata.name=${name}` });
    try {
      const patched = await client.patch<Obj>({ ...t, name }, "merge", { metadata: { annotations: { patched: "true" } } });
      expect(patched.metadata.annotations?.patched).toBe("true");
      patched.metadata.annotations!.updated = "true";
      const updated = await client.update<Obj>(t, patched);
      expect(updated.metadata.annotations?.updated).toBe("true");
      await w.until("MODIFIED with the patched annotation", (e) => e.type === "MODIFIED" && e.object.metadata.annotations?.patched === "true");
      expect(w.events.every((e) => e.type === "MODIFIED")).toBe(true);
    } finally {
      await w.stop();
    }

    // approval subresource: get, patch, update.
    const gotApproval = await client.get<Obj>({ ...t, name }, { subresource: "approval" });
    expect(gotApproval.kind).toBe("CertificateSigningRequest");
    expect(gotApproval.metadata.uid).toBe(created.metadata.uid);
    const patchedApproval = await client.patch<Obj>({ ...t, name }, "merge",
      { metadata: { annotations: { patchedapproval: "true" } }, status: { conditions: [{ type: "ApprovalPatch", status: "True", reason: "e2e" }] } }, { subresource: "approval" });
    expect(patchedApproval.status.conditions).toHaveLength(1);
    expect(patchedApproval.status.conditions[0].type).toBe("ApprovalPatch");
    expect(patchedApproval.metadata.annotations?.patchedapproval).toBe("true");
    patchedApproval.status.conditions.push({ type: "Approved", status: "True", reason: "E2E", message: "Set from an e2e test" });
    const updatedApproval = await client.update<Obj>({ ...t, name }, patchedApproval, { subresource: "approval" });
    expect(updatedApproval.status.conditions).toHaveLength(2);
    expect(updatedApproval.status.conditions[1].type).toBe("Approved");

    // status subresource: get, patch (a certificate), update (a condition).
    const gotStatus = await client.get<Obj>({ ...t, name }, { subresource: "status" });
    expect(gotStatus.kind).toBe("CertificateSigningRequest");
    expect(gotStatus.metadata.uid).toBe(created.metadata.uid);
    const certificate = Buffer.from(certPem).toString("base64");
    const patchedStatus = await client.patch<Obj>({ ...t, name }, "merge",
      { metadata: { annotations: { patchedstatus: "true" } }, status: { certificate } }, { subresource: "status" });
    expect(patchedStatus.status.certificate).toBe(certificate);
    expect(patchedStatus.metadata.annotations?.patchedstatus).toBe("true");
    patchedStatus.status.conditions.push({ type: "StatusUpdate", status: "True", reason: "E2E", message: "Set from an e2e test" });
    const updatedStatus = await client.updateStatus<Obj>(t, patchedStatus);
    expect(updatedStatus.status.conditions).toHaveLength(patchedStatus.status.conditions.length);
    expect(updatedStatus.status.conditions.at(-1).type).toBe("StatusUpdate");

    await client.delete({ ...t, name });
    expect(await gone({ ...t, name })).toBe(true);
    expect((await client.list(t, bySigner)).items).toHaveLength(2);
    await client.deleteCollection(t, bySigner);
    expect((await client.list(t, bySigner)).items).toHaveLength(0);
  });
  // ---------------------------------------------------------------- storage
  test("[sig-storage] CSIInlineVolumes should run through the lifecycle of a CSIDriver [Conformance]: create two, patch, update, list, delete, deletecollection", async () => {
    const id = unique("csidriver");
    const labels = { e2eTestLabel: id };
    const driver = (name: string): Obj => ({ apiVersion: "storage.k8s.io/v1", kind: "CSIDriver", metadata: { name, labels }, spec: { volumeLifecycleModes: ["Ephemeral"] } });
    const t = res.csiDrivers;
    const first = await client.create<Obj>(t, driver(`inline-driver-${id}`));
    const second = await client.create<Obj>(t, driver(`inline-driver-${id}-2`));
    const name1 = first.metadata.name!;
    expect((await client.get<Obj>({ ...t, name: name1 })).metadata.uid).toBe(first.metadata.uid);
    const patched = await client.patch<Obj>({ ...t, name: name1 }, "strategic", { metadata: { labels: { [name1]: "patched" } } });
    expect(patched.metadata.labels?.[name1]).toBe("patched");
    const updated = await updateWithRetry({ ...t, name: name1 }, (o) => { o.metadata.labels = { ...o.metadata.labels, [name1]: "updated" }; });
    expect(updated.metadata.labels?.[name1]).toBe("updated");
    const list = await client.list(t, { labelSelector: selectorOf(labels) });
    expect(list.items).toHaveLength(2);
    await client.delete({ ...t, name: name1 });
    expect(await gone({ ...t, name: name1 })).toBe(true);
    await client.deleteCollection(t, { labelSelector: selectorOf(labels) });
    expect(await gone({ ...t, name: second.metadata.name! })).toBe(true);
    expect((await client.list(t, { labelSelector: selectorOf(labels) })).items).toHaveLength(0);
  });

  test("[sig-storage] CSIInlineVolumes should support CSIVolumeSource in Pod API [Conformance]: a pod with an inline CSI volume: create, get, list, patch, delete", async () => {
    const ns = await freshNamespace("csiinline");
    const name = "pod-csi-inline-volumes";
    const t = { ...R.pods, namespace: ns };
    // The driver does not exist: only the API is exercised (the pod never starts, as upstream's does not need to).
    const pod: Obj = {
      apiVersion: "v1", kind: "Pod", metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ ...idler("pod-csi-inline-volumes"), volumeMounts: [{ name: "vol", mountPath: "/test" }] }],
        volumes: [{ name: "vol", csi: { driver: "e2e.example.com", volumeAttributes: { foo: "bar" } } }],
        restartPolicy: "Never",
      },
    };
    const created = await client.create<Obj>(t, pod);
    expect(created.spec.volumes[0].csi).toEqual({ driver: "e2e.example.com", volumeAttributes: { foo: "bar" } });
    const got = await client.get<Obj>({ ...t, name });
    expect(got.metadata.uid).toBe(created.metadata.uid);
    expect(got.spec.volumes[0].csi.driver).toBe("e2e.example.com");
    const list = await client.list<Obj>(t);
    expect(list.items.map((p) => p.metadata.name)).toContain(name);
    const patched = await client.patch<Obj>({ ...t, name }, "merge", { metadata: { labels: { "e2e-csi-inline": "patched" } } });
    expect(patched.metadata.labels?.["e2e-csi-inline"]).toBe("patched");
    await client.delete({ ...t, name }, { gracePeriodSeconds: 0 });
    await waitFor("the pod gone", 30_000, async () => ((await gone({ ...t, name })) ? true : undefined));
  });

  test("[sig-storage] CSINodes CSI Conformance should run through the lifecycle of a csinode [Conformance]: create, get, patch, list, delete, replace, update, deletecollection", async () => {
    const id = unique("e2e-csinode");
    const labels = { e2e: id };
    const t = res.csiNodes;
    const csiNode = (name: string): Obj => ({ apiVersion: "storage.k8s.io/v1", kind: "CSINode", metadata: { name, labels }, spec: { drivers: [] } });
    const created = await client.create<Obj>(t, csiNode(id));
    const got = await client.get<Obj>({ ...t, name: id });
    expect(got.metadata.name).toBe(id);
    expect(got.metadata.uid).toBe(created.metadata.uid);
    const patched = await client.patch<Obj>({ ...t, name: id }, "strategic", { metadata: { labels: { [id]: "patched" } } });
    expect(patched.metadata.labels?.[id]).toBe("patched");
    expect((await client.list(t, { labelSelector: selectorOf(labels) })).items).toHaveLength(1);
    await client.delete({ ...t, name: id });
    expect(await gone({ ...t, name: id })).toBe(true);

    const replacement = `${id}-2`;
    await client.create<Obj>(t, csiNode(replacement));
    expect((await client.get<Obj>({ ...t, name: replacement })).metadata.name).toBe(replacement);
    const updated = await updateWithRetry({ ...t, name: replacement }, (o) => { o.metadata.labels = { ...o.metadata.labels, [replacement]: "updated" }; });
    expect(updated.metadata.labels?.[replacement]).toBe("updated");
    await client.deleteCollection(t, { labelSelector: selectorOf(labels) });
    expect(await gone({ ...t, name: replacement })).toBe(true);
  });

  test("[sig-storage] StorageClasses CSI Conformance should run through the lifecycle of a StorageClass [Conformance]: create, get, patch, delete, replace, update, deletecollection", async () => {
    const id = unique("e2e-sc");
    const labels = { e2e: id };
    const t = res.storageClasses;
    const sc = (name: string): Obj => ({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name, labels }, provisioner: "e2e-fake-provisioner" });
    const created = await client.create<Obj>(t, sc(id));
    const got = await client.get<Obj>({ ...t, name: id });
    expect(got.metadata.uid).toBe(created.metadata.uid);
    expect(got.provisioner).toBe("e2e-fake-provisioner");
    const patched = await client.patch<Obj>({ ...t, name: id }, "strategic", { metadata: { labels: { [id]: "patched" } } });
    expect(patched.metadata.labels?.[id]).toBe("patched");
    await client.delete({ ...t, name: id });
    expect(await gone({ ...t, name: id })).toBe(true);

    const replacement = `${id}-2`;
    await client.create<Obj>(t, sc(replacement));
    const updated = await updateWithRetry({ ...t, name: replacement }, (o) => { o.metadata.labels = { ...o.metadata.labels, [replacement]: "updated" }; });
    expect(updated.metadata.labels?.[replacement]).toBe("updated");
    await client.deleteCollection(t, { labelSelector: selectorOf(labels) });
    expect(await gone({ ...t, name: replacement })).toBe(true);
    expect((await client.list(t, { labelSelector: selectorOf(labels) })).items).toHaveLength(0);
  });

  test("[sig-storage] VolumeAttachment Conformance should run through the lifecycle of a VolumeAttachment [Conformance]: create, get, patch, list, delete, create and update two more, deletecollection", async () => {
    const id = unique("va");
    const labels = { e2e: id };
    const t = res.volumeAttachments;
    const va = (name: string): Obj => ({
      apiVersion: "storage.k8s.io/v1", kind: "VolumeAttachment", metadata: { name, labels },
      spec: { attacher: "e2e-test.storage.k8s.io", source: { persistentVolumeName: `pv-${name}` }, nodeName },
    });
    const first = await client.create<Obj>(t, va(id));
    expect((await client.get<Obj>({ ...t, name: id })).metadata.name).toBe(first.metadata.name);
    const patched = await client.patch<Obj>({ ...t, name: id }, "merge", { metadata: { labels: { [id]: "patched" } } });
    expect(patched.metadata.labels?.[id]).toBe("patched");
    expect((await client.list(t, { labelSelector: `${id}=patched` })).items).toHaveLength(1);
    await client.delete({ ...t, name: id });
    expect(await gone({ ...t, name: id })).toBe(true);

    for (const n of [`${id}-2`, `${id}-3`]) {
      await client.create<Obj>(t, va(n));
      const updated = await updateWithRetry({ ...t, name: n }, (o) => { o.metadata.labels = { ...o.metadata.labels, [n]: "updated" }; });
      expect(updated.metadata.labels?.[n]).toBe("updated");
    }
    expect((await client.list(t, { labelSelector: selectorOf(labels) })).items).toHaveLength(2);
    await client.deleteCollection(t, { labelSelector: selectorOf(labels) });
    expect((await client.list(t, { labelSelector: selectorOf(labels) })).items).toHaveLength(0);
  });

  test("[sig-storage] VolumeAttachment Conformance should apply changes to a volumeattachment status [Conformance]: status get, patch (attached), update (detached)", async () => {
    const id = unique("va-status");
    const t = res.volumeAttachments;
    await client.create<Obj>(t, {
      apiVersion: "storage.k8s.io/v1", kind: "VolumeAttachment", metadata: { name: id, labels: { e2e: id } },
      spec: { attacher: "e2e-test.storage.k8s.io", source: { persistentVolumeName: `pv-${id}` }, nodeName },
    });
    const patched = await client.patch<Obj>({ ...t, name: id }, "merge", { metadata: { labels: { [id]: "patched" } } });
    expect(patched.metadata.labels?.[id]).toBe("patched");
    const st = await client.get<Obj>({ ...t, name: id }, { subresource: "status" });
    expect(st.status?.attached ?? false).toBe(false);
    const attached = await client.patch<Obj>({ ...t, name: id }, "merge", { status: { attached: true } }, { subresource: "status" });
    expect(attached.status.attached).toBe(true);
    const detached = await updateWithRetry({ ...t, name: id }, (o) => { o.status = { ...o.status, attached: false }; }, "status");
    expect(detached.status.attached).toBe(false);
    await client.delete({ ...t, name: id });
    expect(await gone({ ...t, name: id })).toBe(true);
  });

  test("[sig-storage] PersistentVolumes CSI Conformance should run through the lifecycle of a PV and a PVC [Conformance]: create, list, patch, get, delete, replace, update, deletecollection", async () => {
    const ns = await freshNamespace("pvlife");
    const id = unique("pv");
    const labels = { e2e: id };
    const sc = `e2e-sc-${id}`;
    const pvT = R.persistentVolumes;
    const pvcT = { ...R.persistentVolumeClaims, namespace: ns };
    // Upstream: a CSI PV of a fake driver, bound up front to the claim (claimRef), and a claim of the same class.
    const pv = (name: string, claim: string): Obj => ({
      apiVersion: "v1", kind: "PersistentVolume", metadata: { name, labels },
      spec: {
        storageClassName: sc, capacity: { storage: "3Mi" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Retain",
        claimRef: { namespace: ns, name: claim }, csi: { driver: "e2e-driver-fake", volumeHandle: `e2e-${name}` },
      },
    });
    const pvc = (name: string, volume: string): Obj => ({
      apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, labels },
      spec: { storageClassName: sc, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Mi" } }, volumeName: volume },
    });
    const pv1 = await client.create<Obj>(pvT, pv(id, `pvc-${id}`));
    const pvc1 = await client.create<Obj>(pvcT, pvc(`pvc-${id}`, id));
    expect((await client.list(pvT, { labelSelector: selectorOf(labels) })).items).toHaveLength(1);
    expect((await client.list(pvcT)).items.map((c) => c.metadata.name)).toEqual([`pvc-${id}`]);
    const pvPatched = await client.patch<Obj>({ ...pvT, name: id }, "strategic", { metadata: { labels: { [id]: "patched" } } });
    expect(pvPatched.metadata.labels?.[id]).toBe("patched");
    const pvcPatched = await client.patch<Obj>({ ...pvcT, name: `pvc-${id}` }, "strategic", { metadata: { labels: { [`pvc-${id}`]: "patched" } } });
    expect(pvcPatched.metadata.labels?.[`pvc-${id}`]).toBe("patched");
    expect((await client.get<Obj>({ ...pvT, name: id })).metadata.uid).toBe(pv1.metadata.uid);
    expect((await client.get<Obj>({ ...pvcT, name: `pvc-${id}` })).metadata.uid).toBe(pvc1.metadata.uid);
    await client.delete({ ...pvcT, name: `pvc-${id}` });
    await waitFor("the PVC gone", 30_000, async () => ((await gone({ ...pvcT, name: `pvc-${id}` })) ? true : undefined));
    await client.delete({ ...pvT, name: id });
    await waitFor("the PV gone", 30_000, async () => ((await gone({ ...pvT, name: id })) ? true : undefined));

    // Replacements, updated, then removed through deletecollection.
    const pv2 = `${id}-2`;
    const pvc2 = `pvc-${id}-2`;
    await client.create(pvT, pv(pv2, pvc2));
    await client.create(pvcT, pvc(pvc2, pv2));
    const pvUpdated = await updateWithRetry({ ...pvT, name: pv2 }, (o) => { o.metadata.labels = { ...o.metadata.labels, [pv2]: "updated" }; });
    expect(pvUpdated.metadata.labels?.[pv2]).toBe("updated");
    const pvcUpdated = await updateWithRetry({ ...pvcT, name: pvc2 }, (o) => { o.metadata.labels = { ...o.metadata.labels, [pvc2]: "updated" }; });
    expect(pvcUpdated.metadata.labels?.[pvc2]).toBe("updated");
    await client.deleteCollection(pvcT, { labelSelector: selectorOf(labels) });
    await waitFor("the PVCs gone", 30_000, async () => ((await client.list(pvcT, { labelSelector: selectorOf(labels) })).items.length === 0 ? true : undefined));
    await client.deleteCollection(pvT, { labelSelector: selectorOf(labels) });
    await waitFor("the PVs gone", 30_000, async () => ((await client.list(pvT, { labelSelector: selectorOf(labels) })).items.length === 0 ? true : undefined));
  });

  test("[sig-storage] PersistentVolumes CSI Conformance should apply changes to a pv/pvc status [Conformance]: status read, patch and update of a PV and a PVC", async () => {
    const ns = await freshNamespace("pvstat");
    const id = unique("pvs");
    const labels = { e2e: id };
    const sc = `e2e-sc-${id}`;
    const pvT = R.persistentVolumes;
    const pvcT = { ...R.persistentVolumeClaims, namespace: ns };
    const claim = `pvc-${id}`;
    await client.create<Obj>(pvT, {
      apiVersion: "v1", kind: "PersistentVolume", metadata: { name: id, labels },
      spec: {
        storageClassName: sc, capacity: { storage: "3Mi" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Retain",
        claimRef: { namespace: ns, name: claim }, csi: { driver: "e2e-driver-fake", volumeHandle: `e2e-${id}` },
      },
    });
    await client.create<Obj>(pvcT, {
      apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: claim, labels },
      spec: { storageClassName: sc, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Mi" } }, volumeName: id },
    });
    expect((await client.list(pvT, { labelSelector: selectorOf(labels) })).items).toHaveLength(1);
    expect((await client.list(pvcT)).items).toHaveLength(1);
    const pvcStatus = await client.get<Obj>({ ...pvcT, name: claim }, { subresource: "status" });
    expect(["Pending", "Bound"]).toContain(pvcStatus.status.phase);
    const pvStatus = await client.get<Obj>({ ...pvT, name: id }, { subresource: "status" });
    expect(["Pending", "Available", "Bound"]).toContain(pvStatus.status.phase);

    const patchedPvc = await client.patch<Obj>({ ...pvcT, name: claim }, "merge",
      { status: { conditions: [{ type: "StatusPatched", status: "True", reason: "E2E patchedStatus", message: "Set from e2e test" }] } }, { subresource: "status" });
    expect(condType(patchedPvc, "StatusPatched")).toMatchObject({ status: "True", reason: "E2E patchedStatus" });
    const patchedPv = await client.patch<Obj>({ ...pvT, name: id }, "merge", { status: { reason: "E2E patchStatus", message: "Patched from e2e test" } }, { subresource: "status" });
    expect(patchedPv.status).toMatchObject({ reason: "E2E patchStatus", message: "Patched from e2e test" });

    const updatedPvc = await updateWithRetry({ ...pvcT, name: claim }, (o) => {
      o.status.conditions = [...(o.status.conditions ?? []), { type: "StatusUpdated", status: "True", reason: "E2E updateStatus", message: "Set from e2e test" }];
    }, "status");
    expect(condType(updatedPvc, "StatusUpdated")).toMatchObject({ status: "True", reason: "E2E updateStatus" });
    const updatedPv = await updateWithRetry({ ...pvT, name: id }, (o) => { o.status = { ...o.status, reason: "E2E updateStatus", message: "Updated from e2e test" }; }, "status");
    expect(updatedPv.status).toMatchObject({ reason: "E2E updateStatus", message: "Updated from e2e test" });
    await client.delete({ ...pvcT, name: claim });
    await client.delete({ ...pvT, name: id });
  });

  // ---------------------------------------------------------------- node, scheduling
  test("[sig-node] Node Lifecycle should run through the lifecycle of a node [Conformance]: create, get, patch, list, update, delete", async () => {
    const name = unique("e2e-fake-node");
    const t = R.nodes;
    const created = await client.create<Obj>(t, { apiVersion: "v1", kind: "Node", metadata: { name }, spec: { unschedulable: true }, status: {} });
    expect((await client.get<Obj>({ ...t, name })).metadata.uid).toBe(created.metadata.uid);
    const patched = await client.patch<Obj>({ ...t, name }, "merge", { metadata: { labels: { [name]: "patched" } } });
    expect(patched.metadata.labels?.[name]).toBe("patched");
    const list = await client.list(t, { labelSelector: `${name}=patched` });
    expect(list.items.map((n) => n.metadata.name)).toEqual([name]);
    const updated = await updateWithRetry({ ...t, name }, (o) => { o.metadata.labels = { ...o.metadata.labels, [name]: "updated" }; });
    expect(updated.metadata.labels?.[name]).toBe("updated");
    await client.delete({ ...t, name });
    await waitFor("the node gone", 30_000, async () => ((await gone({ ...t, name })) ? true : undefined));
  });

  test("[sig-scheduling] SchedulerPreemption [Serial] PriorityClass endpoints verify PriorityClass endpoints can be operated with different HTTP methods [Conformance]: immutable value rejected, description patched and updated", async () => {
    const id = unique("pc");
    const t = res.priorityClasses;
    const pcs: Obj[] = [];
    for (let i = 1; i <= 4; i++) {
      pcs.push(await client.create<Obj>(t, { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: `${id}-p${i}`, labels: { e2e: id } }, value: i }));
    }
    try {
      // 1. Patch/Update of the immutable value fails.
      await rejection(client.patch({ ...t, name: pcs[0]!.metadata.name! }, "strategic", { value: pcs[0]!.value * 10 }));
      await rejection(client.update(t, { ...structuredClone(pcs[1]!), value: pcs[1]!.value * 10 }));
      // 2. Patch/Update of the description succeeds.
      const newDesc = "updated description";
      await client.patch({ ...t, name: pcs[0]!.metadata.name! }, "strategic", { description: newDesc });
      await client.update(t, { ...structuredClone(pcs[1]!), description: newDesc });
      // 3. List them; each has the change it should have.
      const list = await client.list<Obj>(t);
      const names = list.items.map((p) => p.metadata.name);
      for (const pc of pcs) expect(names).toContain(pc.metadata.name);
      for (const [i, pc] of pcs.entries()) {
        const cur = await client.get<Obj>({ ...t, name: pc.metadata.name! });
        expect(cur.value).toBe(pc.value);
        expect(cur.description).toBe(i < 2 ? newDesc : undefined);
      }
    } finally {
      await client.deleteCollection(t, { labelSelector: `e2e=${id}` });
    }
  });

  // ---------------------------------------------------------------- auth, events
  test("[sig-auth] ServiceAccounts should run through the lifecycle of a ServiceAccount [Conformance]: watched create, patch, list, deletecollection", async () => {
    const ns = await freshNamespace("salife");
    const name = "testserviceaccount";
    const labels = { "test-serviceaccount-static": "true" };
    const t = { ...R.serviceAccounts, namespace: ns };
    const list0 = await client.list(t, { labelSelector: selectorOf(labels) });
    const w = watchCollection(t, list0.metadata.resourceVersion!, { labelSelector: selectorOf(labels) });
    try {
      await client.create(t, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, labels } });
      await w.until("ADDED", (e) => e.type === "ADDED" && e.object.metadata.name === name);
      const patched = await client.patch<Obj>({ ...t, name }, "strategic", { automountServiceAccountToken: false });
      expect(patched.automountServiceAccountToken).toBe(false);
      await w.until("MODIFIED", (e) => e.type === "MODIFIED" && e.object.automountServiceAccountToken === false);
      const list = await client.list<Obj>(t, { labelSelector: selectorOf(labels) });
      expect(list.items).toHaveLength(1);
      expect(list.items[0]!.automountServiceAccountToken).toBe(false);
      await client.deleteCollection(t, { labelSelector: selectorOf(labels) });
      await w.until("DELETED", (e) => e.type === "DELETED" && e.object.metadata.name === name);
    } finally {
      await w.stop();
    }
  });

  test("[sig-auth] ServiceAccounts should update a ServiceAccount [Conformance]: update sets automountServiceAccountToken, patch sets a label", async () => {
    const ns = await freshNamespace("saupd");
    const name = unique("e2e-sa");
    const t = { ...R.serviceAccounts, namespace: ns };
    await client.create(t, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name } });
    const updated = await updateWithRetry({ ...t, name }, (o) => { o.automountServiceAccountToken = true; });
    expect(updated.automountServiceAccountToken).toBe(true);
    const patched = await client.patch<Obj>({ ...t, name }, "merge", { metadata: { labels: { "e2e-sa": "patched" } } });
    expect(patched.metadata.labels?.["e2e-sa"]).toBe("patched");
    expect(patched.automountServiceAccountToken).toBe(true);
  });

  test("[sig-auth] SubjectReview should support SubjectReview API operations [Conformance]: SAR and LocalSAR agree with what the impersonated service account may do", async () => {
    const ns = await freshNamespace("sar");
    const sa = unique("e2e-sa");
    await client.create({ ...R.serviceAccounts, namespace: ns }, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa } });
    const user = `system:serviceaccount:${ns}:${sa}`;
    // The impersonated client's call (upstream: list configmaps as the service account).
    const asSa = await kubectl(env.server, ["--as", user, "-n", ns, "get", "configmaps", "-o", "name"]);
    const actuallyAllowed = asSa.code === 0;
    if (!actuallyAllowed) expect(asSa.stderr).toContain("Forbidden");
    const attrs = { namespace: ns, verb: "list", resource: "configmaps", group: "", version: "v1" };
    const sar = await client.create<Obj>(res.sars, { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", metadata: {}, spec: { user, resourceAttributes: attrs } });
    expect(sar.status.allowed).toBe(actuallyAllowed);
    const lsar = await client.create<Obj>({ ...res.lsars, namespace: ns }, {
      apiVersion: "authorization.k8s.io/v1", kind: "LocalSubjectAccessReview", metadata: { namespace: ns }, spec: { user, resourceAttributes: attrs },
    });
    expect(lsar.status.allowed).toBe(actuallyAllowed);
  });

  test("[sig-instrumentation] Events should delete a collection of events [Conformance]: three labelled events listed, deleted by collection", async () => {
    const ns = await freshNamespace("evcol");
    const t = { ...R.events, namespace: ns };
    const labels = { "testevent-set": "true" };
    for (const name of ["test-event-1", "test-event-2", "test-event-3"]) {
      await client.create(t, {
        apiVersion: "v1", kind: "Event", metadata: { name, labels },
        involvedObject: { kind: "Pod", namespace: ns, name: "pod-for-events" }, reason: "Testing", message: "This is a test event", type: "Normal",
        source: { component: "test-component" }, count: 1,
      });
    }
    expect((await client.list(t, { labelSelector: selectorOf(labels) })).items).toHaveLength(3);
    await client.deleteCollection(t, { labelSelector: selectorOf(labels) });
    expect((await client.list(t, { labelSelector: selectorOf(labels) })).items).toHaveLength(0);
  });

  test("[sig-scheduling] LimitRange should create a LimitRange with defaults and ensure pod has those defaults applied. [Conformance]: defaults, merged partial resources, min/max enforced, update, delete", async () => {
    const ns = await freshNamespace("lrdef");
    const t = { ...res.limitRanges, namespace: ns };
    const rl = (cpu: string, memory: string, storage: string) => Object.fromEntries(Object.entries({ cpu, memory, "ephemeral-storage": storage }).filter(([, v]) => v));
    const min = rl("50m", "100Mi", "100Gi");
    const max = rl("500m", "500Mi", "500Gi");
    const defaultLimit = rl("500m", "500Mi", "500Gi");
    const defaultRequest = rl("100m", "200Mi", "200Gi");
    const value = unique("time");
    const selector = `time=${value}`;
    const list0 = await client.list(t, { labelSelector: selector });
    expect(list0.items).toHaveLength(0);
    const w = watchCollection(t, list0.metadata.resourceVersion!, { labelSelector: selector });
    try {
      await client.create(t, {
        apiVersion: "v1", kind: "LimitRange", metadata: { name: "limit-range", labels: { time: value } },
        spec: { limits: [{ type: "Container", min, max, default: defaultLimit, defaultRequest, maxLimitRequestRatio: {} }] },
      });
      await w.until("ADDED", (e) => e.type === "ADDED");
    } finally {
      await w.stop();
    }
    let lr = await client.get<Obj>({ ...t, name: "limit-range" });
    expect(lr.spec.limits[0].defaultRequest).toEqual(defaultRequest);
    expect(lr.spec.limits[0].default).toEqual(defaultLimit);

    // Pods with upstream's resources (upstream: pause; busybox here). They need not be scheduled: only their specs are checked.
    const pod = (name: string, requests: Record<string, string>, limits: Record<string, string>): Obj => ({
      apiVersion: "v1", kind: "Pod", metadata: { name },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ ...idler("pause"), resources: { requests, limits } }] },
    });
    const pods = { ...R.pods, namespace: ns };
    await client.create(pods, pod("pod-no-resources", {}, {}));
    const noRes = await client.get<Obj>({ ...pods, name: "pod-no-resources" });
    for (const c of noRes.spec.containers) expect(c.resources).toEqual({ requests: defaultRequest, limits: defaultLimit });

    // A limit without a request makes the request the limit, so defaultRequest only fills what has no limit.
    await client.create(pods, pod("pod-partial-resources", rl("", "150Mi", "150Gi"), rl("300m", "", "")));
    const partial = await client.get<Obj>({ ...pods, name: "pod-partial-resources" });
    for (const c of partial.spec.containers) expect(c.resources).toEqual({ requests: rl("300m", "150Mi", "150Gi"), limits: rl("300m", "500Mi", "500Gi") });

    await rejection(client.create(pods, pod("pfpod", rl("10m", "50Mi", "50Gi"), {})));
    await rejection(client.create(pods, pod("pfpod", rl("600m", "600Mi", "600Gi"), {})));

    // Lowering min lets the small pod in; max still holds.
    const newMin = rl("9m", "49Mi", "49Gi");
    lr.spec.limits[0].min = newMin;
    lr = await client.update<Obj>(t, lr);
    await waitFor("the new min visible", 20_000, async () => (JSON.stringify((await client.get<Obj>({ ...t, name: "limit-range" })).spec.limits[0].min) === JSON.stringify(newMin) ? true : undefined));
    await waitFor("a pod below the former min admitted", 20_000, async () => {
      try {
        return await client.create(pods, pod("pfpod", rl("10m", "50Mi", "50Gi"), {}));
      } catch (err) {
        if ((err as { code?: number }).code === 403) return undefined;
        throw err;
      }
    });
    await rejection(client.create(pods, pod("pfpod2", rl("600m", "600Mi", "600Gi"), {})));

    // Without the LimitRange, a big pod is admitted.
    await client.delete({ ...t, name: "limit-range" }, { gracePeriodSeconds: 30 });
    await waitFor("no LimitRanges left", 30_000, async () => ((await client.list(t)).items.length === 0 ? true : undefined));
    await waitFor("the big pod admitted", 30_000, async () => {
      try {
        return await client.create(pods, pod("pfpod2", rl("600m", "600Mi", "600Gi"), {}));
      } catch (err) {
        if ((err as { code?: number }).code === 403) return undefined;
        throw err;
      }
    });
  });

  test("[sig-scheduling] LimitRange should list, patch and delete a LimitRange by collection [Conformance]: two namespaces, list across, patch one, deletecollection removes one", async () => {
    const ns = await freshNamespace("lrcol");
    const ns2 = await freshNamespace("lrcol2");
    const lrName = unique("e2e-limitrange");
    const resources = (cpu: string, memory: string, storage: string) => ({ cpu, memory, "ephemeral-storage": storage });
    const limitRange: Obj = {
      apiVersion: "v1", kind: "LimitRange", metadata: { name: lrName, labels: { "e2e-test": lrName, [lrName]: "created" } },
      spec: { limits: [{ type: "Container", min: resources("50m", "100Mi", "100Gi"), max: resources("500m", "500Mi", "500Gi"), default: resources("500m", "500Mi", "500Gi"), defaultRequest: resources("100m", "200Mi", "200Gi") }] },
    };
    await client.create({ ...res.limitRanges, namespace: ns }, limitRange);
    await client.create({ ...res.limitRanges, namespace: ns2 }, limitRange);
    expect((await client.list(res.limitRanges, { labelSelector: `e2e-test=${lrName}` })).items).toHaveLength(2);
    const newMin = resources("9m", "49Mi", "49Gi");
    const patched = await client.patch<Obj>({ ...res.limitRanges, namespace: ns, name: lrName }, "strategic",
      { metadata: { labels: { [lrName]: "patched" } }, spec: { limits: [{ ...limitRange.spec.limits[0], min: newMin }] } });
    expect(patched.metadata.labels?.[lrName]).toBe("patched");
    expect(patched.spec.limits[0].min).toEqual(newMin);
    await client.deleteCollection({ ...res.limitRanges, namespace: ns }, { labelSelector: `${lrName}=patched` });
    await waitFor("the patched LimitRange gone", 10_000, async () => ((await client.list(res.limitRanges, { labelSelector: `${lrName}=patched` })).items.length === 0 ? true : undefined));
    expect((await client.list(res.limitRanges, { labelSelector: `e2e-test=${lrName}` })).items.map((l) => l.metadata.namespace)).toEqual([ns2]);
  });
  // ---------------------------------------------------------------- apps: ControllerRevision, PDB
  test("[sig-apps] ControllerRevision [Serial] should manage the lifecycle of a ControllerRevision [Conformance]: list, patch, create, delete, update, a DaemonSet patch adds one, deletecollection; revision 3 remains", async () => {
    const ns = await freshNamespace("crlife");
    const dsName = `e2e-${unique("cr")}-daemon-set`;
    const dsLabel = { "daemonset-name": dsName };
    const t = { ...res.controllerRevisions, namespace: ns };
    // Upstream's template has no grace period set; the DaemonSet patch below sets it (a new revision).
    await client.create({ ...R.daemonSets, namespace: ns }, {
      apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: dsName, labels: dsLabel },
      spec: { selector: { matchLabels: dsLabel }, template: { metadata: { labels: dsLabel }, spec: { containers: [idler("app")] } } },
    });
    await waitRunning(ns, dsLabel, 1);
    expect((await client.list(R.daemonSets, { labelSelector: selectorOf(dsLabel) })).items).toHaveLength(1);
    const ds = await client.get<Obj>({ ...R.daemonSets, namespace: ns, name: dsName });

    const revs = await client.list<Obj>(res.controllerRevisions, { labelSelector: selectorOf(dsLabel) });
    expect(revs.items).toHaveLength(1);
    const oref = revs.items[0]!.metadata.ownerReferences![0]!;
    expect(oref.kind).toBe("DaemonSet");
    expect(oref.uid).toBe(ds.metadata.uid!);
    const initial = await client.get<Obj>({ ...t, name: revs.items[0]!.metadata.name! });

    const patched = await client.patch<Obj>({ ...t, name: initial.metadata.name! }, "strategic", { metadata: { labels: { [initial.metadata.name!]: "patched" } } });
    expect(patched.metadata.labels?.[initial.metadata.name!]).toBe("patched");

    // A new revision for the DaemonSet (upstream names it after the hash of the template with a 1 s grace period).
    const newHash = Bun.hash(JSON.stringify({ ...ds.spec.template, spec: { ...ds.spec.template.spec, terminationGracePeriodSeconds: 1 } })).toString(36).slice(0, 10);
    const created = await client.create<Obj>(t, {
      apiVersion: "apps/v1", kind: "ControllerRevision",
      metadata: {
        name: `${dsName}-${newHash}`, labels: { ...ds.spec.template.metadata.labels, "controller-revision-hash": newHash }, annotations: ds.metadata.annotations,
        ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: dsName, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      data: initial.data, revision: initial.revision + 1,
    });
    expect(created.revision).toBe(initial.revision + 1);
    const count = (n: number) => waitFor(`${n} ControllerRevisions`, 20_000, async () => ((await client.list(t, { labelSelector: selectorOf(dsLabel) })).items.length === n ? true : undefined));
    await count(2);

    await client.delete({ ...t, name: initial.metadata.name! });
    await count(1);
    const current = (await client.list<Obj>(t)).items[0]!;
    const updated = await updateWithRetry({ ...t, name: current.metadata.name! }, (o) => { o.metadata.labels = { ...o.metadata.labels, [current.metadata.name!]: "updated" }; });
    expect(updated.metadata.labels?.[current.metadata.name!]).toBe("updated");

    // Patching the DaemonSet's template generates another revision.
    await client.patch({ ...R.daemonSets, namespace: ns, name: dsName }, "strategic", { spec: { template: { spec: { terminationGracePeriodSeconds: 1 } } }, updateStrategy: { type: "RollingUpdate" } });
    await count(2);
    await client.deleteCollection(t, { labelSelector: `${updated.metadata.name}=updated` });
    await count(1);
    const list = await client.list<Obj>(t);
    expect(list.items[0]!.revision).toBe(3);
    await client.delete({ ...R.daemonSets, namespace: ns, name: dsName });
  });

  test("[sig-apps] DisruptionController Listing PodDisruptionBudgets for all namespaces should list and delete a collection of PodDisruptionBudgets [Conformance]: list across namespaces and in one, deletecollection", async () => {
    const ns = await freshNamespace("pdblist");
    const ns2 = await freshNamespace("pdblist2");
    const specialLabels = { foo_pdb: `bar_pdb-${ns}` };
    const labelSelector = selectorOf(specialLabels);
    await client.create({ ...res.pdbs, namespace: ns }, pdb("foo", { minAvailable: 2 }, specialLabels));
    await client.create({ ...res.pdbs, namespace: ns }, pdb("foo2", { minAvailable: "1%" }, specialLabels));
    await client.create({ ...res.pdbs, namespace: ns2 }, pdb("foo3", { minAvailable: 2 }, specialLabels));
    const all = await client.list(res.pdbs, { labelSelector });
    expect(all.items.map((p) => p.metadata.name).sort()).toEqual(["foo", "foo2", "foo3"]);
    const inNs = await client.list({ ...res.pdbs, namespace: ns }, { labelSelector });
    expect(inNs.items.map((p) => p.metadata.name).sort()).toEqual(["foo", "foo2"]);
    await client.deleteCollection({ ...res.pdbs, namespace: ns });
    await waitFor("no PDBs left in the namespace", 10_000, async () => ((await client.list({ ...res.pdbs, namespace: ns })).items.length === 0 ? true : undefined));
    expect((await client.list({ ...res.pdbs, namespace: ns2 })).items).toHaveLength(1);
  });

  test("[sig-apps] DisruptionController should create a PodDisruptionBudget [Conformance]: create, processed, update, patch, delete", async () => {
    const ns = await freshNamespace("pdbcreate");
    const t = { ...res.pdbs, namespace: ns };
    await client.create(t, pdb("foo", { minAvailable: "1%" }));
    await waitPdbProcessed(ns, "foo");
    const updated = await updateWithRetry({ ...t, name: "foo" }, (o) => { o.spec.minAvailable = "2%"; });
    expect(updated.spec.minAvailable).toBe("2%");
    const patched = await client.patch<Obj>({ ...t, name: "foo" }, "merge", { spec: { minAvailable: "3%" } });
    expect(patched.spec.minAvailable).toBe("3%");
    await client.delete({ ...t, name: "foo" });
    await waitFor("the PDB gone", 10_000, async () => ((await gone({ ...t, name: "foo" })) ? true : undefined));
  });

  test("[sig-apps] DisruptionController should observe PodDisruptionBudget status updated [Conformance]: disruptionsAllowed becomes positive with 3 running pods and minAvailable 1", async () => {
    const ns = await freshNamespace("pdbobs");
    await client.create({ ...res.pdbs, namespace: ns }, pdb("foo", { minAvailable: 1 }));
    await createPods(ns, 3);
    await waitRunning(ns, { foo: "bar" }, 3);
    const observed = await waitFor("disruptionsAllowed > 0", 30_000, async () => {
      const p = await client.get<Obj>({ ...res.pdbs, namespace: ns, name: "foo" });
      return (p.status?.disruptionsAllowed ?? 0) > 0 ? p : undefined;
    });
    expect(observed.status.currentHealthy).toBe(3);
    expect(observed.status.disruptionsAllowed).toBe(2);
  });

  test("[sig-apps] DisruptionController should update/patch PodDisruptionBudget status [Conformance]: disruptedPods written by updateStatus, cleared by a status merge patch", async () => {
    const ns = await freshNamespace("pdbstat");
    const t = { ...res.pdbs, namespace: ns };
    await client.create(t, pdb("foo", { minAvailable: 1 }));
    // The pod must exist, or the controller removes it from disruptedPods.
    await createPods(ns, 1);
    const [pod] = await waitRunning(ns, { foo: "bar" }, 1);
    await updateWithRetry({ ...t, name: "foo" }, (o) => { o.status = { ...o.status, disruptedPods: { [pod!.metadata.name!]: new Date().toISOString().replace(/\.\d+Z$/, "Z") } }; }, "status");
    const updated = await client.get<Obj>({ ...t, name: "foo" }, { subresource: "status" });
    expect(Object.keys(updated.status.disruptedPods ?? {})).toContain(pod!.metadata.name!);
    // Upstream: a merge patch computed from the old object to one with empty disruptedPods.
    const patched = await client.patch<Obj>({ ...t, name: "foo" }, "merge", { status: { disruptedPods: null } }, { subresource: "status" });
    expect(patched.status.disruptedPods ?? {}).toEqual({});
  });

  // ---------------------------------------------------------------- apps: ReplicaSet, ReplicationController, StatefulSet
  test("[sig-apps] ReplicaSet Replace and Patch tests [Conformance]: scale up by update, then a strategic patch of labels, replicas and image", async () => {
    const ns = await freshNamespace("rsrp");
    const rsName = "test-rs";
    const podLabels = { name: "sample-pod", pod: "httpd" };
    const t = { ...R.replicaSets, namespace: ns };
    await client.create(t, replicaSet(rsName, 1, podLabels));
    await waitRunning(ns, podLabels, 1);
    await updateWithRetry({ ...t, name: rsName }, (o) => { o.spec.replicas = 2; });
    await waitReadyReplicas({ ...t, name: rsName }, 2);
    const list0 = await client.list(t);
    const w = watchCollection(t, list0.metadata.resourceVersion!);
    try {
      // Upstream patches to the pause image; lite's local pause image stands in (it has no shell: drop the command).
      await client.patch({ ...t, name: rsName }, "strategic", {
        metadata: { labels: { "test-rs": "patched" } },
        spec: { replicas: 3, template: { spec: { terminationGracePeriodSeconds: 0, containers: [{ name: rsName, image: PAUSE, command: null }] } } },
      });
      const seen = await w.until("the patched ReplicaSet with 3 ready replicas", (e) => {
        const rs = e.object;
        return rs.metadata.name === rsName && rs.metadata.labels?.["test-rs"] === "patched" && rs.status?.readyReplicas === 3 && rs.status?.availableReplicas === 3
          && rs.spec.template.spec.containers[0].image === PAUSE && rs.spec.template.spec.terminationGracePeriodSeconds === 0;
      }, 120_000);
      expect(seen.type).toBe("MODIFIED");
    } finally {
      await w.stop();
    }
  });

  test("[sig-apps] ReplicaSet Replicaset should have a working scale subresource [Conformance]: get, update and patch the scale", async () => {
    const ns = await freshNamespace("rsscale");
    const rsName = "test-rs";
    const podLabels = { name: "sample-pod", pod: "httpd" };
    const t = { ...R.replicaSets, namespace: ns, name: rsName };
    await client.create({ ...R.replicaSets, namespace: ns }, replicaSet(rsName, 1, podLabels));
    await waitRunning(ns, podLabels, 1);
    await expectScaleSubresource(t);
    await client.delete(t); // the pods scaled up to are not needed: spare the node
  });

  test("[sig-apps] ReplicaSet should list and delete a collection of ReplicaSets [Conformance]: list by label across namespaces, deletecollection", async () => {
    const ns = await freshNamespace("rslist");
    const e2eValue = unique("rs");
    const podLabels = { name: "sample-pod", pod: "httpd" };
    const t = { ...R.replicaSets, namespace: ns };
    await client.create(t, { ...replicaSet("test-rs", 3, podLabels), metadata: { name: "test-rs", labels: { e2e: e2eValue } } });
    await waitRunning(ns, podLabels, 3);
    expect((await client.list(R.replicaSets, { labelSelector: `e2e=${e2eValue}` })).items).toHaveLength(1);
    await client.deleteCollection(t, { labelSelector: `e2e=${e2eValue}`, gracePeriodSeconds: 1 });
    expect((await client.list(R.replicaSets, { labelSelector: `e2e=${e2eValue}` })).items).toHaveLength(0);
  });

  test("[sig-apps] ReplicaSet should validate Replicaset Status endpoints [Conformance]: status get, update and patch, each watched", async () => {
    const ns = await freshNamespace("rsstat");
    const podLabels = { name: "sample-pod", pod: "httpd" };
    await client.create({ ...R.replicaSets, namespace: ns }, replicaSet("test-rs", 1, podLabels));
    await waitRunning(ns, podLabels, 1);
    await expectStatusEndpoints({ ...R.replicaSets, namespace: ns, name: "test-rs" });
  });

  test("[sig-apps] ReplicationController should get and update a ReplicationController scale [Conformance]: scale read, updated to 2, the RC follows", async () => {
    const ns = await freshNamespace("rcscale");
    const rcName = unique("e2e-rc");
    const t = { ...res.rcs, namespace: ns };
    await client.create(t, replicationController(rcName, 1, { name: rcName }));
    await waitReadyReplicas({ ...t, name: rcName }, 1);
    const scale = await client.get<Obj>({ ...t, name: rcName }, { subresource: "scale" });
    expect(scale.status.replicas).toBe(1);
    scale.metadata.resourceVersion = "";
    scale.spec.replicas = 2;
    const result = await client.update<Obj>({ ...t, name: rcName }, scale, { subresource: "scale" });
    expect(result.spec.replicas).toBe(2);
    await waitReadyReplicas({ ...t, name: rcName }, 2);
  });

  test("[sig-apps] ReplicationController should test the lifecycle of a ReplicationController [Conformance]: watched create, patch, status patch, scale patch, status update, list, deletecollection", async () => {
    const ns = await freshNamespace("rclife");
    const name = "rc-test";
    const labels = { "test-rc-static": "true" };
    const t = { ...res.rcs, namespace: ns };
    const list0 = await client.list(t, { labelSelector: selectorOf(labels) });
    const w = watchCollection(t, list0.metadata.resourceVersion!, { labelSelector: selectorOf(labels) });
    const isRc = (e: WatchEvent<Obj>) => e.object.metadata.name === name;
    try {
      await client.create(t, replicationController(name, 1, labels));
      await w.until("ADDED", (e) => e.type === "ADDED" && isRc(e));
      await w.until("1 available replica", (e) => isRc(e) && e.object.status?.readyReplicas === 1 && e.object.status?.availableReplicas === 1, 120_000);

      await client.patch({ ...t, name }, "strategic", { metadata: { labels: { "test-rc": "patched" } } });
      await w.until("MODIFIED with the patched label", (e) => e.type === "MODIFIED" && e.object.metadata.labels?.["test-rc"] === "patched");

      const st = await client.patch<Obj>({ ...t, name }, "strategic", { status: { readyReplicas: 0, availableReplicas: 0 } }, { subresource: "status" });
      expect(st.status.readyReplicas ?? 0).toBe(0);
      const zero = await w.until("MODIFIED with 0 ready replicas", (e) => e.type === "MODIFIED" && (e.object.status?.readyReplicas ?? 0) === 0);
      // The controller puts the counts right again.
      await waitFor("available again", 30_000, async () => w.events.slice(w.events.indexOf(zero) + 1)
        .find((e) => isRc(e) && e.object.status?.readyReplicas === 1 && e.object.status?.availableReplicas === 1));
      const status = await client.get<Obj>({ ...t, name }, { subresource: "status" });
      expect(status.status.replicas).toBe(1);

      await client.patch({ ...t, name }, "strategic", { spec: { replicas: 2 } }, { subresource: "scale" });
      await w.until("2 ready replicas", (e) => isRc(e) && e.object.status?.replicas === 2 && e.object.status?.readyReplicas === 2, 120_000);
      const rc = await client.get<Obj>({ ...t, name });
      expect(rc.metadata.labels?.["test-rc"]).toBe("patched");
      expect(rc.spec.replicas).toBe(2);

      const updatedStatus = await updateWithRetry({ ...t, name }, (o) => { o.status = { ...o.status, availableReplicas: 1, readyReplicas: 1 }; }, "status");
      expect(updatedStatus.status.readyReplicas).toBe(1);
      await w.until("MODIFIED by the status update", (e) => e.type === "MODIFIED" && e.object.status?.readyReplicas === 1 && e.object.spec.replicas === 2);

      const all = await client.list<Obj>(res.rcs, { labelSelector: selectorOf(labels) });
      const mine = all.items.find((r) => r.metadata.namespace === ns && r.metadata.name === name);
      expect(mine?.metadata.labels).toMatchObject({ "test-rc-static": "true", "test-rc": "patched" });

      await client.deleteCollection(t, { labelSelector: selectorOf(labels) });
      await w.until("DELETED", (e) => e.type === "DELETED" && isRc(e));
    } finally {
      await w.stop();
    }
  });

  test("[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should have a working scale subresource [Conformance]: get, update and patch the scale", async () => {
    const ns = await freshNamespace("ssscale");
    await headlessService(ns);
    const labels = { foo: "bar", baz: "blah" };
    await client.create({ ...R.statefulSets, namespace: ns }, statefulSet("ss", 1, labels));
    await waitReadyReplicas({ ...R.statefulSets, namespace: ns, name: "ss" }, 1);
    await expectScaleSubresource({ ...R.statefulSets, namespace: ns, name: "ss" });
    await client.delete({ ...R.statefulSets, namespace: ns, name: "ss" }); // the pods scaled up to are not needed: spare the node
  });

  test("[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should list, patch and delete a collection of StatefulSets [Conformance]: patch labels, replicas and image; list by label; deletecollection", async () => {
    const ns = await freshNamespace("sslist");
    await headlessService(ns);
    const ssName = "test-ss";
    const podLabels = { name: "sample-pod", pod: "httpd" };
    const t = { ...R.statefulSets, namespace: ns };
    await client.create(t, statefulSet(ssName, 1, podLabels));
    await waitReadyReplicas({ ...t, name: ssName }, 1);
    // Upstream patches to the pause image; lite's local pause image stands in (no shell: drop the command).
    await client.patch({ ...t, name: ssName }, "strategic", {
      metadata: { labels: { "test-ss": "patched" } },
      spec: { replicas: 2, template: { spec: { terminationGracePeriodSeconds: 1, containers: [{ name: ssName, image: PAUSE, command: null }] } } },
    });
    const list = await client.list<Obj>(R.statefulSets, { labelSelector: `test-ss=patched` });
    expect(list.items.map((s) => s.metadata.name)).toEqual([ssName]);
    expect(list.items[0]!.spec.replicas).toBe(2);
    expect(list.items[0]!.spec.template.spec.containers[0].image).toBe(PAUSE);
    await client.deleteCollection(t, { labelSelector: "test-ss=patched", gracePeriodSeconds: 1 });
    expect((await client.list(R.statefulSets, { labelSelector: "test-ss=patched" })).items).toHaveLength(0);
  });

  test("[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should validate Statefulset Status endpoints [Conformance]: status get, update and patch, each watched", async () => {
    const ns = await freshNamespace("ssstat");
    await headlessService(ns);
    const labels = { foo: "bar", baz: "blah" };
    await client.create({ ...R.statefulSets, namespace: ns }, statefulSet("ss", 1, labels));
    await waitReadyReplicas({ ...R.statefulSets, namespace: ns, name: "ss" }, 1);
    await expectStatusEndpoints({ ...R.statefulSets, namespace: ns, name: "ss" });
  });
});
