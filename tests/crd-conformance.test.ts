/**
 * The upstream CustomResourceDefinition conformance tests (kubernetes test/e2e/apimachinery:
 * custom_resource_definition.go, crd_watch.go, crd_publish_openapi.go, field_validation.go) against
 * the compiled binary: the same CRDs, objects, API calls and checks, on one lite server without the
 * agent (no pods are involved). Every case has its own names (and namespace where upstream uses one)
 * and the cases run concurrently.
 *
 * Upstream's fixtures are ported as helpers: random CRD names (fixtures.NewRandomName*), "created
 * once its served versions are in discovery" (CreateNewV1CustomResourceDefinitionWatchUnsafe),
 * "deleted once they left discovery" (DeleteV1CustomResourceDefinition), and the OpenAPI waits of
 * crd_publish_openapi.go (waitForDefinition / waitForDefinitionCleanup on /openapi/v2, with ETag).
 * kubectl (the dispatcher's default 1.32) validates on the server (fieldValidation=Strict) and
 * explains from /openapi/v3. FieldValidation sends its bodies as raw text (duplicate keys, YAML).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, type ApiClient, type KubeObject, type WatchEvent } from "@lite/sdk";
import { httpsTransport, kubeconfigTransportOptions, type Transport } from "../core/client/index.ts";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { within } from "./harness/kube.ts";
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

type Obj = KubeObject & { spec?: any; status?: any; [field: string]: any };
type CRD = KubeObject & { spec: any; status?: any };

const CRDS = builtinResources.customResourceDefinitions;

// ---- raw HTTP (bodies the typed client cannot send: duplicate keys, YAML) ----------------------------

interface RawResponse { status: number; text: string; warnings: string[] }

async function raw(method: string, path: string, body?: string, contentType = "application/json"): Promise<RawResponse> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = contentType;
  const res = await transport.send(new Request(`${transport.baseUrl}${path}`, { method, headers, body }));
  const warnings = (res.headers.get("warning") ?? "").split(/,\s*(?=299 )/).filter((w) => w !== "");
  return { status: res.status, text: await res.text(), warnings };
}

let namespaceCounter = 0;
/**
 * The framework's per-test namespace: created through the API (cheaper than a kubectl run on a
 * loaded machine), then, as upstream's framework does, ready once its default ServiceAccount exists.
 */
