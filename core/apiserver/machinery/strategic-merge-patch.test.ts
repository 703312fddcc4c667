import { describe, expect, test } from "bun:test";
import { builtinPatchMeta, builtinPatchMetaKinds } from "./builtin-patch-meta.ts";
import { applyStrategicMergePatch, createPatchMetaFromTable, PatchError } from "./strategic-merge-patch.ts";

const deployMeta = builtinPatchMeta("apps", "Deployment");
const podMeta = builtinPatchMeta("", "Pod");

/** The schema of upstream patch_test.go's MergeItem, one level deep. */
const testMeta = createPatchMetaFromTable({
  mergingList: { strategy: "merge", mergeKey: "name" },
  "mergingList.mergingList": { strategy: "merge", mergeKey: "name" },
  mergingIntList: { strategy: "merge" },
  replacingItem: { strategy: "replace" },
  retainKeysMap: { strategy: "retainKeys" },
  "retainKeysMap.mergingList": { strategy: "merge", mergeKey: "name" },
  retainKeysMergingList: { strategy: "merge,retainKeys", mergeKey: "name" },
});
const smp = (doc: unknown, patch: unknown) => applyStrategicMergePatch(doc, patch, testMeta);

describe("kubectl bodies (kubectl-contract §6.1, §7)", () => {
  const deploy = () => ({
    metadata: { name: "web", labels: { app: "web", tier: "fe" } },
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            { name: "c", image: "nginx:1.25", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }] },
            { name: "sidecar", image: "busybox" },
          ],
          tolerations: [{ key: "a", operator: "Exists" }],
        },
      },
    },
  });

  test("set image with $setElementOrder/containers", () => {
    const out = applyStrategicMergePatch(
      deploy(),
      { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "c" }, { name: "sidecar" }], containers: [{ image: "nginx:1.26", name: "c" }] } } } },
      deployMeta,
    ) as ReturnType<typeof deploy>;
    expect(out.spec.template.spec.containers).toEqual([
      { name: "c", image: "nginx:1.26", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }] },
      { name: "sidecar", image: "busybox" },
    ]);
    expect(JSON.stringify(out)).not.toContain("$setElementOrder");
  });

  test("set image where $setElementOrder names only one of two containers keeps the other", () => {
    const out = applyStrategicMergePatch(
      deploy(),
      { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "c" }], containers: [{ image: "nginx:1.26", name: "c" }] } } } },
      deployMeta,
    ) as ReturnType<typeof deploy>;
    expect(out.spec.template.spec.containers.map((c) => [c.name, c.image])).toEqual([
      ["c", "nginx:1.26"],
      ["sidecar", "busybox"],
    ]);
  });

  test("set env merges env by name", () => {
    const out = applyStrategicMergePatch(
      deploy(),
      { spec: { template: { spec: { containers: [{ name: "c", env: [{ name: "B", value: "2" }, { name: "A", value: "9" }] }] } } } },
      deployMeta,
    ) as ReturnType<typeof deploy>;
    expect(out.spec.template.spec.containers[0]!.env).toEqual([
      { name: "B", value: "2" },
      { name: "A", value: "9" },
    ]);
  });

  test("rollout restart annotation", () => {
    const out = applyStrategicMergePatch(
      deploy(),
      { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z" } } } } },
      deployMeta,
    ) as { spec: { template: { metadata: unknown } } };
    expect(out.spec.template.metadata).toEqual({
      labels: { app: "web" },
      annotations: { "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z" },
    });
  });

  test("rollout pause / resume", () => {
    const paused = applyStrategicMergePatch(deploy(), { spec: { paused: true } }, deployMeta) as { spec: { paused?: boolean } };
    expect(paused.spec.paused).toBe(true);
    const resumed = applyStrategicMergePatch(paused, { spec: { paused: null } }, deployMeta) as { spec: object };
    expect("paused" in resumed.spec).toBe(false);
  });

  test("cordon / uncordon", () => {
    const nodeMeta = builtinPatchMeta("", "Node");
    const node = { metadata: { name: "n" }, spec: { podCIDR: "10.42.0.0/24" } };
    const cordoned = applyStrategicMergePatch(node, { spec: { unschedulable: true } }, nodeMeta);
    expect(cordoned).toEqual({ metadata: { name: "n" }, spec: { podCIDR: "10.42.0.0/24", unschedulable: true } });
    expect(applyStrategicMergePatch(cordoned, { spec: { unschedulable: null } }, nodeMeta)).toEqual(node);
  });

  test("label removal with null", () => {
    const out = applyStrategicMergePatch(deploy(), { metadata: { labels: { tier: null } } }, deployMeta) as ReturnType<typeof deploy>;
    expect(out.metadata.labels as Record<string, string>).toEqual({ app: "web" });
  });

  test("tolerations have no strategy: replaced whole", () => {
    const out = applyStrategicMergePatch(
      deploy(),
      { spec: { template: { spec: { tolerations: [{ key: "b", operator: "Exists" }] } } } },
      deployMeta,
    ) as ReturnType<typeof deploy>;
    expect(out.spec.template.spec.tolerations).toEqual([{ key: "b", operator: "Exists" }]);
  });

  test("finalizers merge as a set; $deleteFromPrimitiveList removes", () => {
    const pod = { metadata: { finalizers: ["a", "b"] } };
    expect(applyStrategicMergePatch(pod, { metadata: { finalizers: ["b", "c"] } }, podMeta)).toEqual({
      metadata: { finalizers: ["a", "b", "c"] },
    });
    expect(applyStrategicMergePatch(pod, { metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } }, podMeta)).toEqual({
      metadata: { finalizers: ["b"] },
    });
  });

  test("deployment spec.strategy retainKeys (kubectl apply switching to Recreate)", () => {
    const d = { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } };
    const out = applyStrategicMergePatch(d, { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } }, deployMeta);
    expect(out).toEqual({ spec: { strategy: { type: "Recreate" } } });
  });

  test("volumes merge,retainKeys by name", () => {
    const pod = { spec: { volumes: [{ name: "v", emptyDir: {} }, { name: "w", emptyDir: {} }] } };
    const out = applyStrategicMergePatch(
      pod,
      { spec: { volumes: [{ name: "v", $retainKeys: ["name", "configMap"], configMap: { name: "cm" } }] } },
      podMeta,
    );
    expect(out).toEqual({ spec: { volumes: [{ name: "v", configMap: { name: "cm" } }, { name: "w", emptyDir: {} }] } });
  });

  test("status conditions merge by type", () => {
    const pod = { status: { conditions: [{ type: "Ready", status: "False" }, { type: "PodScheduled", status: "True" }] } };
    const out = applyStrategicMergePatch(pod, { status: { conditions: [{ type: "Ready", status: "True" }] } }, podMeta);
    expect(out).toEqual({ status: { conditions: [{ type: "Ready", status: "True" }, { type: "PodScheduled", status: "True" }] } });
  });

  test("container delete directive", () => {
    const out = applyStrategicMergePatch(
      deploy(),
      { spec: { template: { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } } } },
      deployMeta,
    ) as ReturnType<typeof deploy>;
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(["c"]);
  });
});

