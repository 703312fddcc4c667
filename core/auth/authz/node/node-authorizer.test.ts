import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Attributes } from "../../../apiserver/authz/types.ts";
import { startHarness, type Harness } from "../../../apiserver/testing/harness.ts";
import { nodeRules } from "../bootstrap/cluster-roles.ts";
import { createNodeAuthorizer } from "./node-authorizer.ts";
import { createNodeGraph, type NodeGraph } from "./node-graph.ts";

let h: Harness;
let graph: NodeGraph;
let decide: ReturnType<typeof createNodeAuthorizer>;
const n1 = { username: "system:node:n1", groups: ["system:nodes", "system:authenticated"] };
const at = (verb: string, resource: string, namespace: string, name: string, extra: Partial<Attributes> = {}): Attributes => ({
  user: n1, verb, isResourceRequest: true, path: "", apiGroup: "", apiVersion: "v1", namespace, resource, subresource: "", name, ...extra,
});

beforeAll(async () => {
  h = await startHarness();
  const podOn = (name: string, node: string, secret: string, cm: string) => ({
    apiVersion: "v1", kind: "Pod", metadata: { name },
    spec: {
      nodeName: node, serviceAccountName: "sa1", imagePullSecrets: [{ name: `pull-${secret}` }],
      containers: [{ name: "c", image: "x", envFrom: [{ configMapRef: { name: cm } }] }],
      volumes: [{ name: "s", secret: { secretName: secret } }, { name: "p", persistentVolumeClaim: { claimName: `claim-${node}` } }],
    },
  });
  expect((await h.call("POST", "/api/v1/namespaces/default/pods", podOn("p1", "n1", "s1", "cm1"))).status).toBe(201);
  expect((await h.call("POST", "/api/v1/namespaces/default/pods", podOn("p2", "n2", "s2", "cm2"))).status).toBe(201);
  expect((await h.call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", {
    apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "claim-n1" }, spec: { volumeName: "pv1", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
  })).status).toBe(201);
  graph = createNodeGraph({ pods: h.server.watchCache("", "v1", "pods")!, pvcs: h.server.watchCache("", "v1", "persistentvolumeclaims")! });
  decide = createNodeAuthorizer(graph, nodeRules());
  await Bun.sleep(50);
});
afterAll(async () => { graph.stop(); await h.close(); });

describe("node authorizer", () => {
  test("reads only what its pods use", () => {
    expect(decide(at("get", "secrets", "default", "s1")).decision).toBe("allow");
    expect(decide(at("get", "secrets", "default", "pull-s1")).decision).toBe("allow");
    expect(decide(at("get", "configmaps", "default", "cm1")).decision).toBe("allow");
    expect(decide(at("get", "persistentvolumeclaims", "default", "claim-n1")).decision).toBe("allow");
    expect(decide(at("get", "persistentvolumes", "", "pv1")).decision).toBe("allow");
    expect(decide(at("create", "serviceaccounts", "default", "sa1", { subresource: "token" })).decision).toBe("allow");
    expect(decide(at("get", "pods", "default", "p1")).decision).toBe("allow");
    // Another node's pod and secret.
    expect(decide(at("get", "secrets", "default", "s2"))).toEqual({ decision: "noOpinion", reason: "no relationship found between node 'n1' and this object" });
    expect(decide(at("get", "pods", "default", "p2")).decision).toBe("noOpinion");
    expect(decide(at("list", "secrets", "default", "")).reason).toBe("No Object name found");
    expect(decide(at("delete", "secrets", "default", "s1")).reason).toBe("can only read resources of this type");
  });

  test("pods by field selector, its own Node and Lease; static rules for the rest; non-nodes get no opinion", () => {
    expect(decide(at("list", "pods", "", "", { fieldSelector: "spec.nodeName=n1" })).decision).toBe("allow");
    expect(decide(at("list", "pods", "", "", { fieldSelector: "spec.nodeName=n2" })).reason).toBe("can only list/watch pods with spec.nodeName field selector");
    expect(decide(at("get", "nodes", "", "n1")).decision).toBe("allow");
    expect(decide(at("get", "nodes", "", "n2")).reason).toBe("node 'n1' cannot read 'n2', only its own Node object");
    expect(decide(at("update", "pods", "default", "p1", { subresource: "status" })).decision).toBe("allow");
    expect(decide(at("update", "leases", "kube-node-lease", "n1", { apiGroup: "coordination.k8s.io" })).decision).toBe("allow");
    expect(decide(at("update", "leases", "kube-node-lease", "n2", { apiGroup: "coordination.k8s.io" })).reason).toBe("can only access node lease with the same name as the requesting node");
    expect(decide(at("list", "services", "", "")).decision).toBe("allow");
    expect(decide(at("delete", "services", "default", "x")).decision).toBe("noOpinion");
    expect(decide({ ...at("get", "secrets", "default", "s1"), user: { username: "bob", groups: [] } })).toEqual({ decision: "noOpinion", reason: "" });
  });

  test("follows pod changes", async () => {
    await h.call("DELETE", "/api/v1/namespaces/default/pods/p1?gracePeriodSeconds=0");
    await Bun.sleep(50);
    expect(decide(at("get", "secrets", "default", "s1")).decision).toBe("noOpinion");
  });
});
