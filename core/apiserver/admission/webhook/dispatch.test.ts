import { afterAll, beforeAll, expect, test } from "bun:test";
import { ApiError } from "../../errors/index.ts";
import { builtinResources, type KObject, type ResourceDef } from "../../resources/index.ts";
import type { AdmissionAttributes } from "../types.ts";
import type { AuthzDecide } from "../../../cel/library/authz.ts";
import { mutatingWebhookPlugin, validatingWebhookPlugin, type WebhookSources } from "./dispatch.ts";
import { jsonPatch, startTestWebhookServer, type TestWebhookServer } from "./test-webhook-server.ts";

const defs = builtinResources();
const def = (group: string, resource: string) => defs.find((d) => d.group === group && d.resource === resource)!;
const configmaps = def("", "configmaps");
const pods = def("", "pods");
const namespaces = def("", "namespaces");

let server: TestWebhookServer;
beforeAll(async () => {
  server = await startTestWebhookServer(async (request, path) => {
    const labels = request.object?.metadata?.labels ?? {};
    switch (path) {
      case "/deny": return { allowed: false, status: { code: 403, reason: "Forbidden", message: `no ${request.kind.kind} named ${request.name}` } };
      case "/deny-silently": return { allowed: false };
      case "/allow": return { allowed: true, warnings: ["seen by /allow"] };
      case "/add-label": return { allowed: true, ...jsonPatch([{ op: "add", path: "/metadata/labels", value: { ...labels, added: "yes" } }]) };
      case "/count": return { allowed: true, ...jsonPatch([{ op: "add", path: "/metadata/labels", value: { ...labels, count: String(Number(labels.count ?? 0) + 1) } }]) };
      case "/slow": await Bun.sleep(2500); return { allowed: true };
      case "/wrong-uid": return new Response(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: "nope", allowed: true } }));
      case "/patch-from-validating": return { allowed: true, ...jsonPatch([]) };
    }
    return new Response("unknown path", { status: 404 });
  }, ["hook.webhooks.svc"]);
});
afterAll(() => server.stop());

const rule = (resources: string[], extra: Record<string, unknown> = {}) => ({ operations: ["CREATE", "UPDATE", "DELETE"], apiGroups: [""], apiVersions: ["v1"], resources, ...extra });

function hook(name: string, path: string, extra: Record<string, unknown> = {}) {
  return {
    name, clientConfig: { url: `${server.origin}${path}`, caBundle: server.caBundle }, rules: [rule(["configmaps", "pods"])],
    sideEffects: "None", admissionReviewVersions: ["v1"], failurePolicy: "Fail", timeoutSeconds: 10, ...extra,
  };
}

function sources(kind: "mutating" | "validating", ...webhooks: unknown[]): WebhookSources {
  const configs = [{ apiVersion: "admissionregistration.k8s.io/v1", kind: "X", metadata: { name: "config" }, webhooks } as unknown as KObject];
  return {
    mutating: () => (kind === "mutating" ? configs : []),
    validating: () => (kind === "validating" ? configs : []),
    namespaceLabels: async (name): Promise<Record<string, string> | undefined> => (name === "labelled" ? { team: "a" } : name === "missing" ? undefined : {}),
    resolveService: async (ref) => {
      if (ref.name !== "hook") throw new Error(`service "${ref.name}" not found`);
      return { host: "127.0.0.1", port: server.port };
    },
  };
}

function attrs(d: ResourceDef, operation: AdmissionAttributes["operation"], object?: Record<string, unknown>, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  const obj = object as KObject | undefined;
  return { operation, def: d, namespace: d.namespaced ? "default" : "", name: (obj?.metadata.name as string) ?? "", subresource: "", object: obj, dryRun: false, warnings: [], user: { username: "alice", groups: ["devs"] }, ...extra };
}

