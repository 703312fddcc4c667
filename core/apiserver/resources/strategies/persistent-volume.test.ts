import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

test("new PVs and PVCs start in phase Pending whatever status they were sent with", async () => {
  const pv = await h.call("POST", "/api/v1/persistentvolumes", {
    metadata: { name: "pv1" }, spec: { capacity: { storage: "1Mi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/x" } }, status: { phase: "Bound" },
  });
  expect(pv.status).toBe(201);
  expect(pv.body.status.phase).toBe("Pending");
  expect(pv.body.status.lastPhaseTransitionTime).toMatch(/Z$/);
  const pvc = await h.call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", {
    metadata: { name: "c1" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Mi" } } }, status: { phase: "Bound" },
  });
  expect(pvc.status).toBe(201);
  expect(pvc.body.status).toEqual({ phase: "Pending" });
});

const CLAIMS = "/api/v1/namespaces/default/persistentvolumeclaims";
const claim = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec });
const causes = (body: { details?: { causes?: { field: string; message: string }[] } }) => (body.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);

test("a claim needs an access mode and a positive storage request (upstream ValidatePersistentVolumeClaimSpec)", async () => {
  const empty = await h.call("POST", CLAIMS, claim("empty", {}));
  expect(empty.status).toBe(422);
  expect(empty.body.message).toBe('PersistentVolumeClaim "empty" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]');
  const bad = await h.call("POST", CLAIMS, claim("bad", { accessModes: ["Bogus", "ReadWriteOncePod"], resources: { requests: { storage: "0" } }, volumeMode: "Disk", storageClassName: "Fast" }));
  expect(bad.status).toBe(422);
  expect(causes(bad.body)).toEqual([
    'spec.accessModes: Unsupported value: "Bogus": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    'spec.resources[storage]: Invalid value: "0": must be greater than zero',
    expect.stringMatching(/^spec\.storageClassName: Invalid value: "Fast": a lowercase RFC 1123 subdomain/),
    'spec.volumeMode: Unsupported value: "Disk": supported values: "Block", "Filesystem"',
  ]);
  const mixed = await h.call("POST", CLAIMS, claim("mixed", { accessModes: ["ReadWriteOnce", "ReadWriteOncePod"], resources: { requests: { storage: "1Gi" } } }));
  expect(causes(mixed.body)).toEqual(["spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"]);
});

test("a claim's spec is fixed after creation but for volumeName (once), a first storageClassName and a bound claim's size", async () => {
  const created = await h.call("POST", CLAIMS, claim("fixed", { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } }));
  expect(created.status).toBe(201);
  const put = (body: Record<string, any>) => h.call("PUT", `${CLAIMS}/fixed`, body);
  // Unbound: the size may not change; the spec error names what changed.
  const resize = await put({ ...created.body, spec: { ...created.body.spec, resources: { requests: { storage: "2Gi" } } } });
  expect(resize.status).toBe(422);
  expect(resize.body.message).toStartWith('PersistentVolumeClaim "fixed" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n');
  expect(resize.body.message).toContain('+\tresources: {"requests":{"storage":"2Gi"}}');
  // The same size written another way is no change.
  expect((await put({ ...created.body, spec: { ...created.body.spec, resources: { requests: { storage: "1024Mi" } } } })).status).toBe(200);
  // A storage class for a claim that had none (the retroactive default class), and volumeName once.
  const current = (await h.call("GET", `${CLAIMS}/fixed`)).body;
  const classed = await put({ ...current, spec: { ...current.spec, storageClassName: "local-path", volumeName: "pv-a" } });
  expect(classed.status).toBe(200);
  const renamed = await put({ ...classed.body, spec: { ...classed.body.spec, volumeName: "pv-b" } });
  expect(renamed.status).toBe(422);
  const reclassed = await put({ ...classed.body, spec: { ...classed.body.spec, storageClassName: "other" } });
  expect(reclassed.status).toBe(422);
  // Bound: the request may grow, and shrink only while it stays above status.capacity.
  const bound = await h.call("PUT", `${CLAIMS}/fixed/status`, { ...classed.body, status: { phase: "Bound", capacity: { storage: "1Gi" } } });
  expect(bound.status).toBe(200);
  const grown = await put({ ...bound.body, spec: { ...bound.body.spec, resources: { requests: { storage: "3Gi" } } } });
  expect(grown.status).toBe(200);
  const reduced = await put({ ...grown.body, spec: { ...grown.body.spec, resources: { requests: { storage: "2Gi" } } } });
  expect(reduced.status).toBe(200);
  const shrunk = await put({ ...reduced.body, spec: { ...reduced.body.spec, resources: { requests: { storage: "1Gi" } } } });
  expect(shrunk.status).toBe(422);
  expect(causes(shrunk.body)).toEqual(["spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"]);
});

test("a volume needs access modes, a storage capacity and exactly one source; the source is fixed (upstream ValidatePersistentVolumeSpec/Update)", async () => {
  const PVS = "/api/v1/persistentvolumes";
  const empty = await h.call("POST", PVS, { metadata: { name: "pv-empty" }, spec: {} });
  expect(empty.status).toBe(422);
  expect(causes(empty.body)).toEqual([
    "spec.accessModes: Required value",
    "spec.capacity: Required value",
    "spec.capacity: Unsupported value: {}: supported values: \"storage\"",
    "spec: Required value: must specify a volume type",
  ]);
  const two = await h.call("POST", PVS, {
    metadata: { name: "pv-two" },
    spec: { accessModes: ["ReadWriteOnce"], capacity: { storage: "1Gi" }, hostPath: { path: "/tmp/a" }, local: { path: "/tmp/b" }, persistentVolumeReclaimPolicy: "Keep" },
  });
  expect(causes(two.body)).toEqual([
    'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
    "spec.local: Forbidden: may not specify more than 1 volume type",
  ]);
  const local = await h.call("POST", PVS, { metadata: { name: "pv-local" }, spec: { accessModes: ["ReadWriteOnce"], capacity: { storage: "1Gi" }, local: { path: "/tmp/b" } } });
  expect(causes(local.body)).toEqual(["spec.nodeAffinity: Required value: Local volume requires node affinity"]);
  const ok = await h.call("POST", PVS, { metadata: { name: "pv-ok" }, spec: { accessModes: ["ReadWriteOnce"], capacity: { storage: "1Gi" }, hostPath: { path: "/tmp/a" } } });
  expect(ok.status).toBe(201);
  const moved = await h.call("PUT", `${PVS}/pv-ok`, { ...ok.body, spec: { ...ok.body.spec, hostPath: { path: "/tmp/elsewhere" } } });
  expect(moved.status).toBe(422);
  expect(moved.body.message).toContain("spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation");
  const claimed = await h.call("PUT", `${PVS}/pv-ok`, { ...ok.body, spec: { ...ok.body.spec, claimRef: { namespace: "default", name: "c1" }, persistentVolumeReclaimPolicy: "Delete" } });
  expect(claimed.status).toBe(200);
});
