/**
 * Cluster controllers end to end (dist/lite + real kubectl): cascading deletion by the garbage
 * collector, EndpointSlices tracking ready pods, ResourceQuota refusals and PodDisruptionBudget
 * refusals of evictions, with upstream's messages. Kubelets are simulated by patching pod status.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, ok, within } from "./harness/kube.ts";

setDefaultTimeout(60_000);

let server: LiteServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server?.stop(); });

const k = (args: string[], stdin?: string) => kubectl(server, args, { stdin });
const exists = async (ns: string, what: string) => (await k(["-n", ns, "get", what])).code === 0;
const uidOf = async (ns: string, what: string) => ok(await k(["-n", ns, "get", what, "-o", "jsonpath={.metadata.uid}"]));
const owned = (name: string, owner: string, uid: string) => JSON.stringify({
  apiVersion: "v1", kind: "ConfigMap", metadata: { name, ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: owner, uid, blockOwnerDeletion: true }] },
});
async function ownerWithDependents(ns: string, owner: string): Promise<void> {
  ok(await k(["-n", ns, "create", "configmap", owner]));
  const uid = await uidOf(ns, `cm/${owner}`);
  for (const d of ["a", "b"]) ok(await k(["-n", ns, "create", "-f", "-"], owned(`${owner}-${d}`, owner, uid)));
}
async function readyPod(ns: string, name: string, ip: string, labels: string, nodeName?: string): Promise<void> {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name, labels: Object.fromEntries(labels.split(",").map((l) => l.split("="))) }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "nginx:1.25", ports: [{ name: "http", containerPort: 8080 }] }] } };
  ok(await k(["-n", ns, "create", "-f", "-"], JSON.stringify(pod)));
  ok(await k(["-n", ns, "patch", "pod", name, "--subresource=status", "--type=merge", "-p",
    JSON.stringify({ status: { phase: "Running", podIP: ip, podIPs: [{ ip }], conditions: [{ type: "Ready", status: "True" }] } })]));
}

describe("garbage collector (kubectl delete --cascade)", () => {
  test("[sig-api-machinery] Garbage collector should delete pods created by rc when not orphaning [Conformance]: --cascade=background", async () => {
    const ns = await freshNamespace(server, "gc-bg");
    await ownerWithDependents(ns, "bg");
    expect(ok(await k(["-n", ns, "delete", "cm", "bg", "--cascade=background"]))).toBe('configmap "bg" deleted\n');
    await within(5000, async () => (!(await exists(ns, "cm/bg-a")) && !(await exists(ns, "cm/bg-b")) ? true : undefined));
  });

  test("[sig-api-machinery] Garbage collector should keep the rc around until all its pods are deleted if the deleteOptions says so [Conformance]: --cascade=foreground --wait", async () => {
    const ns = await freshNamespace(server, "gc-fg");
    await ownerWithDependents(ns, "fg");
    const t0 = Date.now();
    const del = await k(["-n", ns, "delete", "cm", "fg", "--cascade=foreground", "--wait=true", "--timeout=20s"]);
    expect(del.stderr).toBe("");
    expect(ok(del)).toBe('configmap "fg" deleted\n');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await exists(ns, "cm/fg")).toBe(false);
    expect(await exists(ns, "cm/fg-a")).toBe(false);
    expect(await exists(ns, "cm/fg-b")).toBe(false);
  });

  test("[sig-api-machinery] Garbage collector should orphan pods created by rc if delete options say so [Conformance]: --cascade=orphan", async () => {
    const ns = await freshNamespace(server, "gc-or");
    await ownerWithDependents(ns, "or");
    ok(await k(["-n", ns, "delete", "cm", "or", "--cascade=orphan", "--wait=true", "--timeout=20s"]));
    expect(await exists(ns, "cm/or")).toBe(false);
    for (const d of ["or-a", "or-b"]) {
      expect(await exists(ns, `cm/${d}`)).toBe(true);
      expect(ok(await k(["-n", ns, "get", "cm", d, "-o", "jsonpath={.metadata.ownerReferences}"]))).toBe("");
    }
  });
});

describe("endpoints and endpointslices", () => {
  test("[sig-network] EndpointSlice should create Endpoints and EndpointSlices for Pods matching a Service [Conformance]", async () => {
    const ns = await freshNamespace(server, "eps");
    await readyPod(ns, "web-1", "10.42.0.11", "app=web");
    ok(await k(["-n", ns, "create", "service", "clusterip", "web", "--tcp=80:http"]));
    ok(await k(["-n", ns, "patch", "service", "web", "--type=merge", "-p", '{"spec":{"selector":{"app":"web"}}}']));
    const addrs = () => k(["-n", ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={range .items[*].endpoints[*]}{.addresses[0]}={.conditions.ready} {end}"]);
    expect(await within(5000, async () => { const o = ok(await addrs()).trim(); return o === "10.42.0.11=true" ? o : undefined; })).toBe("10.42.0.11=true");
    await readyPod(ns, "web-2", "10.42.0.12", "app=web");
    await within(5000, async () => (ok(await addrs()).trim() === "10.42.0.11=true 10.42.0.12=true" ? true : undefined));
    ok(await k(["-n", ns, "patch", "pod", "web-1", "--subresource=status", "--type=merge", "-p", '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}']));
    await within(5000, async () => (ok(await addrs()).trim() === "10.42.0.11=false 10.42.0.12=true" ? true : undefined));
    const ep = await within(5000, async () => { const o = ok(await k(["-n", ns, "get", "endpoints", "web", "-o", "jsonpath={.subsets[0].addresses[*].ip}/{.subsets[0].notReadyAddresses[*].ip}/{.subsets[0].ports[0].port}"])); return o === "10.42.0.12/10.42.0.11/8080" ? o : undefined; });
    expect(ep).toBe("10.42.0.12/10.42.0.11/8080");
    const labels = ok(await k(["-n", ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={.items[0].metadata.labels.endpointslice\\.kubernetes\\.io/managed-by}"]));
    expect(labels).toBe("endpointslice-controller.k8s.io");
  });
});

describe("admission refusals", () => {
  test("[sig-api-machinery] ResourceQuota should create a ResourceQuota and capture the life of a pod. [Conformance]: the refusal reads as upstream", async () => {
    const ns = await freshNamespace(server, "quota");
    ok(await k(["-n", ns, "create", "quota", "q", "--hard=pods=2"]));
    await within(5000, async () => (ok(await k(["-n", ns, "get", "quota", "q", "-o", "jsonpath={.status.used.pods}"])) === "0" ? true : undefined));
    ok(await k(["-n", ns, "run", "p1", "--image=nginx:1.25"]));
    ok(await k(["-n", ns, "run", "p2", "--image=nginx:1.25"]));
    const r = await k(["-n", ns, "run", "p3", "--image=nginx:1.25"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
    expect(ok(await k(["-n", ns, "get", "quota", "q", "-o", "jsonpath={.status.used.pods}/{.status.hard.pods}"]))).toBe("2/2");
  });

  test("[sig-api-machinery] ResourceQuota should verify ResourceQuota with best effort scope. [Conformance]: scoped quotas count and refuse only the pods they select", async () => {
    const ns = await freshNamespace(server, "scopes");
    ok(await k(["-n", ns, "create", "quota", "best", "--hard=pods=1", "--scopes=BestEffort"]));
    ok(await k(["-n", ns, "create", "quota", "notbest", "--hard=pods=5", "--scopes=NotBestEffort"]));
    ok(await k(["-n", ns, "create", "quota", "terminating", "--hard=pods=5", "--scopes=Terminating"]));
    const used = async (q: string) => ok(await k(["-n", ns, "get", "quota", q, "-o", "jsonpath={.status.used.pods}"]));
    await within(5000, async () => ((await used("best")) === "0" && (await used("notbest")) === "0" && (await used("terminating")) === "0" ? true : undefined));
    ok(await k(["-n", ns, "run", "be", "--image=nginx:1.25"]));
    const pod = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "nginx:1.25", resources: { requests: { cpu: "10m" }, limits: { cpu: "10m" } } }], ...spec } });
    ok(await k(["-n", ns, "create", "-f", "-"], pod("burst", {})));
    ok(await k(["-n", ns, "create", "-f", "-"], pod("deadline", { activeDeadlineSeconds: 600 })));
    await within(5000, async () => ((await used("best")) === "1" && (await used("notbest")) === "2" && (await used("terminating")) === "1" ? true : undefined));
    // The BestEffort quota is full: another BestEffort pod is refused, a Burstable one is not.
    const refused = await k(["-n", ns, "run", "be2", "--image=nginx:1.25"]);
    expect(refused.stderr.trim()).toBe('Error from server (Forbidden): pods "be2" is forbidden: exceeded quota: best, requested: pods=1, used: pods=1, limited: pods=1');
    ok(await k(["-n", ns, "create", "-f", "-"], pod("burst2", {})));
    // Deleting releases the usage of the quota that counted the pod.
    ok(await k(["-n", ns, "delete", "pod", "be", "--wait=false"]));
    await within(10_000, async () => ((await used("best")) === "0" ? true : undefined));
  });

  test("[sig-apps] DisruptionController should block an eviction until the PDB is updated to allow it [Conformance]: kubectl drain retries the 429", async () => {
    const ns = await freshNamespace(server, "pdb");
    const node = `drain-${process.pid}`;
    ok(await k(["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name: node } })));
    await readyPod(ns, "db-0", "10.42.2.10", "app=db", node);
    ok(await k(["-n", ns, "create", "pdb", "db", "--selector=app=db", "--min-available=1"]));
    await within(5000, async () => (ok(await k(["-n", ns, "get", "pdb", "db", "-o", "jsonpath={.status.expectedPods}"])) === "1" ? true : undefined));
    const drain = await k(["drain", node, "--pod-selector=app=db", "--timeout=3s", "--ignore-daemonsets", "--force"]);
    expect(drain.code).not.toBe(0);
    expect(drain.stderr).toContain(`error when evicting pods/"db-0" -n "${ns}" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`);
    expect(ok(await k(["-n", ns, "get", "pod", "db-0", "-o", "jsonpath={.metadata.deletionTimestamp}"]))).toBe("");
    ok(await k(["-n", ns, "patch", "pdb", "db", "--type=merge", "-p", '{"spec":{"minAvailable":0}}']));
    await within(5000, async () => (ok(await k(["-n", ns, "get", "pdb", "db", "-o", "jsonpath={.status.disruptionsAllowed}"])) === "1" ? true : undefined));
    const again = await k(["drain", node, "--pod-selector=app=db", "--timeout=20s", "--ignore-daemonsets", "--force", "--grace-period=0"]);
    expect(again.stdout).toContain(`pod/db-0 evicted`);
    ok(await k(["delete", "node", node, "--wait=false"]));
  });
});