async function createNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${++namespaceCounter}`;
  await client.create(builtinResources.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  await within(60_000, async () => {
    try {
      return await client.get({ ...builtinResources.serviceAccounts, namespace: name, name: "default" });
    } catch {
      return undefined;
    }
  }, 200);
  return name;
}

// ---- upstream fixtures, ported --------------------------------------------------------------------

const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"; // upstream's utilrand alphabet (no vowels, no 0/1/3)
/** names.SimpleNameGenerator.GenerateName(base): base plus 5 random characters. */
const generateName = (base: string) => base + Array.from({ length: 5 }, () => ALPHANUMS[Math.floor(Math.random() * ALPHANUMS.length)]).join("");
/** framework.RandomSuffix: a random number below 10000. */
const randomSuffix = () => String(Math.floor(Math.random() * 10_000));

/** fixtures.AllowAllSchema. */
const allowAllSchema = () => ({ openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } });

/** fixtures.NewRandomNameV1CustomResourceDefinition: mygroup.example.com, one version v1beta1. */
function newRandomNameV1CRD(scope: "Cluster" | "Namespaced"): CRD {
  const name = generateName("foo") + "a"; // the singular must not end in "s"
  return {
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: `${name}s.mygroup.example.com` },
    spec: {
      group: "mygroup.example.com",
      versions: [{ name: "v1beta1", served: true, storage: true, schema: allowAllSchema() }],
      names: { plural: `${name}s`, singular: name, kind: name, listKind: `${name}List` },
      scope,
    },
  };
}

/** fixtures.NewRandomNameMultipleVersionCustomResourceDefinition: v1beta1 and v1 (storage), both with status. */
function newRandomNameMultipleVersionCRD(scope: "Cluster" | "Namespaced", schema: unknown = allowAllSchema()): CRD {
  const crd = newRandomNameV1CRD(scope);
  crd.spec.versions = ["v1beta1", "v1"].map((name) => ({ name, served: true, storage: name === "v1", subresources: { status: {} }, schema }));
  return crd;
}

const servedVersions = (crd: CRD): string[] => crd.spec.versions.filter((v: any) => v.served).map((v: any) => v.name);

/** existsInDiscoveryV1: the plural is listed in /apis/<group>/<version>. */
async function existsInDiscovery(crd: CRD, version: string): Promise<boolean> {
  const r = await raw("GET", `/apis/${crd.spec.group}/${version}`);
  if (r.status === 404) return false;
  if (r.status !== 200) throw new Error(`discovery of ${crd.spec.group}/${version}: ${r.status} ${r.text}`);
  return (JSON.parse(r.text).resources as { name: string }[]).some((res) => res.name === crd.spec.names.plural);
}

/** fixtures.CreateNewV1CustomResourceDefinitionWatchUnsafe: create, then wait until every served version is in discovery. */
async function createCRD(crd: CRD): Promise<CRD> {
  const created = await client.create<CRD>(CRDS, crd);
  for (const version of servedVersions(created)) {
    await within(30_000, async () => ((await existsInDiscovery(created, version)) ? true : undefined), 100);
  }
  return created;
}

/** fixtures.DeleteV1CustomResourceDefinition: delete, then wait until no served version is in discovery. */
async function deleteCRD(crd: CRD): Promise<void> {
  await client.delete({ ...CRDS, name: crd.metadata.name! });
  await waitGoneFromDiscovery(crd);
}

async function waitGoneFromDiscovery(crd: CRD): Promise<void> {
  for (const version of servedVersions(crd)) {
    await within(30_000, async () => ((await existsInDiscovery(crd, version)) ? undefined : true), 100);
  }
}

/** The custom resources of `crd` in `version` (cluster-scoped unless a namespace is given). */
const crResource = (crd: CRD, version: string, namespace?: string) =>
  ({ group: crd.spec.group, version, resource: crd.spec.names.plural, ...(namespace !== undefined ? { namespace } : {}) });

/** Upstream's expectCondition: a condition deep-equal to `expected` is in the list. */
function expectCondition(conditions: unknown[] | undefined, expected: Record<string, unknown>): void {
  expect(conditions ?? []).toContainEqual(expected);
}

// ---- CustomResourceDefinition resources (custom_resource_definition.go) -----------------------------

describe.concurrent("CustomResourceDefinition resources conformance", () => {
  test("[sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin] Simple CustomResourceDefinition creating/deleting custom resource definition objects works [Conformance]", async () => {
    // Create a random cluster-scoped CRD and wait for it in discovery; then delete it and wait for it to leave.
    const crd = await createCRD(newRandomNameV1CRD("Cluster"));
    expect(await existsInDiscovery(crd, "v1beta1")).toBe(true);
    await deleteCRD(crd);
    expect(await existsInDiscovery(crd, "v1beta1")).toBe(false);
  });

  test("[sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin] Simple CustomResourceDefinition listing custom resource definition objects works [Conformance]", async () => {
    const testListSize = 10;
    // Label the CRDs created so only they are listed, although CRDs are cluster-scoped.
    const testUUID = crypto.randomUUID();
    const crds: CRD[] = [];
    for (let i = 0; i < testListSize; i++) {
      const crd = newRandomNameV1CRD("Cluster");
      crd.metadata.labels = { "e2e-list-test-uuid": testUUID };
      crds.push(await createCRD(crd));
    }
    // A CRD without the label, to check that the selector matches correctly.
    const unlabelled = await createCRD(newRandomNameV1CRD("Cluster"));
    try {
      const selector = `e2e-list-test-uuid=${testUUID}`;
      const list = await client.list<CRD>(CRDS, { labelSelector: selector });
      expect(list.items.length).toBe(testListSize);
      for (const actual of list.items) {
        const expected = crds.find((e) => e.metadata.name === actual.metadata.name);
        expect(expected).toBeDefined();
        expect(actual.spec).toEqual(expected!.spec);
      }
      // fixtures.DeleteV1CustomResourceDefinitions: delete collection, then wait until they left discovery.
      await client.deleteCollection(CRDS, { labelSelector: selector });
      for (const crd of crds) await waitGoneFromDiscovery(crd);
      // The unlabelled CRD remains.
      const remaining = await client.get<CRD>({ ...CRDS, name: unlabelled.metadata.name! });
      expect(remaining.metadata.uid).toBe(unlabelled.metadata.uid);
    } finally {
      await deleteCRD(unlabelled);
    }
  });

  test("[sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin] Simple CustomResourceDefinition getting/updating/patching custom resource definition status sub-resource works [Conformance]", async () => {
    const crd = await createCRD(newRandomNameV1CRD("Cluster"));
    try {
      const updateCondition = { message: "updated" };
      // retry.RetryOnConflict(DefaultRetry): read the status subresource, append a condition, UpdateStatus.
      let updated: CRD | undefined;
      for (let attempt = 0; !updated; attempt++) {
        const status = await client.get<CRD>({ ...CRDS, name: crd.metadata.name! }, { subresource: "status" });
        expect(status.spec).toEqual(crd.spec);
        status.status.conditions = [...(status.status.conditions ?? []), updateCondition];
        try {
          updated = await client.updateStatus<CRD>(CRDS, status);
        } catch (err) {
          if (attempt >= 4 || (err as { reason?: string }).reason !== "Conflict") throw err;
          await Bun.sleep(10);
        }
      }
      expectCondition(updated.status.conditions, updateCondition);

      const patchCondition = { message: "patched" };
      const patched = await client.patch<CRD>({ ...CRDS, name: crd.metadata.name! }, "json",
        [{ op: "add", path: "/status/conditions", value: [{ message: "patched" }] }], { subresource: "status" });
      expectCondition(updated.status.conditions, updateCondition);
      expectCondition(patched.status.conditions, patchCondition);
    } finally {
      await deleteCRD(crd);
    }
  });

  test("[sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin] should include custom resource definition resources in discovery documents [Conformance]", async () => {
    {
      // fetching the /apis discovery document; finding apiextensions.k8s.io and its v1 there
      const r = await raw("GET", "/apis");
      expect(r.status).toBe(200);
      const apiGroupList = JSON.parse(r.text) as { groups: { name: string; versions: { version: string }[] }[] };
      const group = apiGroupList.groups.find((g) => g.name === "apiextensions.k8s.io");
      expect(group).toBeDefined();
      expect(group!.versions.find((v) => v.version === "v1")).toBeDefined();
    }
    {
      // fetching the /apis/apiextensions.k8s.io discovery document
      const r = await raw("GET", "/apis/apiextensions.k8s.io");
      expect(r.status).toBe(200);
      const group = JSON.parse(r.text) as { name: string; versions: { version: string }[] };
      expect(group.name).toBe("apiextensions.k8s.io");
      expect(group.versions.find((v) => v.version === "v1")).toBeDefined();
    }
    {
      // fetching the /apis/apiextensions.k8s.io/v1 discovery document; finding customresourcedefinitions
      const r = await raw("GET", "/apis/apiextensions.k8s.io/v1");
      expect(r.status).toBe(200);
      const apiResourceList = JSON.parse(r.text) as { groupVersion: string; resources: { name: string }[] };
      expect(apiResourceList.groupVersion).toBe("apiextensions.k8s.io/v1");
      expect(apiResourceList.resources.find((res) => res.name === "customresourcedefinitions")).toBeDefined();
    }
  });

  test("[sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin] custom resource defaulting for requests and from storage works [Conformance]", async () => {
    // A CRD without defaults: properties a and b (strings).
    const definition = newRandomNameV1CRD("Cluster");
    definition.spec.versions[0].schema.openAPIV3Schema.properties = { a: { type: "string" }, b: { type: "string" } };
    const crd = await createCRD(definition);
    try {
      const gvr = crResource(crd, "v1beta1");
      const cr = (name: string): Obj => ({ apiVersion: `${crd.spec.group}/v1beta1`, kind: crd.spec.names.kind, metadata: { name } });

      // A CR stored without default.
      const name1 = generateName("cr-1");
      await client.create(gvr, cr(name1));

      // Default a to "A"; the stored CR gets it when read.
      await client.patch({ ...CRDS, name: crd.metadata.name! }, "json",
        [{ op: "add", path: "/spec/versions/0/schema/openAPIV3Schema/properties/a/default", value: "A" }]);
      await within(30_000, async () => {
        const u1 = await client.get<Obj>({ ...gvr, name: name1 });
        if (u1.a === undefined) return undefined;
        expect(u1.a).toBe("A");
        return true;
      }, 100);

      // A CR created now is defaulted in the request.
      const name2 = generateName("cr-2");
      const u2 = await client.create<Obj>(gvr, cr(name2));
      expect(u2.a).toBe("A");

      // Drop a's default, default b to "B": b is defaulted on read, and a keeps the "A" that was stored.
      await client.patch({ ...CRDS, name: crd.metadata.name! }, "json", [
        { op: "remove", path: "/spec/versions/0/schema/openAPIV3Schema/properties/a/default" },
        { op: "add", path: "/spec/versions/0/schema/openAPIV3Schema/properties/b/default", value: "B" },
      ]);
      await within(30_000, async () => {
        const got = await client.get<Obj>({ ...gvr, name: name2 });
        if (got.b === undefined) return undefined;
        expect(got.b).toBe("B");
        expect(got.a).toBe("A");
        return true;
      }, 100);
    } finally {
      await deleteCRD(crd);
    }
  });
});

// ---- CustomResourceDefinition Watch (crd_watch.go) --------------------------------------------------

/** A watch whose events are buffered, so "expect an event" and "expect none for a while" can be asked in turn. */
function bufferedWatch(target: Parameters<ApiClient["watch"]>[0], fieldSelector: string) {
  const controller = new AbortController();
  const events: WatchEvent<Obj>[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  void (async () => {
    try {
      for await (const e of client.watch<Obj>(target, { fieldSelector, timeoutSeconds: 600, signal: controller.signal })) {
        events.push(e);
        wake?.();
      }
    } catch { /* aborted */ }
    closed = true;
    wake?.();
  })();
  /** waitForEvent: the first event of `type` (matching `object` when given) within `ms`, or undefined. */
  async function waitForEvent(type: string, object: Obj | undefined, ms: number): Promise<WatchEvent<Obj> | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      while (events.length > 0) {
        const e = events.shift()!;
        if (e.type === type && (object === undefined || Bun.deepEquals(withoutRV(e.object), withoutRV(object)))) return e;
      }
      if (closed) throw new Error("watch closed unexpectedly");
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, left); });
    }
  }
  return { waitForEvent, stop: () => controller.abort() };
}

/** As upstream's newer waitForEvent: the resourceVersion is not compared (it races with the write's response). */
function withoutRV(o: Obj): Obj {
  const copy = structuredClone(o);
  delete copy.metadata.resourceVersion;
  return copy;
}

describe.concurrent("CustomResourceDefinition Watch conformance", () => {
  test("[sig-api-machinery] CustomResourceDefinition Watch [Privileged:ClusterAdmin] CustomResourceDefinition Watch watch on custom resource definition objects [Conformance]", async () => {
    const watchCRNameA = "name1";
    const watchCRNameB = "name2";
    // fixtures.NewNoxuV1CustomResourceDefinition(ClusterScoped)
    const noxu = await createCRD({
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "noxus.mygroup.example.com" },
      spec: {
        group: "mygroup.example.com",
        versions: [{ name: "v1beta1", served: true, storage: true, schema: allowAllSchema() }],
        names: { plural: "noxus", singular: "nonenglishnoxu", kind: "WishIHadChosenNoxu", shortNames: ["foo", "bar", "abc", "def"], listKind: "NoxuItemList", categories: ["all"] },
        scope: "Cluster",
      },
    });
    const gvr = crResource(noxu, "v1beta1");
    const watchA = bufferedWatch(gvr, `metadata.name=${watchCRNameA}`);
    const watchB = bufferedWatch(gvr, `metadata.name=${watchCRNameB}`);
    // Upstream waits 1 minute for an expected event and 10 s for an unexpected one; the watches
    // filter on the server, so 2 s shows an event that should not come (it would arrive at once).
    const expectEvent = async (w: typeof watchA, type: string, object?: Obj) => expect(await w.waitForEvent(type, object, 60_000)).toBeDefined();
    const expectNoEvent = async (w: typeof watchA, type: string, object?: Obj) => expect(await w.waitForEvent(type, object, 2_000)).toBeUndefined();
    try {
      /** fixtures.NewNoxuInstance (num1 is int64's maximum upstream; a JS number holds 2^53-1 exactly). */
      const noxuInstance = (name: string): Obj => ({
        apiVersion: "mygroup.example.com/v1beta1", kind: "WishIHadChosenNoxu", metadata: { name },
        content: { key: "value" }, num: { num1: Number.MAX_SAFE_INTEGER, num2: 1000000 },
      });
      /** instantiateCustomResource: create; it has a uid, the CRD's apiVersion and kind. */
      const instantiate = async (name: string): Promise<Obj> => {
        const created = await client.create<Obj>(gvr, noxuInstance(name));
        expect(created.metadata.uid).toBeTruthy();
        expect(created.apiVersion).toBe("mygroup.example.com/v1beta1");
        expect(created.kind).toBe("WishIHadChosenNoxu");
        return created;
      };
      const patchCR = (name: string) => client.patch({ ...gvr, name }, "json", [{ op: "add", path: "/dummy", value: "test" }]);

      // Creating first CR
      const testCrA = await instantiate(watchCRNameA);
      await expectEvent(watchA, "ADDED", testCrA);
      await expectNoEvent(watchB, "ADDED", testCrA);
      // Creating second CR
      const testCrB = await instantiate(watchCRNameB);
      await expectEvent(watchB, "ADDED", testCrB);
      await expectNoEvent(watchA, "ADDED", testCrB);
      // Modifying first CR
      await patchCR(watchCRNameA);
      await expectEvent(watchA, "MODIFIED");
      await expectNoEvent(watchB, "MODIFIED");
      // Modifying second CR
      await patchCR(watchCRNameB);
      await expectEvent(watchB, "MODIFIED");
      await expectNoEvent(watchA, "MODIFIED");
      // Deleting first CR
      await client.delete({ ...gvr, name: watchCRNameA });
      await expectEvent(watchA, "DELETED");
      await expectNoEvent(watchB, "DELETED");
      // Deleting second CR
      await client.delete({ ...gvr, name: watchCRNameB });
      await expectEvent(watchB, "DELETED");
      await expectNoEvent(watchA, "DELETED");
    } finally {
      watchA.stop();
      watchB.stop();
      await deleteCRD(noxu);
    }
  });
});

// ---- CustomResourcePublishOpenAPI (crd_publish_openapi.go) ------------------------------------------

const schemaFoo = `description: Foo CRD for Testing
type: object
properties:
  spec:
    type: object
    description: Specification of Foo
    properties:
      bars:
        description: List of Bars and their specs.
        type: array
        items:
          type: object
          required:
          - name
          properties:
            name:
              description: Name of Bar.
              type: string
            age:
              description: Age of Bar.
              type: string
            feeling:
              description: Whether Bar is feeling great.
              type: string
              enum:
              - Great
              - Down
            bazs:
              description: List of Bazs.
              items:
                type: string
              type: array
  status:
    description: Status of Foo
    type: object
    properties:
      bars:
        description: List of Bars and their statuses.
        type: array
        items:
          type: object
          properties:
            name:
              description: Name of Bar.
              type: string
            available:
              description: Whether the Bar is installed.
              type: boolean
            quxType:
              description: Indicates to external qux type.
              pattern: in-tree|out-of-tree
              type: string`;

const schemaWaldo = `description: Waldo CRD for Testing
type: object
properties:
  spec:
    description: Specification of Waldo
    type: object
    properties:
      dummy:
        description: Dummy property.
        type: object
  status:
    description: Status of Waldo
    type: object
    properties:
      bars:
        description: List of Bars and their statuses.
        type: array
        items:
          type: object`;

const schemaPreserveRoot = `description: preserve-unknown-properties at root for Testing
x-kubernetes-preserve-unknown-fields: true
type: object
properties:
  spec:
    description: Specification of Waldo
    type: object
    properties:
      dummy:
        description: Dummy property.
        type: object
  status:
    description: Status of Waldo
    type: object
    properties:
      bars:
        description: List of Bars and their statuses.
        type: array
        items:
          type: object`;

const schemaPreserveNested = `description: preserve-unknown-properties in nested field for Testing
type: object
properties:
  spec:
    description: Specification of Waldo
    type: object
    x-kubernetes-preserve-unknown-fields: true
    properties:
      dummy:
        description: Dummy property.
        type: object
  status:
    description: Status of Waldo
    type: object
    properties:
      bars:
        description: List of Bars and their statuses.
        type: array
        items:
          type: object`;

/** A test CRD (upstream crd.TestCrd): the CRD and the namespace the test works in. */
interface TestCrd { crd: CRD; namespace: string }

/**
 * setupCRDAndVerifySchema: a namespaced CRD in group `crd-publish-openapi-test-<suffix>.example.com`
 * named as crd.CreateMultiVersionTestCRD does (`e2e-test-<namespace>-<random>-crd`), one version per
 * name (the first stores), each with `schema` (or, without one, an object preserving unknown fields);
 * then waits until /openapi/v2 publishes every version's definition equal to `expectSchema` (only
 * present, when null).
 */
async function setupCRDAndVerifySchema(namespace: string, schema: string | undefined, expectSchema: string | null, groupSuffix: string, ...versions: string[]): Promise<TestCrd> {
  const group = `crd-publish-openapi-test-${groupSuffix}.example.com`;
  const props = schema !== undefined ? Bun.YAML.parse(schema) : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  const name = `e2e-test-${namespace}-${randomSuffix()}-crd`;
  const crd = await createCRD({
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: `${name}s.${group}` },
    spec: {
      group, scope: "Namespaced",
      names: { plural: `${name}s`, singular: name, kind: name, listKind: `${name}List` },
      versions: versions.map((v, i) => ({ name: v, served: true, storage: i === 0, schema: { openAPIV3Schema: structuredClone(props) } })),
    },
  });
  const testCrd = { crd, namespace };
  for (const v of versions) await waitForDefinition(definitionName(testCrd, v), expectSchema);
  return testCrd;
}

/** setupCRD: as above, expecting the schema itself (or `type: object` for a CRD without one). */
const setupCRD = (namespace: string, schema: string | undefined, groupSuffix: string, ...versions: string[]) =>
  setupCRDAndVerifySchema(namespace, schema, schema ?? "type: object", groupSuffix, ...versions);

/** cleanupCRD: delete the CRD, then wait until no version's definition is published. */
async function cleanupCRD(t: TestCrd): Promise<void> {
  await deleteCRD(t.crd);
  for (const v of t.crd.spec.versions) await waitForDefinitionCleanup(definitionName(t, v.name));
}

/** definitionName: openapiutil.ToRESTFriendlyName("<group>/<version>/<kind>"). */
const definitionName = (t: TestCrd, version: string) => `${t.crd.spec.group.split(".").reverse().join(".")}.${version}.${t.crd.spec.names.kind}`;

/** dropDefaults: the properties and extensions the server adds to a published schema. */
function dropDefaults(d: Record<string, any>): Record<string, any> {
  const out = structuredClone(d);
  if (out.properties) {
    for (const p of ["metadata", "apiVersion", "kind"]) delete out.properties[p];
    if (Object.keys(out.properties).length === 0) delete out.properties; // Semantic.DeepEqual: empty equals unset
  }
  delete out["x-kubernetes-group-version-kind"];
  delete out["x-kubernetes-selectable-fields"];
  return out;
}

let specEtag = "";
let etagSpec: { definitions?: Record<string, any> } | undefined;
/**
 * waitForOpenAPISchema: polls /openapi/v2 (with If-None-Match, reusing the last document on 304)
 * every 500 ms for up to 60 s until `pred` holds, as upstream, which also needs the predicate to
 * hold 10 times in a row (for HA API servers; here one server answers).
 */
async function waitForOpenAPISchema(pred: (spec: { definitions?: Record<string, any> }) => string | undefined): Promise<void> {
  let lastMsg = "";
  try {
    await within(60_000, async () => {
      const headers: Record<string, string> = { accept: "application/json" };
      if (specEtag && etagSpec) headers["if-none-match"] = `"${specEtag}"`;
      const res = await transport.send(new Request(`${transport.baseUrl}/openapi/v2`, { headers }));
      let spec: { definitions?: Record<string, any> };
      if (res.status === 304) {
        await res.body?.cancel();
        spec = etagSpec!;
      } else {
        if (res.status !== 200) throw new Error(`unexpected response: ${res.status}`);
        spec = await res.json() as typeof spec;
        specEtag = (res.headers.get("etag") ?? "").replace(/"/g, "");
        etagSpec = spec;
      }
      const msg = pred(spec);
      if (msg === undefined) return true;
      lastMsg = msg;
      return undefined;
    }, 500);
  } catch (err) {
    throw new Error(`failed to wait for OpenAPI spec validating condition: ${err}; lastMsg: ${lastMsg}`);
  }
}

/** waitForDefinition: the definition is published, and (with a schema) equal to it once defaults are dropped. */
async function waitForDefinition(name: string, schema: string | null): Promise<void> {
  const expected = schema === null ? undefined : Bun.YAML.parse(schema);
  await waitForOpenAPISchema((spec) => {
    const d = spec.definitions?.[name];
    if (!d) return `spec.SwaggerProps.Definitions["${name}"] not found`;
    if (expected !== undefined && !Bun.deepEquals(dropDefaults(d), expected)) {
      return `spec.SwaggerProps.Definitions["${name}"] not match; expect: ${JSON.stringify(expected)}, actual: ${JSON.stringify(dropDefaults(d))}`;
    }
    return undefined;
  });
}

/** waitForDefinitionCleanup: the definition is no longer published. */
const waitForDefinitionCleanup = (name: string) =>
  waitForOpenAPISchema((spec) => (spec.definitions?.[name] ? `spec.SwaggerProps.Definitions["${name}"] still exists` : undefined));

/** kubectl in the test's namespace; the run's combined output for error checks. */
async function kubectlIn(ns: string, args: string[], stdin?: string): Promise<{ code: number; out: string }> {
  const r = await kubectl(server, [`--namespace=${ns}`, ...args], { stdin, timeoutMs: 90_000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

async function expectKubectlOk(ns: string, args: string[], stdin?: string): Promise<string> {
  const r = await kubectlIn(ns, args, stdin);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.out}`);
  return r.out;
}

