/**
 * Upstream admission conformance tests (kubernetes test/e2e/apimachinery/webhook.go, "AdmissionWebhook
 * [Privileged:ClusterAdmin]", and validatingadmissionpolicy.go, "ValidatingAdmissionPolicy
 * [Privileged:ClusterAdmin]") that no other file covers, against the compiled binary: the same
 * objects, API calls and checks, through the SDK client as upstream's clientset. One lite server
 * serves every case; each case has its own namespaces (the test namespace, labelled with its unique
 * name, and a markers namespace) and the cases run concurrently.
 *
 * Upstream deploys agnhost's `webhook` command as a pod behind the Service `e2e-test-webhook`
 * (port 8443) with a certificate for `e2e-test-webhook.<namespace>.svc` signed by a CA of its own.
 * No registry is reachable here, so the webhook is a Bun HTTPS server in this process on a
 * loopback, OS-assigned port, answering as agnhost's handlers do (test/images/agnhost/webhook:
 * always-deny, configmaps, mutating-configmaps, mutating-pods, custom-resource,
 * mutating-custom-resource, crd). Webhook configurations reach it exactly as upstream's do: a
 * `clientConfig.service` reference plus `caBundle`. The Service (no selector) and its EndpointSlice,
 * pointing at 127.0.0.1 and the server's port, stand in for the webhook Deployment; they live in one
 * shared namespace (the certificate names that namespace), where upstream has one per test.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, isConflict, isInvalid, isNotFound, type ApiClient, type KubeObject } from "@lite/sdk";
import { jsonPatch, startTestWebhookServer, type TestWebhookServer } from "../core/apiserver/admission/webhook/test-webhook-server.ts";
import { startServer, type LiteServer } from "./harness/lite-process.ts";
import { loopbackService, retryOnConflict, waitForCrdServed, withCleanups, within } from "./harness/kube.ts";
import { adminClient } from "./harness/pods.ts";
import { httpsTransport, kubeconfigTransportOptions } from "../core/client/index.ts";

setDefaultTimeout(120_000);

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;
type Obj = KubeObject & Json;

const R = builtinResources;
const AR = "admissionregistration.k8s.io";
const mutatingConfigs = { group: AR, version: "v1", resource: "mutatingwebhookconfigurations" };
const validatingConfigs = { group: AR, version: "v1", resource: "validatingwebhookconfigurations" };
const policies = { group: AR, version: "v1", resource: "validatingadmissionpolicies" };
const bindings = { group: AR, version: "v1", resource: "validatingadmissionpolicybindings" };

const SERVICE_NAME = "e2e-test-webhook";
const SERVICE_PORT = 8443;
const CONTAINER_PORT = 8444;
/** Where the webhook's Service lives (upstream: each test's namespace); its name is in the serving certificate. */
const WEBHOOK_NAMESPACE = `e2e-webhook-${process.pid}`;

let server: LiteServer;
let client: ApiClient;
let hooks: TestWebhookServer;

beforeAll(async () => {
  [hooks, server] = await Promise.all([
    startTestWebhookServer(agnhostWebhook, [`${SERVICE_NAME}.${WEBHOOK_NAMESPACE}.svc`]),
    startServer(),
  ]);
  client = adminClient(server);
  await deployWebhookService();
});

afterAll(async () => {
  await server?.stop();
  hooks?.stop();
});

// ---- agnhost webhook, ported (test/images/agnhost/webhook/*.go) --------------------------------

const configMapResource = { group: "", version: "v1", resource: "configmaps" };
const podResource = { group: "", version: "v1", resource: "pods" };
const sameGVR = (a: Json | undefined, b: Json) => a?.group === b.group && a?.version === b.version && a?.resource === b.resource;
/** toV1AdmissionResponse(err): a refusal carrying the error. */
const errorResponse = (message: string) => ({ allowed: false, status: { message } });

function agnhostWebhook(request: Json, path: string): Json | Response {
  switch (path) {
    case "/always-deny":
      return { allowed: false, status: { message: "this webhook denies all requests" } };
    case "/configmaps": { // admitConfigMaps: deny configmaps with specific key-value pair.
      if (!sameGVR(request.resource, configMapResource)) return errorResponse(`expect resource to be ${JSON.stringify(configMapResource)}`);
      const data: Record<string, string> = (request.operation === "DELETE" ? request.oldObject : request.object)?.data ?? {};
      const response: Json = { allowed: true };
      for (const [k, v] of Object.entries(data)) {
        if (k === "webhook-e2e-test" && v === "webhook-disallow" && (request.operation === "CREATE" || request.operation === "UPDATE")) {
          Object.assign(response, { allowed: false, status: { reason: "the configmap contains unwanted key and value" } });
        }
        if (k === "webhook-e2e-test" && v === "webhook-nondeletable" && request.operation === "DELETE") {
          Object.assign(response, { allowed: false, status: { reason: "the configmap cannot be deleted because it contains unwanted key and value" } });
        }
      }
      return response;
    }
    case "/mutating-configmaps": // mutateConfigmaps
      if (!sameGVR(request.resource, configMapResource)) return errorResponse(`expect resource to be ${JSON.stringify(configMapResource)}`);
      return stagedMutation(request.object?.data);
    case "/mutating-pods": { // mutatePods: add an init container to the pod named webhook-to-be-mutated.
      if (!sameGVR(request.resource, podResource)) return errorResponse(`expect resource to be ${JSON.stringify(podResource)}`);
      const pod = request.object ?? {};
      const hasInit = (pod.spec?.initContainers ?? []).some((c: Json) => c.name === "webhook-added-init-container");
      if (pod.metadata?.name !== "webhook-to-be-mutated" || hasInit) return { allowed: true };
      return { allowed: true, ...jsonPatch([{ op: "add", path: "/spec/initContainers", value: [{ image: "webhook-added-image", name: "webhook-added-init-container", resources: {} }] }]) };
    }
    case "/custom-resource": { // admitCustomResource
      const data: Record<string, string> = (request.operation === "DELETE" ? request.oldObject : request.object)?.data ?? {};
      const response: Json = { allowed: true };
      for (const [k, v] of Object.entries(data)) {
        if (k === "webhook-e2e-test" && v === "webhook-disallow" && (request.operation === "CREATE" || request.operation === "UPDATE")) {
          Object.assign(response, { allowed: false, status: { reason: "the custom resource contains unwanted data" } });
        }
        if (k === "webhook-e2e-test" && v === "webhook-nondeletable" && request.operation === "DELETE") {
          Object.assign(response, { allowed: false, status: { reason: "the custom resource cannot be deleted because it contains unwanted key and value" } });
        }
      }
      return response;
    }
    case "/mutating-custom-resource": // mutateCustomResource
      return stagedMutation(request.object?.data);
    case "/crd": { // admitCRD: deny CRDs labelled webhook-e2e-test=webhook-disallow.
      const resource = request.resource as Json | undefined;
      if (resource?.group !== "apiextensions.k8s.io" || resource.resource !== "customresourcedefinitions" || !["v1", "v1beta1"].includes(resource.version)) {
        return errorResponse(`expect resource to be one of [apiextensions.k8s.io/v1beta1, apiextensions.k8s.io/v1] but got ${JSON.stringify(resource)}`);
      }
      if (request.object?.metadata?.labels?.["webhook-e2e-test"] === "webhook-disallow") return { allowed: false, status: { message: "the crd contains unwanted label" } };
      return { allowed: true };
    }
  }
  return new Response(`no handler for ${path}`, { status: 404 });
}

