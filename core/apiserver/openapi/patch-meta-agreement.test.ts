import { describe, expect, test } from "bun:test";
import { patchMetaFor } from "@lite/sdk";
import { builtinPatchMeta } from "../machinery/builtin-patch-meta.ts";

// The declarations (which feed OpenAPI's x-kubernetes-patch-* extensions) must agree with the
// strategic-merge-patch engine's own transcription of the upstream tags.
describe("declared patch metadata", () => {
  const pod = patchMetaFor("", "v1", "Pod")!;
  test("agrees with the hand-written table of the strategic-merge-patch engine", () => {
    const table = builtinPatchMeta("", "Pod");
    for (const path of [["spec", "containers"], ["spec", "containers", "ports"], ["spec", "volumes"], ["spec", "initContainers", "env"],
      ["spec", "imagePullSecrets"], ["spec", "hostAliases"], ["spec", "topologySpreadConstraints"], ["spec", "schedulingGates"],
      ["status", "podIPs"], ["metadata", "finalizers"], ["metadata", "ownerReferences"]]) {
      const mine = pod.lookup(path);
      const theirs = table.lookup(path);
      expect({ path, strategy: mine?.strategy, mergeKey: mine?.mergeKey }).toEqual({ path, strategy: theirs?.strategy, mergeKey: theirs?.mergeKey });
    }
  });
});