/** verifyKubectlExplain: `kubectl explain <name>` succeeds and matches `pattern`. */
async function verifyKubectlExplain(ns: string, name: string, pattern: RegExp): Promise<void> {
  expect(await expectKubectlOk(ns, ["explain", name])).toMatch(pattern);
}

/** metaPattern: the start of a CR of `t`'s first version, as JSON. */
const metaOf = (t: TestCrd, name: string) =>
  `"kind":"${t.crd.spec.names.kind}","apiVersion":"${t.crd.spec.group}/${t.crd.spec.versions[0].name}","metadata":{"name":"${name}"}`;

/** kubectl create, delete, apply, delete of a CR that kubectl validation must accept. */
async function createApplyDelete(t: TestCrd, cr: string, name: string): Promise<void> {
  await expectKubectlOk(t.namespace, ["create", "-f", "-"], cr);
  await expectKubectlOk(t.namespace, ["delete", t.crd.spec.names.plural, name]);
  await expectKubectlOk(t.namespace, ["apply", "-f", "-"], cr);
  await expectKubectlOk(t.namespace, ["delete", t.crd.spec.names.plural, name]);
}

describe.concurrent("CustomResourcePublishOpenAPI conformance", () => {
  const namespace = () => createNamespace("crd-publish-openapi");

  test("[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for CRD with validation schema [Conformance]", async () => {
    const ns = await namespace();
    const crd = await setupCRD(ns, schemaFoo, "foo", "v1");
    const meta = metaOf(crd, "test-foo");
    const plural = crd.crd.spec.names.plural;

    // kubectl validation (kubectl create and apply) allows request with known and required properties
    await createApplyDelete(crd, `{${meta},"spec":{"bars":[{"name":"test-bar"}]}}`, "test-foo");

    // kubectl validation (kubectl create and apply) rejects request with value outside defined enum values
    const badEnumValueCR = `{${meta},"spec":{"bars":[{"name":"test-bar", "feeling":"NonExistentValue"}]}}`;
    const badEnum = await kubectlIn(ns, ["create", "-f", "-"], badEnumValueCR);
    expect(badEnum.code).not.toBe(0);
    expect(badEnum.out).toContain('Unsupported value: "NonExistentValue"');

    // kubectl validation (kubectl create and apply) rejects request with unknown properties when disallowed by the schema
    const unknownCR = `{${meta},"spec":{"foo":true}}`;
    for (const verb of ["create", "apply"]) {
      const r = await kubectlIn(ns, [verb, "-f", "-"], unknownCR);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/unknown field "foo"|unknown field "spec\.foo"/);
    }

    // kubectl validation (kubectl create and apply) rejects request without required properties
    const noRequireCR = `{${meta},"spec":{"bars":[{"age":"10"}]}}`;
    for (const verb of ["create", "apply"]) {
      const r = await kubectlIn(ns, [verb, "-f", "-"], noRequireCR);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/missing required field "name"|spec\.bars\[0\]\.name: Required value/);
    }

    // kubectl explain works to explain CR properties
    await verifyKubectlExplain(ns, plural, /DESCRIPTION:.*Foo CRD for Testing.*FIELDS:.*apiVersion.*<string>.*APIVersion defines.*spec.*<Object>.*Specification of Foo/s);
    // kubectl explain works to explain CR properties recursively
    await verifyKubectlExplain(ns, `${plural}.metadata`, /DESCRIPTION:.*Standard object's metadata.*FIELDS:.*creationTimestamp.*<string>.*CreationTimestamp is a timestamp/s);
    await verifyKubectlExplain(ns, `${plural}.spec`, /DESCRIPTION:.*Specification of Foo.*FIELDS:.*bars.*<\[\]Object>.*List of Bars and their specs/s);
    await verifyKubectlExplain(ns, `${plural}.spec.bars`, /(FIELD|RESOURCE):.*bars.*<\[\]Object>.*DESCRIPTION:.*List of Bars and their specs.*FIELDS:.*bazs.*<\[\]string>.*List of Bazs.*name.*<string>.*Name of Bar/s);

    // kubectl explain works to return error when explain is called on property that doesn't exist
    const missing = await kubectlIn(ns, ["explain", `${plural}.spec.bars2`]);
    expect(missing.code).not.toBe(0);
    expect(missing.out).toContain('field "bars2" does not exist');

    await cleanupCRD(crd);
  });

  test("[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for CRD without validation schema [Conformance]", async () => {
    const ns = await namespace();
    const crd = await setupCRD(ns, undefined, "empty", "v1");
    // kubectl validation (kubectl create and apply) allows request with any unknown properties
    await createApplyDelete(crd, `{${metaOf(crd, "test-cr")},"a":{"b":[{"c":"d"}]}}`, "test-cr");
    // kubectl explain works to explain CR without validation schema
    await verifyKubectlExplain(ns, crd.crd.spec.names.plural, /DESCRIPTION:.*<empty>/s);
    await cleanupCRD(crd);
  });

  test("[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for CRD preserving unknown fields at the schema root [Conformance]", async () => {
    const ns = await namespace();
    const crd = await setupCRDAndVerifySchema(ns, schemaPreserveRoot, null, "unknown-at-root", "v1");
    // kubectl validation (kubectl create and apply) allows request with any unknown properties
    await createApplyDelete(crd, `{${metaOf(crd, "test-cr")},"a":{"b":[{"c":"d"}]}}`, "test-cr");
    // kubectl explain works to explain CR
    await verifyKubectlExplain(ns, crd.crd.spec.names.plural, new RegExp(`KIND:.*${crd.crd.spec.names.kind}`, "s"));
    await cleanupCRD(crd);
  });

  test("[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for CRD preserving unknown fields in an embedded object [Conformance]", async () => {
    const ns = await namespace();
    const crd = await setupCRDAndVerifySchema(ns, schemaPreserveNested, null, "unknown-in-nested", "v1");
    // kubectl validation (kubectl create and apply) allows request with any unknown properties
    await createApplyDelete(crd, `{${metaOf(crd, "test-cr")},"spec":{"a":null,"b":[{"c":"d"}]}}`, "test-cr");
    // kubectl explain works to explain CR
    await verifyKubectlExplain(ns, crd.crd.spec.names.plural, /DESCRIPTION:.*preserve-unknown-properties in nested field for Testing/s);
    await cleanupCRD(crd);
  });

  test("[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for multiple CRDs of different groups [Conformance]", async () => {
    const ns = await namespace();
    // CRs in different groups (two CRDs) show up in OpenAPI documentation
    const crdFoo = await setupCRD(ns, schemaFoo, "foo", "v1");
    const crdWaldo = await setupCRD(ns, schemaWaldo, "waldo", "v1beta1");
    expect(crdFoo.crd.spec.group).not.toBe(crdWaldo.crd.spec.group);
    await waitForDefinition(definitionName(crdWaldo, "v1beta1"), schemaWaldo);
    await waitForDefinition(definitionName(crdFoo, "v1"), schemaFoo);
    await cleanupCRD(crdFoo);
    await cleanupCRD(crdWaldo);
  });

  test("[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for multiple CRDs of same group but different versions [Conformance]", async () => {
    const ns = await namespace();
    // CRs in the same group but different versions (one multiversion CRD) show up in OpenAPI documentation
    const crdMultiVer = await setupCRD(ns, schemaFoo, "multi-ver", "v2", "v3");
    await waitForDefinition(definitionName(crdMultiVer, "v3"), schemaFoo);
    await waitForDefinition(definitionName(crdMultiVer, "v2"), schemaFoo);
    await cleanupCRD(crdMultiVer);

    // CRs in the same group but different versions (two CRDs) show up in OpenAPI documentation
    const crdFoo = await setupCRD(ns, schemaFoo, "common-group", "v4");
    const crdWaldo = await setupCRD(ns, schemaWaldo, "common-group", "v5");
    expect(crdFoo.crd.spec.group).toBe(crdWaldo.crd.spec.group);
    await waitForDefinition(definitionName(crdWaldo, "v5"), schemaWaldo);
    await waitForDefinition(definitionName(crdFoo, "v4"), schemaFoo);
    await cleanupCRD(crdFoo);
    await cleanupCRD(crdWaldo);
  });

  test("[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] works for multiple CRDs of same group and version but different kinds [Conformance]", async () => {
    const ns = await namespace();
    // CRs in the same group and version but different kinds (two CRDs) show up in OpenAPI documentation
    const crdFoo = await setupCRD(ns, schemaFoo, "common-group", "v6");
    const crdWaldo = await setupCRD(ns, schemaWaldo, "common-group", "v6");
    expect(crdFoo.crd.spec.group).toBe(crdWaldo.crd.spec.group);
    await waitForDefinition(definitionName(crdWaldo, "v6"), schemaWaldo);
    await waitForDefinition(definitionName(crdFoo, "v6"), schemaFoo);
    await cleanupCRD(crdFoo);
    await cleanupCRD(crdWaldo);
  });

  test("[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] updates the published spec when one version gets renamed [Conformance]", async () => {
    const ns = await namespace();
    // set up a multi version CRD
    const crdMultiVer = await setupCRD(ns, schemaFoo, "multi-ver", "v2", "v3");
    await waitForDefinition(definitionName(crdMultiVer, "v3"), schemaFoo);
    await waitForDefinition(definitionName(crdMultiVer, "v2"), schemaFoo);

    // rename a version
    crdMultiVer.crd = await client.patch<CRD>({ ...CRDS, name: crdMultiVer.crd.metadata.name! }, "json", [
      { op: "test", path: "/spec/versions/1/name", value: "v3" },
      { op: "replace", path: "/spec/versions/1/name", value: "v4" },
    ]);
    // check the new version name is served
    await waitForDefinition(definitionName(crdMultiVer, "v4"), schemaFoo);
    // check the old version name is removed
    await waitForDefinitionCleanup(definitionName(crdMultiVer, "v3"));
    // check the other version is not changed
    await waitForDefinition(definitionName(crdMultiVer, "v2"), schemaFoo);

    expect(crdMultiVer.crd.spec.versions[1].name).toBe("v4");
    await cleanupCRD(crdMultiVer);
  });

  test("[sig-api-machinery] CustomResourcePublishOpenAPI [Privileged:ClusterAdmin] removes definition from spec when one version gets changed to not be served [Conformance]", async () => {
    const ns = await namespace();
    // set up a multi version CRD
    const crd = await setupCRD(ns, schemaFoo, "multi-to-single-ver", "v5", "v6alpha1");
    // just double check: setupCRD checked this already
    await waitForDefinition(definitionName(crd, "v6alpha1"), schemaFoo);
    await waitForDefinition(definitionName(crd, "v5"), schemaFoo);

    // mark a version not served
    const current = await client.get<CRD>({ ...CRDS, name: crd.crd.metadata.name! });
    current.spec.versions[1].served = false;
    crd.crd = await client.update<CRD>(CRDS, current);

    // check the unserved version gets removed
    await waitForDefinitionCleanup(definitionName(crd, "v6alpha1"));
    // check the other version is not changed
    await waitForDefinition(definitionName(crd, "v5"), schemaFoo);

    await cleanupCRD(crd);
  });
});