const cm = (name: string, labels?: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", ...(labels ? { labels } : {}) }, data: {} });

async function refusal(p: Promise<void> | void): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to deny pod and configmap creation [Conformance]: the refusal carries the webhook's code, reason and message", async () => {
  const v = validatingWebhookPlugin(sources("validating", hook("deny.example.com", "/deny")));
  const err = await refusal(v.validate!(attrs(configmaps, "CREATE", cm("c1"))));
  expect(err.code).toBe(403);
  expect(err.reason).toBe("Forbidden");
  expect(err.message).toBe('admission webhook "deny.example.com" denied the request: no ConfigMap named c1');
  const silent = validatingWebhookPlugin(sources("validating", hook("quiet.example.com", "/deny-silently")));
  const err2 = await refusal(silent.validate!(attrs(configmaps, "CREATE", cm("c2"))));
  expect(err2.code).toBe(400);
  expect(err2.message).toBe('admission webhook "quiet.example.com" denied the request without explanation');
  // What the webhook received: an admission.k8s.io/v1 AdmissionReview as upstream sends it.
  const seen = server.reviews.find((r) => r.review.request.name === "c1")!;
  expect(seen.review).toMatchObject({
    apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview",
    request: {
      kind: { group: "", version: "v1", kind: "ConfigMap" }, resource: { group: "", version: "v1", resource: "configmaps" },
      requestKind: { group: "", version: "v1", kind: "ConfigMap" }, name: "c1", namespace: "default", operation: "CREATE",
      userInfo: { username: "alice", groups: ["devs"] }, object: { metadata: { name: "c1" } }, oldObject: null, dryRun: false,
      options: { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1" },
    },
  });
  expect(seen.review.request.uid).toMatch(/^[0-9a-f-]{36}$/);
});

test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should mutate configmap [Conformance]: JSONPatch applied, warnings passed on", async () => {
  const m = mutatingWebhookPlugin(sources("mutating", hook("label.example.com", "/add-label"), hook("allow.example.com", "/allow")));
  const a = attrs(configmaps, "CREATE", cm("m1", { app: "x" }));
  await m.admit!(a);
  expect(a.object!.metadata.labels).toEqual({ app: "x", added: "yes" });
  expect(a.warnings).toEqual(["seen by /allow"]);
});

test("mutating webhooks with reinvocationPolicy IfNeeded are called again when a later webhook changed the object", async () => {
  const m = mutatingWebhookPlugin(sources("mutating", hook("count.example.com", "/count", { reinvocationPolicy: "IfNeeded" }), hook("label.example.com", "/add-label")));
  const a = attrs(configmaps, "CREATE", cm("r1"));
  await m.admit!(a);
  expect(a.object!.metadata.labels).toEqual({ count: "2", added: "yes" });
  const never = mutatingWebhookPlugin(sources("mutating", hook("count.example.com", "/count"), hook("label.example.com", "/add-label")));
  const b = attrs(configmaps, "CREATE", cm("r2"));
  await never.admit!(b);
  expect(b.object!.metadata.labels).toEqual({ count: "1", added: "yes" });
});

test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should mutate custom resource with pruning [Conformance]: what webhooks add outside the schema is pruned after the last one", async () => {
  // A kind whose schema does not know the label `added` (as a custom resource's structural schema).
  const pruning: ResourceDef = {
    ...configmaps,
    strategy: {
      ...configmaps.strategy,
      pruneUnknownFields(obj) {
        if (obj.metadata.labels?.added === undefined) return [];
        delete obj.metadata.labels.added;
        return ["metadata.labels.added"];
      },
    },
  };
  const m = mutatingWebhookPlugin(sources("mutating", hook("label.example.com", "/add-label"), hook("count.example.com", "/count")));
  const a = attrs(pruning, "CREATE", cm("p1"));
  await m.admit!(a);
  expect(a.object!.metadata.labels).toEqual({ count: "1" });
  // The second webhook still saw the field the first one added.
  const second = server.reviews.findLast((r) => r.path === "/count" && r.review.request.name === "p1")!;
  expect(second.review.request.object.metadata.labels).toEqual({ added: "yes" });
});

test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should unconditionally reject operations on fail closed webhook [Conformance]: failurePolicy Fail vs Ignore on an unreachable webhook", async () => {
  const dead = { url: "https://127.0.0.1:1/dead", caBundle: server.caBundle };
  const failClosed = validatingWebhookPlugin(sources("validating", hook("closed.example.com", "/", { clientConfig: dead })));
  const err = await refusal(failClosed.validate!(attrs(configmaps, "CREATE", cm("f1"))));
  expect(err.code).toBe(500);
  expect(err.reason).toBe("InternalError");
  expect(err.message).toBe('Internal error occurred: failed calling webhook "closed.example.com": failed to call webhook: Post "https://127.0.0.1:1/dead?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused');
  const failOpen = validatingWebhookPlugin(sources("validating", hook("open.example.com", "/", { clientConfig: dead, failurePolicy: "Ignore" })));
  await failOpen.validate!(attrs(configmaps, "CREATE", cm("f2")));
});

