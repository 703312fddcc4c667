import { describe, expect, test } from "bun:test";
import { existingNodePatch, initialNode, type NodeIdentity } from "./node-object.ts";

describe("node object", () => {
  const id: NodeIdentity = { nodeName: "n1", hostname: "n1", role: "agent", operatingSystem: "linux", architecture: "arm64", labels: { "a.example/x": "1" }, taints: [] };

  test("a new node has no taints unless given", () => {
    expect(initialNode(id).spec).toEqual({});
    expect(initialNode(id).metadata.labels?.["kubernetes.io/arch"]).toBe("arm64");
  });

  test("an up-to-date node needs no patch; a drifted one gets only the differing owned labels", () => {
    const node = initialNode(id);
    expect(existingNodePatch(node, id)).toBeUndefined();
    node.metadata.labels = { ...node.metadata.labels, "kubernetes.io/hostname": "other", "user/label": "kept" };
    expect(existingNodePatch(node, id)).toEqual({ metadata: { labels: { "kubernetes.io/hostname": "n1" } } });
  });
});