/** configMapPatch1/2 and customResourcePatch1/2: stage 1 when mutation-start=yes, stage 2 (instead) when stage 1 is there. */
function stagedMutation(data: Record<string, string> | undefined): Json {
  let patch: unknown[] | undefined;
  if (data?.["mutation-start"] === "yes") patch = [{ op: "add", path: "/data/mutation-stage-1", value: "yes" }];
  if (data?.["mutation-stage-1"] === "yes") patch = [{ op: "add", path: "/data/mutation-stage-2", value: "yes" }];
  return { allowed: true, ...(patch ? jsonPatch(patch) : {}) };
}

/** deployWebhookAndService: the Service e2e-test-webhook (8443 -> 8444) and its one ready endpoint, this process. */
const deployWebhookService = () =>
  loopbackService(client, { namespace: WEBHOOK_NAMESPACE, name: SERVICE_NAME, port: SERVICE_PORT, targetPort: CONTAINER_PORT, labels: { test: "webhook" } }, hooks.port);

// ---- upstream webhook.go helpers, ported -------------------------------------------------------

/** What upstream's framework gives a test: its namespace (labelled `<unique>=true`) and a markers namespace. */
interface Ctx {
  /** f.Namespace.Name, also f.UniqueName. */
  ns: string;
  markers: string;
}

/** BeforeEach: labelNamespace + createWebhookConfigurationReadyNamespace. */
let namespaces = 0;
async function setup(prefix = "webhook"): Promise<Ctx> {
  const ns = `${prefix}-${process.pid}-${++namespaces}`;
  const markers = `${ns}-markers`;
  await client.create(R.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  await client.patch({ ...R.namespaces, name: ns }, "strategic", { metadata: { labels: { [ns]: "true" } } });
  await client.create(R.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: markers, labels: { [`${ns}-markers`]: "true" } } });
  // As the framework does: the namespace is ready once its default ServiceAccount exists.
  await within(15_000, async () => client.get({ ...R.serviceAccounts, namespace: ns, name: "default" }).then(() => true, () => undefined));
  return { ns, markers };
}

const serviceRef = (path: string) => ({
  service: { namespace: WEBHOOK_NAMESPACE, name: SERVICE_NAME, path, port: SERVICE_PORT },
  caBundle: hooks.caBundle,
});

const configMapRules = (operations: string[]) => [{ operations, apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }];

function newDenyConfigMapWebhookFixture(c: Ctx): Json {
  return {
    name: "deny-unwanted-configmap-data.k8s.io",
    rules: configMapRules(["CREATE", "UPDATE", "DELETE"]),
    // The webhook skips the namespace that has label "skip-webhook-admission":"yes".
    namespaceSelector: { matchLabels: { [c.ns]: "true" }, matchExpressions: [{ key: "skip-webhook-admission", operator: "NotIn", values: ["yes"] }] },
    clientConfig: serviceRef("/configmaps"),
    sideEffects: "None", admissionReviewVersions: ["v1", "v1beta1"],
  };
}

function newMutateConfigMapWebhookFixture(c: Ctx, stage: number): Json {
  return {
    name: `adding-configmap-data-stage-${stage}.k8s.io`,
    rules: configMapRules(["CREATE"]),
    clientConfig: serviceRef("/mutating-configmaps"),
    sideEffects: "None", admissionReviewVersions: ["v1", "v1beta1"],
    namespaceSelector: { matchLabels: { [c.ns]: "true" } },
  };
}

/** newValidatingIsReadyWebhookFixture / newMutatingIsReadyWebhookFixture: denies marker configmaps in the markers namespace. */
function isReadyWebhookFixture(c: Ctx, mutating: boolean): Json {
  return {
    name: `${mutating ? "mutating" : "validating"}-is-webhook-configuration-ready.k8s.io`,
    rules: configMapRules(["CREATE"]),
    clientConfig: serviceRef("/always-deny"),
    failurePolicy: "Ignore", sideEffects: "None", admissionReviewVersions: ["v1", "v1beta1"],
    namespaceSelector: { matchLabels: { [`${c.ns}-markers`]: "true" } },
    objectSelector: { matchLabels: { [c.ns]: "true" } },
  };
}