test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should honor timeout [Conformance]: a slow webhook fails after timeoutSeconds", async () => {
  const v = validatingWebhookPlugin(sources("validating", hook("slow.example.com", "/slow", { timeoutSeconds: 1 })));
  const started = Date.now();
  const err = await refusal(v.validate!(attrs(configmaps, "CREATE", cm("t1"))));
  expect(Date.now() - started).toBeLessThan(2400);
  expect(err.message).toBe(`Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "${server.origin}/slow?timeout=1s": context deadline exceeded`);
  const ignored = validatingWebhookPlugin(sources("validating", hook("slow.example.com", "/slow", { timeoutSeconds: 1, failurePolicy: "Ignore" })));
  await ignored.validate!(attrs(configmaps, "CREATE", cm("t2")));
});

test("answers that break the protocol count as failed calls", async () => {
  const uid = validatingWebhookPlugin(sources("validating", hook("uid.example.com", "/wrong-uid")));
  expect((await refusal(uid.validate!(attrs(configmaps, "CREATE", cm("u1"))))).message).toMatch(/^Internal error occurred: failed calling webhook "uid.example.com": received invalid webhook response: expected response.uid="[0-9a-f-]+", got "nope"$/);
  const patching = validatingWebhookPlugin(sources("validating", hook("p.example.com", "/patch-from-validating")));
  expect((await refusal(patching.validate!(attrs(configmaps, "CREATE", cm("u2"))))).message).toBe('Internal error occurred: failed calling webhook "p.example.com": received invalid webhook response: validating webhook may not return response.patch');
  const missing = validatingWebhookPlugin(sources("validating", hook("404.example.com", "/nowhere")));
  expect((await refusal(missing.validate!(attrs(configmaps, "CREATE", cm("u3"))))).message).toBe('Internal error occurred: failed calling webhook "404.example.com": failed to call webhook: an error on the server ("unknown path") has prevented the request from succeeding');
});

test("rules select by operation, group, version, resource/subresource and scope", async () => {
  const only = (rules: unknown[]) => validatingWebhookPlugin(sources("validating", hook("deny.example.com", "/deny", { rules })));
  const create = attrs(configmaps, "CREATE", cm("s1"));
  await refusal(only([rule(["configmaps"])]).validate!(create));
  await refusal(only([rule(["*"])]).validate!(create));
  await refusal(only([rule(["*/*"])]).validate!(create));
  await only([rule(["pods"])]).validate!(create);
  await only([rule(["configmaps"], { operations: ["DELETE"] })]).validate!(create);
  await only([rule(["configmaps"], { apiGroups: ["apps"] })]).validate!(create);
  await only([rule(["configmaps"], { scope: "Cluster" })]).validate!(create);
  await refusal(only([rule(["configmaps"], { scope: "Namespaced" })]).validate!(create));
  // Subresources: "pods" alone does not select pods/status; "pods/*" and "*/*" do.
  const status = attrs(pods, "UPDATE", { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" } }, { subresource: "status" });
  await only([rule(["pods"])]).validate!(status);
  await refusal(only([rule(["pods/*"])]).validate!(status));
  await refusal(only([rule(["pods/status"])]).validate!(status));
  // A Namespace object is cluster-scoped for scope matching.
  const ns = attrs(namespaces, "CREATE", { apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } });
  await refusal(only([rule(["namespaces"], { scope: "Cluster" })]).validate!(ns));
  await only([rule(["namespaces"], { scope: "Namespaced" })]).validate!(ns);
});

test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] namespaceSelector and objectSelector decide which requests a webhook sees", async () => {
  const selecting = (extra: Record<string, unknown>) => validatingWebhookPlugin(sources("validating", hook("deny.example.com", "/deny", extra)));
  const nsSel = selecting({ namespaceSelector: { matchLabels: { team: "a" } } });
  await nsSel.validate!(attrs(configmaps, "CREATE", cm("n1")));
  await refusal(nsSel.validate!(attrs(configmaps, "CREATE", cm("n2"), { namespace: "labelled" })));
  const objSel = selecting({ objectSelector: { matchExpressions: [{ key: "skip-webhook", operator: "DoesNotExist" }] } });
  await refusal(objSel.validate!(attrs(configmaps, "CREATE", cm("o1"))));
  await objSel.validate!(attrs(configmaps, "CREATE", cm("o2", { "skip-webhook": "yes" })));
  // On update either the new or the old object's labels may match.
  await refusal(objSel.validate!(attrs(configmaps, "UPDATE", cm("o3", { "skip-webhook": "yes" }), { oldObject: cm("o3") as unknown as KObject })));
});

