/**
 * Upstream API-machinery conformance tests (kubernetes test/e2e/apimachinery: watch.go,
 * namespace.go, aggregated_discovery.go, discovery.go, chunking.go, table_conversion.go,
 * resource_quota.go) against the compiled binary. None needs a running pod, so the server runs
 * without its agent: pods and ReplicaSets in the quota tests are only counted, never run. One
 * server serves every case; each case has its own namespace and the cases run concurrently.
 *
 * The one exception is the "[Slow]" chunking test that needs its continue token's revision
 * compacted away: it gets a second, short-lived server whose store compacts every 1.5 s
 * (LITE_TEST_COMPACT_INTERVAL_MS, core/server/test-knobs.ts) instead of upstream's 5 minutes, so
 * the other cases never meet a compaction they did not ask for.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, isConflict, isNotFound, type ApiClient, type KubeObject, type ObjectList, type WatchEvent } from "@lite/sdk";
import { httpsTransport, kubeconfigTransportOptions, type Transport } from "../core/client/index.ts";
import { startServer, type LiteServer } from "./harness/lite-process.ts";
import { retryOnConflict, within } from "./harness/kube.ts";
import { adminClient } from "./harness/pods.ts";

setDefaultTimeout(120_000);

let server: LiteServer;
let client: ApiClient;
let transport: Transport;

beforeAll(async () => {
  server = await startServer();
  client = adminClient(server);
  transport = httpsTransport(kubeconfigTransportOptions(server.kubeconfig));
});

afterAll(async () => {
  await server?.stop();
});

type Obj = KubeObject & { spec?: any; status?: any; data?: Record<string, string> };
const R = {
  ...builtinResources,
  podTemplates: { group: "", version: "v1", resource: "podtemplates" },
  resourceQuotas: { group: "", version: "v1", resource: "resourcequotas" },
  replicationControllers: { group: "", version: "v1", resource: "replicationcontrollers" },
};
const inNs = <T extends object>(ref: T, namespace: string) => ({ ...ref, namespace });

// ---- helpers ------------------------------------------------------------------------------------

let nsCounter = 0;
const suffix = () => `${process.pid}-${++nsCounter}-${Math.random().toString(36).slice(2, 7)}`;

/** framework.CreateNamespace: a fresh namespace, once its default ServiceAccount exists (as the framework waits). */
async function createNamespace(base: string, c: ApiClient = client): Promise<string> {
  const ns = await c.create<Obj>(R.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: `${base}-${suffix()}` } });
  await within(30_000, async () => {
    try {
      await c.get({ ...inNs(R.serviceAccounts, ns.metadata.name!), name: "default" });
      return true;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  });
  return ns.metadata.name!;
}

async function deleteNamespace(name: string, c: ApiClient = client): Promise<void> {
  await c.delete({ ...R.namespaces, name }).catch((err) => { if (!isNotFound(err)) throw err; });
}

/** A raw request through the API server, as client-go's RESTClient().Get().AbsPath(...) with headers. */
async function raw(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Response> {
  return transport.send(new Request(`${transport.baseUrl}${path}`, {
    method: init.method ?? "GET",
    headers: { accept: "application/json", ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  }));
}

async function rawJson<T = any>(path: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await raw(path, { headers });
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** Parses a resource.Quantity ("500m", "1Gi", "2", "1e3") to a number, for resource.Cmp-style comparisons. */
function quantity(q: string | number | undefined): number {
  if (q === undefined) return NaN;
  if (typeof q === "number") return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return NaN;
  const factors: Record<string, number> = {
    "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  };
  const f = factors[m[2]!];
  return f === undefined ? NaN : Number(m[1]) * f;
}

const sameQuantity = (a: string | undefined, b: string | undefined) => Math.abs(quantity(a) - quantity(b)) < 1e-9;

/** apiequality.Semantic.DeepEqual on two ResourceLists: same keys, equal quantities. */
function sameResourceList(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {}).sort();
  const bk = Object.keys(b ?? {}).sort();
  return ak.length === bk.length && ak.every((k, i) => k === bk[i] && sameQuantity(a![k], b![k]!));
}

// ---- watches: upstream's watch.Interface, with its blocking reads -------------------------------

/**
 * A watch whose events are read one at a time, as upstream reads `w.ResultChan()`. With `retry`, it
 * is watchtools.NewRetryWatcher: when the server ends the stream it re-watches from the last
 * resourceVersion it delivered.
 */
class EventStream<T extends KubeObject = Obj> {
  private readonly queue: WatchEvent<T>[] = [];
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private failure: unknown;
  private ended = false;
  readonly done: Promise<void>;

  constructor(c: ApiClient, target: { group: string; version: string; resource: string; namespace?: string }, options: { resourceVersion?: string; labelSelector?: string; retry?: boolean }) {
    let rv = options.resourceVersion ?? "";
    this.done = (async () => {
      try {
        do {
          for await (const e of c.watch<T>(target, { resourceVersion: rv, labelSelector: options.labelSelector, signal: this.abort.signal })) {
            if (e.type === "BOOKMARK") { rv = e.object.metadata.resourceVersion ?? rv; continue; }
            rv = e.object.metadata.resourceVersion ?? rv;
            this.queue.push(e);
            this.wake?.();
          }
        } while (options.retry && !this.abort.signal.aborted);
      } catch (err) {
        if (!this.abort.signal.aborted) this.failure = err;
      } finally {
        this.ended = true;
        this.wake?.();
      }
    })();
  }

  /** The next event, or undefined after `ms`; throws when the watch closed or failed (upstream: "Watch closed unexpectedly"). */
  async next(ms: number): Promise<WatchEvent<T> | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const e = this.queue.shift();
      if (e) return e;
      if (this.failure) throw this.failure;
      if (this.ended) throw new Error("watch closed unexpectedly");
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
      this.wake = undefined;
    }
  }

  stop(): Promise<void> {
    this.abort.abort();
    return this.done;
  }
}

/** waitForEvent: reads events until one has `type` (and equals `object` when given), or `ms` pass. */
async function waitForEvent<T extends KubeObject>(w: EventStream<T>, type: string, object: T | undefined, ms: number): Promise<WatchEvent<T> | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    const e = await w.next(left);
    if (!e) return undefined;
    if (e.type === type && (object === undefined || Bun.deepEquals(e.object, object))) return e;
  }
}

/** expectEvent: upstream waits a minute for the notification. */
async function expectEvent<T extends KubeObject>(w: EventStream<T>, type: string, object?: T): Promise<WatchEvent<T>> {
  const e = await waitForEvent(w, type, object, 60_000);
  if (!e) throw new Error(`timed out waiting for expected watch notification ${type} ${object ? JSON.stringify(object) : ""}`);
  return e;
}