// ---- FieldValidation (field_validation.go) ----------------------------------------------------------

/** The ports/cronSpec/foo schema upstream's FieldValidation tests give every version (spec optionally preserving unknown fields, with an embedded template). */
function fieldValidationSchema(spec: { preserveUnknown?: boolean; embeddedTemplate?: boolean } = {}): unknown {
  return {
    openAPIV3Schema: {
      type: "object",
      properties: {
        spec: {
          type: "object",
          ...(spec.preserveUnknown ? { "x-kubernetes-preserve-unknown-fields": true } : {}),
          properties: {
            ...(spec.embeddedTemplate ? {
              template: {
                type: "object", "x-kubernetes-embedded-resource": true,
                properties: { metadata: { type: "object", properties: { name: { type: "string" } } }, spec: { type: "object" } },
              },
            } : {}),
            foo: { type: "string" },
            cronSpec: { type: "string", pattern: "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$" },
            ports: {
              type: "array",
              "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
              "x-kubernetes-list-type": "map",
              items: {
                properties: {
                  containerPort: { format: "int32", type: "integer" },
                  hostIP: { type: "string" },
                  hostPort: { format: "int32", type: "integer" },
                  name: { type: "string" },
                  protocol: { type: "string" },
                },
                required: ["containerPort", "protocol"],
                type: "object",
              },
            },
          },
        },
      },
    },
  };
}

