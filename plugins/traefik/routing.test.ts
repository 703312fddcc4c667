import { describe, expect, test } from "bun:test";
import { buildRoutingTable, matchRoute, requestHost, type Ingress, type RoutingInput } from "./routing.ts";

const svc = (name: string, port = 80, portName?: string) => ({ metadata: { name, namespace: "default" }, spec: { ports: [{ name: portName, port }] } });
const slice = (service: string, ips: string[], port = 8080, ready = true) => ({
  metadata: { namespace: "default", labels: { "kubernetes.io/service-name": service } }, addressType: "IPv4",
  ports: [{ port }], endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready } })),
});
const backend = (name: string, port = 80) => ({ service: { name, port: { number: port } } });
const ingress = (name: string, rules: { host?: string; paths: { path?: string; pathType?: string; svc: string }[] }[], extra: Partial<Ingress["spec"]> & { annotations?: Record<string, string>; created?: string } = {}): Ingress => ({
  metadata: { name, namespace: "default", annotations: extra.annotations, creationTimestamp: extra.created ?? "2025-01-01T00:00:00Z" },
  spec: {
    ingressClassName: extra.ingressClassName, defaultBackend: extra.defaultBackend, tls: extra.tls,
    rules: rules.map((r) => ({ host: r.host, http: { paths: r.paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: backend(p.svc) })) } })),
  },
});
const input = (ingresses: Ingress[], more: Partial<RoutingInput> = {}): RoutingInput => ({
  ingresses, ingressClasses: [{ metadata: { name: "traefik" }, spec: { controller: "traefik.io/ingress-controller" } }, { metadata: { name: "nginx" }, spec: { controller: "k8s.io/ingress-nginx" } }],
  services: [svc("a"), svc("b"), svc("c")], endpointSlices: [slice("a", ["10.42.0.5", "10.42.0.4"]), slice("b", ["10.42.0.6"]), slice("c", [])], secrets: [], ...more,
});
const route = (i: RoutingInput, host: string, path: string, ep: "web" | "websecure" = "web") => matchRoute(buildRoutingTable(i).routers, ep, host, path)?.backend.service;

