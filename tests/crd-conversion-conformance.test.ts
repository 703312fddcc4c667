/**
 * Upstream CRD conversion webhook conformance tests (kubernetes test/e2e/apimachinery/
 * crd_conversion_webhook.go, "CustomResourceConversionWebhook [Privileged:ClusterAdmin]") against
 * the compiled binary: the same CRDs, custom objects, API calls and checks, through the SDK client
 * as upstream's dynamic clients.
 *
 * Upstream deploys agnhost's `crd-conversion-webhook` as a pod behind the Service
 * `e2e-test-crd-conversion-webhook` (9443 -> 9444) with a certificate for
 * `e2e-test-crd-conversion-webhook.<namespace>.svc` signed by a CA of its own. No registry is
 * reachable here, so the webhook is a Bun HTTPS server in this process on a loopback, OS-assigned
 * port that converts as agnhost's example converter does (test/images/agnhost/crd-conversion-webhook/
 * converter/example_converter.go: v1 `hostPort` <-> v2 `host` + `port`). The CRDs reach it exactly
 * as upstream's do: a `clientConfig.service` reference plus `caBundle`. The Service (no selector)
 * and its EndpointSlice, pointing at 127.0.0.1 and the server's port, stand in for the Deployment;
 * they live in one shared namespace (the certificate names it), where upstream has one per test.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, isConflict, type ApiClient, type KubeObject } from "@lite/sdk";
import { startTestHttpsServer } from "../core/apiserver/admission/webhook/test-webhook-server.ts";
import { startServer, type LiteServer } from "./harness/lite-process.ts";
import { loopbackService, waitForCrdServed, withCleanups, within } from "./harness/kube.ts";
import { adminClient } from "./harness/pods.ts";

setDefaultTimeout(120_000);

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;
type Obj = KubeObject & Json;

const R = builtinResources;
const SERVICE_NAME = "e2e-test-crd-conversion-webhook";
const SERVICE_PORT = 9443;
const CONTAINER_PORT = 9444;
const WEBHOOK_NAMESPACE = `e2e-crd-webhook-${process.pid}`;
const GROUP = "stable.example.com";

let server: LiteServer;
let client: ApiClient;
let webhook: Awaited<ReturnType<typeof startConversionWebhook>>;

beforeAll(async () => {
  [webhook, server] = await Promise.all([startConversionWebhook(`${SERVICE_NAME}.${WEBHOOK_NAMESPACE}.svc`), startServer()]);
  client = adminClient(server);
  await deployWebhookService();
});

afterAll(async () => {
  await server?.stop();
  webhook?.stop();
});

// ---- agnhost crd-conversion-webhook, ported -------------------------------------------------------

/** example_converter.go convertExampleCRD: one object to `toVersion`, or the failure message. */
function convertExampleCRD(object: Json, toVersion: string): Json | string {
  const converted: Json = structuredClone(object);
  const fromVersion = object.apiVersion;
  if (toVersion === fromVersion) return `conversion from a version to itself should not call the webhook: ${toVersion}`;
  switch (fromVersion) {
    case `${GROUP}/v1`:
      if (toVersion !== `${GROUP}/v2`) return `unexpected conversion version "${toVersion}"`;
      if ("hostPort" in converted) {
        const hostPort = converted.hostPort;
        delete converted.hostPort;
        const parts = String(hostPort).split(":");
        if (parts.length !== 2) return `invalid hostPort value \`${hostPort}\``;
        converted.host = parts[0];
        converted.port = parts[1];
      }
      break;
    case `${GROUP}/v2`: {
      if (toVersion !== `${GROUP}/v1`) return `unexpected conversion version "${toVersion}"`;
      const hasHost = "host" in converted;
      const hasPort = "port" in converted;
      if (hasHost || hasPort) {
        converted.hostPort = `${hasHost ? converted.host : ""}:${hasPort ? converted.port : ""}`;
        delete converted.host;
        delete converted.port;
      }
      break;
    }
    default:
      return `unexpected conversion version "${fromVersion}"`;
  }
  converted.apiVersion = toVersion;
  return converted;
}

/** converter/framework.go doConversion + serve: answers a ConversionReview (v1 or v1beta1) in its own version. */
function conversionResponse(review: Json): Json {
  const request = review.request ?? {};
  const convertedObjects: Json[] = [];
  for (const obj of request.objects ?? []) {
    const out = convertExampleCRD(obj, request.desiredAPIVersion);
    if (typeof out === "string") {
      return { apiVersion: review.apiVersion, kind: "ConversionReview", response: { uid: request.uid, result: { status: "Failure", message: out } } };
    }
    convertedObjects.push(out);
  }
  return { apiVersion: review.apiVersion, kind: "ConversionReview", response: { uid: request.uid, convertedObjects, result: { status: "Success" } } };
}

