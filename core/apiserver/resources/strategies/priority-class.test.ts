import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const PCS = "/apis/scheduling.k8s.io/v1/priorityclasses";

test("a PriorityClass's value is immutable; its description is not; preemptionPolicy defaults", async () => {
  const created = await h.call("POST", PCS, { metadata: { name: "pc" }, value: 10 });
  expect(created.status).toBe(201);
  expect(created.body.preemptionPolicy).toBe("PreemptLowerPriority");
  const bumped = await h.call("PATCH", `${PCS}/pc`, { value: 100 }, { "content-type": "application/merge-patch+json" });
  expect(bumped.status).toBe(422);
  expect(bumped.body.message).toContain("value: Forbidden: may not be changed in an update.");
  const put = await h.call("PUT", `${PCS}/pc`, { ...created.body, value: 100 });
  expect(put.status).toBe(422);
  const described = await h.call("PATCH", `${PCS}/pc`, { description: "updated description" }, { "content-type": "application/merge-patch+json" });
  expect(described.status).toBe(200);
  expect(described.body.description).toBe("updated description");
  const policy = await h.call("PATCH", `${PCS}/pc`, { preemptionPolicy: "Never" }, { "content-type": "application/merge-patch+json" });
  expect(policy.status).toBe(422);
});