test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should not be able to mutate or prevent deletion of webhook configuration objects [Conformance]: admission configuration is exempt", async () => {
  const all = validatingWebhookPlugin(sources("validating", hook("deny.example.com", "/deny", { rules: [{ operations: ["*"], apiGroups: ["*"], apiVersions: ["*"], resources: ["*/*"] }] })));
  const vwc = { group: "admissionregistration.k8s.io", version: "v1", resource: "validatingwebhookconfigurations", kind: "ValidatingWebhookConfiguration", namespaced: false, subresources: [] } as unknown as ResourceDef;
  await all.validate!(attrs(vwc, "DELETE", undefined, { name: "x", oldObject: { metadata: { name: "x" } } as KObject }));
  await refusal(all.validate!(attrs(configmaps, "DELETE", undefined, { name: "y", oldObject: cm("y") as unknown as KObject })));
});

test("dry runs reach only webhooks without side effects", async () => {
  const some = validatingWebhookPlugin(sources("validating", hook("fx.example.com", "/allow", { sideEffects: "Some" })));
  const err = await refusal(some.validate!(attrs(configmaps, "CREATE", cm("d1"), { dryRun: true })));
  expect(err.code).toBe(400);
  expect(err.message).toBe('admission webhook "fx.example.com" does not support dry run');
  const none = validatingWebhookPlugin(sources("validating", hook("nofx.example.com", "/allow", { sideEffects: "NoneOnDryRun" })));
  await none.validate!(attrs(configmaps, "CREATE", cm("d2"), { dryRun: true }));
  expect(server.reviews.find((r) => r.review.request.name === "d2")!.review.request).toMatchObject({ dryRun: true, options: { dryRun: ["All"] } });
});

test("service references: resolved to an endpoint, TLS verified as <service>.<namespace>.svc, upstream errors when unresolvable", async () => {
  const svc = (name: string) => hook("svc.example.com", "/", { clientConfig: { service: { namespace: "webhooks", name, path: "/deny", port: 443 }, caBundle: server.caBundle } });
  const v = validatingWebhookPlugin(sources("validating", svc("hook")));
  expect((await refusal(v.validate!(attrs(configmaps, "CREATE", cm("v1"))))).message).toBe('admission webhook "svc.example.com" denied the request: no ConfigMap named v1');
  const gone = validatingWebhookPlugin(sources("validating", svc("other")));
  expect((await refusal(gone.validate!(attrs(configmaps, "CREATE", cm("v2"))))).message).toBe('Internal error occurred: failed calling webhook "svc.example.com": failed to call webhook: Post "https://other.webhooks.svc:443/deny?timeout=10s": service "other" not found');
  // The certificate is not valid for the name the service reference implies.
  const wrongName = hook("name.example.com", "/", { clientConfig: { service: { namespace: "elsewhere", name: "hook", path: "/deny", port: 443 }, caBundle: server.caBundle } });
  const err = await refusal(validatingWebhookPlugin({ ...sources("validating", wrongName), resolveService: async () => ({ host: "127.0.0.1", port: server.port }) }).validate!(attrs(configmaps, "CREATE", cm("v3"))));
  expect(err.message).toBe('Internal error occurred: failed calling webhook "name.example.com": failed to call webhook: Post "https://hook.elsewhere.svc:443/deny?timeout=10s": tls: failed to verify certificate: x509: certificate is not valid for hook.elsewhere.svc');
});

