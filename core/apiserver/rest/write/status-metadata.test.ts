/**
 * What a write through /status keeps of the metadata it sends, per kind, as upstream's status
 * strategies decide: most built-in kinds reset only the spec (the conformance tests "Pods should
 * patch a pod status", "Namespaces should apply changes to a namespace status", "Ingress API"
 * patch an annotation through /status and read it back); Pods keep their ownerReferences,
 * Deployments their labels; kinds using ResetObjectMetaForStatus, custom resources, FlowSchemas
 * and APIServices keep all stored metadata.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const MERGE = { "content-type": "application/merge-patch+json" };
const owner = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: "8d3b4f0e-0000-4000-8000-000000000001" };
const sent = { labels: { patched: "label" }, annotations: { patchedstatus: "true" }, finalizers: ["example.com/f"], ownerReferences: [owner] };
const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: "c", image: "busybox" }] } });

interface Case { name: string; collection: string; body: Record<string, unknown>; status: Record<string, unknown>; kept: (keyof typeof sent)[] }
const ALL: (keyof typeof sent)[] = ["labels", "annotations", "finalizers", "ownerReferences"];
const cases: Case[] = [
  { name: "Pod", collection: "/api/v1/namespaces/default/pods", body: { spec: { containers: [{ name: "c", image: "busybox" }] } }, status: { message: "Patched by e2e test", reason: "E2E" }, kept: ["labels", "annotations", "finalizers"] },
  { name: "Node", collection: "/api/v1/nodes", body: {}, status: { phase: "Running" }, kept: ALL },
  { name: "Namespace", collection: "/api/v1/namespaces", body: {}, status: { conditions: [{ type: "StatusPatch", status: "True", reason: "E2E", message: "patched" }] }, kept: ALL },
  { name: "Deployment", collection: "/apis/apps/v1/namespaces/default/deployments", body: { spec: { selector: { matchLabels: { a: "d" } }, template: template({ a: "d" }) } }, status: { observedGeneration: 1 }, kept: ["annotations", "finalizers", "ownerReferences"] },
  { name: "ReplicaSet", collection: "/apis/apps/v1/namespaces/default/replicasets", body: { spec: { selector: { matchLabels: { a: "r" } }, template: template({ a: "r" }) } }, status: { replicas: 0, observedGeneration: 1 }, kept: ALL },
  { name: "Ingress", collection: "/apis/networking.k8s.io/v1/namespaces/default/ingresses", body: { spec: { defaultBackend: { service: { name: "s", port: { number: 80 } } } } }, status: { loadBalancer: { ingress: [{ ip: "203.0.113.7" }] } }, kept: ALL },
  { name: "PodDisruptionBudget", collection: "/apis/policy/v1/namespaces/default/poddisruptionbudgets", body: { spec: { minAvailable: 1 } }, status: { currentHealthy: 0, desiredHealthy: 1, disruptionsAllowed: 0, expectedPods: 0, observedGeneration: 1 }, kept: ALL },
  { name: "VolumeAttachment", collection: "/apis/storage.k8s.io/v1/volumeattachments", body: { spec: { attacher: "csi.example.com", nodeName: "n1", source: { persistentVolumeName: "pv1" } } }, status: { attached: true }, kept: [] },
  { name: "FlowSchema", collection: "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas", body: { spec: { priorityLevelConfiguration: { name: "global-default" }, matchingPrecedence: 9000 } }, status: { conditions: [{ type: "Dangling", status: "False" }] }, kept: [] },
];

describe("metadata sent with a /status write", () => {
  for (const c of cases) {
    test(`${c.name}: keeps ${c.kept.length ? c.kept.join(", ") : "nothing"} of the metadata sent, never the spec`, async () => {
      const name = `status-meta-${c.name.toLowerCase()}`;
      const created = await h.call("POST", c.collection, { metadata: { name }, ...c.body });
      expect(created.status).toBe(201);
      const patched = await h.call("PATCH", `${c.collection}/${name}/status`, { metadata: sent, spec: { unschedulable: true, replicas: 7 }, status: c.status }, MERGE);
      expect(patched.status).toBe(200);
      const meta = patched.body.metadata;
      for (const field of ALL) {
        const merged = Array.isArray(sent[field]) ? sent[field] : { ...created.body.metadata[field], ...sent[field] }; // a merge patch
        if (c.kept.includes(field)) expect(meta[field]).toEqual(merged);
        else expect(meta[field]).toEqual(created.body.metadata[field]);
      }
      expect(patched.body.spec).toEqual(created.body.spec);
      expect(meta.uid).toBe(created.body.metadata.uid);
      expect(meta.generation).toBe(created.body.metadata.generation);
      for (const [k, v] of Object.entries(c.status)) expect(patched.body.status[k]).toEqual(v);
      // Let the object go: the test finalizer was kept on some kinds.
      if (meta.finalizers) expect((await h.call("PATCH", `${c.collection}/${name}`, { metadata: { finalizers: null } }, MERGE)).status).toBe(200);
    });
  }

  test("a custom resource's /status write keeps only its status (upstream customresource statusStrategy)", async () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "gadgets.status.example.com" },
      spec: {
        group: "status.example.com", scope: "Namespaced", names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
        versions: [{ name: "v1", served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } }, status: { type: "object", properties: { ready: { type: "boolean" } } } } } } }],
      },
    };
    expect((await h.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).status).toBe(201);
    const path = "/apis/status.example.com/v1/namespaces/default/gadgets";
    let created: { status: number; body: Record<string, any> } = { status: 0, body: {} };
    for (let i = 0; i < 100 && created.status !== 201; i++) {
      created = await h.call("POST", path, { apiVersion: "status.example.com/v1", kind: "Gadget", metadata: { name: "g", labels: { a: "1" } }, spec: { size: 1 } });
      if (created.status !== 201) await Bun.sleep(20);
    }
    expect(created.status).toBe(201);
    const patched = await h.call("PATCH", `${path}/g/status`, { metadata: sent, spec: { size: 2 }, status: { ready: true } }, MERGE);
    expect(patched.status).toBe(200);
    expect(patched.body.metadata.labels).toEqual({ a: "1" });
    expect(patched.body.metadata.annotations).toBeUndefined();
    expect(patched.body.metadata.finalizers).toBeUndefined();
    expect(patched.body.spec).toEqual({ size: 1 });
    expect(patched.body.status).toEqual({ ready: true });
  });
});

describe("managedFields of /status writes", () => {
  test("a PUT and a PATCH of /status are recorded as Updates of subresource status, owning the status fields written", async () => {
    const base = "/apis/apps/v1/namespaces/default/replicasets";
    const spec = { selector: { matchLabels: { a: "mf" } }, template: template({ a: "mf" }) };
    expect((await h.call("POST", `${base}?fieldManager=creator`, { metadata: { name: "status-mf" }, spec })).status).toBe(201);
    const live = (await h.call("GET", `${base}/status-mf`)).body;
    const put = await h.call("PUT", `${base}/status-mf/status?fieldManager=status-writer`, { ...live, status: { replicas: 0, observedGeneration: 1 } });
    expect(put.status).toBe(200);
    const patched = await h.call("PATCH", `${base}/status-mf/status?fieldManager=status-patcher`, { status: { availableReplicas: 0 } }, MERGE);
    expect(patched.status).toBe(200);
    const entries = patched.body.metadata.managedFields as { manager: string; operation: string; subresource?: string; fieldsV1: Record<string, unknown> }[];
    const byManager = Object.fromEntries(entries.map((e) => [e.manager, e]));
    expect(byManager.creator).toMatchObject({ operation: "Update" });
    expect(byManager.creator!.subresource).toBeUndefined();
    expect(byManager["status-writer"]).toMatchObject({ operation: "Update", subresource: "status" });
    expect(Object.keys(byManager["status-writer"]!.fieldsV1)).toEqual(["f:status"]);
    expect(byManager["status-writer"]!.fieldsV1["f:status"]).toHaveProperty("f:observedGeneration");
    expect(byManager["status-patcher"]).toMatchObject({ operation: "Update", subresource: "status", fieldsV1: { "f:status": { "f:availableReplicas": {} } } });
  });

  test("a namespace finalize PUT is recorded as an Update of subresource finalize owning spec.finalizers", async () => {
    expect((await h.call("POST", "/api/v1/namespaces?fieldManager=creator", { metadata: { name: "finalize-mf" } })).status).toBe(201);
    const live = (await h.call("GET", "/api/v1/namespaces/finalize-mf")).body;
    const put = await h.call("PUT", "/api/v1/namespaces/finalize-mf/finalize?fieldManager=finalizer", { ...live, spec: { finalizers: ["example.com/x"] } });
    expect(put.status).toBe(200);
    const entry = (put.body.metadata.managedFields as { manager: string; subresource?: string; fieldsV1: Record<string, unknown> }[]).find((e) => e.manager === "finalizer");
    expect(entry).toMatchObject({ subresource: "finalize", fieldsV1: { "f:spec": { "f:finalizers": {} } } });
  });
});
