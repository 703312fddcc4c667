import { afterAll, beforeAll, expect, test } from "bun:test";
import { pod, startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

/** The same JSON with every object's keys in reverse order (kubectl replace sends sorted keys). */
function reordered<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reordered) as T;
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reordered(x)])) as T;
  return v;
}

test("a pod PUT back with keys in another order and a new image is allowed", async () => {
  const created = await h.call("POST", "/api/v1/namespaces/default/pods", pod("order"));
  expect(created.status).toBe(201);
  const next = reordered(created.body);
  next.spec.containers[0].image = "nginx:1.27";
  const r = await h.call("PUT", "/api/v1/namespaces/default/pods/order", next);
  expect(r.status).toBe(200);
  expect(r.body.spec.containers[0].image).toBe("nginx:1.27");
});

test("immutable ConfigMap data and deployment selectors compare by value, not key order", async () => {
  const cm = await h.call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "imm" }, immutable: true, data: { a: "1", b: "2" } });
  expect(cm.status).toBe(201);
  expect((await h.call("PUT", "/api/v1/namespaces/default/configmaps/imm", reordered(cm.body))).status).toBe(200);
  const changed = await h.call("PUT", "/api/v1/namespaces/default/configmaps/imm", { ...cm.body, metadata: { ...cm.body.metadata, resourceVersion: undefined }, data: { a: "1", b: "3" } });
  expect(changed.status).toBe(422);

  const labels = { app: "web", tier: "front" };
  const d = await h.call("POST", "/apis/apps/v1/namespaces/default/deployments", {
    metadata: { name: "sel" },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  });
  expect(d.status).toBe(201);
  const put = await h.call("PUT", "/apis/apps/v1/namespaces/default/deployments/sel", reordered(d.body));
  expect(put.status).toBe(200);
});