test("matchConditions: all true calls the webhook, one false skips it (even beside an error), an evaluation error is refused under Fail and skipped under Ignore", async () => {
  const conditions = (...expressions: string[]) => expressions.map((expression, i) => ({ name: `c${i}`, expression }));
  const deny = (matchConditions: unknown[], extra: Record<string, unknown> = {}) => validatingWebhookPlugin(sources("validating", hook("cel.example.com", "/deny", { matchConditions, ...extra })));
  await refusal(deny(conditions("request.operation == 'CREATE'", "object.metadata.name.startsWith('m')")).validate!(attrs(configmaps, "CREATE", cm("m1"))));
  await deny(conditions("request.operation == 'CREATE'", "object.metadata.name.startsWith('z')")).validate!(attrs(configmaps, "CREATE", cm("m2")));
  await deny(conditions("!(request.userInfo.username == 'alice')")).validate!(attrs(configmaps, "CREATE", cm("m3")));
  // upstream matcher + ShouldCallHook: errors under Fail are a 403 naming the object, the webhook is not called.
  const failed = await refusal(deny(conditions("object.metadata.labels.team == 'x'")).validate!(attrs(configmaps, "CREATE", cm("m4"))));
  expect(failed.code).toBe(403);
  expect(failed.message).toBe(`configmaps "m4" is forbidden: expression 'object.metadata.labels.team == 'x'' resulted in error: no such key: labels`);
  const twice = await refusal(deny(conditions("object.metadata.labels.team == 'x'", "true", "object.data.x == 'y'")).validate!(attrs(configmaps, "CREATE", cm("m4"))));
  expect(twice.message).toBe(`configmaps "m4" is forbidden: [expression 'object.metadata.labels.team == 'x'' resulted in error: no such key: labels, expression 'object.data.x == 'y'' resulted in error: no such key: x]`);
  await deny(conditions("object.metadata.labels.team == 'x'"), { failurePolicy: "Ignore" }).validate!(attrs(configmaps, "CREATE", cm("m5")));
  // A false condition skips the webhook whatever else failed.
  await deny(conditions("object.metadata.labels.team == 'x'", "false")).validate!(attrs(configmaps, "CREATE", cm("m5")));
  // Without an authorizer every check is an errored (not allowed) decision.
  await deny(conditions("authorizer.requestResource.check('get').allowed()")).validate!(attrs(configmaps, "CREATE", cm("m6")));
  // A mutating webhook's condition error is refused the same way.
  const mutating = mutatingWebhookPlugin(sources("mutating", hook("cel.example.com", "/add-label", { matchConditions: conditions("oldObject.metadata.name == 'x'") })));
  expect((await refusal(mutating.admit!(attrs(configmaps, "CREATE", cm("m7"))))).message).toBe(`configmaps "m7" is forbidden: expression 'oldObject.metadata.name == 'x'' resulted in error: no such key: metadata`);
});

test("matchConditions see `authorizer` (checks as the requesting user) and `authorizer.requestResource`", async () => {
  const asked: string[] = [];
  // alice (devs) may get pods and create configmaps; bob may do nothing.
  const decide: AuthzDecide = (a) => {
    asked.push(`${a.user.username} ${a.verb} ${a.resource} ${a.namespace}/${a.name}`);
    const allowed = a.user.groups.includes("devs") && ((a.verb === "get" && a.resource === "pods") || (a.verb === "create" && a.resource === "configmaps"));
    return allowed ? { decision: "allow", reason: "" } : { decision: "noOpinion", reason: "no rule" };
  };
  const bob = { user: { username: "bob", groups: ["system:authenticated"] } };
  const gate = (expression: string) => validatingWebhookPlugin(sources("validating", hook("authz.example.com", "/deny", { matchConditions: [{ name: "authz", expression }] })), decide);
  const pods = gate("authorizer.group('').resource('pods').check('get').allowed()");
  await refusal(pods.validate!(attrs(configmaps, "CREATE", cm("a1"))));
  await pods.validate!(attrs(configmaps, "CREATE", cm("a2"), bob));
  expect(asked).toEqual(["alice get pods /", "bob get pods /"]);
  const own = gate("authorizer.requestResource.check('create').allowed()");
  await refusal(own.validate!(attrs(configmaps, "CREATE", cm("a3"))));
  await own.validate!(attrs(configmaps, "CREATE", cm("a4"), bob));
  expect(asked.slice(2)).toEqual(["alice create configmaps default/a3", "bob create configmaps default/a4"]);
  // The mutating plugin binds it too.
  const mutating = mutatingWebhookPlugin(sources("mutating", hook("authz.example.com", "/add-label", { matchConditions: [{ name: "authz", expression: "authorizer.group('').resource('pods').check('get').allowed()" }] })), decide);
  const mine = attrs(configmaps, "CREATE", cm("a5"));
  await mutating.admit!(mine);
  expect(mine.object!.metadata.labels).toEqual({ added: "yes" });
  const bobs = attrs(configmaps, "CREATE", cm("a6"), bob);
  await mutating.admit!(bobs);
  expect(bobs.object!.metadata.labels).toBeUndefined();
});
