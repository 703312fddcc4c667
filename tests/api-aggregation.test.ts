/**
 * API aggregation end to end (dist/lite + real kubectl): an APIService backed by a Service sends
 * `/apis/<group>/<version>` to a real aggregated API server on loopback (reached through the
 * Service's EndpointSlice), which requires lite's front-proxy client certificate and reads the
 * caller from X-Remote-* headers, as metrics-server and the upstream sample-apiserver do. With
 * `--disable=metrics-server`, a replacement metrics API deployed this way serves `kubectl top`.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { startTestAggregatedServer, type TestAggregatedServer } from "../core/apiserver/aggregator/test-aggregated-server.ts";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, ok, within } from "./harness/kube.ts";

setDefaultTimeout(60_000);

let server: LiteServer;
let backend: TestAggregatedServer;
const NS = "wardle";
beforeAll(async () => {
  server = await startServer(["--disable=metrics-server"]);
  backend = await startTestAggregatedServer({
    serviceNames: [`api.${NS}.svc`], metrics: true,
    requestHeaderCAPem: readFileSync(`${server.dataDir}/server/tls/request-header-ca.crt`, "utf8"),
  });
  const k = (args: string[], stdin?: string) => kubectl(server, args, { stdin });
  ok(await k(["create", "namespace", NS]));
  ok(await k(["-n", NS, "apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "api" }, spec: { ports: [{ name: "https", port: 443 }] } })));
  ok(await k(["-n", NS, "apply", "-f", "-"], JSON.stringify({
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "api-1", labels: { "kubernetes.io/service-name": "api" } },
    addressType: "IPv4", endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }], ports: [{ name: "https", port: backend.port, protocol: "TCP" }],
  })));
});
afterAll(async () => {
  await server?.stop();
  backend?.stop();
});

const k = (args: string[], stdin?: string) => kubectl(server, args, { stdin });

function apiService(group: string, version: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", metadata: { name: `${version}.${group}` },
    spec: { group, version, service: { namespace: NS, name: "api", port: 443 }, caBundle: backend.caBundle, groupPriorityMinimum: 1000, versionPriority: 15, ...extra },
  });
}

async function available(name: string): Promise<void> {
  await within(15_000, async () => (ok(await k(["get", "apiservice", name, "-o", "jsonpath={.status.conditions[?(@.type==\"Available\")].status}"])) === "True" ? true : undefined), 200);
}

describe("APIService backed by a Service", () => {
  test("[sig-api-machinery] Aggregator Should be able to support the 1.17 Sample API Server using the current Aggregator [Conformance]: discovery, list/get/create/watch through kubectl, identity forwarded", async () => {
    ok(await k(["apply", "-f", "-"], apiService("wardle.example.com", "v1")));
    await available("v1.wardle.example.com");
    const row = ok(await k(["get", "apiservice", "v1.wardle.example.com"]));
    expect(row.split("\n")[0]).toMatch(/^NAME\s+SERVICE\s+AVAILABLE\s+AGE$/);
    expect(row.split("\n")[1]).toMatch(/^v1\.wardle\.example\.com\s+wardle\/api\s+True\s+/);
    // The aggregated resources are in discovery (kubectl api-resources reads aggregated discovery).
    await within(10_000, async () => (ok(await k(["api-resources", "--api-group=wardle.example.com"])).includes("flunders") ? true : undefined), 200);
    const resources = ok(await k(["api-resources", "--api-group=wardle.example.com", "--no-headers"]));
    expect(resources).toMatch(/^flunders\s+fl\s+wardle\.example\.com\/v1\s+true\s+Flunder$/m);
    // Its OpenAPI joins ours: kubectl explain documents the aggregated kind.
    await within(10_000, async () => ((await k(["explain", "flunders.spec.colour"])).stdout.includes("The colour of the flunder.") ? true : undefined), 200);
    // Requests reach the aggregated server with the caller's identity and without its credentials.
    const ns = await freshNamespace(server, "fl");
    const listed = JSON.parse(ok(await k(["-n", ns, "get", "flunders", "-o", "json"])));
    expect(listed.items[0]).toMatchObject({ kind: "Flunder", metadata: { name: "first", namespace: ns }, spec: { seenUser: "system:admin", seenGroups: expect.arrayContaining(["system:masters"]) } });
    expect(ok(await k(["-n", ns, "get", "fl", "first", "-o", "jsonpath={.spec.seenUser}"]))).toBe("system:admin");
    ok(await k(["-n", ns, "create", "-f", "-"], JSON.stringify({ apiVersion: "wardle.example.com/v1", kind: "Flunder", metadata: { name: "made" }, spec: { colour: "blue" } })));
    expect(backend.requests.some((r) => r.line.startsWith(`POST /apis/wardle.example.com/v1/namespaces/${ns}/flunders`) && r.user === "system:admin")).toBe(true);
    // Errors come back as the aggregated server wrote them.
    const missing = await k(["-n", ns, "get", "flunder", "missing"]);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): flunders.wardle.example.com "missing" not found');
    // Watches stream through.
    const watched = await k(["-n", ns, "get", "flunders", "--watch-only", "-o", "name", "--request-timeout=5s"]);
    expect(watched.stdout).toContain("flunder.wardle.example.com/watched");
    // RBAC applies here before anything is forwarded.
    const denied = await k(["-n", ns, "get", "flunders", "--as=someone"]);
    expect(denied.stderr).toContain('flunders.wardle.example.com is forbidden: User "someone" cannot list resource "flunders" in API group "wardle.example.com"');
  });

  test("--disable=metrics-server: a replacement metrics API behind an APIService serves kubectl top", async () => {
    expect((await k(["top", "pod", "-n", "default"])).stderr).toContain("Metrics API not available");
    ok(await k(["apply", "-f", "-"], apiService("metrics.k8s.io", "v1beta1", { insecureSkipTLSVerify: true, caBundle: undefined, groupPriorityMinimum: 100, versionPriority: 100 })));
    await available("v1beta1.metrics.k8s.io");
    await within(10_000, async () => ((await k(["top", "pod", "-n", "default"])).code === 0 ? true : undefined), 200);
    const top = ok(await k(["top", "pod", "-n", "default"]));
    expect(top).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nbusy\s+250m\s+64Mi\s*\n$/);
  });

  test("availability follows the Service: missing endpoints make the APIService unavailable and its requests 503", async () => {
    ok(await k(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", metadata: { name: "v1.nowhere.example.com" },
      spec: { group: "nowhere.example.com", version: "v1", service: { namespace: NS, name: "absent", port: 443 }, insecureSkipTLSVerify: true, groupPriorityMinimum: 1000, versionPriority: 15 },
    })));
    await within(10_000, async () => {
      const reason = ok(await k(["get", "apiservice", "v1.nowhere.example.com", "-o", "jsonpath={.status.conditions[?(@.type==\"Available\")].reason}"]));
      return reason === "ServiceNotFound" ? true : undefined;
    }, 200);
    expect(ok(await k(["get", "apiservice", "v1.nowhere.example.com", "-o", "jsonpath={.status.conditions[?(@.type==\"Available\")].message}"]))).toBe(`service/absent in "${NS}" is not present`);
    expect(ok(await k(["get", "apiservice", "v1.nowhere.example.com", "--no-headers"]))).toMatch(/^v1\.nowhere\.example\.com\s+wardle\/absent\s+False \(ServiceNotFound\)\s+/);
    const r = await k(["get", "--raw", "/apis/nowhere.example.com/v1/things"]);
    expect(r.stderr).toContain("service unavailable");
    ok(await k(["delete", "apiservice", "v1.nowhere.example.com"]));
  });
});