function webhookConfiguration(kind: "Validating" | "Mutating", name: string, webhooks: Json[], labels?: Record<string, string>): Obj {
  return { apiVersion: `${AR}/v1`, kind: `${kind}WebhookConfiguration`, metadata: { name, ...(labels ? { labels } : {}) }, webhooks };
}

/**
 * createValidatingWebhookConfiguration / createMutatingWebhookConfiguration: every webhook must be
 * scoped to the test by a namespace or object selector on `<unique>=true`; deleted after the test.
 */
async function createWebhookConfiguration(c: Ctx, config: Obj, cleanups: (() => Promise<unknown>)[]): Promise<Obj> {
  for (const hook of config.webhooks as Json[]) {
    if (hook.namespaceSelector?.matchLabels?.[c.ns] === "true" || hook.objectSelector?.matchLabels?.[c.ns] === "true") continue;
    throw new Error(`webhook ${hook.name} in config ${config.metadata.name} has no namespace or object selector with ${c.ns}="true"`);
  }
  const ref = config.kind === "MutatingWebhookConfiguration" ? mutatingConfigs : validatingConfigs;
  const created = await client.create<Obj>(ref, config);
  cleanups.push(() => client.delete({ ...ref, name: created.metadata.name! }).catch((e) => { if (!isNotFound(e)) throw e; }));
  return created;
}

/** waitWebhookConfigurationReady: marker configmaps until the is-ready webhook denies one. */
async function waitWebhookConfigurationReady(c: Ctx): Promise<void> {
  await within(30_000, async () => {
    const name = crypto.randomUUID();
    try {
      await client.create({ ...R.configMaps, namespace: c.markers }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { [c.ns]: "true" } } });
    } catch (err) {
      if (String((err as Error).message).includes("denied")) return true;
      throw err;
    }
    await client.delete({ ...R.configMaps, namespace: c.markers, name }).catch(() => {});
    return undefined;
  });
}

const namedNonCompliantConfigMap = (name: string): Obj => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { "webhook-e2e-test": "webhook-disallow" } });
const namedToBeMutatedConfigMap = (name: string): Obj => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { "mutation-start": "yes" } });

/** Runs `body` with upstream's DeferCleanup semantics: the cleanups run afterwards, last first. */
/** The error a call rejected with (fails when it resolved). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the request to fail");
}

/** wait.PollUntilContextTimeout(100ms, 30s): polls `check` until it returns true. */
const poll = (check: () => Promise<boolean>) => within(30_000, async () => ((await check()) ? true : undefined));

/** Creates a non-compliant configmap; resolves whether it was denied (deleting it when it was not). */
async function nonCompliantDenied(c: Ctx): Promise<boolean> {
  const cm = namedNonCompliantConfigMap(crypto.randomUUID());
  try {
    await client.create({ ...R.configMaps, namespace: c.ns }, cm);
  } catch (err) {
    if (!String((err as Error).message).includes("denied")) throw err;
    return true;
  }
  await client.delete({ ...R.configMaps, namespace: c.ns, name: cm.metadata.name! });
  return false;
}

/** Creates a to-be-mutated configmap, deletes it; resolves whether the webhook added mutation-stage-1. */
async function toBeMutatedWasMutated(c: Ctx): Promise<boolean> {
  const cm = namedToBeMutatedConfigMap(crypto.randomUUID());
  const created = await client.create<Obj>({ ...R.configMaps, namespace: c.ns }, cm);
  await client.delete({ ...R.configMaps, namespace: c.ns, name: cm.metadata.name! });
  return "mutation-stage-1" in (created.data ?? {});
}

// ---- CRDs (test/utils/crd, createAdmissionWebhookMultiVersionTestCRDWithV1Storage) --------------

interface TestCrd {
  crd: Obj;
  /** The namespaced resource ref per served version (testcrd.DynamicClients). */
  clients: Record<string, { group: string; version: string; resource: string; namespace: string }>;
}

const preserveUnknown = { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } };

/** crd.CreateMultiVersionTestCRD: a random name in `webhook.example.com`, established and served, deleted after the test. */
async function createTestCRD(c: Ctx, versions: Json[], cleanups: (() => Promise<unknown>)[]): Promise<TestCrd> {
  const group = "webhook.example.com";
  const suffix = Math.random().toString(36).slice(2, 7);
  const name = `e2e-test-${c.ns}-${suffix}-crd`;
  const crd = await client.create<Obj>(R.customResourceDefinitions, {
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: `${name}s.${group}` },
    spec: { group, names: { plural: `${name}s`, singular: name, kind: name, listKind: `${name}List` }, scope: "Namespaced", versions },
  } as Obj);
  cleanups.push(() => client.delete({ ...R.customResourceDefinitions, name: crd.metadata.name! }));
  const clients: TestCrd["clients"] = {};
  for (const v of versions) if (v.served) clients[v.name] = { group, version: v.name, resource: `${name}s`, namespace: c.ns };
  await waitForCrdServed(client, crd.metadata.name!, Object.values(clients));
  return { crd, clients };
}

const servedAPIVersions = (crd: Obj): string[] => (crd.spec.versions as Json[]).filter((v) => v.served).map((v) => v.name);

function crdRules(crd: Obj, operations: string[]): Json[] {
  return [{ operations, apiGroups: [crd.spec.group], apiVersions: servedAPIVersions(crd), resources: [crd.spec.names.plural] }];
}

