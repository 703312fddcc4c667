import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { KObject } from "../resources/index.ts";
import { startHarness, type Harness } from "../testing/harness.ts";
import { isGlobalUnicast, podProxyLocation, proxyToLocation, serviceProxyLocation, splitSchemeNamePort, type PodIPs } from "./workload-proxy.ts";

const obj = (o: Record<string, unknown>) => o as unknown as KObject;
const errorOf = (fn: () => unknown) => { try { fn(); } catch (err) { return err as { code?: number; message: string }; } throw new Error("no error"); };

describe("locations", () => {
  test("splitSchemeNamePort: name, name:port, scheme:name:port; other schemes and shapes are invalid", () => {
    expect(splitSchemeNamePort("web")).toEqual({ scheme: "", name: "web", port: "" });
    expect(splitSchemeNamePort("web:8080")).toEqual({ scheme: "", name: "web", port: "8080" });
    expect(splitSchemeNamePort("https:web:tls")).toEqual({ scheme: "https", name: "web", port: "tls" });
    for (const bad of ["ftp:web:21", ":80", "a:b:c:d", ""]) expect(splitSchemeNamePort(bad)).toBeUndefined();
  });

  test("isGlobalUnicast as Go's net.IP: private addresses count; loopback, link-local, unspecified, multicast, broadcast do not", () => {
    for (const ip of ["10.42.0.7", "192.168.1.1", "8.8.8.8", "fd00::1", "2001:db8::1"]) expect(isGlobalUnicast(ip)).toBe(true);
    for (const ip of ["127.0.0.1", "169.254.1.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "ff02::1", "", "not-an-ip"]) expect(isGlobalUnicast(ip)).toBe(false);
  });

  test("pods: the given port, else the first declared container port, else none; the pod IP must be proxyable", () => {
    const pod = obj({ metadata: { name: "p" }, spec: { containers: [{ name: "a" }, { name: "b", ports: [{ containerPort: 8080 }, { containerPort: 9090 }] }] }, status: { podIP: "10.42.0.7", podIPs: [{ ip: "10.42.0.7" }] } });
    expect(podProxyLocation(pod, "p")).toEqual({ scheme: "http", host: "10.42.0.7", port: "8080" });
    expect(podProxyLocation(pod, "https:p:443")).toEqual({ scheme: "https", host: "10.42.0.7", port: "443" });
    expect(podProxyLocation(obj({ ...pod, spec: { containers: [{ name: "a" }] } }), "p")).toEqual({ scheme: "http", host: "10.42.0.7", port: "" });
    for (const status of [{}, { podIP: "127.0.0.1", podIPs: [{ ip: "127.0.0.1" }] }]) {
      const err = errorOf(() => podProxyLocation(obj({ ...pod, status }), "p"));
      expect([err.code, err.message]).toEqual([400, "address not allowed"]);
    }
  });

  const service = obj({ metadata: { name: "web", namespace: "ns" }, spec: { ports: [{ name: "http", port: 80 }, { name: "metrics", port: 9100 }] } });
  const slice = (endpoints: Record<string, unknown>[], ports = [{ name: "http", port: 8080 }, { name: "metrics", port: 9101 }]) =>
    obj({ metadata: { name: "web-abc", namespace: "ns", labels: { "kubernetes.io/service-name": "web" } }, ports, endpoints });
  const ep = (ip: string, pod: string, ready = true) => ({ addresses: [ip], conditions: { ready }, targetRef: { kind: "Pod", namespace: "ns", name: pod } });
  const pods: PodIPs = (namespace, name) => (namespace === "ns" ? { a: ["10.42.0.5"], b: ["10.42.0.6"] }[name] : undefined);

  test("services: a port number is mapped to its port name; a ready endpoint serving that port is chosen", () => {
    const slices = [slice([ep("10.42.0.5", "a"), ep("10.42.0.6", "b", false)])];
    expect(serviceProxyLocation(service, slices, "web:80", pods)).toEqual({ scheme: "http", host: "10.42.0.5", port: "8080" });
    expect(serviceProxyLocation(service, slices, "https:web:metrics", pods)).toEqual({ scheme: "https", host: "10.42.0.5", port: "9101" });
    const unnamed = obj({ ...service, spec: { ports: [{ port: 80 }] } });
    expect(serviceProxyLocation(unnamed, [slice([ep("10.42.0.6", "b")], [{ port: 8080 } as { name: string; port: number }])], "web", pods)).toEqual({ scheme: "http", host: "10.42.0.6", port: "8080" });
  });

  test("services: upstream's errors; an endpoint not backed by a pod holding its address is never chosen", () => {
    const at = (id: string, slices: KObject[]) => errorOf(() => serviceProxyLocation(service, slices, id, pods));
    expect(at("web:81", [])).toMatchObject({ code: 503, message: 'no service port 81 found for service "web"' });
    expect(at("web:80", [])).toMatchObject({ code: 503, message: 'no endpoints available for service "web"' });
    expect(at("web:80", [slice([ep("10.42.0.5", "a", false)])])).toMatchObject({ code: 503, message: 'no endpoints available for service "web"' });
    // Ready endpoints, but none with a port named "" (no port given, and the Service's ports are named).
    expect(at("web", [slice([ep("10.42.0.5", "a")])])).toMatchObject({ code: 503, message: 'no endpoints available for service "web"' });
    // 127.0.0.1 claimed for pod a (whose IP is 10.42.0.5), and an address with no pod behind it.
    expect(at("web:80", [slice([ep("127.0.0.1", "a"), { addresses: ["10.0.0.1"], conditions: { ready: true } }])])).toMatchObject({ code: 503, message: 'no endpoints available for service "web:80"' });
  });
});

describe("forwarding", () => {
  let backend: ReturnType<typeof Bun.serve>;
  const seen: { method: string; url: string; auth: string | null; body: string }[] = [];
  beforeAll(() => {
    backend = Bun.serve({
      hostname: "127.0.0.1", port: 0,
      async fetch(req) {
        seen.push({ method: req.method, url: req.url, auth: req.headers.get("authorization"), body: await req.text() });
        return new Response("from backend", { status: 202, headers: { "X-Backend": "yes", "Content-Type": "text/plain" } });
      },
    });
  });
  afterAll(() => backend.stop(true));

  test("path, query, method and body pass through; credentials do not; the backend's status and headers come back", async () => {
    const req = new Request("https://lite.test/api/v1/namespaces/ns/pods/p/proxy/a/b%20c/?x=1&y=2", { method: "POST", body: "payload", headers: { Authorization: "Bearer secret" } });
    const res = await proxyToLocation(req, { scheme: "http", host: "127.0.0.1", port: String(backend.port) }, "/a/b%20c/");
    expect(res.status).toBe(202);
    expect(res.headers.get("x-backend")).toBe("yes");
    expect(await res.text()).toBe("from backend");
    expect(seen.at(-1)).toEqual({ method: "POST", url: `http://127.0.0.1:${backend.port}/a/b%20c/?x=1&y=2`, auth: null, body: "payload" });
  });

  test("no path: 301 to the path with a slash, query kept, nothing forwarded; a refused connection is upstream's 503", async () => {
    const before = seen.length;
    const res = await proxyToLocation(new Request("https://lite.test/api/v1/namespaces/ns/services/web/proxy?q=1"), { scheme: "http", host: "127.0.0.1", port: String(backend.port) }, "");
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/api/v1/namespaces/ns/services/web/proxy/?q=1");
    expect(seen.length).toBe(before);
    const head = await proxyToLocation(new Request("https://lite.test/api/v1/namespaces/ns/pods/p/proxy", { method: "HEAD" }), { scheme: "http", host: "127.0.0.1", port: String(backend.port) }, "");
    expect(head.status).toBe(301);
    expect(seen.length).toBe(before);

    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = closed.port;
    closed.stop(true);
    const err = await proxyToLocation(new Request("https://lite.test/x"), { scheme: "http", host: "127.0.0.1", port: String(port) }, "/").catch((e) => e);
    expect(err).toMatchObject({ code: 503, message: `error trying to reach service: dial tcp 127.0.0.1:${port}: connect: connection refused` });
  });
});

test("no path with another method (upstream proxyRedirectsforRootPath): forwarded to the target's root, query kept", async () => {
  const backend = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => new Response(`${req.method} ${new URL(req.url).pathname}${new URL(req.url).search}`) });
  try {
    for (const method of ["DELETE", "OPTIONS", "PATCH", "POST", "PUT"]) {
      const res = await proxyToLocation(new Request("https://lite.test/api/v1/namespaces/ns/pods/p/proxy?method=x", { method }), { scheme: "http", host: "127.0.0.1", port: String(backend.port) }, "");
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(`${method} /?method=x`);
    }
  } finally {
    backend.stop(true);
  }
});