/** The server-side apply upstream sends: PATCH application/apply-patch+yaml of `yamlBody` to .../<plural>/mytest, Strict. */
function applyCR(crd: CRD, yamlBody: string): Promise<RawResponse> {
  return raw("PATCH", `/apis/${crd.spec.group}/${crd.spec.versions[0].name}/${crd.spec.names.plural}/mytest?fieldManager=field_validation_mgr&fieldValidation=Strict`,
    yamlBody, "application/apply-patch+yaml");
}

/** The deployment body upstream posts, with `metadataExtra` / `specExtra` JSON members spliced in as text. */
const deploymentBody = (metadataExtra: string, specExtra: string) => `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {
    "name": "my-dep",${metadataExtra}
    "labels": {"app": "nginx"}
  },
  "spec": {${specExtra}
    "selector": {
      "matchLabels": {
        "app": "nginx"
      }
    },
    "template": {
      "metadata": {
        "labels": {
          "app": "nginx"
        }
      },
      "spec": {
        "containers": [{
          "name":  "nginx",
          "image": "nginx:latest"
        }]
      }
    }
  }
}`;

describe.concurrent("FieldValidation conformance", () => {
  test("[sig-api-machinery] FieldValidation should detect unknown and duplicate fields of a typed object [Conformance]", async () => {
    const ns = await createNamespace("field-validation");
    // apply creating a deployment: POST with an unknown and a duplicate field, Strict
    const body = deploymentBody("", `
    "unknownField": "foo",
    "replicas": 2,
    "replicas": 3,`);
    const r = await raw("POST", `/apis/apps/v1/namespaces/${ns}/deployments?fieldManager=field_validation_mgr&fieldValidation=Strict`, body);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).message).toContain('strict decoding error: unknown field "spec.unknownField", duplicate field "spec.replicas"');
    // Not in upstream's e2e test (its integration test covers it): with Warn the same texts are
    // warnings and the deployment is created, with the last of the repeated values.
    const w = await raw("POST", `/apis/apps/v1/namespaces/${ns}/deployments?fieldManager=field_validation_mgr&fieldValidation=Warn`, body);
    expect(w.status).toBe(201);
    expect(w.warnings).toEqual(['299 - "unknown field \\"spec.unknownField\\""', '299 - "duplicate field \\"spec.replicas\\""']);
    expect(JSON.parse(w.text).spec.replicas).toBe(3);
  });

  test("[sig-api-machinery] FieldValidation should detect unknown metadata fields of a typed object [Conformance]", async () => {
    const ns = await createNamespace("field-validation");
    // apply creating a deployment: POST with an unknown metadata field, Strict
    const r = await raw("POST", `/apis/apps/v1/namespaces/${ns}/deployments?fieldManager=field_validation_mgr&fieldValidation=Strict`, deploymentBody(`
    "unknownMeta": "foo",`, ""));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).message).toContain('strict decoding error: unknown field "metadata.unknownMeta"');
  });

  test("[sig-api-machinery] FieldValidation should create/apply a valid CR for CRD with validation schema [Conformance]", async () => {
    const crd = await createCRD(newRandomNameMultipleVersionCRD("Cluster", fieldValidationSchema()));
    try {
      const r = await applyCR(crd, `
apiVersion: ${crd.spec.group}/${crd.spec.versions[0].name}
kind: ${crd.spec.names.kind}
metadata:
  name: mytest
spec:
  foo: foo1
  cronSpec: "* * * * */5"
  ports:
  - name: x
    containerPort: 80
    protocol: TCP`);
      expect(r.status, r.text).toBe(201);
    } finally {
      await deleteCRD(crd);
    }
  });

  test("[sig-api-machinery] FieldValidation should create/apply a CR with unknown fields for CRD with no validation schema [Conformance]", async () => {
    const crd = await createCRD(newRandomNameMultipleVersionCRD("Cluster"));
    try {
      const r = await applyCR(crd, `
apiVersion: ${crd.spec.group}/${crd.spec.versions[0].name}
kind: ${crd.spec.names.kind}
metadata:
  name: mytest
spec:
  unknown: uk1
  cronSpec: "* * * * */5"
  ports:
  - name: x
    containerPort: 80
    protocol: TCP`);
      expect(r.status, r.text).toBe(201);
    } finally {
      await deleteCRD(crd);
    }
  });

  test("[sig-api-machinery] FieldValidation should create/apply an invalid CR with extra properties for CRD with validation schema [Conformance]", async () => {
    const crd = await createCRD(newRandomNameMultipleVersionCRD("Cluster", fieldValidationSchema()));
    try {
      const r = await applyCR(crd, `
apiVersion: ${crd.spec.group}/${crd.spec.versions[0].name}
kind: ${crd.spec.names.kind}
metadata:
  name: mytest
unknownField: unknown
spec:
  foo: foo1
  cronSpec: "* * * * */5"
  ports:
  - name: x
    containerPort: 80
    protocol: TCP`);
      expect(r.text).toContain(".unknownField: field not declared in schema");
    } finally {
      await deleteCRD(crd);
    }
  });

  test("[sig-api-machinery] FieldValidation should detect unknown metadata fields in both the root and embedded object of a CR [Conformance]", async () => {
    const ns = await createNamespace("field-validation");
    const crd = await createCRD(newRandomNameMultipleVersionCRD("Cluster", fieldValidationSchema({ preserveUnknown: true, embeddedTemplate: true })));
    try {
      const r = await applyCR(crd, `
apiVersion: ${crd.spec.group}/${crd.spec.versions[0].name}
kind: ${crd.spec.names.kind}
metadata:
  name: mytest
  unknownMeta: unknown
spec:
  template:
    apiversion: foo/v1
    kind: Sub
    metadata:
        unknownSubMeta: unknown
        name: subobject
        namespace: ${ns}
  foo: foo1
  cronSpec: "* * * * */5"
  ports:
  - name: x
    containerPort: 80
    protocol: TCP`);
      expect(r.text).toMatch(/\.spec\.template\.metadata\.unknownSubMeta: field not declared in schema|\.metadata\.unknownMeta: field not declared in schema/);
    } finally {
      await deleteCRD(crd);
    }
  });

  test("[sig-api-machinery] FieldValidation should detect duplicates in a CR when preserving unknown fields [Conformance]", async () => {
    const crd = await createCRD(newRandomNameMultipleVersionCRD("Cluster", fieldValidationSchema({ preserveUnknown: true })));
    try {
      const r = await applyCR(crd, `
apiVersion: ${crd.spec.group}/${crd.spec.versions[0].name}
kind: ${crd.spec.names.kind}
metadata:
  name: mytest
spec:
  unknown: uk1
  foo: foo1
  foo: foo2
  cronSpec: "* * * * */5"
  ports:
  - name: x
    containerPort: 80
    protocol: TCP`);
      // The Status is JSON: the quotes of the YAML decoder's message are escaped in it.
      expect(r.text).toContain('line 9: key \\"foo\\" already set in map');
    } finally {
      await deleteCRD(crd);
    }
  });
});
