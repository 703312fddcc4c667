import { afterAll, beforeAll, expect, test } from "bun:test";
import { pod, startHarness, type Harness } from "../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const PODS = "/api/v1/namespaces/default/pods";

test("create fills metadata and defaults; get returns kind/apiVersion", async () => {
  const r = await h.call("POST", PODS, pod("p1"));
  expect(r.status).toBe(201);
  expect(r.body.kind).toBe("Pod");
  expect(r.body.apiVersion).toBe("v1");
  expect(r.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  expect(r.body.metadata.resourceVersion).toBe(String(h.store.currentRevision()));
  expect(r.body.metadata.creationTimestamp).toMatch(/Z$/);
  expect(r.body.spec.restartPolicy).toBe("Always");
  expect(r.body.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
  expect(r.body.spec.serviceAccountName).toBe("default");
  expect(r.body.status.phase).toBe("Pending");
  const g = await h.call("GET", `${PODS}/p1`);
  expect(g.body.metadata.uid).toBe(r.body.metadata.uid);
});

test("AlreadyExists, NotFound, Invalid name, Invalid spec", async () => {
  expect((await h.call("POST", PODS, pod("p1"))).body).toMatchObject({ reason: "AlreadyExists", code: 409, message: 'pods "p1" already exists' });
  expect((await h.call("GET", `${PODS}/nope`)).body).toMatchObject({ reason: "NotFound", message: 'pods "nope" not found' });
  const bad = await h.call("POST", PODS, pod("Bad_Name"));
  expect(bad.status).toBe(422);
  expect(bad.body.details.causes[0].field).toBe("metadata.name");
  const noImage = await h.call("POST", PODS, { metadata: { name: "x" }, spec: { containers: [{ name: "c" }] } });
  expect(noImage.body.message).toBe('Pod "x" is invalid: spec.containers[0].image: Required value');
});

test("generateName, deployment generation and deployment defaults", async () => {
  const r = await h.call("POST", PODS, { ...pod(""), metadata: { generateName: "gen-" } });
  expect(r.status).toBe(201);
  expect(r.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  const d = await h.call("POST", "/apis/apps/v1/namespaces/default/deployments", {
    metadata: { name: "d" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
  });
  expect(d.body.metadata.generation).toBe(1);
  expect(d.body.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
  const mismatch = await h.call("POST", "/apis/apps/v1/namespaces/default/deployments", {
    metadata: { name: "d2" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "c" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
  });
  expect(mismatch.status).toBe(422);
  expect(mismatch.body.details.causes[0].field).toBe("spec.template.metadata.labels");
});

test("update: stale RV is 409, status changes ignored on main resource, generation bumps on spec change", async () => {
  const path = "/apis/apps/v1/namespaces/default/deployments/d";
  const cur = (await h.call("GET", path)).body;
  const stale = structuredClone(cur);
  stale.metadata.resourceVersion = "1";
  expect((await h.call("PUT", path, stale)).body).toMatchObject({ reason: "Conflict", code: 409 });
  const next = structuredClone(cur);
  next.spec.replicas = 4;
  next.status = { replicas: 99 };
  const u = await h.call("PUT", path, next);
  expect(u.status).toBe(200);
  expect(u.body.metadata.generation).toBe(2);
  expect(u.body.status?.replicas).toBeUndefined();
  const st = structuredClone(u.body);
  st.status = { replicas: 3 };
  st.spec.replicas = 7;
  const s = await h.call("PUT", `${path}/status`, st);
  expect(s.body.status.replicas).toBe(3);
  expect(s.body.spec.replicas).toBe(4);
  expect(s.body.metadata.generation).toBe(2);
  const labelOnly = structuredClone(s.body);
  labelOnly.metadata.labels = { x: "y" };
  expect((await h.call("PUT", path, labelOnly)).body.metadata.generation).toBe(2);
});

test("patch types and RV precondition inside a patch", async () => {
  const path = `${PODS}/p1`;
  const m = await h.call("PATCH", path, { metadata: { labels: { k: "v" } } }, { "content-type": "application/merge-patch+json" });
  expect(m.body.metadata.labels).toEqual({ app: "web", k: "v" });
  const j = await h.call("PATCH", path, [{ op: "add", path: "/metadata/annotations", value: { a: "b" } }], { "content-type": "application/json-patch+json" });
  expect(j.body.metadata.annotations).toEqual({ a: "b" });
  const s = await h.call("PATCH", path, { spec: { containers: [{ name: "c", image: "nginx:1.26" }] } }, { "content-type": "application/strategic-merge-patch+json" });
  expect(s.status).toBe(200);
  expect(s.body.spec.containers[0].image).toBe("nginx:1.26");
  expect(s.body.spec.containers[0].terminationMessagePath).toBe("/dev/termination-log");
  const pre = await h.call("PATCH", path, { metadata: { resourceVersion: "2", labels: { z: "z" } } }, { "content-type": "application/merge-patch+json" });
  expect(pre.body.reason).toBe("Conflict");
  const bad = await h.call("PATCH", path, "{}", { "content-type": "text/plain" });
  expect(bad.status).toBe(415);
});

test("server-side apply: creates, prunes what the manager stopped applying, shares with other managers, reports conflicts", async () => {
  const path = "/api/v1/namespaces/default/configmaps/applied?fieldManager=test";
  const apply = { "content-type": "application/apply-patch+yaml" };
  const c = await h.call("PATCH", path, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied" }, data: { a: "1" } }, apply);
  expect(c.status).toBe(201);
  expect(c.body.metadata.managedFields).toMatchObject([{ manager: "test", operation: "Apply", fieldsType: "FieldsV1", fieldsV1: { "f:data": { "f:a": {} } } }]);
  const u = await h.call("PATCH", path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  b: '2'\n", apply);
  expect(u.status).toBe(200);
  expect(u.body.data).toEqual({ b: "2" });
  const other = await h.call("PATCH", "/api/v1/namespaces/default/configmaps/applied?fieldManager=other", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied" }, data: { c: "3" } }, apply);
  expect(other.body.data).toEqual({ b: "2", c: "3" });
  const conflict = await h.call("PATCH", "/api/v1/namespaces/default/configmaps/applied?fieldManager=other", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied" }, data: { b: "9", c: "3" } }, apply);
  expect(conflict.status).toBe(409);
  expect(conflict.body.message).toBe(`Apply failed with 1 conflict: conflict with "test": .data.b`);
  const forced = await h.call("PATCH", "/api/v1/namespaces/default/configmaps/applied?fieldManager=other&force=true", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied" }, data: { b: "9", c: "3" } }, apply);
  expect(forced.status).toBe(200);
  expect(forced.body.data).toEqual({ b: "9", c: "3" });
  const noManager = await h.call("PATCH", "/api/v1/namespaces/default/configmaps/applied", { data: {} }, { "content-type": "application/apply-patch+yaml" });
  expect(noManager.status).toBe(400);
});

test("fieldValidation Strict / Warn / Ignore", async () => {
  const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: {}, bogus: 1 });
  const strict = await h.call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", cm("s"));
  expect(strict.status).toBe(400);
  expect(strict.body.message).toBe('strict decoding error: unknown field "bogus"');
  const warn = await h.call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Warn", cm("w"));
  expect(warn.status).toBe(201);
  expect(warn.headers.get("warning")).toBe('299 - "unknown field \\"bogus\\""');
  expect(warn.body.bogus).toBeUndefined();
  const ignore = await h.call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Ignore", cm("i"));
  expect(ignore.headers.get("warning")).toBeNull();
});

test("fieldValidation reports duplicate fields of JSON and YAML bodies as upstream's strict decoders do", async () => {
  const path = "/apis/apps/v1/namespaces/default/deployments";
  const json = (name: string) => `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${name}","name":"${name}","unknownMeta":1},
    "spec":{"unknown1":1,"paused":true,"paused":false,"selector":{"matchLabels":{"a":"b"}},
    "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i","bogus":1,"bogus":2,"imagePullPolicy":"Always","imagePullPolicy":"Never"}]}}}}`;
  const strict = await h.call("POST", `${path}?fieldValidation=Strict`, json("dup-strict"));
  expect(strict.status).toBe(400);
  // Document order; a field both unknown and repeated is reported as unknown only.
  expect(strict.body.message).toBe('strict decoding error: duplicate field "metadata.name", unknown field "metadata.unknownMeta", unknown field "spec.unknown1", duplicate field "spec.paused", unknown field "spec.template.spec.containers[0].bogus", duplicate field "spec.template.spec.containers[0].imagePullPolicy"');
  const warn = await h.call("POST", `${path}?fieldValidation=Warn`, json("dup-warn"));
  expect(warn.status).toBe(201);
  expect(warn.headers.get("warning")).toContain('299 - "duplicate field \\"spec.paused\\""');
  expect(warn.body.spec.paused).toBe(false);
  const ignore = await h.call("POST", `${path}?fieldValidation=Ignore`, json("dup-ignore"));
  expect(ignore.status).toBe(201);
  expect(ignore.headers.get("warning")).toBeNull();

  const yaml = `apiVersion: v1
kind: ConfigMap
metadata:
  name: dup-yaml
  name: dup-yaml
  unknownMeta: x
data:
  a: "1"
  a: "2"
`;
  const ys = await h.call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", yaml, { "content-type": "application/yaml" });
  expect(ys.status).toBe(400);
  expect(ys.body.message).toBe('strict decoding error: yaml: unmarshal errors:\n  line 5: key "name" already set in map\n  line 9: key "a" already set in map, unknown field "metadata.unknownMeta"');
  const yw = await h.call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Warn", yaml, { "content-type": "application/yaml" });
  expect(yw.status).toBe(201);
  expect(yw.headers.get("warning")).toBe('299 - "line 5: key \\"name\\" already set in map", 299 - "line 9: key \\"a\\" already set in map", 299 - "unknown field \\"metadata.unknownMeta\\""');
});

test("server-side apply reports keys its configuration repeats after applying (Strict: 400, Warn: warnings)", async () => {
  const path = "/api/v1/namespaces/default/configmaps/apply-dup?fieldManager=m";
  const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"apply-dup"},\n"data":{"a":"1","a":"2"}}`;
  const apply = { "content-type": "application/apply-patch+yaml" };
  const strict = await h.call("PATCH", `${path}&fieldValidation=Strict`, body, apply);
  expect(strict.status).toBe(400);
  expect(strict.body.message).toBe('error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 2: key "a" already set in map');
  const warn = await h.call("PATCH", `${path}&fieldValidation=Warn`, body, apply);
  expect(warn.status).toBe(201);
  expect(warn.headers.get("warning")).toBe('299 - "line 2: key \\"a\\" already set in map"');
});

test("fieldValidation finds unknown fields at any depth; wrong types are 400 in every mode", async () => {
  const deploy = (name: string, container: Record<string, unknown>, replicas: unknown = 1) => ({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
    spec: { replicas, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i", ...container }] } } },
  });
  const path = "/apis/apps/v1/namespaces/default/deployments";
  const strict = await h.call("POST", `${path}?fieldValidation=Strict`, deploy("deep", { bogus: 1 }));
  expect(strict.status).toBe(400);
  expect(strict.body.message).toBe('strict decoding error: unknown field "spec.template.spec.containers[0].bogus"');
  const warn = await h.call("POST", `${path}?fieldValidation=Warn`, deploy("deep-warn", { bogus: 1 }));
  expect(warn.status).toBe(201);
  expect(warn.headers.get("warning")).toContain('unknown field \\"spec.template.spec.containers[0].bogus\\"');
  expect(warn.body.spec.template.spec.containers[0].bogus).toBeUndefined();
  const wrongType = await h.call("POST", `${path}?fieldValidation=Ignore`, deploy("typed", {}, "three"));
  expect(wrongType.status).toBe(400);
  expect(wrongType.body.message).toStartWith('Deployment in version "v1" cannot be handled as a Deployment: spec.replicas');
});

test("dryRun persists nothing", async () => {
  const rev = h.store.currentRevision();
  const r = await h.call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", { metadata: { name: "dry" } });
  expect(r.status).toBe(201);
  expect(h.store.currentRevision()).toBe(rev);
  expect((await h.call("GET", "/api/v1/namespaces/default/configmaps/dry")).status).toBe(404);
  const del = await h.call("DELETE", `${PODS}/p1`, { dryRun: ["All"] });
  expect(del.status).toBe(200);
  expect((await h.call("GET", `${PODS}/p1`)).status).toBe(200);
});

test("delete: preconditions, finalizers, deletionTimestamp, last finalizer removal deletes", async () => {
  await h.call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "fin", finalizers: ["example.com/x"] } });
  const pre = await h.call("DELETE", "/api/v1/namespaces/default/configmaps/fin", { preconditions: { uid: "nope" } });
  expect(pre.body.reason).toBe("Conflict");
  const d = await h.call("DELETE", "/api/v1/namespaces/default/configmaps/fin", { propagationPolicy: "Foreground" });
  expect(d.status).toBe(200);
  expect(d.body.metadata.deletionTimestamp).toBeDefined();
  expect(d.body.metadata.finalizers).toEqual(["example.com/x", "foregroundDeletion"]);
  const r = await h.call("PATCH", "/api/v1/namespaces/default/configmaps/fin", { metadata: { finalizers: null } }, { "content-type": "application/merge-patch+json" });
  expect(r.status).toBe(200);
  expect((await h.call("GET", "/api/v1/namespaces/default/configmaps/fin")).status).toBe(404);
  const plain = await h.call("DELETE", "/api/v1/namespaces/default/configmaps/w");
  expect(plain.body).toMatchObject({ kind: "Status", status: "Success", details: { name: "w", kind: "configmaps" } });
});

test("deletecollection with a label selector", async () => {
  for (const n of ["dc1", "dc2"]) await h.call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: n, labels: { dc: "yes" } } });
  const r = await h.call("DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=dc%3Dyes");
  expect(r.body.kind).toBe("ConfigMapList");
  expect(r.body.items.length).toBe(2);
  const left = await h.call("GET", "/api/v1/namespaces/default/configmaps?labelSelector=dc");
  expect(left.body.items.length).toBe(0);
});

test("scale subresource and pods/binding and eviction", async () => {
  const sc = await h.call("GET", "/apis/apps/v1/namespaces/default/deployments/d/scale");
  expect(sc.body).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 4 }, status: { selector: "a=b" } });
  const up = await h.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/d/scale", { spec: { replicas: 2 } }, { "content-type": "application/merge-patch+json" });
  expect(up.body.spec.replicas).toBe(2);
  await h.call("POST", PODS, pod("bindme"));
  const b = await h.call("POST", `${PODS}/bindme/binding`, { apiVersion: "v1", kind: "Binding", metadata: { name: "bindme" }, target: { kind: "Node", name: "n1" } });
  expect(b.status).toBe(201);
  expect((await h.call("GET", `${PODS}/bindme`)).body.spec.nodeName).toBe("n1");
  expect((await h.call("POST", `${PODS}/bindme/binding`, { target: { name: "n2" } })).body.reason).toBe("Conflict");
  // Bound pods delete gracefully.
  const ev = await h.call("POST", `${PODS}/bindme/eviction`, { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "bindme" } });
  expect(ev.status).toBe(201);
  const gone = await h.call("GET", `${PODS}/bindme`);
  expect(gone.body.metadata.deletionTimestamp).toBeDefined();
  expect(gone.body.metadata.deletionGracePeriodSeconds).toBe(30);
  await h.call("DELETE", `${PODS}/bindme`, { gracePeriodSeconds: 0 });
  expect((await h.call("GET", `${PODS}/bindme`)).status).toBe(404);
});

test("an evicted pod carries DisruptionTarget (EvictionByEvictionAPI) before it goes; preconditions hold; a dry run changes nothing", async () => {
  const evict = (name: string, deleteOptions: Record<string, unknown> = {}, query = "") =>
    h.call("POST", `${PODS}/${name}/eviction${query}`, { apiVersion: "policy/v1", kind: "Eviction", metadata: { name }, deleteOptions });
  for (const name of ["ev-a", "ev-b", "ev-c"]) {
    await h.call("POST", PODS, pod(name));
    await h.call("POST", `${PODS}/${name}/binding`, { target: { kind: "Node", name: "n1" } });
  }
  const dry = await evict("ev-a", {}, "?dryRun=All");
  expect(dry.status).toBe(201);
  expect((await h.call("GET", `${PODS}/ev-a`)).body.status.conditions ?? []).not.toContainEqual(expect.objectContaining({ type: "DisruptionTarget" }));
  // A resourceVersion precondition names the pod as the caller saw it: the condition's write does not break it.
  const seen = (await h.call("GET", `${PODS}/ev-a`)).body;
  expect((await evict("ev-a", { preconditions: { resourceVersion: seen.metadata.resourceVersion, uid: seen.metadata.uid } })).status).toBe(201);
  const evicted = (await h.call("GET", `${PODS}/ev-a`)).body;
  expect(evicted.metadata.deletionTimestamp).toBeDefined();
  expect(evicted.status.conditions).toContainEqual({ type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting", lastProbeTime: null, lastTransitionTime: expect.any(String) });
  // Stale preconditions are a 409 and leave the pod untouched.
  const stale = await evict("ev-b", { preconditions: { resourceVersion: "1" } });
  expect(stale.status).toBe(409);
  expect(stale.body.message).toMatch(/^Operation cannot be fulfilled on pods "ev-b": the ResourceVersion in the precondition \(1\) does not match the ResourceVersion in record \(\d+\)\. The object might have been modified$/);
  const wrongUid = await evict("ev-c", { preconditions: { uid: "00000000-0000-4000-8000-000000000000" } });
  expect(wrongUid.status).toBe(409);
  for (const name of ["ev-b", "ev-c"]) {
    const p = (await h.call("GET", `${PODS}/${name}`)).body;
    expect(p.metadata.deletionTimestamp).toBeUndefined();
    expect(p.status.conditions ?? []).not.toContainEqual(expect.objectContaining({ type: "DisruptionTarget" }));
  }
  for (const name of ["ev-a", "ev-b", "ev-c"]) await h.call("DELETE", `${PODS}/${name}`, { gracePeriodSeconds: 0 });
});

test("request bodies over 3 MiB are 413", async () => {
  const big = { metadata: { name: "big" }, data: { x: "a".repeat(3 * 1024 * 1024 + 10) } };
  expect((await h.call("POST", "/api/v1/namespaces/default/configmaps", big)).status).toBe(413);
});

test("CSR approval subresource: merge PATCH writes the conditions (and metadata), leaves the spec", async () => {
  const csrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
  const created = await h.call("POST", csrs, {
    metadata: { name: "csr-approval" },
    spec: { request: Buffer.from("-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n").toString("base64"), signerName: "example.com/e2e", usages: ["digital signature"] },
  });
  expect(created.status).toBe(201);
  const r = await h.call("PATCH", `${csrs}/csr-approval/approval`,
    { metadata: { annotations: { patchedapproval: "true" } }, spec: { signerName: "example.com/other" }, status: { conditions: [{ type: "ApprovalPatch", status: "True", reason: "e2e" }] } },
    { "content-type": "application/merge-patch+json" });
  expect(r.status).toBe(200);
  expect(r.body.status.conditions.map((c: any) => c.type)).toEqual(["ApprovalPatch"]);
  expect(r.body.metadata.annotations.patchedapproval).toBe("true");
  expect(r.body.spec.signerName).toBe("example.com/e2e");
});