describe("through the API server", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } });
  });
  afterAll(() => h.close());

  test("pods/proxy: an invalid name is 400, a pod without an IP is 'address not allowed', a missing pod 404; services/proxy without endpoints is 503", async () => {
    await h.call("POST", "/api/v1/namespaces/ns/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    expect(await h.call("GET", "/api/v1/namespaces/ns/pods/a:b:c:d/proxy/")).toMatchObject({ status: 400, body: { message: 'invalid pod request "a:b:c:d"' } });
    expect(await h.call("GET", "/api/v1/namespaces/ns/pods/p:8080/proxy/")).toMatchObject({ status: 400, body: { message: "address not allowed" } });
    expect(await h.call("GET", "/api/v1/namespaces/ns/pods/nope/proxy/")).toMatchObject({ status: 404, body: { reason: "NotFound" } });

    await h.call("POST", "/api/v1/namespaces/ns/services", { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
    expect(await h.call("GET", "/api/v1/namespaces/ns/services/web/proxy/")).toMatchObject({ status: 503, body: { reason: "ServiceUnavailable", message: 'no endpoints available for service "web"' } });
    expect(await h.call("GET", "/api/v1/namespaces/ns/services/http:web:81/proxy/")).toMatchObject({ status: 503, body: { message: 'no service port 81 found for service "web"' } });
  });

  test("pods/proxy with no path redirects to .../proxy/ (before any connection)", async () => {
    await h.call("POST", "/api/v1/namespaces/ns/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "ip" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    const pod = (await h.call("GET", "/api/v1/namespaces/ns/pods/ip")).body;
    const put = await h.call("PUT", "/api/v1/namespaces/ns/pods/ip/status", { ...pod, status: { phase: "Running", podIP: "10.42.0.9", podIPs: [{ ip: "10.42.0.9" }] } });
    expect(put.status).toBe(200);
    const res = await h.call("GET", "/api/v1/namespaces/ns/pods/ip:80/proxy?a=b");
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/api/v1/namespaces/ns/pods/ip:80/proxy/?a=b");
  });
});