/** expectNoEvent: upstream watches 10 s for an unexpected notification; 3 s here (the events are already on their way). */
async function expectNoEvent<T extends KubeObject>(w: EventStream<T>, type: string, object?: T): Promise<void> {
  const e = await waitForEvent(w, type, object, 3_000);
  if (e) throw new Error(`unexpected watch notification observed: ${e.type} ${JSON.stringify(e.object)}`);
}

const WATCH_LABEL = "watch-this-configmap";

/** watchConfigMaps: a watch on the namespace's ConfigMaps whose label is one of `values` (a set-based selector, as FormatLabelSelector prints it). */
function watchConfigMaps(ns: string, resourceVersion: string, ...values: string[]): EventStream {
  return new EventStream(client, inNs(R.configMaps, ns), { resourceVersion, labelSelector: `${WATCH_LABEL} in (${values.join(",")})` });
}

/** updateConfigMap: get, mutate, update, retrying on conflicts. */
async function updateConfigMap(ns: string, name: string, mutate: (cm: Obj) => void): Promise<Obj> {
  return retryOnConflict(async () => {
    const cm = await client.get<Obj>({ ...inNs(R.configMaps, ns), name });
    mutate(cm);
    return client.update<Obj>(inNs(R.configMaps, ns), cm);
  });
}

const setData = (key: string, value: string) => (cm: Obj) => { cm.data = { ...cm.data, [key]: value }; };
const configMap = (name: string, labelValue: string): Obj => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { [WATCH_LABEL]: labelValue } } });

describe.concurrent("[sig-api-machinery] Watchers", () => {
  test("[sig-api-machinery] Watchers should observe add, update, and delete watch notifications on configmaps [Conformance]", async () => {
    const ns = await createNamespace("watch");
    const cms = inNs(R.configMaps, ns);
    // creating a watch on configmaps with label A, with label B, and with label A or B
    const watchA = watchConfigMaps(ns, "", "multiple-watchers-A");
    const watchB = watchConfigMaps(ns, "", "multiple-watchers-B");
    const watchAB = watchConfigMaps(ns, "", "multiple-watchers-A", "multiple-watchers-B");
    try {
      // creating a configmap with label A and ensuring the correct watchers observe the notification
      let cmA = await client.create<Obj>(cms, configMap("e2e-watch-test-configmap-a", "multiple-watchers-A"));
      await expectEvent(watchA, "ADDED", cmA);
      await expectEvent(watchAB, "ADDED", cmA);
      await expectNoEvent(watchB, "ADDED", cmA);

      // modifying configmap A (twice) and ensuring the correct watchers observe the notification
      for (const mutation of ["1", "2"]) {
        cmA = await updateConfigMap(ns, cmA.metadata.name!, setData("mutation", mutation));
        await expectEvent(watchA, "MODIFIED", cmA);
        await expectEvent(watchAB, "MODIFIED", cmA);
        await expectNoEvent(watchB, "MODIFIED", cmA);
      }

      // deleting configmap A and ensuring the correct watchers observe the notification
      await client.delete({ ...cms, name: cmA.metadata.name! });
      await expectEvent(watchA, "DELETED");
      await expectEvent(watchAB, "DELETED");
      await expectNoEvent(watchB, "DELETED");

      // creating a configmap with label B and ensuring the correct watchers observe the notification
      const cmB = await client.create<Obj>(cms, configMap("e2e-watch-test-configmap-b", "multiple-watchers-B"));
      await expectEvent(watchB, "ADDED", cmB);
      await expectEvent(watchAB, "ADDED", cmB);
      await expectNoEvent(watchA, "ADDED", cmB);

      // deleting configmap B and ensuring the correct watchers observe the notification
      await client.delete({ ...cms, name: cmB.metadata.name! });
      await expectEvent(watchB, "DELETED");
      await expectEvent(watchAB, "DELETED");
      await expectNoEvent(watchA, "DELETED");
    } finally {
      await Promise.all([watchA.stop(), watchB.stop(), watchAB.stop()]);
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] Watchers should be able to start watching from a specific resource version [Conformance]", async () => {
    const ns = await createNamespace("watch");
    const cms = inNs(R.configMaps, ns);
    // creating a new configmap, modifying it twice, deleting it
    const cm = await client.create<Obj>(cms, configMap("e2e-watch-test-resource-version", "from-resource-version"));
    const firstUpdate = await updateConfigMap(ns, cm.metadata.name!, setData("mutation", "1"));
    const secondUpdate = await updateConfigMap(ns, cm.metadata.name!, setData("mutation", "2"));
    await client.delete({ ...cms, name: cm.metadata.name! });

    // creating a watch on configmaps from the resource version returned by the first update
    const w = watchConfigMaps(ns, firstUpdate.metadata.resourceVersion!, "from-resource-version");
    try {
      // expecting to observe notifications for all changes to the configmap after the first update
      await expectEvent(w, "MODIFIED", secondUpdate);
      await expectEvent(w, "DELETED");
    } finally {
      await w.stop();
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] Watchers should be able to restart watching from the last resource version observed by the previous watch [Conformance]", async () => {
    const ns = await createNamespace("watch");
    const cms = inNs(R.configMaps, ns);
    const name = "e2e-watch-test-watch-closed";
    // creating a watch on configmaps
    const broken = watchConfigMaps(ns, "", "watch-closed-and-restarted");
    let restarted: EventStream | undefined;
    try {
      // creating a new configmap, modifying it once
      const cm = await client.create<Obj>(cms, configMap(name, "watch-closed-and-restarted"));
      await updateConfigMap(ns, name, setData("mutation", "1"));

      // closing the watch once it receives two notifications
      await expectEvent(broken, "ADDED", cm);
      const lastEvent = await waitForEvent(broken, "MODIFIED", undefined, 60_000);
      if (!lastEvent) throw new Error("timed out waiting for second watch notification");
      await broken.stop();

      // modifying the configmap a second time, while the watch is closed
      const secondUpdate = await updateConfigMap(ns, name, setData("mutation", "2"));

      // creating a new watch on configmaps from the last resource version observed by the first watch
      expect(lastEvent.object.kind).toBe("ConfigMap");
      restarted = watchConfigMaps(ns, lastEvent.object.metadata.resourceVersion!, "watch-closed-and-restarted");

      // deleting the configmap
      await client.delete({ ...cms, name });

      // expecting to observe notifications for all changes to the configmap since the first watch closed
      await expectEvent(restarted, "MODIFIED", secondUpdate);
      await expectEvent(restarted, "DELETED");
    } finally {
      await broken.stop();
      await restarted?.stop();
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] Watchers should observe an object deletion if it stops meeting the requirements of the selector [Conformance]", async () => {
    const ns = await createNamespace("watch");
    const cms = inNs(R.configMaps, ns);
    const name = "e2e-watch-test-label-changed";
    // creating a watch on configmaps with a certain label
    const w = watchConfigMaps(ns, "", "label-changed-and-restored");
    try {
      // creating a new configmap, modifying it once, changing its label value
      const cm = await client.create<Obj>(cms, configMap(name, "label-changed-and-restored"));
      const firstUpdate = await updateConfigMap(ns, name, setData("mutation", "1"));
      await updateConfigMap(ns, name, (c) => { c.metadata.labels![WATCH_LABEL] = "wrong-value"; });

      // expecting to observe a delete notification for the watched object
      await expectEvent(w, "ADDED", cm);
      await expectEvent(w, "MODIFIED", firstUpdate);
      await expectEvent(w, "DELETED");

      // modifying the configmap a second time: no notification, it no longer meets the selector
      const secondUpdate = await updateConfigMap(ns, name, setData("mutation", "2"));
      await expectNoEvent(w, "MODIFIED", secondUpdate);

      // changing the label value back, modifying a third time, deleting the configmap
      const restored = await updateConfigMap(ns, name, (c) => { c.metadata.labels![WATCH_LABEL] = "label-changed-and-restored"; });
      const thirdUpdate = await updateConfigMap(ns, name, setData("mutation", "3"));
      await client.delete({ ...cms, name });

      // expecting an add notification when the label value was restored, then the rest
      await expectEvent(w, "ADDED", restored);
      await expectEvent(w, "MODIFIED", thirdUpdate);
      await expectEvent(w, "DELETED");
    } finally {
      await w.stop();
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] Watchers should receive events on concurrent watches in same order [Conformance]", async () => {
    const ns = await createNamespace("watch");
    const cms = inNs(R.configMaps, ns);
    const iterations = 100;

    // getting a starting resourceVersion
    let resourceVersion = (await client.list(cms)).metadata.resourceVersion!;

    // starting a background producer of watch events (create, update or delete, every 5 ms)
    let stop = false;
    const producer = (async () => {
      const existing: number[] = [];
      let i = 0;
      while (!stop) {
        let op = Math.floor(Math.random() * 3);
        if (existing.length === 0) op = 0;
        if (op === 0) {
          await client.create(cms, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}` } });
          existing.push(i++);
        } else if (op === 1) {
          const idx = Math.floor(Math.random() * existing.length);
          await client.update(cms, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${existing[idx]}` } });
        } else {
          const idx = Math.floor(Math.random() * existing.length);
          await client.delete({ ...cms, name: `cm-${existing[idx]}` });
          existing.splice(idx, 1);
        }
        await Bun.sleep(5);
      }
    })();

    // creating watches starting from each resource version of the events produced and verifying
    // they all receive resource versions in the same order
    const watches: EventStream[] = [];
    const nextConfigMap = async (w: EventStream): Promise<Obj> => {
      const e = await w.next(10_000);
      if (!e) throw new Error("timed out waiting for watch event");
      expect(e.object.kind).toBe("ConfigMap");
      return e.object;
    };
    try {
      for (let i = 0; i < iterations; i++) {
        watches.push(new EventStream(client, cms, { resourceVersion, retry: true }));
        resourceVersion = (await nextConfigMap(watches[0]!)).metadata.resourceVersion!;
        for (const w of watches.slice(1)) {
          const rv = (await nextConfigMap(w)).metadata.resourceVersion;
          if (rv !== resourceVersion) throw new Error(`resource version mismatch, expected ${resourceVersion} but got ${rv}`);
        }
      }
    } finally {
      stop = true;
      await Promise.all(watches.map((w) => w.stop()));
      await producer;
      await deleteNamespace(ns);
    }
  });
});

