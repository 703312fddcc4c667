/**
 * Admission webhooks end to end (dist/lite + real kubectl): Validating- and
 * MutatingWebhookConfigurations applied with kubectl call a real HTTPS webhook server on loopback
 * (its own CA in caBundle); refusals, patches, warnings and failure policies reach kubectl as they
 * do against kube-apiserver.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { jsonPatch, startTestWebhookServer, type TestWebhookServer } from "../core/apiserver/admission/webhook/test-webhook-server.ts";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, ok, within } from "./harness/kube.ts";

setDefaultTimeout(60_000);

let server: LiteServer;
let hooks: TestWebhookServer;
beforeAll(async () => {
  hooks = await startTestWebhookServer((request, path) => {
    const labels = request.object?.metadata?.labels ?? {};
    if (path === "/validate") {
      if (labels.deny === "yes") return { allowed: false, status: { code: 403, reason: "Forbidden", message: "the label deny=yes is not allowed here" } };
      return { allowed: true, ...(labels.warn === "yes" ? { warnings: ["configmaps labelled warn=yes are deprecated"] } : {}) };
    }
    if (path === "/mutate") return { allowed: true, ...jsonPatch([{ op: "add", path: "/metadata/labels", value: { ...labels, mutated: "by-webhook" } }]) };
    // An outdated webhook: it sends managedFields back without `operation`.
    if (path === "/corrupt-managed-fields") return { allowed: true, ...jsonPatch([{ op: "add", path: "/metadata/managedFields", value: [{ manager: "outdated-webhook", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: {} }] }]) };
    return new Response("no such webhook", { status: 404 });
  });
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
  hooks?.stop();
});

const k = (args: string[], stdin?: string) => kubectl(server, args, { stdin });

function configuration(kind: "Validating" | "Mutating", name: string, namespace: string, path: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "admissionregistration.k8s.io/v1", kind: `${kind}WebhookConfiguration`, metadata: { name, labels: { suite: "admission-webhooks" } },
    webhooks: [{
      name: `${name}.lite.test`, admissionReviewVersions: ["v1"], sideEffects: "None",
      clientConfig: { url: `${hooks.origin}${path}`, caBundle: hooks.caBundle },
      rules: [{ operations: ["CREATE", "UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }],
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
      ...extra,
    }],
  });
}

/** A webhook configuration takes effect once the server's cache has it; probe until it does. */
async function active(probe: () => Promise<boolean>): Promise<void> {
  await within(5000, async () => ((await probe()) ? true : undefined));
}