/** The webhook's HTTPS server (a certificate for the Service's DNS name): `/crdconvert`, `/readyz`. */
async function startConversionWebhook(serviceDns: string) {
  const reviews: Json[] = [];
  const server = await startTestHttpsServer(async (req, path) => {
    if (path === "/readyz") return new Response("ok");
    if (path !== "/crdconvert") return new Response("not found", { status: 404 });
    const review = (await req.json()) as Json;
    reviews.push(review);
    return Response.json(conversionResponse(review));
  }, [serviceDns]);
  return { ...server, reviews };
}

/** deployCustomResourceWebhookAndService: the Service (9443 -> 9444) and its one ready endpoint, this process. */
const deployWebhookService = () =>
  loopbackService(client, { namespace: WEBHOOK_NAMESPACE, name: SERVICE_NAME, port: SERVICE_PORT, targetPort: CONTAINER_PORT, labels: { test: "crd-webhook" } }, webhook.port);

// ---- upstream crd_conversion_webhook.go helpers, ported ------------------------------------------

const schemaWith = (props: string[]) => ({ openAPIV3Schema: { type: "object", properties: Object.fromEntries(props.map((p) => [p, { type: "string" }])) } });
/** apiVersions: v1 (hostPort) is the storage version, v2 (host, port) is served. */
const apiVersions = [
  { name: "v1", served: true, storage: true, schema: schemaWith(["hostPort"]) },
  { name: "v2", served: true, storage: false, schema: schemaWith(["host", "port"]) },
];
/** alternativeAPIVersions: the same with v2 as the storage version. */
const alternativeAPIVersions = [
  { name: "v1", served: true, storage: false, schema: schemaWith(["hostPort"]) },
  { name: "v2", served: true, storage: true, schema: schemaWith(["host", "port"]) },
];

type Ref = { group: string; version: string; resource: string; namespace: string };
interface TestCrd { crd: Obj; clients: Record<string, Ref> }

let namespaces = 0;
/** The framework's per-test namespace (f.Namespace.Name, also f.UniqueName). */
async function freshTestNamespace(): Promise<string> {
  const ns = `crd-webhook-${process.pid}-${++namespaces}`;
  await client.create(R.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  return ns;
}

/** crd.CreateMultiVersionTestCRD with upstream's conversion settings (Webhook via the Service, review versions v1 and v1beta1). */
async function createConversionTestCRD(ns: string, cleanups: (() => Promise<unknown>)[]): Promise<TestCrd> {
  const suffix = Math.random().toString(36).slice(2, 7);
  const name = `e2e-test-crd-webhook-${suffix}-crd`;
  const crd = await client.create<Obj>(R.customResourceDefinitions, {
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: `${name}s.${GROUP}` },
    spec: {
      group: GROUP, scope: "Namespaced", versions: apiVersions, preserveUnknownFields: false,
      names: { plural: `${name}s`, singular: name, kind: name, listKind: `${name}List` },
      conversion: {
        strategy: "Webhook",
        webhook: {
          clientConfig: { caBundle: webhook.caBundle, service: { namespace: WEBHOOK_NAMESPACE, name: SERVICE_NAME, path: "/crdconvert", port: SERVICE_PORT } },
          conversionReviewVersions: ["v1", "v1beta1"],
        },
      },
    },
  } as Obj);
  cleanups.push(() => client.delete({ ...R.customResourceDefinitions, name: crd.metadata.name! }));
  const clients: Record<string, Ref> = {};
  for (const v of apiVersions) clients[v.name] = { group: GROUP, version: v.name, resource: `${name}s`, namespace: ns };
  await waitForCrdServed(client, crd.metadata.name!, Object.values(clients));
  return { crd, clients };
}

/** waitWebhookConversionReady: create (and delete) stub objects in `version`, which needs conversion, until one succeeds. */
async function waitWebhookConversionReady(t: TestCrd, ns: string, version: string): Promise<void> {
  await within(30_000, async () => {
    try {
      await client.create(t.clients[version]!, { apiVersion: `${GROUP}/${version}`, kind: t.crd.spec.names.kind, metadata: { name: ns, namespace: ns } } as Obj);
    } catch {
      return undefined; // upstream tolerates errors while the webhook's service comes up
    }
    await client.delete({ ...t.clients[version]!, name: ns });
    return true;
  });
}

