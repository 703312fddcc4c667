/**
 * IngressRoutes and Middlewares: routers from the CRD objects (rules, priority merged with the
 * Ingress routers, entry points and TLS, services, middleware references, the Ingress annotation,
 * problems), and both entry points of the proxy applying middlewares to real requests against a
 * local backend (127.0.0.1).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { traefikCrds } from "./crds.ts";
import { createDefaultCertificate } from "./default-certificate.ts";
import { startIngressProxy, type IngressProxy } from "./ingress-proxy.ts";
import { apr1 } from "./htpasswd.ts";
import type { IngressRoute } from "./ingressroute.ts";
import { buildRoutingTable, matchRoute, pickBackend, type Ingress, type RoutingInput } from "./routing.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const svc = (name: string, port = 80, portName?: string) => ({ metadata: { name, namespace: "default" }, spec: { ports: [{ name: portName, port }] } });
const slice = (service: string, ips: string[], port = 8080, portName?: string) => ({
  metadata: { namespace: "default", labels: { "kubernetes.io/service-name": service } }, addressType: "IPv4",
  ports: [{ port, name: portName }], endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
});
const ir = (name: string, spec: IngressRoute["spec"], apiVersion = "traefik.io/v1alpha1"): IngressRoute => ({ apiVersion, kind: "IngressRoute", metadata: { name, namespace: "default", creationTimestamp: "2025-01-01T00:00:00Z" }, spec });
const mw = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "traefik.io/v1alpha1", metadata: { name, namespace: "default" }, spec });
const ingress = (name: string, host: string, path: string, service: string, annotations: Record<string, string> = {}): Ingress => ({
  metadata: { name, namespace: "default", annotations, creationTimestamp: "2025-01-01T00:00:00Z" },
  spec: { rules: [{ host, http: { paths: [{ path, pathType: "Prefix", backend: { service: { name: service, port: { number: 80 } } } }] } }] },
});
const input = (more: Partial<RoutingInput>): RoutingInput => ({
  ingresses: [], ingressClasses: [], services: [svc("a"), svc("b"), svc("named", 8000, "web")],
  endpointSlices: [slice("a", ["10.42.0.4"]), slice("b", ["10.42.0.6"]), slice("named", ["10.42.0.7"], 9000, "web")],
  secrets: [{ metadata: { name: "users", namespace: "default" }, data: { users: b64(`u:${apr1("p", "salt")}`) } }], ...more,
});
const view = { method: "GET", query: "", ip: "10.0.0.1", headerValues: () => [] };

describe("IngressRoutes to routers", () => {
  test("rules, default priority (rule length) merged with Ingress routers, explicit priority, services by port number or name", () => {
    const t = buildRoutingTable(input({
      ingresses: [ingress("ing", "a.test", "/", "b")],
      ingressRoutes: [ir("r", { routes: [
        { match: "Host(`a.test`) && PathPrefix(`/api`)", services: [{ name: "a", port: 80 }] },
        { match: "PathPrefix(`/named`)", priority: 1000, services: [{ name: "named", port: "web" }] },
        { kind: "Rule", match: "Host(`a.test`) && PathPrefix(`/api`) && Method(`POST`)", services: [{ name: "b", port: 80 }] },
      ] })],
    }));
    expect(t.routers.map((r) => [r.rule, r.priority])).toEqual([
      ["PathPrefix(`/named`)", 1000],
      ["Host(`a.test`) && PathPrefix(`/api`) && Method(`POST`)", 54],
      ["Host(`a.test`) && PathPrefix(`/api`)", 36],
      ["Host(`a.test`) && PathPrefix(`/`)", 33], // the Ingress's router, in the same order
    ]);
    const route = (host: string, path: string, method = "GET") => matchRoute(t.routers, "web", host, path, { ...view, method })?.backend.service;
    expect(route("a.test", "/api/x")).toBe("a");
    expect(route("a.test", "/api/x", "POST")).toBe("b");
    expect(route("a.test", "/other")).toBe("b"); // the Ingress
    expect(route("x.test", "/named/1")).toBe("named");
    expect(t.routers.find((r) => r.backend.service === "named")!.backend.servers).toEqual(["10.42.0.7:9000"]);
    expect(matchRoute(t.routers, "web", "a.test", "/api/x")?.source).toBeUndefined(); // without a request view, rules do not match
    expect(t.routers[0]!.name).toMatch(/^default-r-[0-9a-f]{8}$/);
  });

  test("entry points and TLS: websecure only with tls, secretName to the certificate store", () => {
    const t = buildRoutingTable(input({
      secrets: [{ metadata: { name: "c", namespace: "default" }, data: { "tls.crt": b64("CRT"), "tls.key": b64("KEY") } }],
      ingressRoutes: [
        ir("web", { entryPoints: ["web"], routes: [{ match: "Host(`w.test`)", services: [{ name: "a", port: 80 }] }] }),
        ir("tls", { entryPoints: ["web", "websecure"], tls: { secretName: "c" }, routes: [{ match: "Host(`t.test`)", services: [{ name: "a", port: 80 }] }] }),
        ir("all", { tls: {}, routes: [{ match: "Host(`d.test`)", services: [{ name: "a", port: 80 }] }] }),
        ir("other-ep", { entryPoints: ["traefik"], routes: [{ match: "Host(`o.test`)", services: [{ name: "a", port: 80 }] }] }),
      ],
    }));
    const eps = Object.fromEntries(t.routers.map((r) => [r.ingress, [...r.entryPoints].sort()]));
    expect(eps).toEqual({ "default/web": ["web"], "default/tls": ["websecure"], "default/all": ["websecure"], "default/other-ep": [] });
    expect(t.certificates.map((c) => c.id)).toEqual(["default-c"]);
  });

  test("weighted round robin over several services", () => {
    const t = buildRoutingTable(input({ ingressRoutes: [ir("w", { routes: [{ match: "PathPrefix(`/`)", services: [{ name: "a", port: 80, weight: 3 }, { name: "b", port: 80, weight: 1 }] }] })] }));
    const r = t.routers[0]!;
    const picks = Array.from({ length: 8 }, () => pickBackend(r).service);
    expect(picks.filter((s) => s === "a").length).toBe(6);
    expect(picks.filter((s) => s === "b").length).toBe(2);
  });

  test("problems: bad rules, TraefikService, cross-namespace, missing or unsupported middlewares drop the route, not the others", () => {
    const t = buildRoutingTable(input({
      middlewares: [mw("rl", { rateLimit: { average: 1 } }), mw("strip", { stripPrefix: { prefixes: ["/s"] } })],
      ingressRoutes: [ir("bad", { routes: [
        { match: "Host(`a.test`", services: [{ name: "a", port: 80 }] },
        { match: "Host(`b.test`)", services: [{ name: "x", kind: "TraefikService" }] },
        { match: "Host(`c.test`)", services: [{ name: "a", namespace: "other", port: 80 }] },
        { match: "Host(`d.test`)", services: [{ name: "a", port: 80 }], middlewares: [{ name: "nope" }] },
        { match: "Host(`e.test`)", services: [{ name: "a", port: 80 }], middlewares: [{ name: "rl" }] },
        { match: "Host(`f.test`)", services: [{ name: "a", port: 80 }], middlewares: [{ name: "strip" }] },
        { match: "Host(`g.test`)", services: [{ name: "missing", port: 80 }] },
      ] })],
    }));
    expect(t.routers.map((r) => r.rule).sort()).toEqual(["Host(`f.test`)", "Host(`g.test`)"]); // g: served, with a 503 (no such Service)
    const reasons = t.routeProblems.get("traefik.io:default/bad")!.map((p) => p.reason);
    expect(reasons).toEqual(["InvalidRule", "UnsupportedService", "CrossNamespaceReference", "MiddlewareNotFound", "UnsupportedMiddleware", "ServiceNotFound"]);
    expect(t.routers.find((r) => r.rule === "Host(`f.test`)")!.middlewares!.map((m) => m.name)).toEqual(["default-strip"]);
  });

  test("traefik.containo.us objects are served; traefik.io wins for the same name", () => {
    const t = buildRoutingTable(input({ ingressRoutes: [
      ir("same", { routes: [{ match: "Host(`old.test`)", services: [{ name: "a", port: 80 }] }] }, "traefik.containo.us/v1alpha1"),
      ir("same", { routes: [{ match: "Host(`new.test`)", services: [{ name: "a", port: 80 }] }] }),
      ir("legacy", { routes: [{ match: "Host(`legacy.test`)", services: [{ name: "a", port: 80 }] }] }, "traefik.containo.us/v1alpha1"),
    ] }));
    expect(t.routers.map((r) => r.rule).sort()).toEqual(["Host(`legacy.test`)", "Host(`new.test`)"]);
  });

  test("the Ingress annotation router.middlewares attaches Middlewares; a missing one drops the Ingress's routers", () => {
    const t = buildRoutingTable(input({
      middlewares: [mw("redirect", { redirectScheme: { scheme: "https", permanent: true } }), mw("strip", { stripPrefix: { prefixes: ["/s"] } })],
      ingresses: [
        ingress("with", "a.test", "/", "a", { "traefik.ingress.kubernetes.io/router.middlewares": "default-redirect@kubernetescrd, default-strip@kubernetescrd" }),
        ingress("broken", "b.test", "/", "a", { "traefik.ingress.kubernetes.io/router.middlewares": "default-nope@kubernetescrd" }),
        ingress("plain", "c.test", "/", "a"),
      ],
    }));
    expect(t.routers.map((r) => [r.ingress, r.middlewares?.map((m) => m.name)])).toEqual([["default/plain", undefined], ["default/with", ["default-redirect", "default-strip"]]]);
    expect(t.problems.get("default/broken")!.map((p) => p.reason)).toEqual(["MiddlewareNotFound"]);
  });

  test("CRD manifests: names, scope, versions, structural schemas", () => {
    const crds = traefikCrds() as unknown as { metadata: { name: string }; spec: { group: string; scope: string; names: Record<string, string>; versions: { name: string; served: boolean; storage: boolean; schema: { openAPIV3Schema: { type: string } } }[] } }[];
    expect(crds.map((c) => c.metadata.name)).toEqual(["ingressroutes.traefik.io", "middlewares.traefik.io"]);
    for (const c of crds) {
      expect(c.spec.scope).toBe("Namespaced");
      expect(c.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([["v1alpha1", true, true]]);
      expect(c.spec.versions[0]!.schema.openAPIV3Schema.type).toBe("object");
    }
    expect(crds[0]!.spec.names).toEqual({ kind: "IngressRoute", listKind: "IngressRouteList", plural: "ingressroutes", singular: "ingressroute" });
  });
});

describe("middlewares through the proxy, both entry points (127.0.0.1)", () => {
  let proxy: IngressProxy;
  let backend: ReturnType<typeof Bun.serve>;
  const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as never;

  beforeAll(async () => {
    backend = Bun.serve({
      hostname: "127.0.0.1", port: 0,
      fetch(req) {
        const url = new URL(req.url);
        return Response.json({ path: url.pathname + url.search, prefix: req.headers.get("x-forwarded-prefix"), user: req.headers.get("x-user"), auth: req.headers.get("authorization"), custom: req.headers.get("x-custom") },
          { headers: { server: "backend", "x-backend": "1" } });
      },
    });
    proxy = await startIngressProxy({ hostname: "127.0.0.1", httpPort: 0, httpsPort: 0, defaultCertificate: await createDefaultCertificate(), log: quiet });
    const p = backend.port!;
    proxy.update(buildRoutingTable({
      ingressClasses: [], services: [svc("be")], endpointSlices: [slice("be", ["127.0.0.1"], p)],
      secrets: [{ metadata: { name: "users", namespace: "default" }, data: { users: b64(`u:${apr1("p", "salt")}`) } }],
      middlewares: [
        mw("strip", { stripPrefix: { prefixes: ["/api"] } }), mw("https", { redirectScheme: { scheme: "https", permanent: true } }),
        mw("auth", { basicAuth: { secret: "users", removeHeader: true, headerField: "X-User" } }),
        mw("hdr", { headers: { customRequestHeaders: { "X-Custom": "yes" }, customResponseHeaders: { Server: "", "X-Added": "1" } } }),
      ],
      ingresses: [ingress("redir", "r.test", "/", "be", { "traefik.ingress.kubernetes.io/router.middlewares": "default-https@kubernetescrd" })],
      ingressRoutes: [ir("r", { routes: [
        { match: "Host(`a.test`) && PathPrefix(`/api`)", services: [{ name: "be", port: 80 }], middlewares: [{ name: "strip" }, { name: "hdr" }] },
        { match: "Host(`auth.test`)", services: [{ name: "be", port: 80 }], middlewares: [{ name: "auth" }] },
        { match: "Host(`q.test`) && Query(`v`, `1`)", services: [{ name: "be", port: 80 }] },
      ] })],
    }));
  });
  afterAll(async () => { await proxy.stop(); backend.stop(true); });

  const get = async (scheme: "http" | "https", host: string, path: string, headers: Record<string, string> = {}) => {
    const port = scheme === "http" ? proxy.httpPort : proxy.httpsPort;
    const res = await fetch(`${scheme}://127.0.0.1:${port}${path}`, { headers: { host, ...headers }, redirect: "manual", tls: { rejectUnauthorized: false } } as RequestInit);
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  };

  for (const scheme of ["http", "https"] as const) {
    test(`${scheme}: IngressRoute with stripPrefix and headers; basicAuth; Query rule`, async () => {
      const r = await get(scheme, "a.test", "/api/x?y=1");
      expect(r.status).toBe(200);
      expect(r.json()).toMatchObject({ path: "/x?y=1", prefix: "/api", custom: "yes" });
      expect(r.headers.get("server")).toBeNull();
      expect(r.headers.get("x-added")).toBe("1");
      expect(r.headers.get("x-backend")).toBe("1");
      expect((await get(scheme, "a.test", "/other")).status).toBe(404);

      const denied = await get(scheme, "auth.test", "/");
      expect(denied.status).toBe(401);
      expect(denied.headers.get("www-authenticate")).toBe('Basic realm="traefik"');
      expect((await get(scheme, "auth.test", "/", { authorization: `Basic ${b64("u:wrong")}` })).status).toBe(401);
      const ok = await get(scheme, "auth.test", "/", { authorization: `Basic ${b64("u:p")}` });
      expect(ok.status).toBe(200);
      expect(ok.json()).toMatchObject({ user: "u", auth: null });

      expect((await get(scheme, "q.test", "/?v=1")).status).toBe(200);
      expect((await get(scheme, "q.test", "/?v=2")).status).toBe(404);
    });
  }

  test("redirectScheme by Ingress annotation: HTTP gets 301 to https, HTTPS passes", async () => {
    const r = await get("http", "r.test", "/p?q");
    expect(r.status).toBe(301);
    expect(r.headers.get("location")).toBe("https://r.test/p?q");
    expect((await get("https", "r.test", "/p")).status).toBe(200);
  });

  test("keep-alive: requests after a middleware answer and after an async basicAuth check go on the same connection", async () => {
    const sock = await Bun.connect({ hostname: "127.0.0.1", port: proxy.httpPort, socket: { data(_s, d) { got += d.toString(); } } });
    let got = "";
    sock.write(`GET / HTTP/1.1\r\nHost: auth.test\r\nAuthorization: Basic ${b64("u:p")}\r\n\r\nGET / HTTP/1.1\r\nHost: auth.test\r\n\r\nGET /api/z HTTP/1.1\r\nHost: a.test\r\n\r\n`);
    for (let i = 0; i < 100 && (got.match(/HTTP\/1\.1 /g) ?? []).length < 3; i++) await Bun.sleep(10);
    sock.end();
    expect((got.match(/HTTP\/1\.1 \d+/g) ?? [])).toEqual(["HTTP/1.1 200", "HTTP/1.1 401", "HTTP/1.1 200"]);
    expect(got).toContain('"path":"/z"');
  });
});