describe("upstream patch_test.go semantics", () => {
  test("unique scalars when merging lists", () => {
    expect(smp({ mergingIntList: [1, 2] }, { mergingIntList: [2, 3] })).toEqual({ mergingIntList: [1, 2, 3] });
  });
  test("$patch: delete on a map yields an empty map", () => {
    expect(smp({ simpleMap: { key1: 1, key2: 1 } }, { simpleMap: { $patch: "delete" } })).toEqual({ simpleMap: {} });
  });
  test("$patch: replace list element empties the list", () => {
    expect(smp({ mergingList: [{ name: 1 }, { name: 2 }] }, { mergingList: [{ $patch: "replace" }] })).toEqual({ mergingList: [] });
  });
  test("$patch: replace on the root map", () => {
    expect(smp({ name: 1, value: 1 }, { other: "a", $patch: "replace" })).toEqual({ other: "a" });
  });
  test("delete all duplicate entries in a merging list", () => {
    expect(
      smp(
        { mergingList: [{ name: 1 }, { name: 1 }, { name: 2, value: "a" }, { name: 3 }, { name: 3 }] },
        { mergingList: [{ name: 1, $patch: "delete" }, { name: 3, $patch: "delete" }] },
      ),
    ).toEqual({ mergingList: [{ name: 2, value: "a" }] });
  });
  test("add an item in a list of primitives and preserve order", () => {
    expect(smp({ mergingIntList: [1, 4, 2] }, { "$setElementOrder/mergingIntList": [3, 1, 2], mergingIntList: [3] })).toEqual({
      mergingIntList: [3, 1, 4, 2],
    });
  });
  test("set elements order in a list with server-only items 3", () => {
    const current = {
      mergingList: [{ name: 1, other: "a" }, { name: 2, value: 2 }, { name: 7 }, { name: 9 }, { name: 8 }, { name: 3, value: 3 }, { name: 4, value: 4 }],
    };
    const patch = { "$setElementOrder/mergingList": [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }] };
    expect(smp(current, patch)).toEqual({
      mergingList: [{ name: 2, value: 2 }, { name: 1, other: "a" }, { name: 7 }, { name: 9 }, { name: 8 }, { name: 4, value: 4 }, { name: 3, value: 3 }],
    });
  });
  test("add map and delete map from merging list (server-only item keeps its slot)", () => {
    const current = { mergingList: [{ name: 1 }, { name: 2, other: "b" }, { name: 4, other: "c" }] };
    const patch = {
      "$setElementOrder/mergingList": [{ name: 2 }, { name: 3 }],
      mergingList: [{ name: 3 }, { name: 1, $patch: "delete" }],
    };
    expect(smp(current, patch)).toEqual({ mergingList: [{ name: 2, other: "b" }, { name: 4, other: "c" }, { name: 3 }] });
  });
  test("new items without $setElementOrder go first", () => {
    expect(smp({ mergingList: [{ name: 1 }, { name: 2 }] }, { mergingList: [{ name: 3 }] })).toEqual({
      mergingList: [{ name: 3 }, { name: 1 }, { name: 2 }],
    });
  });
  test("retainKeys map clears a field and rejects keys outside the list", () => {
    expect(smp({ retainKeysMap: { name: "foo", value: "a" } }, { retainKeysMap: { $retainKeys: ["name"] } })).toEqual({
      retainKeysMap: { name: "foo" },
    });
    expect(() => smp({ retainKeysMap: { name: "foo" } }, { retainKeysMap: { $retainKeys: ["name"], value: "x" } })).toThrow(
      "invalid patch format of retainKeys",
    );
  });
  test("replace strategy on a map", () => {
    expect(smp({ replacingItem: { a: 1, b: 2 } }, { replacingItem: { c: 3 } })).toEqual({ replacingItem: { c: 3 } });
  });
  test("null values in a newly added value are dropped", () => {
    expect(smp({}, { simpleMap: { a: "1", b: null } })).toEqual({ simpleMap: { a: "1" } });
  });
  test("a patch value of another type replaces the original", () => {
    expect(smp({ a: { b: 1 } }, { a: "x" })).toEqual({ a: "x" });
  });
  test("lists without strategy are replaced", () => {
    expect(smp({ nonMergingList: [{ name: 1 }, { name: 2 }] }, { nonMergingList: [{ name: 3 }] })).toEqual({
      nonMergingList: [{ name: 3 }],
    });
  });
  test("unknown $ keys are never stored", () => {
    expect(smp({ a: 1 }, { $foo: 1, b: { $bar: 2, c: 3 } })).toEqual({ a: 1, b: { c: 3 } });
  });
});

