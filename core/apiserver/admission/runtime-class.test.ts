/** RuntimeClass admission: unknown classes are Forbidden, overhead and scheduling come from the class (upstream plugin/pkg/admission/runtimeclass). */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../testing/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const rcs = [
    { metadata: { name: "plain" }, handler: "runc" },
    { metadata: { name: "with-overhead" }, handler: "runc", overhead: { podFixed: { cpu: "10m", memory: "1Mi" } } },
    { metadata: { name: "pinned" }, handler: "runc", scheduling: { nodeSelector: { pool: "a" }, tolerations: [{ key: "pool", operator: "Exists", effect: "NoSchedule" }] } },
  ];
  for (const rc of rcs) expect((await h.call("POST", "/apis/node.k8s.io/v1/runtimeclasses", rc)).status).toBe(201);
});
afterAll(async () => { await h.close(); });

const PODS = "/api/v1/namespaces/default/pods";
const pod = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } });

test("a pod naming a RuntimeClass that does not exist is Forbidden (dry run too)", async () => {
  for (const path of [PODS, `${PODS}?dryRun=All`]) {
    const r = await h.call("POST", path, pod("missing", { runtimeClassName: "nope" }));
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('pods "missing" is forbidden: pod rejected: RuntimeClass "nope" not found');
  }
});

test("the class's overhead becomes the pod's; none without one; a different overhead is Forbidden", async () => {
  const plain = await h.call("POST", PODS, pod("plain", { runtimeClassName: "plain" }));
  expect(plain.status).toBe(201);
  expect(plain.body.spec.overhead).toBeUndefined();
  const withOverhead = await h.call("POST", PODS, pod("overhead", { runtimeClassName: "with-overhead" }));
  expect(withOverhead.status).toBe(201);
  expect(withOverhead.body.spec.overhead).toEqual({ cpu: "10m", memory: "1Mi" });
  const mismatch = await h.call("POST", PODS, pod("mismatch", { runtimeClassName: "with-overhead", overhead: { cpu: "1" } }));
  expect(mismatch.status).toBe(403);
  expect(mismatch.body.message).toContain("pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
  const stray = await h.call("POST", PODS, pod("stray", { overhead: { cpu: "1" } }));
  expect(stray.status).toBe(403);
  expect(stray.body.message).toContain("pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead");
});

test("the class's scheduling merges into nodeSelector and tolerations; a conflicting selector is Forbidden", async () => {
  const pinned = await h.call("POST", PODS, pod("pinned", { runtimeClassName: "pinned", nodeSelector: { disk: "ssd" } }));
  expect(pinned.status).toBe(201);
  expect(pinned.body.spec.nodeSelector).toEqual({ disk: "ssd", pool: "a" });
  expect(pinned.body.spec.tolerations).toContainEqual({ key: "pool", operator: "Exists", effect: "NoSchedule" });
  const conflict = await h.call("POST", PODS, pod("conflict", { runtimeClassName: "pinned", nodeSelector: { pool: "b" } }));
  expect(conflict.status).toBe(403);
  expect(conflict.body.message).toContain("conflict: runtimeClass.scheduling.nodeSelector[pool] = a; pod.spec.nodeSelector[pool] = b");
});