/** registerMutatingWebhookForCustomResource: stage 1 on create and update, stage 2 on create. */
async function registerMutatingWebhookForCustomResource(c: Ctx, testcrd: TestCrd, cleanups: (() => Promise<unknown>)[]): Promise<void> {
  const stage = (n: number, operations: string[]) => ({
    name: `mutate-custom-resource-data-stage-${n}.k8s.io`,
    rules: crdRules(testcrd.crd, operations),
    clientConfig: serviceRef("/mutating-custom-resource"),
    sideEffects: "None", admissionReviewVersions: ["v1", "v1beta1"],
    namespaceSelector: { matchLabels: { [c.ns]: "true" } },
  });
  await createWebhookConfiguration(c, webhookConfiguration("Mutating", c.ns, [stage(1, ["CREATE", "UPDATE"]), stage(2, ["CREATE"]), isReadyWebhookFixture(c, true)]), cleanups);
  await waitWebhookConfigurationReady(c);
}

/** testMutatingCustomResourceWebhook */
async function testMutatingCustomResourceWebhook(c: Ctx, testcrd: TestCrd, prune: boolean): Promise<void> {
  const crd = testcrd.crd;
  const mutated = await client.create<Obj>(testcrd.clients.v1!, {
    kind: crd.spec.names.kind, apiVersion: `${crd.spec.group}/${crd.spec.versions[0].name}`,
    metadata: { name: "cr-instance-1", namespace: c.ns }, data: { "mutation-start": "yes" },
  } as Obj);
  const expected: Record<string, string> = { "mutation-start": "yes", "mutation-stage-1": "yes" };
  if (!prune) expected["mutation-stage-2"] = "yes";
  expect(mutated.data).toEqual(expected);
}

// ---- upstream validatingadmissionpolicy.go helpers ----------------------------------------------

function basicDeployment(name: string, replicas: number): Obj {
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name, labels: { app: "nginx" } },
    spec: { replicas, selector: { matchLabels: { app: "nginx" } }, template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image: "nginx:latest" }] } } },
  };
}

function basicReplicaSet(name: string, replicas: number): Obj {
  return { ...basicDeployment(name, replicas), kind: "ReplicaSet" };
}

function createBinding(bindingName: string, uniqueLabel: string, policyName: string): Obj {
  return {
    apiVersion: `${AR}/v1`, kind: "ValidatingAdmissionPolicyBinding", metadata: { name: bindingName },
    spec: { policyName, matchResources: { namespaceSelector: { matchLabels: { [uniqueLabel]: "true" } } }, validationActions: ["Deny"] },
  };
}

/** GET /apis, /apis/admissionregistration.k8s.io and its v1 resource list, as upstream's discovery checks. */
async function admissionRegistrationDiscovery(): Promise<string[]> {
  const raw = async (path: string) => {
    const res = await rawGet(path);
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  };
  const groups = await raw("/apis");
  const group = (groups.groups as Json[]).find((g) => g.name === AR);
  expect(group?.versions.map((v: Json) => v.version)).toContain("v1");
  const arGroup = await raw(`/apis/${AR}`);
  expect(arGroup.versions.map((v: Json) => v.version)).toContain("v1");
  const resources = await raw(`/apis/${AR}/v1`);
  return (resources.resources as Json[]).map((r) => r.name);
}

/** A GET with the admin kubeconfig's credentials (the discovery REST client). */
function rawGet(path: string): Promise<Response> {
  const transport = httpsTransport(kubeconfigTransportOptions(server.kubeconfig));
  return transport.send(new Request(`${transport.baseUrl}${path}`));
}

/** "waiting until the marker is denied": a 1-replica Deployment until its create is Invalid (the policy denies it). */
async function waitUntilMarkerDenied(ns: string): Promise<void> {
  await within(30_000, async () => {
    const deployment = basicDeployment("marker-deployment", 1);
    try {
      await client.create({ ...R.deployments, namespace: ns }, deployment);
    } catch (err) {
      if (isInvalid(err)) return true;
      throw err;
    }
    await client.delete({ ...R.deployments, namespace: ns, name: "marker-deployment" }).catch(() => {});
    return undefined;
  });
}

// ---- the tests ------------------------------------------------------------------------------------