describe("errors", () => {
  const status = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(PatchError);
      return [(e as PatchError).status, (e as PatchError).message] as const;
    }
    throw new Error("no error");
  };
  test("missing merge key", () => {
    expect(status(() => smp({ mergingList: [{ name: 1 }] }, { mergingList: [{ value: "x" }] }))).toEqual([
      500,
      "map: map[value:x] does not contain declared merge key: name",
    ]);
  });
  test("lists of lists", () => {
    expect(status(() => smp({ mergingIntList: [[1]] }, { mergingIntList: [[2]] }))).toEqual([422, "lists of lists are not supported"]);
  });
  test("bad $patch value", () => {
    expect(status(() => smp({ m: { a: 1 } }, { m: { $patch: "frob" } }))[1]).toBe("unknown patch type: frob in map: map[$patch:frob]");
  });
  test("$patch: merge in a list is not supported upstream", () => {
    expect(status(() => smp({ mergingList: [{ name: 1 }] }, { mergingList: [{ $patch: "merge" }] }))[1]).toBe(
      "merging lists cannot yet be specified in the patch",
    );
  });
  test("not an object", () => {
    expect(status(() => smp({}, []))).toEqual([400, "invalid JSON document"]);
  });
  test("bad $setElementOrder key", () => {
    expect(status(() => smp({}, { $setElementOrder: [] }))).toEqual([400, "invalid patch format of setElementOrder list"]);
  });
});