describe("Ingress routing as Traefik", () => {
  test("hosts, paths and Traefik's rule-length priority: longer paths first, Exact, Prefix on path elements, ImplementationSpecific as string prefix", () => {
    const i = input([ingress("one", [
      { host: "foo.test", paths: [{ path: "/", pathType: "Prefix", svc: "a" }, { path: "/api", pathType: "Prefix", svc: "b" }, { path: "/api/exact", pathType: "Exact", svc: "a" }] },
      { host: "bar.test", paths: [{ path: "/img", pathType: "ImplementationSpecific", svc: "b" }, { path: "/", pathType: "Prefix", svc: "a" }] },
    ])]);
    const t = buildRoutingTable(i);
    expect(t.routers.map((r) => r.rule)).toEqual([
      "Host(`foo.test`) && (Path(`/api`) || PathPrefix(`/api/`))",
      "Host(`bar.test`) && PathPrefix(`/img`)", // same length as the next: ties go by router name
      "Host(`foo.test`) && Path(`/api/exact`)",
      "Host(`bar.test`) && PathPrefix(`/`)",
      "Host(`foo.test`) && PathPrefix(`/`)",
    ]);
    expect(t.routers[0]!.priority).toBe(t.routers[0]!.rule.length);
    expect(t.routers[0]).toMatchObject({ name: "default-one-foo-test-api", backend: { name: "default-b-80", servers: ["10.42.0.6:8080"] } });
    expect(t.routers.find((r) => r.backend.service === "a")!.backend.servers).toEqual(["10.42.0.4:8080", "10.42.0.5:8080"]);
    expect(route(i, "foo.test", "/api")).toBe("b");
    expect(route(i, "foo.test", "/api/x")).toBe("b");
    expect(route(i, "foo.test", "/apix")).toBe("a"); // Prefix matches whole elements
    expect(route(i, "foo.test", "/api/exact")).toBe("b"); // the Prefix rule's text is longer: it wins, as in Traefik
    expect(route(i, "bar.test", "/imgs/1.png")).toBe("b"); // ImplementationSpecific: string prefix
    expect(route(i, "bar.test", "/other")).toBe("a");
    expect(route(i, "baz.test", "/")).toBeUndefined();
  });

  test("wildcard hosts match one label; host-less rules match every host; router.priority overrides", () => {
    const i = input([
      ingress("w", [{ host: "*.foo.test", paths: [{ path: "/", pathType: "Prefix", svc: "a" }] }]),
      ingress("any", [{ paths: [{ path: "/x", pathType: "Prefix", svc: "b" }] }]),
    ]);
    expect(route(i, "a.foo.test", "/")).toBe("a");
    expect(route(i, "a.b.foo.test", "/")).toBeUndefined();
    expect(route(i, "foo.test", "/")).toBeUndefined();
    expect(route(i, "a.foo.test", "/x")).toBe("a"); // HostRegexp(...) && PathPrefix(/) is longer than (Path(/x) || PathPrefix(/x/))
    expect(route(i, "other.test", "/x/1")).toBe("b");
    const prioritised = input([...i.ingresses.slice(0, 1), { ...i.ingresses[1]!, metadata: { ...i.ingresses[1]!.metadata, annotations: { "traefik.ingress.kubernetes.io/router.priority": "1000" } } }]);
    expect(route(prioritised, "a.foo.test", "/x")).toBe("b");
  });

  test("classes: traefik, no class, the annotation; another controller's class is not served", () => {
    const i = input([
      ingress("mine", [{ host: "m.test", paths: [{ path: "/", svc: "a" }] }], { ingressClassName: "traefik" }),
      ingress("none", [{ host: "n.test", paths: [{ path: "/", svc: "a" }] }]),
      ingress("nginx", [{ host: "x.test", paths: [{ path: "/", svc: "a" }] }], { ingressClassName: "nginx" }),
      ingress("legacy", [{ host: "l.test", paths: [{ path: "/", svc: "a" }] }], { annotations: { "kubernetes.io/ingress.class": "other" } }),
    ]);
    expect(buildRoutingTable(i).served).toEqual(["default/legacy", "default/mine", "default/none", "default/nginx"].filter((k) => k === "default/mine" || k === "default/none"));
  });

  test("defaultBackend is the last resort; entry points, router.tls and ssl-redirect", () => {
    const i = input([
      ingress("d", [{ host: "s.test", paths: [{ path: "/", pathType: "Prefix", svc: "b" }] }], { defaultBackend: backend("a"), annotations: { "traefik.ingress.kubernetes.io/router.tls": "true" } }),
      ingress("r", [{ host: "r.test", paths: [{ path: "/", pathType: "Prefix", svc: "b" }] }], { annotations: { "ingress.lite.io/ssl-redirect": "true" } }),
    ]);
    const t = buildRoutingTable(i);
    expect(t.routers.at(-1)).toMatchObject({ name: "default-router", priority: -2147483648 });
    expect(route(i, "s.test", "/", "websecure")).toBe("b");
    expect(route(i, "s.test", "/", "web")).toBeUndefined();
    expect(route(i, "elsewhere.test", "/q", "websecure")).toBe("a");
    expect(matchRoute(t.routers, "web", "r.test", "/")!.sslRedirect).toBe(true);
  });

  test("problems: missing Service, port, TLS Secret, no endpoints, conflicting rules and default backends", () => {
    const i = input([
      ingress("first", [{ host: "c.test", paths: [{ path: "/", pathType: "Prefix", svc: "a" }] }], { defaultBackend: backend("a"), created: "2025-01-01T00:00:00Z" }),
      ingress("second", [{ host: "c.test", paths: [{ path: "/", pathType: "Prefix", svc: "b" }, { path: "/m", svc: "missing" }, { path: "/e", svc: "c" }] }],
        { defaultBackend: backend("b"), tls: [{ hosts: ["c.test"], secretName: "nope" }], created: "2025-01-02T00:00:00Z" }),
    ]);
    const t = buildRoutingTable(i);
    expect(t.problems.get("default/first")).toEqual([]);
    expect(t.problems.get("default/second")!.map((p) => p.reason)).toEqual(["SecretNotFound", "DefaultBackendConflict", "RuleConflict", "ServiceNotFound", "NoEndpoints"]);
    expect(route(i, "c.test", "/")).toBe("a");
    const missing = matchRoute(t.routers, "web", "c.test", "/m")!;
    expect(missing.backend).toMatchObject({ servers: [], unavailable: "Service default/missing not found" });
  });

  test("TLS Secrets become certificates; named ports resolve through EndpointSlice ports", () => {
    const secret = { metadata: { name: "s", namespace: "default" }, type: "kubernetes.io/tls", data: { "tls.crt": btoa("CERT"), "tls.key": btoa("KEY") } };
    const i = input([ingress("t", [{ host: "t.test", paths: [{ path: "/", svc: "named" }] }], { tls: [{ secretName: "s" }] })], {
      secrets: [secret],
      services: [svc("named", 80, "http")],
      endpointSlices: [{ ...slice("named", ["10.42.0.9"], 9090), ports: [{ name: "http", port: 9090 }] }],
    });
    const t = buildRoutingTable(i);
    expect(t.certificates).toEqual([{ id: "default-s", certPem: "CERT", keyPem: "KEY" }]);
    expect(t.routers[0]!.backend.servers).toEqual(["10.42.0.9:9090"]);
  });

  test("request host: port stripped, lower-cased", () => {
    expect(requestHost("Foo.Test:8080")).toBe("foo.test");
    expect(requestHost("[::1]:80")).toBe("[::1]");
    expect(requestHost(null)).toBe("");
  });
});