describe.concurrent("AdmissionWebhook conformance", () => {
  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] listing mutating webhooks should work [Conformance]: list by label, mutation, deletecollection", async () => {
    const c = await setup();
    await withCleanups(async (cleanups) => {
      const testListSize = 10;
      const testUUID = crypto.randomUUID();
      for (let i = 0; i < testListSize; i++) {
        await createWebhookConfiguration(c, webhookConfiguration("Mutating", `${c.ns}-${i}`,
          [newMutateConfigMapWebhookFixture(c, 1), isReadyWebhookFixture(c, true)], { "e2e-list-test-uuid": testUUID }), cleanups);
      }
      const labelSelector = `e2e-list-test-uuid=${testUUID}`;
      // Listing all of the created validation webhooks
      const list = await client.list(mutatingConfigs, { labelSelector });
      expect(list.items).toHaveLength(testListSize);
      await waitWebhookConfigurationReady(c);
      // Creating a configMap that should be mutated
      await poll(() => toBeMutatedWasMutated(c));
      // Deleting the collection of validation webhooks
      await client.deleteCollection(mutatingConfigs, { labelSelector });
      // Creating a configMap that should not be mutated
      await poll(async () => !(await toBeMutatedWasMutated(c)));
    });
  });

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] patching/updating a mutating webhook should work [Conformance]: update drops CREATE, JSON patch restores it", async () => {
    const c = await setup();
    await withCleanups(async (cleanups) => {
      await createWebhookConfiguration(c, webhookConfiguration("Mutating", c.ns, [newMutateConfigMapWebhookFixture(c, 1), isReadyWebhookFixture(c, true)]), cleanups);
      await waitWebhookConfigurationReady(c);
      const hook = await client.get<Obj>({ ...mutatingConfigs, name: c.ns });
      // Updating a mutating webhook configuration's rules to not include the create operation
      hook.webhooks[0].rules[0].operations = ["UPDATE"];
      await client.update(mutatingConfigs, hook);
      // Creating a configMap that should not be mutated
      await poll(async () => !(await toBeMutatedWasMutated(c)));
      // Patching a mutating webhook configuration's rules to include the create operation
      await client.patch({ ...mutatingConfigs, name: c.ns }, "json", [{ op: "replace", path: "/webhooks/0/rules/0/operations", value: ["CREATE"] }]);
      // Creating a configMap that should be mutated
      await poll(() => toBeMutatedWasMutated(c));
    });
  });

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] patching/updating a validating webhook should work [Conformance]: update drops CREATE, JSON patch restores it", async () => {
    const c = await setup();
    await withCleanups(async (cleanups) => {
      await createWebhookConfiguration(c, webhookConfiguration("Validating", c.ns, [newDenyConfigMapWebhookFixture(c), isReadyWebhookFixture(c, false)]), cleanups);
      await waitWebhookConfigurationReady(c);
      // Creating a configMap that does not comply to the validation webhook rules
      await poll(() => nonCompliantDenied(c));
      // Updating a validating webhook configuration's rules to not include the create operation
      await retryOnConflict(async () => {
        const h = await client.get<Obj>({ ...validatingConfigs, name: c.ns });
        h.webhooks[0].rules[0].operations = ["UPDATE"];
        return client.update(validatingConfigs, h);
      });
      // Creating a configMap that does not comply to the validation webhook rules: now allowed
      await poll(async () => !(await nonCompliantDenied(c)));
      // Patching a validating webhook configuration's rules to include the create operation
      await client.patch({ ...validatingConfigs, name: c.ns }, "json", [{ op: "replace", path: "/webhooks/0/rules/0/operations", value: ["CREATE"] }]);
      // Creating a configMap that does not comply to the validation webhook rules: denied again
      await poll(() => nonCompliantDenied(c));
    });
  });

  // The codenames spelled out (scripts/conformance-coverage.ts reads titles as written).
  const matchConditionTests = {
    Validating: {
      update: "[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to create and update validating webhook configurations with match conditions [Conformance]",
      reject: "[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should reject validating webhook configurations with invalid match conditions [Conformance]",
    },
    Mutating: {
      update: "[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to create and update mutating webhook configurations with match conditions [Conformance]",
      reject: "[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should reject mutating webhook configurations with invalid match conditions [Conformance]",
    },
  };
  for (const kind of ["Validating", "Mutating"] as const) {
    /** newValidatingWebhookWithMatchConditions / newMutatingWebhookWithMatchConditions */
    const withMatchConditions = (c: Ctx, matchConditions: Json[]): Obj => webhookConfiguration(kind, c.ns, [
      kind === "Validating"
        ? {
          name: "validation-webhook-with-match-conditions.k8s.io", rules: configMapRules(["CREATE"]), clientConfig: serviceRef("/always-deny"),
          sideEffects: "None", matchPolicy: "Equivalent", admissionReviewVersions: ["v1"], namespaceSelector: { matchLabels: { [c.ns]: "true" } }, matchConditions,
        }
        : {
          name: "adding-configmap-data.k8s.io", rules: configMapRules(["CREATE"]), clientConfig: serviceRef("/mutating-configmaps"),
          sideEffects: "None", admissionReviewVersions: ["v1", "v1beta1"], namespaceSelector: { matchLabels: { [c.ns]: "true" } }, matchConditions,
        },
      isReadyWebhookFixture(c, kind === "Mutating"),
    ]);
    const ref = kind === "Validating" ? validatingConfigs : mutatingConfigs;

    test(`${matchConditionTests[kind].update}: stored as sent`, async () => {
      const c = await setup();
      await withCleanups(async (cleanups) => {
        const initial = [{ name: "expression-1", expression: "object.metadata.namespace == 'production'" }];
        // creating a webhook with match conditions
        await createWebhookConfiguration(c, withMatchConditions(c, initial), cleanups);
        // verifying the webhook match conditions
        let config = await client.get<Obj>({ ...ref, name: c.ns });
        expect(config.webhooks[0].matchConditions).toEqual(initial);
        // updating the webhook match conditions
        const updated = [...initial, { name: "expression-2", expression: "object.metadata.namespace == 'staging'" }];
        config.webhooks[0].matchConditions = updated;
        await client.update(ref, config);
        // verifying the webhook match conditions
        config = await client.get<Obj>({ ...ref, name: c.ns });
        expect(config.webhooks[0].matchConditions).toEqual(updated);
      });
    });

    test(`${matchConditionTests[kind].reject}: compilation failed`, async () => {
      const c = await setup();
      await withCleanups(async (cleanups) => {
        const invalid = [{ name: "invalid-expression-1", expression: "... [] bad expression" }];
        const err = await rejection(createWebhookConfiguration(c, withMatchConditions(c, invalid), cleanups));
        expect(err.message).toContain("compilation failed");
      });
    });
  }

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should mutate everything except 'skip-me' configmaps [Conformance]: matchConditions skip the webhook", async () => {
    const c = await setup();
    await withCleanups(async (cleanups) => {
      const mutatingWebhook1 = { ...newMutateConfigMapWebhookFixture(c, 1), matchConditions: [{ name: "skip-me", expression: "object.metadata.name != 'skip-me'" }] };
      await createWebhookConfiguration(c, webhookConfiguration("Mutating", c.ns, [mutatingWebhook1, isReadyWebhookFixture(c, true)]), cleanups);
      await waitWebhookConfigurationReady(c);
      // create the configmap with a random name: mutated
      const mutated = await client.create<Obj>({ ...R.configMaps, namespace: c.ns }, namedToBeMutatedConfigMap(crypto.randomUUID()));
      expect(mutated.data).toEqual({ "mutation-start": "yes", "mutation-stage-1": "yes" });
      // create the configmap with 'skip-me' name: not mutated
      const skipped = await client.create<Obj>({ ...R.configMaps, namespace: c.ns }, namedToBeMutatedConfigMap("skip-me"));
      expect(skipped.data).toEqual({ "mutation-start": "yes" });
    });
  });

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should mutate pod and apply defaults after mutation [Conformance]: init container added and defaulted", async () => {
    const c = await setup();
    await withCleanups(async (cleanups) => {
      await createWebhookConfiguration(c, webhookConfiguration("Mutating", c.ns, [{
        name: "adding-init-container.k8s.io",
        rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
        clientConfig: serviceRef("/mutating-pods"),
        sideEffects: "None", admissionReviewVersions: ["v1", "v1beta1"],
        namespaceSelector: { matchLabels: { [c.ns]: "true" } },
      }, isReadyWebhookFixture(c, true)]), cleanups);
      await waitWebhookConfigurationReady(c);
      // create a pod that should be updated by the webhook (this server runs no node: the pod is only stored)
      const mutatedPod = await client.create<Obj>({ ...R.pods, namespace: c.ns }, {
        apiVersion: "v1", kind: "Pod", metadata: { name: "webhook-to-be-mutated" }, spec: { containers: [{ name: "example", image: "lite.local/pause:3.10" }] },
      });
      expect(mutatedPod.spec.initContainers).toHaveLength(1);
      expect(mutatedPod.spec.initContainers[0].name).toBe("webhook-added-init-container");
      expect(mutatedPod.spec.initContainers[0].terminationMessagePolicy).toBe("File");
    });
  });

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should deny crd creation [Conformance]: the webhook's message", async () => {
    const c = await setup();
    await withCleanups(async (cleanups) => {
      // registerValidatingWebhookForCRD: scoped by an object selector on the test's unique label.
      await createWebhookConfiguration(c, webhookConfiguration("Validating", c.ns, [{
        name: "deny-crd-with-unwanted-label.k8s.io",
        rules: [{ operations: ["CREATE"], apiGroups: ["apiextensions.k8s.io"], apiVersions: ["*"], resources: ["customresourcedefinitions"] }],
        clientConfig: serviceRef("/crd"),
        sideEffects: "None", admissionReviewVersions: ["v1", "v1beta1"],
        objectSelector: { matchLabels: { [c.ns]: "true" } },
      }, isReadyWebhookFixture(c, false)]), cleanups);
      await waitWebhookConfigurationReady(c);
      // testCRDDenyWebhook
      const name = "e2e-test-webhook-deny-crd";
      const group = "webhook.example.com";
      const err = await rejection(client.create(R.customResourceDefinitions, {
        apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
        metadata: { name: `${name}s.${group}`, labels: { [c.ns]: "true", "webhook-e2e-test": "webhook-disallow" } },
        spec: {
          group, scope: "Namespaced", names: { singular: name, kind: "E2e-test-webhook-deny-crd", listKind: "E2e-test-webhook-deny-crdList", plural: `${name}s` },
          versions: [{ name: "v1", served: true, storage: true, schema: preserveUnknown }],
        },
      } as Obj));
      expect(err.message).toContain("the crd contains unwanted label");
    });
  });

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to deny custom resource creation, update and deletion [Conformance]: the webhook's reasons", async () => {
    const c = await setup();
    await withCleanups(async (cleanups) => {
      const testcrd = await createTestCRD(c, [{ name: "v1", served: true, storage: true, schema: preserveUnknown }], cleanups);
      const crd = testcrd.crd;
      const crs = testcrd.clients.v1!;
      // registerWebhookForCustomResource
      await createWebhookConfiguration(c, webhookConfiguration("Validating", c.ns, [{
        name: "deny-unwanted-custom-resource-data.k8s.io",
        rules: crdRules(crd, ["CREATE", "UPDATE", "DELETE"]),
        clientConfig: serviceRef("/custom-resource"),
        sideEffects: "None", admissionReviewVersions: ["v1", "v1beta1"],
        namespaceSelector: { matchLabels: { [c.ns]: "true" } },
      }, isReadyWebhookFixture(c, false)]), cleanups);
      await waitWebhookConfigurationReady(c);
      const instance = (name: string, value: string): Obj => ({
        kind: crd.spec.names.kind, apiVersion: `${crd.spec.group}/${crd.spec.versions[0].name}`,
        metadata: { name, namespace: c.ns }, data: { "webhook-e2e-test": value },
      });
      // testCustomResourceWebhook: Creating a custom resource that should be denied by the webhook
      let err = await rejection(client.create(crs, instance("cr-instance-1", "webhook-disallow")));
      expect(err.message).toContain("the custom resource contains unwanted data");
      // testBlockingCustomResourceUpdateDeletion: Creating a custom resource whose deletion would be denied by the webhook
      await client.create(crs, instance("cr-instance-2", "webhook-nondeletable"));
      // Updating the custom resource with disallowed data should be denied
      const updateCustomResource = (value: string) => within(60_000, async () => {
        const cr = await client.get<Obj>({ ...crs, name: "cr-instance-2" });
        cr.data = { ...(cr.data ?? {}), "webhook-e2e-test": value };
        try {
          return await client.update<Obj>(crs, cr);
        } catch (e) {
          if (isConflict(e)) return undefined; // Only retry update on conflict
          throw e;
        }
      }, 2000);
      err = await rejection(updateCustomResource("webhook-disallow"));
      expect(err.message).toContain("the custom resource contains unwanted data");
      // Deleting the custom resource should be denied
      err = await rejection(client.delete({ ...crs, name: "cr-instance-2" }));
      expect(err.message).toContain("the custom resource cannot be deleted because it contains unwanted key and value");
      // Remove the offending key and value from the custom resource data
      await updateCustomResource("webhook-allow");
      // Deleting the updated custom resource should be successful
      await client.delete({ ...crs, name: "cr-instance-2" });
    });
  });

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should mutate custom resource [Conformance]: both stages added", async () => {
    const c = await setup();
    await withCleanups(async (cleanups) => {
      const testcrd = await createTestCRD(c, [{ name: "v1", served: true, storage: true, schema: preserveUnknown }], cleanups);
      await registerMutatingWebhookForCustomResource(c, testcrd, cleanups);
      await testMutatingCustomResourceWebhook(c, testcrd, false);
    });
  });

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should mutate custom resource with different stored version [Conformance]: patched through v2 after storage moved to v2", async () => {
    const c = await setup();
    await withCleanups(async (cleanups) => {
      const testcrd = await createTestCRD(c, [
        { name: "v1", served: true, storage: true, schema: preserveUnknown },
        { name: "v2", served: true, storage: false, schema: preserveUnknown },
      ], cleanups);
      await registerMutatingWebhookForCustomResource(c, testcrd, cleanups);
      // testMultiVersionCustomResourceWebhook: Creating a custom resource while v1 is storage version
      const crd = testcrd.crd;
      await client.create(testcrd.clients.v1!, {
        kind: crd.spec.names.kind, apiVersion: `${crd.spec.group}/${crd.spec.versions[0].name}`,
        metadata: { name: "cr-instance-1", namespace: c.ns }, data: { "mutation-start": "yes" },
      } as Obj);
      // Patching Custom Resource Definition to set v2 as storage
      await client.patch({ ...R.customResourceDefinitions, name: crd.metadata.name! }, "strategic", {
        spec: {
          versions: [
            { name: "v1", storage: false, served: true, schema: preserveUnknown },
            { name: "v2", storage: true, served: true, schema: preserveUnknown },
          ],
        },
      });
      // Patching the custom resource while v2 is storage version
      const mutated = await client.patch<Obj>({ ...testcrd.clients.v2!, name: "cr-instance-1" }, "json", [{ op: "add", path: "/dummy", value: "test" }]);
      expect(mutated.data).toEqual({ "mutation-start": "yes", "mutation-stage-1": "yes", "mutation-stage-2": "yes" });
      expect(mutated.dummy).toBe("test");
    });
  });

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should mutate custom resource with pruning [Conformance]: the field outside the schema is pruned", async () => {
    const c = await setup();
    await withCleanups(async (cleanups) => {
      const schema = {
        openAPIV3Schema: {
          type: "object",
          properties: {
            // mutation-stage-2 is intentionally missing such that it is pruned
            data: { type: "object", properties: { "mutation-start": { type: "string" }, "mutation-stage-1": { type: "string" } } },
          },
        },
      };
      const testcrd = await createTestCRD(c, [
        { name: "v1", served: true, storage: true, schema },
        { name: "v2", served: true, storage: false, schema },
      ], cleanups);
      await registerMutatingWebhookForCustomResource(c, testcrd, cleanups);
      await testMutatingCustomResourceWebhook(c, testcrd, true);
    });
  });
});