// ---- namespaces ---------------------------------------------------------------------------------

describe.concurrent("[sig-api-machinery] Namespaces [Serial]", () => {
  test("[sig-api-machinery] Namespaces [Serial] should ensure that all services are removed when a namespace is deleted [Conformance]", async () => {
    // creating a test namespace, waiting for its default service account (createNamespace does)
    const ns = await createNamespace("nsdeletetest");
    // creating a service in the namespace
    const service = await client.create<Obj>(inNs(R.services, ns), {
      apiVersion: "v1", kind: "Service", metadata: { name: "test-service" },
      spec: { selector: { foo: "bar", baz: "blah" }, ports: [{ port: 80, targetPort: 80 }] },
    });
    // deleting the namespace, waiting (up to 60 s) for it to be removed
    await client.delete({ ...R.namespaces, name: ns });
    await within(60_000, async () => {
      try {
        await client.get({ ...R.namespaces, name: ns });
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    }, 200);
    // recreating the namespace (upstream gets a new generated name; the same name here checks more)
    await client.create(R.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    try {
      // verifying there is no service in the namespace
      const err = await client.get({ ...inNs(R.services, ns), name: service.metadata.name! }).then(() => undefined, (e) => e);
      expect(err).toBeDefined();
      expect(isNotFound(err)).toBe(true);
    } finally {
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] Namespaces [Serial] should patch a Namespace [Conformance]", async () => {
    // creating a Namespace
    const name = await createNamespace("nspatchtest");
    try {
      const ns = await client.get<Obj>({ ...R.namespaces, name });
      expect(Number(ns.metadata.resourceVersion)).toBeGreaterThan(0);
      // patching the Namespace (strategic merge), which must give it a larger resource version
      const patched = await client.patch<Obj>({ ...R.namespaces, name }, "strategic", { metadata: { labels: { testLabel: "testValue" } } });
      expect(BigInt(patched.metadata.resourceVersion!) > BigInt(ns.metadata.resourceVersion!)).toBe(true);
      // get the Namespace and ensuring it has the label
      const got = await client.get<Obj>({ ...R.namespaces, name });
      expect(got.metadata.labels?.testLabel).toBe("testValue");
    } finally {
      await deleteNamespace(name);
    }
  });

  test("[sig-api-machinery] Namespaces [Serial] should apply an update to a Namespace [Conformance]", async () => {
    const name = await createNamespace("namespaces");
    try {
      // updating the Namespace: a label named after it, retried on conflicts
      const updated = await retryOnConflict(async () => {
        const ns = await client.get<Obj>({ ...R.namespaces, name });
        ns.metadata.labels = { ...ns.metadata.labels, [name]: "updated" };
        return client.update<Obj>(R.namespaces, ns);
      });
      expect(updated.metadata.labels?.[name]).toBe("updated");
    } finally {
      await deleteNamespace(name);
    }
  });

  test("[sig-api-machinery] Namespaces [Serial] should apply a finalizer to a Namespace [Conformance]", async () => {
    const fakeFinalizer = "e2e.example.com/fakeFinalizer";
    // creating namespace e2e-ns-xxxxx
    const name = await createNamespace("e2e-ns");
    const target = { ...R.namespaces, name };
    try {
      // adding the e2e finalizer through the finalize subresource (nsClient.Finalize)
      const withFinalizer = await retryOnConflict(async () => {
        const ns = await client.get<Obj>(target);
        ns.spec = { ...ns.spec, finalizers: [...(ns.spec?.finalizers ?? []), fakeFinalizer] };
        return client.update<Obj>(R.namespaces, ns, { subresource: "finalize" });
      });
      expect(withFinalizer.spec?.finalizers).toContain(fakeFinalizer);

      // removing the e2e finalizer
      const withoutFinalizer = await retryOnConflict(async () => {
        const ns = await client.get<Obj>(target);
        ns.spec = { ...ns.spec, finalizers: (ns.spec?.finalizers ?? []).filter((f: string) => f !== fakeFinalizer) };
        return client.update<Obj>(R.namespaces, ns, { subresource: "finalize" });
      });
      expect(withoutFinalizer.spec?.finalizers ?? []).not.toContain(fakeFinalizer);
    } finally {
      await deleteNamespace(name);
    }
  });
});

// ---- discovery ----------------------------------------------------------------------------------

type GVR = { group: string; version: string; resource: string };
const expectedLegacyGVR: GVR[] = [{ group: "", version: "v1", resource: "namespaces" }];
const expectedGVR: GVR[] = [
  ["admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations"],
  ["apiextensions.k8s.io", "v1", "customresourcedefinitions"],
  ["apiregistration.k8s.io", "v1", "apiservices"],
  ["apps", "v1", "deployments"],
  ["authentication.k8s.io", "v1", "tokenreviews"],
  ["authorization.k8s.io", "v1", "selfsubjectaccessreviews"],
  ["autoscaling", "v1", "horizontalpodautoscalers"],
  ["autoscaling", "v2", "horizontalpodautoscalers"],
  ["batch", "v1", "jobs"],
  ["certificates.k8s.io", "v1", "certificatesigningrequests"],
  ["coordination.k8s.io", "v1", "leases"],
  ["discovery.k8s.io", "v1", "endpointslices"],
  ["events.k8s.io", "v1", "events"],
  ["networking.k8s.io", "v1", "ingresses"],
  ["node.k8s.io", "v1", "runtimeclasses"],
  ["policy", "v1", "poddisruptionbudgets"],
  ["scheduling.k8s.io", "v1", "priorityclasses"],
  ["storage.k8s.io", "v1", "csinodes"],
].map(([group, version, resource]) => ({ group: group!, version: version!, resource: resource! }));

const AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
const AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
/** What client-go's discovery client sends (discovery_client.go acceptDiscoveryFormats). */
const CLIENT_GO_DISCOVERY_ACCEPT = `${AGGREGATED_V2},${AGGREGATED_V2BETA1},application/json`;

interface APIGroupDiscoveryList {
  kind: string;
  apiVersion: string;
  items: { metadata: { name?: string }; versions: { version: string; resources: { resource: string; scope?: string; verbs?: string[] }[] }[] }[];
}

/** isGVRPresentAPIDiscovery */
const inAggregated = (list: APIGroupDiscoveryList, gvr: GVR) =>
  list.items.some((g) => (g.metadata.name ?? "") === gvr.group && g.versions.some((v) => v.version === gvr.version && v.resources.some((r) => r.resource === gvr.resource)));

/** The media type parameters of a Content-Type, e.g. {g, v, as}. */
function mediaParams(contentType: string | null): Record<string, string> {
  const [, ...params] = (contentType ?? "").split(";");
  return Object.fromEntries(params.map((p) => p.trim().split("=") as [string, string]));
}

/**
 * client-go's AggregatedDiscoveryInterface.GroupsAndMaybeResources: GET /api and /apis with the
 * aggregated Accept list; when both answers are aggregated (by Content-Type), the groups and the
 * resources of each group-version come from them (aggregated_discovery.go's conversion).
 */
async function groupsAndMaybeResources(): Promise<{ groups: { name: string; versions: { version: string }[] }[]; resourcesByGV: Map<string, string[]> | undefined }> {
  const groups: { name: string; versions: { version: string }[] }[] = [];
  const resourcesByGV = new Map<string, string[]>();
  let aggregated = true;
  for (const path of ["/api", "/apis"]) {
    const r = await raw(path, { headers: { accept: CLIENT_GO_DISCOVERY_ACCEPT } });
    expect(r.status).toBe(200);
    const params = mediaParams(r.headers.get("content-type"));
    if (params.g !== "apidiscovery.k8s.io" || params.as !== "APIGroupDiscoveryList") {
      aggregated = false;
      continue;
    }
    const body = (await r.json()) as APIGroupDiscoveryList;
    expect(body.kind).toBe("APIGroupDiscoveryList");
    for (const item of body.items) {
      const name = item.metadata.name ?? "";
      groups.push({ name, versions: item.versions.map((v) => ({ version: v.version })) });
      for (const v of item.versions) resourcesByGV.set(name ? `${name}/${v.version}` : v.version, v.resources.map((res) => res.resource));
    }
  }
  return { groups, resourcesByGV: aggregated ? resourcesByGV : undefined };
}

const gvKey = (gvr: { group: string; version: string }) => (gvr.group ? `${gvr.group}/${gvr.version}` : gvr.version);

/** A namespaced CRD in a random *.example.com group (fixtures.CreateNewV1CustomResourceDefinition: created, then Established). */
async function createTestCRD(): Promise<{ gvr: GVR; cleanup(): Promise<void> }> {
  const resourceName = "testcrd";
  const group = `group${Math.random().toString(36).slice(2, 7)}.example.com`;
  const name = `${resourceName}s.${group}`;
  await client.create(R.customResourceDefinitions, {
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name },
    spec: {
      group, scope: "Namespaced",
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
      names: { plural: `${resourceName}s`, singular: resourceName, kind: resourceName, listKind: `${resourceName}List` },
    },
  });
  await within(30_000, async () => {
    const crd = await client.get<Obj>({ ...R.customResourceDefinitions, name });
    return crd.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Established" && c.status === "True") ? true : undefined;
  });
  return {
    gvr: { group, version: "v1", resource: `${resourceName}s` },
    cleanup: async () => { await client.delete({ ...R.customResourceDefinitions, name }).catch(() => {}); },
  };
}

describe.concurrent("[sig-api-machinery] AggregatedDiscovery", () => {
  test("[sig-api-machinery] AggregatedDiscovery should support raw aggregated discovery endpoint Accept headers [Conformance]", async () => {
    const r = await raw("/apis", { headers: { accept: AGGREGATED_V2 } });
    expect(r.status).toBe(200);
    expect(mediaParams(r.headers.get("content-type"))).toMatchObject({ g: "apidiscovery.k8s.io", v: "v2", as: "APIGroupDiscoveryList" });
    const groupList = (await r.json()) as APIGroupDiscoveryList;
    for (const gvr of expectedGVR) expect(inAggregated(groupList, gvr) ? "" : `expected gvr ${gvr.group} ${gvr.version} ${gvr.resource} to exist in discovery`).toBe("");

    const legacy = (await rawJson<APIGroupDiscoveryList>("/api", { accept: AGGREGATED_V2 }));
    for (const gvr of expectedLegacyGVR) expect(inAggregated(legacy, gvr) ? "" : `expected legacy gvr api ${gvr.version} ${gvr.resource} to exist in discovery`).toBe("");

    // The deprecated v2beta1 form (still in client-go's Accept list) carries the same document.
    const beta = await raw("/apis", { headers: { accept: AGGREGATED_V2BETA1 } });
    expect(mediaParams(beta.headers.get("content-type"))).toMatchObject({ g: "apidiscovery.k8s.io", v: "v2beta1", as: "APIGroupDiscoveryList" });
    const betaList = (await beta.json()) as APIGroupDiscoveryList;
    expect(betaList.apiVersion).toBe("apidiscovery.k8s.io/v2beta1");
    for (const gvr of expectedGVR) expect(inAggregated(betaList, gvr)).toBe(true);
  });

  test("[sig-api-machinery] AggregatedDiscovery should support raw aggregated discovery request for CRDs [Conformance]", async () => {
    const crd = await createTestCRD();
    try {
      await within(30_000, async () => (inAggregated(await rawJson<APIGroupDiscoveryList>("/apis", { accept: AGGREGATED_V2 }), crd.gvr) ? true : undefined), 200);
    } finally {
      await crd.cleanup();
    }
  });

  test("[sig-api-machinery] AggregatedDiscovery should support aggregated discovery interface [Conformance]", async () => {
    const { groups, resourcesByGV } = await groupsAndMaybeResources();
    expect(resourcesByGV).toBeDefined();
    const combined = [...expectedGVR, ...expectedLegacyGVR];
    for (const gvr of combined) expect(resourcesByGV!.get(gvKey(gvr))?.includes(gvr.resource) ? "" : `expected ${gvKey(gvr)} ${gvr.resource} to be present`).toBe("");
    for (const gvr of combined) expect(groups.some((g) => g.name === gvr.group && g.versions.some((v) => v.version === gvr.version))).toBe(true);
  });

  test("[sig-api-machinery] AggregatedDiscovery should support aggregated discovery interface for CRDs [Conformance]", async () => {
    const crd = await createTestCRD();
    try {
      await within(30_000, async () => {
        const { resourcesByGV } = await groupsAndMaybeResources();
        return resourcesByGV?.get(gvKey(crd.gvr))?.includes(crd.gvr.resource) ? true : undefined;
      }, 200);
    } finally {
      await crd.cleanup();
    }
  });
});

describe.concurrent("[sig-api-machinery] Discovery", () => {
  test("[sig-api-machinery] Discovery should validate PreferredVersion for each APIGroup [Conformance]", async () => {
    // get list of APIGroup endpoints
    const list = await rawJson<{ groups: { name: string }[] }>("/apis/");
    expect(list.groups.length).toBeGreaterThan(0);
    for (const group of list.groups) {
      if (group.name.endsWith(".example.com")) continue; // dynamic groups other tests add and remove
      // locate the APIGroup endpoint; its PreferredVersion must be one of its versions
      const checkGroup = await rawJson<{ versions: { groupVersion: string }[]; preferredVersion: { groupVersion: string } }>(`/apis/${group.name}/`);
      expect(checkGroup.versions.length).toBeGreaterThan(0);
      expect(checkGroup.versions.map((v) => v.groupVersion)).toContain(checkGroup.preferredVersion.groupVersion);
    }
  });

  test("[sig-api-machinery] Discovery should locate the groupVersion and a resource within each APIGroup [Conformance]", async () => {
    for (const t of [...expectedLegacyGVR, ...expectedGVR]) {
      const path = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
      // requesting the APIResourceList
      const resourceList = await rawJson<{ groupVersion: string; resources: { name: string }[] }>(path);
      expect(resourceList.groupVersion).toBe(gvKey(t));
      expect(resourceList.resources.map((r) => r.name)).toContain(t.resource);
    }
  });
});

// ---- chunking and tables ------------------------------------------------------------------------

const numberOfTotalResources = 400;
const templateName = (i: number) => `template-${String(i).padStart(4, "0")}`;

/** The BeforeEach: 400 PodTemplates, created 20 at a time, each retried up to 3 times. */
async function createTemplates(c: ApiClient, ns: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < numberOfTotalResources; i = next++) {
      for (let tries = 3; ; tries--) {
        try {
          await c.create(inNs(R.podTemplates, ns), {
            apiVersion: "v1", kind: "PodTemplate", metadata: { name: templateName(i) },
            template: { spec: { containers: [{ name: "test", image: "test2" }] } },
          });
          break;
        } catch (err) {
          if (tries <= 0) throw new Error(`unable to create template ${i}: ${err}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
}

/** The remainingItemCount checks every page makes. */
function checkRemaining(list: ObjectList, found: number): void {
  if (!list.metadata.continue) {
    expect(list.metadata.remainingItemCount).toBeUndefined();
  } else {
    expect(list.metadata.remainingItemCount).toBeDefined();
    expect(list.metadata.remainingItemCount! + list.items.length + found).toBe(numberOfTotalResources);
  }
}

describe.concurrent("[sig-api-machinery] Servers with support for API chunking", () => {
  test("[sig-api-machinery] Servers with support for API chunking should return chunks of results for list calls [Conformance]", async () => {
    const ns = await createNamespace("chunking");
    try {
      await createTemplates(client, ns);
      // retrieving those results in paged fashion several times
      for (let i = 0; i < 3; i++) {
        let found = 0;
        let lastRV = "";
        let cont: string | undefined;
        for (;;) {
          const list = await client.list(inNs(R.podTemplates, ns), { limit: 17, continue: cont });
          expect(list.items.length).toBeLessThanOrEqual(17);
          if (!lastRV) lastRV = list.metadata.resourceVersion!;
          expect(list.metadata.resourceVersion).toBe(lastRV);
          checkRemaining(list, found);
          for (const item of list.items) expect(item.metadata.name).toBe(templateName(found++));
          if (!list.metadata.continue) break;
          cont = list.metadata.continue;
        }
        expect(found).toBe(numberOfTotalResources);
      }
      // retrieving those results all at once
      const all = await client.list(inNs(R.podTemplates, ns), { limit: numberOfTotalResources + 1 });
      expect(all.items.length).toBe(numberOfTotalResources);
    } finally {
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] Servers with support for API chunking should support continue listing from the last key if the original version has been compacted away, though the list is inconsistent [Slow] [Conformance]", async () => {
    // A server of its own whose store compacts every 1.5 s (upstream waits for etcd's 5-minute compaction).
    const compacting = await startServer([], { LITE_TEST_COMPACT_INTERVAL_MS: "1500" });
    const c = adminClient(compacting);
    try {
      const ns = await createNamespace("chunking", c);
      await createTemplates(c, ns);
      const templates = inNs(R.podTemplates, ns);

      // retrieving the first page
      const oneTenth = numberOfTotalResources / 10;
      let list = await c.list(templates, { limit: oneTenth });
      const firstToken = list.metadata.continue!;
      const firstRV = list.metadata.resourceVersion!;
      checkRemaining(list, 0);

      // retrieving the second page until the token expires. Upstream's cluster writes all the time
      // (etcd's compactor itself writes a key); an idle server does not, so each try writes an
      // unrelated ConfigMap to move the revision past the token's.
      let inconsistentToken = "";
      await within(60_000, async () => {
        await c.create(inNs(R.configMaps, ns), { apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "churn-" } });
        try {
          await c.list(templates, { limit: oneTenth, continue: firstToken });
          return undefined; // the token has not expired yet
        } catch (err) {
          const e = err as { code?: number; reason?: string; status?: { metadata?: { continue?: string } } };
          if (e.code !== 410 || e.reason !== "Expired") throw err;
          inconsistentToken = e.status?.metadata?.continue ?? "";
          if (!inconsistentToken) throw new Error("expected a non-empty continue token in the 410 Status");
          return true;
        }
      }, 250);

      // retrieving the second page again with the token received with the error message
      list = await c.list(templates, { limit: oneTenth, continue: inconsistentToken });
      expect(list.metadata.resourceVersion).not.toBe(firstRV);
      expect(list.items.length).toBe(oneTenth);
      let found = oneTenth;
      checkRemaining(list, found);
      for (const item of list.items) expect(item.metadata.name).toBe(templateName(found++));

      // retrieving all remaining pages
      let cont = list.metadata.continue;
      const lastRV = list.metadata.resourceVersion;
      while (cont) {
        const page = await c.list(templates, { limit: oneTenth, continue: cont });
        checkRemaining(page, found);
        expect(page.items.length).toBeLessThanOrEqual(oneTenth);
        expect(page.metadata.resourceVersion).toBe(lastRV);
        for (const item of page.items) expect(item.metadata.name).toBe(templateName(found++));
        cont = page.metadata.continue;
      }
      expect(found).toBe(numberOfTotalResources);
    } finally {
      await compacting.stop();
    }
  });
});

describe.concurrent("[sig-api-machinery] Servers with support for Table transformation", () => {
  test("[sig-api-machinery] Servers with support for Table transformation should return a 406 for a backend which does not implement metadata [Conformance]", async () => {
    const sar = { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { nonResourceAttributes: { path: "/", verb: "get" } } };
    const r = await raw("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
      method: "POST", headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" }, body: sar,
    });
    expect(r.status).toBe(406);
    const status = (await r.json()) as { kind?: string; code?: number };
    expect(status.kind).toBe("Status");
    expect(status.code).toBe(406);
  });
});

// ---- resource quotas ----------------------------------------------------------------------------

const extendedResourceName = "example.com/dongle";

/** newTestResourceQuota: a quota that enforces default constraints for testing. */
function newTestResourceQuota(name: string): Obj {
  return {
    apiVersion: "v1", kind: "ResourceQuota", metadata: { name },
    spec: {
      hard: {
        pods: "5", services: "10", "services.nodeports": "1", "services.loadbalancers": "1", replicationcontrollers: "10",
        resourcequotas: "1", cpu: "1", memory: "500Mi", configmaps: "2", secrets: "10", persistentvolumeclaims: "10",
        "requests.storage": "10Gi", "ephemeral-storage": "50Gi",
        "gold.storageclass.storage.k8s.io/persistentvolumeclaims": "10", "gold.storageclass.storage.k8s.io/requests.storage": "10Gi",
        "count/replicasets.apps": "5", // quota on a discovered resource type
        [`requests.${extendedResourceName}`]: "3", // quota on an extended resource
      },
    },
  };
}

/** countResourceQuota / the secrets count: the number of objects once it has held still (upstream: 5 s; 1 s here). */
async function stableCount(target: { group: string; version: string; resource: string; namespace: string }): Promise<number> {
  let found = -1;
  let unchanged = 0;
  return within(30_000, async () => {
    const n = (await client.list(target)).items.length;
    if (n === found) return ++unchanged > 4 ? n : undefined;
    found = n;
    unchanged = 0;
    return undefined;
  }, 200);
}

/** waitForResourceQuota: status.used shows every expected value (resource.Cmp). */
async function waitForResourceQuota(ns: string, name: string, used: Record<string, string>): Promise<void> {
  let last: unknown;
  try {
    await within(60_000, async () => {
      const rq = await client.get<Obj>({ ...inNs(R.resourceQuotas, ns), name });
      last = rq.status?.used;
      if (!rq.status?.used) return undefined;
      return Object.entries(used).every(([k, v]) => k in rq.status.used && sameQuantity(rq.status.used[k], v)) ? true : undefined;
    }, 100);
  } catch {
    throw new Error(`quota ${ns}/${name}: status.used never matched ${JSON.stringify(used)}; last ${JSON.stringify(last)}`);
  }
}

function newTestServiceForQuota(name: string, type: string, allocateLoadBalancerNodePorts: boolean): Obj {
  return {
    apiVersion: "v1", kind: "Service", metadata: { name },
    spec: { type, ports: [{ port: 80, targetPort: 80 }], ...(type === "LoadBalancer" ? { allocateLoadBalancerNodePorts } : {}) },
  };
}

describe.concurrent("[sig-api-machinery] ResourceQuota", () => {
  test("[sig-api-machinery] ResourceQuota should create a ResourceQuota and ensure its status is promptly calculated. [Conformance]", async () => {
    const ns = await createNamespace("resourcequota");
    try {
      const c = await stableCount(inNs(R.resourceQuotas, ns));
      await client.create(inNs(R.resourceQuotas, ns), newTestResourceQuota("test-quota"));
      await waitForResourceQuota(ns, "test-quota", { resourcequotas: String(c + 1) });
    } finally {
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a service. [Conformance]", async () => {
    const ns = await createNamespace("resourcequota");
    const services = inNs(R.services, ns);
    try {
      const c = await stableCount(inNs(R.resourceQuotas, ns));
      await client.create(inNs(R.resourceQuotas, ns), newTestResourceQuota("test-quota"));
      const used: Record<string, string> = { resourcequotas: String(c + 1) };
      await waitForResourceQuota(ns, "test-quota", used);

      // creating a Service and a NodePort Service
      const service = await client.create<Obj>(services, newTestServiceForQuota("test-service", "ClusterIP", false));
      const nodeport = await client.create<Obj>(services, newTestServiceForQuota("test-service-np", "NodePort", false));

      // not allowing a LoadBalancer Service with NodePort to be created that exceeds remaining quota
      const err = await client.create(services, newTestServiceForQuota("test-service-lb", "LoadBalancer", true)).then(() => undefined, (e) => e);
      expect(err).toBeDefined();
      expect((err as { code?: number }).code).toBe(403);

      // ensuring resource quota status captures service creation
      Object.assign(used, { services: "2", "services.nodeports": "1" });
      await waitForResourceQuota(ns, "test-quota", used);

      // deleting Services; ensuring resource quota status released usage
      await client.delete({ ...services, name: service.metadata.name! });
      await client.delete({ ...services, name: nodeport.metadata.name! });
      Object.assign(used, { services: "0", "services.nodeports": "0" });
      await waitForResourceQuota(ns, "test-quota", used);
    } finally {
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a secret. [Conformance]", async () => {
    const ns = await createNamespace("resourcequota");
    const secrets = inNs(R.secrets, ns);
    try {
      // discovering how many secrets are in namespace by default
      const found = await stableCount(secrets);
      const defaultSecrets = String(found);
      const hardSecrets = String(found + 1);

      const c = await stableCount(inNs(R.resourceQuotas, ns));
      const quota = newTestResourceQuota("test-quota");
      quota.spec.hard.secrets = hardSecrets;
      await client.create(inNs(R.resourceQuotas, ns), quota);
      await waitForResourceQuota(ns, "test-quota", { resourcequotas: String(c + 1), secrets: defaultSecrets });

      // creating a Secret; ensuring resource quota status captures secret creation
      const secret = await client.create<Obj>(secrets, {
        apiVersion: "v1", kind: "Secret", metadata: { name: "test-secret" },
        data: { "data-1": btoa("value-1\n"), "data-2": btoa("value-2\n"), "data-3": btoa("value-3\n") },
      });
      await waitForResourceQuota(ns, "test-quota", { secrets: hardSecrets });

      // deleting a secret; ensuring resource quota status released usage
      await client.delete({ ...secrets, name: secret.metadata.name! });
      await waitForResourceQuota(ns, "test-quota", { secrets: defaultSecrets });
    } finally {
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a replication controller. [Conformance]", async () => {
    const ns = await createNamespace("resourcequota");
    const rcs = inNs(R.replicationControllers, ns);
    try {
      const c = await stableCount(inNs(R.resourceQuotas, ns));
      await client.create(inNs(R.resourceQuotas, ns), newTestResourceQuota("test-quota"));
      await waitForResourceQuota(ns, "test-quota", { resourcequotas: String(c + 1), replicationcontrollers: "0" });

      // creating a ReplicationController (no replicas: only the object is counted)
      const rc = await client.create<Obj>(rcs, {
        apiVersion: "v1", kind: "ReplicationController", metadata: { name: "test-rc" },
        spec: {
          replicas: 0, selector: { name: "test-rc" },
          template: { metadata: { labels: { name: "test-rc" } }, spec: { containers: [{ name: "test-rc", image: "nginx" }] } },
        },
      });
      await waitForResourceQuota(ns, "test-quota", { replicationcontrollers: "1" });

      // deleting it with background propagation (RCs default to orphaning)
      await client.delete({ ...rcs, name: rc.metadata.name! }, { propagationPolicy: "Background" });
      await waitForResourceQuota(ns, "test-quota", { replicationcontrollers: "0" });
    } finally {
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a replica set. [Conformance]", async () => {
    const ns = await createNamespace("resourcequota");
    const rss = inNs(R.replicaSets, ns);
    try {
      const c = await stableCount(inNs(R.resourceQuotas, ns));
      await client.create(inNs(R.resourceQuotas, ns), newTestResourceQuota("test-quota"));
      await waitForResourceQuota(ns, "test-quota", { resourcequotas: String(c + 1), "count/replicasets.apps": "0" });

      // creating a ReplicaSet (no replicas: only the object is counted)
      const rs = await client.create<Obj>(rss, {
        apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "test-rs" },
        spec: {
          replicas: 0, selector: { matchLabels: { name: "test-rs" } },
          template: { metadata: { labels: { name: "test-rs" } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "test-rs", image: "nginx" }] } },
        },
      });
      await waitForResourceQuota(ns, "test-quota", { "count/replicasets.apps": "1" });

      // deleting the ReplicaSet; ensuring resource quota status released usage
      await client.delete({ ...rss, name: rs.metadata.name! });
      await waitForResourceQuota(ns, "test-quota", { "count/replicasets.apps": "0" });
    } finally {
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] ResourceQuota should be able to update and delete ResourceQuota. [Conformance]", async () => {
    const ns = await createNamespace("resourcequota");
    const quotas = inNs(R.resourceQuotas, ns);
    const quotaName = "test-quota";
    try {
      // creating a ResourceQuota
      const quota: Obj = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: quotaName }, spec: { hard: { cpu: "1", memory: "500Mi" } } };
      await client.create(quotas, quota);

      // getting it
      let result = await client.get<Obj>({ ...quotas, name: quotaName });
      expect(sameQuantity(result.spec.hard.cpu, "1")).toBe(true);
      expect(sameQuantity(result.spec.hard.memory, "500Mi")).toBe(true);

      // updating it (the object as first sent, without a resourceVersion: an unconditional update)
      quota.spec.hard = { cpu: "2", memory: "1Gi" };
      result = await client.update<Obj>(quotas, quota);
      expect(sameQuantity(result.spec.hard.cpu, "2")).toBe(true);
      expect(sameQuantity(result.spec.hard.memory, "1Gi")).toBe(true);

      // verifying it was modified
      result = await client.get<Obj>({ ...quotas, name: quotaName });
      expect(sameQuantity(result.spec.hard.cpu, "2")).toBe(true);
      expect(sameQuantity(result.spec.hard.memory, "1Gi")).toBe(true);

      // deleting it; verifying it is gone
      await client.delete({ ...quotas, name: quotaName });
      const err = await client.get({ ...quotas, name: quotaName }).then(() => undefined, (e) => e);
      expect(isNotFound(err)).toBe(true);
    } finally {
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] ResourceQuota should manage the lifecycle of a ResourceQuota [Conformance]", async () => {
    const ns = await createNamespace("resourcequota");
    const quotas = inNs(R.resourceQuotas, ns);
    const rqName = `e2e-quota-${Math.random().toString(36).slice(2, 7)}`;
    const labelSelector = `e2e-rq-label=${rqName}`;
    try {
      // creating a ResourceQuota
      await client.create(quotas, { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: rqName, labels: { "e2e-rq-label": rqName } }, spec: { hard: { cpu: "1", memory: "500Mi" } } });

      // getting it
      const result = await client.get<Obj>({ ...quotas, name: rqName });
      expect(sameQuantity(result.spec.hard.cpu, "1")).toBe(true);
      expect(sameQuantity(result.spec.hard.memory, "500Mi")).toBe(true);

      // listing all ResourceQuotas (every namespace) with the label selector
      const rq = await client.list(R.resourceQuotas, { labelSelector });
      expect(rq.items.length).toBe(1);

      // patching the ResourceQuota (strategic merge)
      const patched = await client.patch<Obj>({ ...quotas, name: rqName }, "strategic", { metadata: { labels: { [rqName]: "patched" } }, spec: { hard: { memory: "750Mi" } } });
      expect(patched.metadata.labels?.[rqName]).toBe("patched");
      expect(sameQuantity(patched.spec.hard.memory, "750Mi")).toBe(true);

      // deleting a collection of ResourceQuotas by label; verifying it is gone
      await client.deleteCollection(quotas, { labelSelector });
      const err = await client.get({ ...quotas, name: rqName }).then(() => undefined, (e) => e);
      expect(isNotFound(err)).toBe(true);
    } finally {
      await deleteNamespace(ns);
    }
  });

  test("[sig-api-machinery] ResourceQuota should apply changes to a resourcequota status [Conformance]", async () => {
    const ns = await createNamespace("resourcequota");
    const quotas = inNs(R.resourceQuotas, ns);
    const rqName = `e2e-rq-status-${Math.random().toString(36).slice(2, 7)}`;
    const labelSelector = `e2e-rq-label=${rqName}`;
    const target = { ...quotas, name: rqName };

    /** watchtools.Until from `resourceVersion`: the first event whose quota satisfies `check`. */
    const until = async (resourceVersion: string, check: (rq: Obj) => boolean) => {
      const w = new EventStream(client, quotas, { resourceVersion, labelSelector, retry: true });
      try {
        for (;;) {
          const e = await w.next(30_000);
          if (!e) throw new Error(`no matching ResourceQuota event within 30 s`);
          if (e.object.metadata.name === rqName && e.object.metadata.namespace === ns && check(e.object)) return e.object;
        }
      } finally {
        await w.stop();
      }
    };
    try {
      let rqList = await client.list(R.resourceQuotas, { labelSelector });

      // creating the ResourceQuota
      await client.create(quotas, { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: rqName, labels: { "e2e-rq-label": rqName } }, spec: { hard: { cpu: "500m", memory: "500Mi" } } });
      const initial = await client.get<Obj>(target);
      expect(sameQuantity(initial.spec.hard.cpu, "500m")).toBe(true);
      expect(sameQuantity(initial.spec.hard.memory, "500Mi")).toBe(true);

      // updating its /status: status.hard = spec.hard
      const hardLimits = { ...initial.spec.hard };
      const updated = await retryOnConflict(async () => {
        const rq = await client.get<Obj>(target);
        rq.status = { hard: hardLimits };
        return client.updateStatus<Obj>(quotas, rq);
      });

      // confirming /status via watch
      await until(rqList.metadata.resourceVersion!, (rq) => sameResourceList(rq.status?.hard, updated.spec.hard));

      // sync the list before patching /status
      rqList = await client.list(R.resourceQuotas, { labelSelector });

      // patching the hard spec values for cpu & memory
      const x = await client.patch<Obj>(target, "strategic", { spec: { hard: { cpu: "1", memory: "1Gi" } } });

      // patching /status with the new spec values
      const patchedStatus = await client.patch<Obj>(target, "strategic", { status: { hard: { ...x.spec.hard } } }, { subresource: "status" });
      await until(rqList.metadata.resourceVersion!, (rq) => sameResourceList(rq.status?.hard, patchedStatus.spec.hard));

      // getting /status
      const rq = await client.get<Obj>(target, { subresource: "status" });
      expect(sameQuantity(rq.status.hard.cpu, "1")).toBe(true);
      expect(sameQuantity(rq.status.hard.memory, "1Gi")).toBe(true);

      // sync the list before repatching /status
      rqList = await client.list(R.resourceQuotas, { labelSelector });

      // repatching /status (values that differ from the spec), before checking the spec is unchanged
      const repatched = await client.patch<Obj>(target, "strategic", { status: { hard: { cpu: "2", memory: "2Gi" } } }, { subresource: "status" });
      expect(sameQuantity(repatched.status.hard.cpu, "2")).toBe(true);
      expect(sameQuantity(repatched.status.hard.memory, "2Gi")).toBe(true);
      await until(rqList.metadata.resourceVersion!, (o) => sameQuantity(o.status?.hard?.cpu, "2") && sameQuantity(o.status?.hard?.memory, "2Gi"));

      // the quota controller puts status.hard back to the (unchanged) spec (upstream: at its next full resync, within 6 min)
      await within(360_000, async () => {
        const r = await client.get<Obj>(target);
        if (!sameQuantity(r.spec.hard.cpu, r.status?.hard?.cpu)) return undefined;
        return sameQuantity(r.status.hard.cpu, "1") && sameQuantity(r.status.hard.memory, "1Gi") ? true : undefined;
      }, 500);
    } finally {
      await deleteNamespace(ns);
    }
  });
});