describe("inputs are never mutated", () => {
  test("deep-frozen inputs", () => {
    const freeze = <T>(v: T): T => {
      if (v && typeof v === "object") {
        for (const x of Object.values(v)) freeze(x);
        Object.freeze(v);
      }
      return v;
    };
    const doc = freeze({ mergingList: [{ name: 1, mergingList: [{ name: "a" }] }], m: { x: 1 } });
    const patch = freeze({
      "$setElementOrder/mergingList": [{ name: 2 }, { name: 1 }],
      mergingList: [{ name: 2 }, { name: 1, mergingList: [{ name: "b" }] }],
      m: { x: null, y: 2 },
    });
    expect(smp(doc, patch)).toEqual({
      mergingList: [{ name: 2 }, { name: 1, mergingList: [{ name: "b" }, { name: "a" }] }],
      m: { y: 2 },
    });
  });
});

describe("builtinPatchMeta (k8s.io/api v0.32.4 tags)", () => {
  test("pod template paths in workload kinds", () => {
    for (const kind of ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"]) {
      const m = builtinPatchMeta("apps", kind);
      expect(m.lookup(["spec", "template", "spec", "containers"])).toEqual({ strategy: "merge", mergeKey: "name" });
      expect(m.lookup(["spec", "template", "spec", "containers", "ports"])).toEqual({ strategy: "merge", mergeKey: "containerPort" });
      expect(m.lookup(["spec", "template", "spec", "volumes"])).toEqual({ strategy: "merge,retainKeys", mergeKey: "name" });
      expect(m.lookup(["status", "conditions"])).toEqual({ strategy: "merge", mergeKey: "type" });
    }
    expect(builtinPatchMeta("batch", "CronJob").lookup(["spec", "jobTemplate", "spec", "template", "spec", "initContainers", "env"])).toEqual({
      strategy: "merge",
      mergeKey: "name",
    });
  });
  test("specific fields", () => {
    expect(podMeta.lookup(["spec", "tolerations"])).toBeUndefined();
    expect(podMeta.lookup(["spec", "imagePullSecrets"])).toEqual({ strategy: "merge", mergeKey: "name" });
    expect(podMeta.lookup(["status", "podIPs"])).toEqual({ strategy: "merge", mergeKey: "ip" });
    expect(builtinPatchMeta("", "Service").lookup(["spec", "ports"])).toEqual({ strategy: "merge", mergeKey: "port" });
    expect(builtinPatchMeta("", "Node").lookup(["status", "addresses"])).toEqual({ strategy: "merge", mergeKey: "type" });
    expect(builtinPatchMeta("", "Node").lookup(["spec", "taints"])).toBeUndefined();
    expect(builtinPatchMeta("apps", "Deployment").lookup(["spec", "strategy"])).toEqual({ strategy: "retainKeys" });
  });
  test("every kind, known or not, merges ObjectMeta lists", () => {
    for (const id of [...builtinPatchMetaKinds(), "example.com/Widget"]) {
      const [group, kind] = id.split("/") as [string, string];
      const m = builtinPatchMeta(group, kind);
      expect(m.lookup(["metadata", "ownerReferences"])).toEqual({ strategy: "merge", mergeKey: "uid" });
      expect(m.lookup(["metadata", "finalizers"])).toEqual({ strategy: "merge" });
    }
  });
});