function verifyV1Object(obj: Json): void {
  expect(obj.apiVersion).toBe(`${GROUP}/v1`);
  expect(obj.hostPort).toBe("localhost:8080");
  expect("host" in obj).toBe(false);
  expect("port" in obj).toBe(false);
}

function verifyV2Object(obj: Json): void {
  expect(obj.apiVersion).toBe(`${GROUP}/v2`);
  expect("hostPort" in obj).toBe(false);
  expect(obj.host).toBe("localhost");
  expect(obj.port).toBe("8080");
}

const crInstance = (t: TestCrd, ns: string, name: string): Obj =>
  ({ kind: t.crd.spec.names.kind, apiVersion: `${GROUP}/v1`, metadata: { name, namespace: ns }, hostPort: "localhost:8080" }) as Obj;

const withCleanupsIgnoringFailures = (run: (cleanups: (() => Promise<unknown>)[]) => Promise<void>) => withCleanups(run, { ignoreFailures: true });

describe.concurrent("CustomResourceConversionWebhook [Privileged:ClusterAdmin]", () => {
  test("[sig-api-machinery] CustomResourceConversionWebhook [Privileged:ClusterAdmin] should be able to convert from CR v1 to CR v2 [Conformance]: a v1 object reads as v2 through the webhook", async () => {
    await withCleanupsIgnoringFailures(async (cleanups) => {
      const ns = await freshTestNamespace();
      cleanups.push(() => client.delete({ ...R.namespaces, name: ns }));
      const t = await createConversionTestCRD(ns, cleanups);
      await waitWebhookConversionReady(t, ns, "v2");

      // testCustomResourceConversionWebhook: "Creating a v1 custom resource"
      const name = "cr-instance-1";
      await client.create(t.clients.v1!, crInstance(t, ns, name));
      // "v2 custom resource should be converted"
      const v2 = await client.get<Obj>({ ...t.clients.v2!, name });
      verifyV2Object(v2);
      // The answer came from the webhook: a review asked for this object in v2.
      expect(webhook.reviews.some((r) => r.request?.desiredAPIVersion === `${GROUP}/v2` && (r.request.objects ?? []).some((o: Json) => o.metadata?.name === name && o.metadata?.namespace === ns))).toBe(true);
    });
  });

  test("[sig-api-machinery] CustomResourceConversionWebhook [Privileged:ClusterAdmin] should be able to convert a non homogeneous list of CRs [Conformance]: objects stored as v1 and v2 list in both versions", async () => {
    await withCleanupsIgnoringFailures(async (cleanups) => {
      const ns = await freshTestNamespace();
      cleanups.push(() => client.delete({ ...R.namespaces, name: ns }));
      const t = await createConversionTestCRD(ns, cleanups);
      await waitWebhookConversionReady(t, ns, "v2");

      // testCRListConversion: "Creating a v1 custom resource"
      const name1 = "cr-instance-1";
      const name2 = "cr-instance-2";
      await client.create(t.clients.v1!, crInstance(t, ns, name1));

      // Now cr-instance-1 is stored as v1: change the storage version (UpdateV1CustomResourceDefinitionWithRetry).
      const crdRef = { ...R.customResourceDefinitions, name: t.crd.metadata.name! };
      await within(10_000, async () => {
        const current = await client.get<Obj>(crdRef);
        try {
          await client.update(crdRef, { ...current, spec: { ...current.spec, versions: alternativeAPIVersions } } as Obj);
          return true;
        } catch (err) {
          if (isConflict(err)) return undefined;
          throw err;
        }
      });

      // "Create a v2 custom resource" (upstream creates it through the v1 client, with up to 5 tries
      // while the versions' handlers are re-created).
      let lastErr: unknown;
      for (let i = 0; i < 5; i++) {
        try { await client.create(t.clients.v1!, crInstance(t, ns, name2)); lastErr = undefined; break; } catch (err) { lastErr = err; }
      }
      expect(lastErr).toBeUndefined();

      const names = (items: Obj[]) => items.map((o) => o.metadata.name).sort();
      // "List CRs in v1"
      const v1List = await client.list<Obj>(t.clients.v1!);
      expect(v1List.items.length).toBe(2);
      expect(names(v1List.items)).toEqual([name1, name2]);
      verifyV1Object(v1List.items[0]!);
      verifyV1Object(v1List.items[1]!);

      // "List CRs in v2"
      const v2List = await client.list<Obj>(t.clients.v2!);
      expect(v2List.items.length).toBe(2);
      expect(names(v2List.items)).toEqual([name1, name2]);
      verifyV2Object(v2List.items[0]!);
      verifyV2Object(v2List.items[1]!);
    });
  });
});
