import { afterAll, beforeAll, expect, test } from "bun:test";
import { pod, startHarness, type Harness } from "../../testing/harness.ts";
import { startTestWebhookServer, type TestWebhookServer } from "./test-webhook-server.ts";

let h: Harness;
let hooks: TestWebhookServer;
beforeAll(async () => {
  hooks = await startTestWebhookServer((request) => {
    if (request.operation === "DELETE" && request.oldObject?.metadata?.labels?.protected === "yes") {
      return { allowed: false, status: { code: 403, reason: "Forbidden", message: `${request.name} is protected` } };
    }
    if (request.operation === "CONNECT") return { allowed: false, status: { code: 403, reason: "Forbidden", message: `no ${request.subResource} into ${request.name}: ${JSON.stringify(request.object)}` } };
    return { allowed: true, warnings: [`saw ${request.operation} ${request.name}`] };
  });
  h = await startHarness();
  const webhook = (name: string, rules: unknown[]) => ({
    name, admissionReviewVersions: ["v1"], sideEffects: "None", clientConfig: { url: `${hooks.origin}/`, caBundle: hooks.caBundle }, rules,
  });
  const created = await h.call("POST", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", {
    metadata: { name: "guard" },
    webhooks: [
      webhook("delete.guard.lite.test", [{ operations: ["DELETE", "CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }]),
      webhook("connect.guard.lite.test", [{ operations: ["CONNECT"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods/exec", "pods/attach"] }]),
    ],
  });
  expect(created.status).toBe(201);
  // Wait until the configuration is in the server's cache (a create then reaches the webhook).
  for (let i = 0; i < 200 && !hooks.reviews.length; i++) {
    await h.call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", { metadata: { name: "probe" } });
    await Bun.sleep(10);
  }
});
afterAll(async () => {
  await h.close();
  hooks.stop();
});

test("DELETE: the webhook gets the stored object as oldObject and can refuse; nothing is deleted", async () => {
  expect((await h.call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "keep", labels: { protected: "yes" } } })).status).toBe(201);
  const refused = await h.call("DELETE", "/api/v1/namespaces/default/configmaps/keep");
  expect(refused.status).toBe(403);
  expect(refused.body.message).toBe('admission webhook "delete.guard.lite.test" denied the request: keep is protected');
  expect((await h.call("GET", "/api/v1/namespaces/default/configmaps/keep")).status).toBe(200);
  const review = hooks.reviews.findLast((r) => r.review.request.operation === "DELETE")!.review.request;
  expect(review).toMatchObject({ name: "keep", namespace: "default", object: null, oldObject: { metadata: { name: "keep" } }, options: { kind: "DeleteOptions" } });
  // Deleting a missing object is a 404 before any webhook is asked.
  const before = hooks.reviews.length;
  expect((await h.call("DELETE", "/api/v1/namespaces/default/configmaps/absent")).status).toBe(404);
  expect(hooks.reviews.length).toBe(before);
});

test("webhook warnings reach the client as Warning headers", async () => {
  const res = await h.call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "warned" } });
  expect(res.status).toBe(201);
  expect(res.headers.get("warning")).toBe('299 - "saw CREATE warned"');
});

test("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to deny attaching pod [Conformance]: CONNECT reviews carry the Pod*Options and are refused before any node is contacted", async () => {
  expect((await h.call("POST", "/api/v1/namespaces/default/pods", pod("target", { spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] } }))).status).toBe(201);
  const attach = await h.call("POST", "/api/v1/namespaces/default/pods/target/attach?container=c&stdin=true&stdout=true&tty=true");
  expect(attach.status).toBe(403);
  expect(attach.body.message).toBe('admission webhook "connect.guard.lite.test" denied the request: no attach into target: {"kind":"PodAttachOptions","apiVersion":"v1","stdin":true,"stdout":true,"stderr":false,"tty":true,"container":"c"}');
  const exec = await h.call("POST", "/api/v1/namespaces/default/pods/target/exec?command=ls&command=-l&stdout=true");
  expect(exec.status).toBe(403);
  const review = hooks.reviews.findLast((r) => r.review.request.subResource === "exec")!.review.request;
  expect(review).toMatchObject({ operation: "CONNECT", kind: { group: "", version: "v1", kind: "PodExecOptions" }, subResource: "exec", object: { command: ["ls", "-l"], stdout: true } });
  // Not selected: port-forward goes on to the node connection (none in this harness: 503).
  expect((await h.call("POST", "/api/v1/namespaces/default/pods/target/portforward?ports=80")).status).toBe(503);
});
