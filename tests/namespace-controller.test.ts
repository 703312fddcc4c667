/**
 * The controller manager end to end: the compiled binary, real kubectl. Deleting a namespace
 * removes its content and then the namespace (kubectl waits for it); new namespaces get the
 * default ServiceAccount and the kube-root-ca.crt ConfigMap at once.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { ok, within as pollWithin } from "./harness/kube.ts";

setDefaultTimeout(60_000);

let server: LiteServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server?.stop(); });

/** Polls every 25 ms (the shared helper's default is 100 ms). */
const within = <T>(ms: number, check: () => Promise<T | undefined>): Promise<T> => pollWithin(ms, check, 25);

describe("namespace lifecycle controllers (dist/lite + kubectl)", () => {
  test("a new namespace gets the default ServiceAccount and kube-root-ca.crt within a second", async () => {
    ok(await kubectl(server, ["create", "namespace", "new-ns"]));
    const started = Date.now();
    const sa = await within(1000, async () => {
      const r = await kubectl(server, ["get", "sa", "default", "-n", "new-ns", "-o", "json"]);
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    });
    expect(sa.metadata.name).toBe("default");
    const cm = await within(Math.max(100, 1000 - (Date.now() - started)), async () => {
      const r = await kubectl(server, ["get", "cm", "kube-root-ca.crt", "-n", "new-ns", "-o", "json"]);
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    });
    const ca = readFileSync(`${server.dataDir}/server/tls/server-ca.crt`, "utf8");
    expect(cm.data["ca.crt"]).toBe(ca);
    expect(cm.metadata.annotations["kubernetes.io/description"]).toStartWith("Contains a CA bundle");
  });

  test("[sig-api-machinery] Namespaces [Serial] should ensure that all pods are removed when a namespace is deleted [Conformance]; also services, configmaps, secrets, deployments", async () => {
    ok(await kubectl(server, ["create", "namespace", "x"]));
    // ServiceAccount admission wants the default account before pods can be created.
    await within(2000, async () => ((await kubectl(server, ["get", "sa", "default", "-n", "x"])).code === 0 ? true : undefined));
    ok(await kubectl(server, ["-n", "x", "create", "configmap", "c1", "--from-literal=a=b"]));
    ok(await kubectl(server, ["-n", "x", "create", "secret", "generic", "s1", "--from-literal=a=b"]));
    ok(await kubectl(server, ["-n", "x", "create", "service", "clusterip", "svc", "--tcp=80:8080"]));
    ok(await kubectl(server, ["-n", "x", "create", "deployment", "web", "--image=nginx:1.25"]));
    ok(await kubectl(server, ["-n", "x", "run", "pod1", "--image=nginx:1.25"]));
    const t0 = Date.now();
    const del = await kubectl(server, ["delete", "ns", "x"], { timeoutMs: 30_000 });
    expect(del.stderr).toBe("");
    expect(del.stdout.trim()).toBe('namespace "x" deleted');
    expect(Date.now() - t0).toBeLessThan(10_000);
    const get = await kubectl(server, ["get", "ns", "x"]);
    expect(get.code).not.toBe(0);
    expect(get.stderr).toContain('namespaces "x" not found');
    for (const kind of ["pods", "services", "configmaps", "secrets", "deployments", "serviceaccounts"]) {
      const r = await kubectl(server, ["get", kind, "-n", "x", "-o", "name"]);
      expect(r.stdout.trim()).toBe("");
    }
  });

  test("a terminating namespace reports the upstream deletion conditions", async () => {
    ok(await kubectl(server, ["create", "namespace", "held"]));
    ok(await kubectl(server, ["-n", "held", "create", "-f", "-"], {
      stdin: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "pinned", finalizers: ["example.com/hold"] } }),
    }));
    ok(await kubectl(server, ["delete", "ns", "held", "--wait=false"]));
    const ns = await within(5000, async () => {
      const n = JSON.parse(ok(await kubectl(server, ["get", "ns", "held", "-o", "json"])));
      return n.status.conditions?.some((c: { type: string; status: string }) => c.type === "NamespaceFinalizersRemaining" && c.status === "True") ? n : undefined;
    });
    expect(ns.status.phase).toBe("Terminating");
    const describe = ok(await kubectl(server, ["describe", "ns", "held"]));
    expect(describe).toContain("SomeFinalizersRemain");
    ok(await kubectl(server, ["-n", "held", "patch", "configmap", "pinned", "--type=merge", "-p", '{"metadata":{"finalizers":null}}']));
    // The controller looks again after 15/2+1 = 8 s, as upstream.
    ok(await kubectl(server, ["wait", "--for=delete", "ns/held", "--timeout=20s"], { timeoutMs: 25_000 }));
  });
});