describe("admission webhooks through kubectl", () => {
  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to deny pod and configmap creation [Conformance]: kubectl shows the webhook's refusal", async () => {
    const ns = await freshNamespace(server, "vwh");
    ok(await k(["apply", "-f", "-"], configuration("Validating", `deny-${ns}`, ns, "/validate")));
    await active(async () => (await k(["-n", ns, "create", "configmap", "probe", "--dry-run=server", "-o", "name"])).code === 0
      && (await k(["-n", ns, "apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "probe2", labels: { deny: "yes" } } }))).code !== 0);
    const denied = await k(["-n", ns, "apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bad", labels: { deny: "yes" } } }));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('admission webhook "deny-' + ns + '.lite.test" denied the request: the label deny=yes is not allowed here');
    expect((await k(["-n", ns, "get", "configmap", "bad"])).code).toBe(1);
    expect(ok(await k(["-n", ns, "create", "configmap", "good"]))).toBe("configmap/good created\n");
    // Warnings from the webhook are printed by kubectl.
    const warned = await k(["-n", ns, "apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "old", labels: { warn: "yes" } } }));
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain("Warning: configmaps labelled warn=yes are deprecated");
    // Updates are reviewed too: labelling an allowed object with deny=yes is refused.
    const relabel = await k(["-n", ns, "label", "configmap", "good", "deny=yes"]);
    expect(relabel.code).toBe(1);
    expect(relabel.stderr).toContain("the label deny=yes is not allowed here");
    // The webhook saw an admission.k8s.io/v1 review with kubectl's user.
    const review = hooks.reviews.find((r) => r.review.request?.name === "bad")!.review;
    expect(review.request).toMatchObject({ operation: "CREATE", namespace: ns, kind: { kind: "ConfigMap" }, userInfo: { groups: expect.arrayContaining(["system:masters"]) } });
    ok(await k(["delete", "validatingwebhookconfiguration", `deny-${ns}`]));
  });

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should mutate configmap [Conformance]: the stored object carries the webhook's patch", async () => {
    const ns = await freshNamespace(server, "mwh");
    ok(await k(["apply", "-f", "-"], configuration("Mutating", `mutate-${ns}`, ns, "/mutate")));
    await active(async () => {
      const r = await k(["-n", ns, "create", "configmap", "probe", "--dry-run=server", "-o", "jsonpath={.metadata.labels.mutated}"]);
      return r.code === 0 && r.stdout === "by-webhook";
    });
    ok(await k(["-n", ns, "create", "configmap", "m1", "--from-literal=a=b"]));
    expect(ok(await k(["-n", ns, "get", "configmap", "m1", "-o", "jsonpath={.metadata.labels.mutated}"]))).toBe("by-webhook");
    ok(await k(["delete", "mutatingwebhookconfiguration", `mutate-${ns}`]));
  });

  test("managedFields around mutating webhooks, as kube-apiserver records them: what a webhook adds is owned by no manager, so a later server-side apply takes it without a conflict; managedFields a webhook corrupts are reset, with a warning", async () => {
    const ns = await freshNamespace(server, "mfwh");
    const createOnly = { rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }] };
    ok(await k(["apply", "-f", "-"], configuration("Mutating", `label-${ns}`, ns, "/mutate", createOnly)));
    await active(async () => (await k(["-n", ns, "create", "configmap", "probe", "--dry-run=server", "-o", "jsonpath={.metadata.labels.mutated}"])).stdout === "by-webhook");
    ok(await k(["-n", ns, "create", "configmap", "owned", "--from-literal=a=b"]));
    const created = JSON.parse(ok(await k(["-n", ns, "get", "configmap", "owned", "-o", "json", "--show-managed-fields"])));
    expect(created.metadata.labels).toEqual({ mutated: "by-webhook" });
    // managedFields are recorded before mutating admission: kubectl-create owns what it sent, the label no one.
    expect(created.metadata.managedFields).toEqual([
      { manager: "kubectl-create", operation: "Update", apiVersion: "v1", time: expect.any(String), fieldsType: "FieldsV1", fieldsV1: { "f:data": { ".": {}, "f:a": {} } } },
    ]);
    const applyLabel = (manager: string, value: string) => k(["-n", ns, "apply", "--server-side", `--field-manager=${manager}`, "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "owned", labels: { mutated: value } } }));
    // So another manager's apply of the label is no conflict, and makes it the label's owner ...
    expect(ok(await applyLabel("other", "by-other"))).toBe("configmap/owned serverside-applied\n");
    const applied = JSON.parse(ok(await k(["-n", ns, "get", "configmap", "owned", "-o", "json", "--show-managed-fields"])));
    expect(applied.metadata.labels).toEqual({ mutated: "by-other" });
    expect(applied.metadata.managedFields.find((e: { manager: string }) => e.manager === "other"))
      .toMatchObject({ operation: "Apply", fieldsV1: { "f:metadata": { "f:labels": { "f:mutated": {} } } } });
    // ... whom a third manager then conflicts with.
    const conflict = await applyLabel("third", "by-third");
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "other": .metadata.labels.mutated');
    ok(await k(["delete", "mutatingwebhookconfiguration", `label-${ns}`]));

    // A webhook that sends back invalid managedFields: they are reset to what they were before admission.
    ok(await k(["apply", "-f", "-"], configuration("Mutating", `corrupt-${ns}`, ns, "/corrupt-managed-fields", createOnly)));
    const warning = "Warning: .metadata.managedFields was in an invalid state after admission; this could be caused by an outdated mutating admission controller; please fix your requests: operation must be `Apply` or `Update`";
    await active(async () => (await k(["-n", ns, "create", "configmap", "probe", "--dry-run=server"])).stderr.includes(warning));
    const corrupted = await k(["-n", ns, "create", "configmap", "reset", "--from-literal=a=b"]);
    expect(corrupted.code).toBe(0);
    expect(corrupted.stderr).toContain(warning);
    const reset = JSON.parse(ok(await k(["-n", ns, "get", "configmap", "reset", "-o", "json", "--show-managed-fields"])));
    expect(reset.metadata.managedFields).toEqual([
      { manager: "kubectl-create", operation: "Update", apiVersion: "v1", time: expect.any(String), fieldsType: "FieldsV1", fieldsV1: { "f:data": { ".": {}, "f:a": {} } } },
    ]);
    ok(await k(["delete", "mutatingwebhookconfiguration", `corrupt-${ns}`]));
  });

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should unconditionally reject operations on fail closed webhook [Conformance]: and failurePolicy Ignore lets them through", async () => {
    const ns = await freshNamespace(server, "fwh");
    const dead = (name: string, policy: string) => JSON.stringify({
      ...JSON.parse(configuration("Validating", name, ns, "/validate")),
      webhooks: [{ ...JSON.parse(configuration("Validating", name, ns, "/validate")).webhooks[0], failurePolicy: policy, clientConfig: { url: "https://127.0.0.1:1/validate", caBundle: hooks.caBundle } }],
    });
    ok(await k(["apply", "-f", "-"], dead(`closed-${ns}`, "Fail")));
    await active(async () => (await k(["-n", ns, "create", "configmap", "probe", "--dry-run=server"])).code !== 0);
    const refused = await k(["-n", ns, "create", "configmap", "c1"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(`error: failed to create configmap: Internal error occurred: failed calling webhook "closed-${ns}.lite.test": failed to call webhook: Post "https://127.0.0.1:1/validate?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused`);
    ok(await k(["delete", "validatingwebhookconfiguration", `closed-${ns}`]));
    ok(await k(["apply", "-f", "-"], dead(`open-${ns}`, "Ignore")));
    await active(async () => (await k(["get", "validatingwebhookconfiguration", `open-${ns}`])).code === 0);
    expect(ok(await k(["-n", ns, "create", "configmap", "c2"]))).toBe("configmap/c2 created\n");
    ok(await k(["delete", "validatingwebhookconfiguration", `open-${ns}`]));
  });

  test("matchConditions see `authorizer`: the webhook is called for a user RBAC lets get pods and skipped for one it does not", async () => {
    const ns = await freshNamespace(server, "awh");
    // bob may create configmaps in the namespace and nothing else.
    ok(await k(["-n", ns, "create", "role", "cm-writer", "--verb=create,get", "--resource=configmaps"]));
    ok(await k(["-n", ns, "create", "rolebinding", "bob-cm", "--role=cm-writer", "--user=bob"]));
    const matchConditions = [{ name: "can-get-pods", expression: "authorizer.group('').resource('pods').check('get').allowed()" }];
    ok(await k(["apply", "-f", "-"], configuration("Validating", `authz-${ns}`, ns, "/validate", { matchConditions })));
    const labelled = (name: string) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { deny: "yes" } } });
    await active(async () => (await k(["-n", ns, "create", "--dry-run=server", "-f", "-"], labelled("probe"))).code !== 0);
    // The admin may get pods: the webhook is called and refuses.
    const admin = await k(["-n", ns, "create", "-f", "-"], labelled("by-admin"));
    expect(admin.code).toBe(1);
    expect(admin.stderr).toContain(`admission webhook "authz-${ns}.lite.test" denied the request: the label deny=yes is not allowed here`);
    // bob may not: the condition is false and the webhook is skipped.
    await within(5000, async () => ((await k(["--as=bob", "-n", ns, "auth", "can-i", "create", "configmaps"])).stdout.trim() === "yes" ? true : undefined));
    expect(ok(await k(["--as=bob", "-n", ns, "create", "-f", "-"], labelled("by-bob")))).toBe("configmap/by-bob created\n");
    ok(await k(["delete", "validatingwebhookconfiguration", `authz-${ns}`]));
  });

  test("a service reference reaches the webhook through the Service's EndpointSlice and its certificate is verified as <service>.<namespace>.svc", async () => {
    const ns = await freshNamespace(server, "swh");
    const viaService = await startTestWebhookServer((request) => ({ allowed: false, status: { message: `service-backed webhook refuses ${request.name}` } }), [`hook.${ns}.svc`]);
    try {
      ok(await k(["-n", ns, "apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "hook" }, spec: { ports: [{ name: "https", port: 443 }] } })));
      ok(await k(["-n", ns, "apply", "-f", "-"], JSON.stringify({
        apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "hook-1", labels: { "kubernetes.io/service-name": "hook" } },
        addressType: "IPv4", endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }], ports: [{ name: "https", port: viaService.port, protocol: "TCP" }],
      })));
      const config = JSON.parse(configuration("Validating", `svc-${ns}`, ns, "/"));
      config.webhooks[0].clientConfig = { service: { namespace: ns, name: "hook", path: "/check" }, caBundle: viaService.caBundle };
      ok(await k(["apply", "-f", "-"], JSON.stringify(config)));
      await active(async () => (await k(["-n", ns, "create", "configmap", "probe", "--dry-run=server"])).code !== 0);
      const refused = await k(["-n", ns, "create", "configmap", "c1"]);
      expect(refused.stderr.trim()).toBe(`error: failed to create configmap: admission webhook "svc-${ns}.lite.test" denied the request: service-backed webhook refuses c1`);
      expect(viaService.reviews.at(-1)!.path).toBe("/check");
      // Without a ready endpoint the call fails with upstream's message.
      ok(await k(["-n", ns, "delete", "endpointslice", "hook-1"]));
      await active(async () => (await k(["-n", ns, "create", "configmap", "probe", "--dry-run=server"])).stderr.includes("no endpoints available"));
      const unreachable = await k(["-n", ns, "create", "configmap", "c2"]);
      expect(unreachable.stderr.trim()).toBe(`error: failed to create configmap: Internal error occurred: failed calling webhook "svc-${ns}.lite.test": failed to call webhook: Post "https://hook.${ns}.svc:443/check?timeout=10s": no endpoints available for service "hook"`);
      ok(await k(["delete", "validatingwebhookconfiguration", `svc-${ns}`]));
    } finally {
      viaService.stop();
    }
  });

  test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] listing validating webhooks should work [Conformance]: list by label, table columns, deletecollection", async () => {
    const ns = await freshNamespace(server, "lwh");
    for (const i of [1, 2, 3]) ok(await k(["apply", "-f", "-"], configuration("Validating", `list-${ns}-${i}`, ns, "/validate")));
    const table = ok(await k(["get", "validatingwebhookconfigurations", "-l", "suite=admission-webhooks"]));
    expect(table.split("\n")[0]).toMatch(/^NAME\s+WEBHOOKS\s+AGE$/);
    for (const i of [1, 2, 3]) expect(table).toMatch(new RegExp(`list-${ns}-${i}\\s+1\\s+`));
    ok(await k(["delete", "validatingwebhookconfigurations", "-l", "suite=admission-webhooks"]));
    expect(ok(await k(["get", "validatingwebhookconfigurations", "-l", "suite=admission-webhooks", "-o", "name"]))).toBe("");
  });

  test("[sig-api-machinery] ValidatingAdmissionPolicy [Privileged:ClusterAdmin] should validate against a Deployment [Conformance]; should support ValidatingAdmissionPolicy API operations [Conformance]; should support ValidatingAdmissionPolicyBinding API operations [Conformance]: through kubectl", async () => {
    const ns = await freshNamespace(server, "vap");
    ok(await k(["label", "namespace", ns, `${ns}=true`]));
    // Discovery lists both resources and the policy's status subresource.
    expect(ok(await k(["api-resources", "--api-group=admissionregistration.k8s.io", "-o", "name"]))).toContain("validatingadmissionpolicies.admissionregistration.k8s.io\nvalidatingadmissionpolicybindings.admissionregistration.k8s.io");
    const raw = JSON.parse(ok(await k(["get", "--raw", "/apis/admissionregistration.k8s.io/v1"])));
    expect(raw.resources.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(["validatingadmissionpolicies", "validatingadmissionpolicies/status", "validatingadmissionpolicybindings"]));
    const policy = `${ns}.policy.example.com`;
    ok(await k(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: { name: policy, labels: { suite: "vap" } },
      spec: {
        matchConstraints: { namespaceSelector: { matchLabels: { [ns]: "true" } }, resourceRules: [{ operations: ["CREATE", "UPDATE"], apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments"] }] },
        validations: [
          { expression: "object.spec.replicas > 1", messageExpression: "'wants replicas > 1, got ' + object.spec.replicas" },
          { expression: `namespaceObject.metadata.name == '${ns}'`, message: "Internal error! Other namespace should not be allowed." },
        ],
      },
    })));
    ok(await k(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name: `${ns}.binding.example.com`, labels: { suite: "vap" } },
      spec: { policyName: policy, validationActions: ["Deny"], matchResources: { namespaceSelector: { matchLabels: { [ns]: "true" } } } },
    })));
    const marker = (name: string, replicas: number) => JSON.stringify({
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name, labels: { app: "nginx" } },
      spec: { replicas, selector: { matchLabels: { app: "nginx" } }, template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image: "nginx:latest" }] } } },
    });
    await active(async () => (await k(["-n", ns, "apply", "--dry-run=server", "-f", "-"], marker("marker", 1))).code !== 0);
    const denied = await k(["-n", ns, "apply", "-f", "-"], marker("marker", 1));
    expect(denied.code).toBe(1);
    // The messageExpression adds a string and an int (a CEL error), so the default message is used, as
    // upstream; kubectl prints a 422 with a cause as it does against kube-apiserver (": :" included).
    expect(denied.stderr).toContain(`The deployments "marker" is invalid: : ValidatingAdmissionPolicy '${policy}' with binding '${ns}.binding.example.com' denied request: failed expression: object.spec.replicas > 1`);
    expect(ok(await k(["-n", ns, "apply", "-f", "-"], marker("replicated", 2)))).toBe("deployment.apps/replicated created\n");
    // Columns as upstream prints them.
    expect(ok(await k(["get", "validatingadmissionpolicy", policy]))).toMatch(new RegExp(`^NAME\\s+VALIDATIONS\\s+PARAMKIND\\s+AGE\\n${policy.replaceAll(".", "\\.")}\\s+2\\s+<unset>\\s+\\d+s\\n$`));
    expect(ok(await k(["get", "validatingadmissionpolicybinding", `${ns}.binding.example.com`]))).toMatch(/^NAME\s+POLICYNAME\s+PARAMREF\s+AGE\n\S+\s+\S+\.policy\.example\.com\s+<unset>\s+\d+s\n$/);
    // Status through its subresource; patch, delete by label.
    ok(await k(["patch", "validatingadmissionpolicy", policy, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { conditions: [{ type: "PatchStatusFailed", status: "False", reason: "e2e", message: "Set from an e2e test", lastTransitionTime: "2024-01-01T00:00:00Z" }] } })]));
    ok(await k(["patch", "validatingadmissionpolicy", policy, "--type=merge", "-p", '{"metadata":{"annotations":{"patched":"true"}},"spec":{"failurePolicy":"Ignore"}}']));
    const read = JSON.parse(ok(await k(["get", "validatingadmissionpolicy", policy, "-o", "json"])));
    expect(read).toMatchObject({ metadata: { annotations: { patched: "true" }, generation: 2 }, spec: { failurePolicy: "Ignore" }, status: { conditions: [{ type: "PatchStatusFailed" }] } });
    expect(ok(await k(["delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", "-l", "suite=vap"]))).toContain(`validatingadmissionpolicy.admissionregistration.k8s.io "${policy}" deleted`);
    // Bad input: kubectl shows upstream's field errors.
    const bad = await k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name: "bad" }, spec: { validationActions: ["Deny", "Warn"] } }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("spec.policyName: Required value");
  });
});
