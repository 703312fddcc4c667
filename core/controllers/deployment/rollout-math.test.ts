import { describe, expect, test } from "bun:test";
import { maxSurge, maxUnavailable, resolveFenceposts, scaledValue } from "./int-or-percent.ts";
import { proportion } from "./scaling.ts";
import { computeHash, equalIgnoreHash, safeEncodeString } from "./template-hash.ts";
import type { Deployment, ReplicaSet } from "./types.ts";

const dep = (replicas: number, surge: number | string, unavailable: number | string): Deployment => ({
  metadata: { name: "d" }, spec: { replicas, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } },
});

describe("rollout arithmetic (upstream deploymentutil)", () => {
  test("percentages: surge rounds up, unavailable rounds down; 0/0 becomes unavailable 1", () => {
    expect(scaledValue("25%", 10, true)).toBe(3);
    expect(scaledValue("25%", 10, false)).toBe(2);
    expect(scaledValue(4, 10, true)).toBe(4);
    expect(resolveFenceposts("0%", "0%", 3)).toEqual([0, 1]);
    expect(resolveFenceposts(0, 0, 3)).toEqual([0, 1]);
    expect(() => scaledValue("abc", 10, true)).toThrow();
    expect(maxSurge(dep(10, "25%", "25%"))).toBe(3);
    expect(maxUnavailable(dep(10, "25%", "25%"))).toBe(2);
    expect(maxUnavailable(dep(2, 0, 5))).toBe(2); // capped at replicas
    expect(maxUnavailable(dep(0, 1, 1))).toBe(0);
    expect(maxSurge({ metadata: {}, spec: { replicas: 3, strategy: { type: "Recreate" } } })).toBe(0);
  });

  test("proportional share: rounded fraction of the new size, bounded by what is left", () => {
    const d = { ...dep(30, 3, 2), status: { replicas: 13 } };
    const rs = (replicas: number, max?: number): ReplicaSet => ({ metadata: { annotations: max ? { "deployment.kubernetes.io/max-replicas": String(max) } : {} }, spec: { replicas } });
    expect(proportion(rs(8, 13), d, 20, 0)).toBe(12); // round(8*33/13 = 20.3) - 8
    expect(proportion(rs(5, 13), d, 20, 12)).toBe(8); // round(12.69) - 5, bounded by 8
    expect(proportion(rs(5), d, 20, 12)).toBe(8); // no annotation: status.replicas
    expect(proportion(rs(0, 13), d, 20, 0)).toBe(0);
  });

  test("pod-template-hash: safe alphabet, stable, changes with the template and the collision count; equality ignores it", () => {
    const t = { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };
    const h = computeHash(t);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(computeHash(structuredClone(t))).toBe(h);
    expect(computeHash({ ...t, spec: { containers: [{ image: "nginx", name: "c" }] } })).toBe(h); // key order irrelevant
    expect(computeHash(t, 1)).not.toBe(h);
    expect(computeHash({ ...t, spec: { containers: [{ name: "c", image: "nginx:2" }] } })).not.toBe(h);
    expect(safeEncodeString("0123456789")).toBe("456789bcdf"); // byte % 27 into the alphabet, as rand.SafeEncodeString
    expect(equalIgnoreHash({ ...t, metadata: { labels: { a: "b", "pod-template-hash": h } } }, t)).toBe(true);
    expect(equalIgnoreHash({ ...t, metadata: { labels: { a: "c" } } }, t)).toBe(false);
  });
});