describe.concurrent("ValidatingAdmissionPolicy conformance", () => {
  test("[sig-api-machinery] ValidatingAdmissionPolicy [Privileged:ClusterAdmin] should allow expressions to refer variables. [Conformance]", async () => {
    const c = await setup("vap");
    await withCleanups(async (cleanups) => {
      // creating a policy with variables
      const policy = await client.create<Obj>(policies, {
        apiVersion: `${AR}/v1`, kind: "ValidatingAdmissionPolicy", metadata: { name: `${c.ns}.policy.example.com` },
        spec: {
          matchConstraints: {
            namespaceSelector: { matchLabels: { [c.ns]: "true" } },
            resourceRules: [{ operations: ["CREATE", "UPDATE"], apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments"] }],
          },
          variables: [
            { name: "replicas", expression: "object.spec.replicas" },
            { name: "oddReplicas", expression: "variables.replicas % 2 == 1" },
          ],
          validations: [{ expression: "variables.replicas > 1" }, { expression: "variables.oddReplicas" }],
        },
      });
      cleanups.push(() => client.delete({ ...policies, name: policy.metadata.name! }));
      const binding = await client.create<Obj>(bindings, createBinding(`${c.ns}.binding.example.com`, c.ns, policy.metadata.name!));
      cleanups.push(() => client.delete({ ...bindings, name: binding.metadata.name! }));
      // waiting until the marker is denied
      await waitUntilMarkerDenied(c.ns);
      // testing a replicated Deployment to be allowed
      await client.create({ ...R.deployments, namespace: c.ns }, basicDeployment("replicated", 3));
      await client.delete({ ...R.deployments, namespace: c.ns, name: "replicated" });
      // testing a non-replicated ReplicaSet not to be denied
      await client.create({ ...R.replicaSets, namespace: c.ns }, basicReplicaSet("non-replicated", 1));
      await client.delete({ ...R.replicaSets, namespace: c.ns, name: "non-replicated" });
      // And the policy's verdicts: an even replica count fails the second validation, one replica the first.
      const even = await rejection(client.create({ ...R.deployments, namespace: c.ns }, basicDeployment("even", 2)));
      expect(isInvalid(even)).toBe(true);
      expect(even.message).toContain("failed expression: variables.oddReplicas");
    });
  });

  const apiOperationTests = {
    ValidatingAdmissionPolicy: "[sig-api-machinery] ValidatingAdmissionPolicy [Privileged:ClusterAdmin] should support ValidatingAdmissionPolicy API operations [Conformance]",
    ValidatingAdmissionPolicyBinding: "[sig-api-machinery] ValidatingAdmissionPolicy [Privileged:ClusterAdmin] should support ValidatingAdmissionPolicyBinding API operations [Conformance]",
  };
  for (const kind of ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"] as const) {
    const ref = kind === "ValidatingAdmissionPolicy" ? policies : bindings;
    const isPolicy = kind === "ValidatingAdmissionPolicy";
    test(`${apiOperationTests[kind]}: discovery, CRUD, watch${isPolicy ? ", status" : ""}, deletecollection`, async () => {
      // getting /apis, /apis/admissionregistration.k8s.io, /apis/admissionregistration.k8s.io/v1
      const resources = await admissionRegistrationDiscovery();
      if (isPolicy) expect(resources).toEqual(expect.arrayContaining(["validatingadmissionpolicies", "validatingadmissionpolicies/status"]));
      else expect(resources).toContain("validatingadmissionpolicybindings");

      const labelKey = isPolicy ? "example-e2e-vap-label" : "example-e2e-vapb-label";
      const labelValue = Math.random().toString(36).slice(2, 10);
      const labelSelector = `${labelKey}=${labelValue}`;
      const template: Obj = isPolicy
        ? {
          apiVersion: `${AR}/v1`, kind, metadata: { generateName: "e2e-example-vap-", labels: { [labelKey]: labelValue } },
          spec: {
            validations: [{ expression: "object.spec.replicas <= 100" }],
            matchConstraints: { resourceRules: [{ operations: ["CREATE"], apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments"] }] },
          },
        }
        : {
          apiVersion: `${AR}/v1`, kind, metadata: { generateName: "e2e-example-vapb-", labels: { [labelKey]: labelValue } },
          spec: { policyName: "replicalimit-policy.example.com", validationActions: ["Deny"] },
        };
      await withCleanups(async (cleanups) => {
        cleanups.push(() => client.deleteCollection(ref, { labelSelector }));
        // creating
        await client.create(ref, template);
        await client.create(ref, template);
        const created = await client.create<Obj>(ref, template);
        const name = created.metadata.name!;
        // getting
        const read = await client.get<Obj>({ ...ref, name });
        expect(read.metadata.uid).toBe(created.metadata.uid);
        // listing
        const list = await client.list(ref, { labelSelector });
        // watching
        const abort = new AbortController();
        const events = client.watch<Obj>(ref, { resourceVersion: list.metadata.resourceVersion, labelSelector, signal: abort.signal })[Symbol.asyncIterator]();
        try {
          // patching
          const patched = await client.patch<Obj>({ ...ref, name }, "merge", isPolicy
            ? { metadata: { annotations: { patched: "true" } }, spec: { failurePolicy: "Ignore" } }
            : { metadata: { annotations: { patched: "true" } }, spec: { validationActions: ["Warn"] } });
          expect(patched.metadata.annotations).toMatchObject({ patched: "true" });
          if (isPolicy) expect(patched.spec.failurePolicy).toBe("Ignore");
          else expect(patched.spec.validationActions).toEqual(["Warn"]);
          // updating
          const updated = await retryOnConflict(async () => {
            const toUpdate = structuredClone(await client.get<Obj>({ ...ref, name }));
            toUpdate.metadata.annotations!.updated = "true";
            if (isPolicy) toUpdate.spec.failurePolicy = "Fail";
            else toUpdate.spec.validationActions = ["Deny"];
            return client.update<Obj>(ref, toUpdate);
          });
          expect(updated.metadata.annotations).toMatchObject({ updated: "true" });
          if (isPolicy) expect(updated.spec.failurePolicy).toBe("Fail");
          else expect(updated.spec.validationActions).toEqual(["Deny"]);
          // waiting for watch events with expected annotations
          for (let sawAnnotation = false; !sawAnnotation;) {
            let timer: Timer | undefined;
            const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error("timed out waiting for watch event")), 30_000); });
            const next = await Promise.race([events.next(), timeout]).finally(() => clearTimeout(timer));
            if (next.done) throw new Error("watch channel should not close");
            expect(next.value.type).toBe("MODIFIED");
            expect(next.value.object.kind).toBe(kind);
            sawAnnotation = next.value.object.metadata.annotations?.patched === "true";
          }
        } finally {
          abort.abort();
        }
        if (isPolicy) {
          // getting /status
          const statusRead = await client.get<Obj>({ ...ref, name }, { subresource: "status" });
          expect(statusRead.apiVersion).toBe(`${AR}/v1`);
          expect(statusRead.kind).toBe("ValidatingAdmissionPolicy");
          expect(statusRead.metadata.uid).toBe(created.metadata.uid);
          // patching /status
          const statusPatched = await client.patch<Obj>({ ...ref, name }, "merge", {
            status: { conditions: [{ type: "PatchStatusFailed", status: "False", reason: "e2e", message: "Set from an e2e test", lastTransitionTime: "2024-01-01T00:00:00Z" }] },
          }, { subresource: "status" });
          expect((statusPatched.status?.conditions ?? []).some((x: Json) => x.type === "PatchStatusFailed")).toBe(true);
          // updating /status
          const statusUpdated = await retryOnConflict(async () => {
            const vap = structuredClone(await client.get<Obj>({ ...ref, name }));
            vap.status = { ...(vap.status ?? {}), conditions: [...(vap.status?.conditions ?? []), {
              type: "StatusUpdateFailed", status: "False", reason: "E2E", message: "Set from an e2e test", lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
            }] };
            return client.updateStatus<Obj>(ref, vap);
          });
          expect((statusUpdated.status?.conditions ?? []).some((x: Json) => x.type === "StatusUpdateFailed")).toBe(true);
        }
        // deleting
        await client.delete({ ...ref, name });
        const gone = await rejection(client.get<Obj>({ ...ref, name }));
        expect(isNotFound(gone)).toBe(true);
        let items = (await client.list(ref, { labelSelector })).items.filter((i) => (i.metadata.finalizers ?? []).length === 0);
        expect(items).toHaveLength(2);
        // deleting a collection
        await client.deleteCollection(ref, { labelSelector });
        items = (await client.list(ref, { labelSelector })).items.filter((i) => !(i.metadata.deletionTimestamp && (i.metadata.finalizers ?? []).length > 0));
        expect(items).toHaveLength(0);
      });
    });
  }
});
