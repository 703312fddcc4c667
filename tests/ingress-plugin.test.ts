/**
 * The traefik plugin's two halves run by the real plugin host against an in-process API server, with
 * backends as Bun servers on 127.0.0.1 referenced by EndpointSlices: the IngressClass, host/path
 * routing over HTTP and HTTPS (SNI, checked with curl --resolve), forwarded headers, Ingress status,
 * Events and 503 pages for bad Ingresses, retries past a dead endpoint, WebSocket and streaming
 * pass-through, changes applied while a response is streaming, per-route metrics.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinResources, coreServices, type ApiClient, type KubeObject } from "@lite/sdk";
import { AdminRouteTable } from "../core/admin/admin-routes.ts";
import { startControllerTestbed, type ControllerTestbed } from "../core/controllers/testing/controllers.ts";
import { eventually, quietLog } from "../core/controllers/testing/in-process.ts";
import { PluginHost } from "../core/host/plugin-host.ts";
import { resolvePlugins } from "../core/host/resolve-plugins.ts";
import { CLUSTER, sourceOf } from "../core/host/test-support.ts";
import traefik from "../plugins/traefik/index.ts";

let testbed: ControllerTestbed | undefined;
let hosts: PluginHost[] = [];
let scratch: string | undefined;
let backends: { stop(force?: boolean): unknown }[] = [];
afterEach(async () => {
  for (const h of hosts.reverse()) await h.stop();
  for (const b of backends) b.stop(true);
  await testbed?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  testbed = scratch = undefined;
  hosts = [];
  backends = [];
});

const INGRESSES = { group: "networking.k8s.io", version: "v1", resource: "ingresses", namespace: "default" };
const INGRESS_CLASSES = { group: "networking.k8s.io", version: "v1", resource: "ingressclasses" };

async function start() {
  testbed = await startControllerTestbed([]);
  scratch = mkdtempSync(`${tmpdir()}/lite-traefik-`);
  const manager = testbed.manager;
  const admin = new AdminRouteTable();
  const services = new Map<string, (id: string) => unknown>([
    [coreServices.apiClient.id, (id) => manager.forPlugin(id).apiClient],
    [coreServices.informers.id, (id) => manager.forPlugin(id).informers],
    [coreServices.controllers.id, (id) => manager.forPlugin(id).controllers],
    [coreServices.adminRoutes.id, (id) => admin.forPlugin(id)],
  ]);
  const plan = await resolvePlugins({ embedded: [sourceOf(traefik)], external: [], disable: new Set(), pluginConfig: { traefik: { httpPort: 0, httpsPort: 0, address: "127.0.0.1", accessLog: true } } });
  const server = new PluginHost({ role: "server", plan, log: quietLog, cluster: CLUSTER, stateRoot: `${scratch}/server`, services, stopTimeoutMs: 2000 });
  const node = new PluginHost({ role: "node", plan, log: quietLog, cluster: CLUSTER, node: { nodeName: "n1", nodeIP: "127.0.0.1", cniConfDir: `${scratch}/cni` }, stateRoot: `${scratch}/agent`, services, stopTimeoutMs: 2000 });
  hosts.push(server, node);
  await server.start();
  await node.start();
  const status = node.statuses()[0]!;
  expect(status.state).toBe("Running");
  const { httpPort, httpsPort } = status.details as { httpPort: number; httpsPort: number };
  return { client: testbed.client, admin, node, httpPort, httpsPort };
}

/** A backend answering with its name, the path and the forwarded headers; /ws echoes WebSocket messages; /stream streams. */
function backend(name: string) {
  const server = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch(req, srv) {
      const url = new URL(req.url);
      if (url.pathname === "/ws" && srv.upgrade(req)) return undefined;
      if (url.pathname === "/stream") {
        const stream = new ReadableStream({ async pull(c) { c.enqueue(new TextEncoder().encode(`${name}-chunk\n`)); await Bun.sleep(300); if (++n >= 5) c.close(); } });
        let n = 0;
        return new Response(stream);
      }
      const h = (k: string) => req.headers.get(k);
      return Response.json({ backend: name, path: url.pathname + url.search, host: h("host"), xff: h("x-forwarded-for"), proto: h("x-forwarded-proto"), xfh: h("x-forwarded-host"), method: req.method });
    },
    websocket: { message(ws, m) { ws.send(`${name} echo ${m}`); } },
  });
  backends.push(server);
  return server;
}

async function service(client: ApiClient, name: string, endpoints: string[]) {
  await client.create({ ...builtinResources.services, namespace: "default" }, { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { ports: [{ name: "http", port: 80, protocol: "TCP" }] } } as KubeObject);
  await setEndpoints(client, name, endpoints);
}
async function setEndpoints(client: ApiClient, name: string, endpoints: string[]) {
  const slice = {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: `${name}-x`, namespace: "default", labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4", ports: [{ name: "http", port: Number(endpoints[0]!.split(":")[1]), protocol: "TCP" }],
    endpoints: endpoints.map((e) => ({ addresses: [e.split(":")[0]], conditions: { ready: true } })),
  } as unknown as KubeObject;
  // Distinct ports need distinct slices (one port set per slice).
  const byPort = new Map<string, string[]>();
  for (const e of endpoints) byPort.set(e.split(":")[1]!, [...(byPort.get(e.split(":")[1]!) ?? []), e.split(":")[0]!]);
  const target = { ...builtinResources.endpointSlices, namespace: "default" };
  for (const s of (await client.list(target, { labelSelector: `kubernetes.io/service-name=${name}` })).items) await client.delete({ ...target, name: s.metadata.name! });
  let i = 0;
  for (const [port, ips] of byPort) {
    await client.create(target, { ...slice, metadata: { ...slice.metadata, name: `${name}-${i++}` }, ports: [{ name: "http", port: Number(port), protocol: "TCP" }], endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })) } as KubeObject);
  }
}

const path = (p: string, svc: string, pathType = "Prefix") => ({ path: p, pathType, backend: { service: { name: svc, port: { name: "http" } } } });
async function createIngress(client: ApiClient, name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) {
  return client.create(INGRESSES, { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name, namespace: "default", annotations }, spec } as KubeObject);
}
const get = async (port: number, host: string, p: string, init: RequestInit = {}) => {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { ...init, headers: { host, ...(init.headers as Record<string, string> ?? {}) } });
  return { status: res.status, text: await res.text(), headers: res.headers };
};
async function curl(args: string[]): Promise<string> {
  const proc = Bun.spawn(["curl", "-sS", "--max-time", "5", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  return out + err;
}
async function selfSigned(dir: string, host: string): Promise<{ crt: string; key: string }> {
  const proc = Bun.spawn(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", `/CN=${host}`,
    "-addext", `subjectAltName=DNS:${host}`, "-keyout", `${dir}/${host}.key`, "-out", `${dir}/${host}.crt`], { stdout: "ignore", stderr: "ignore" });
  await proc.exited;
  return { crt: readFileSync(`${dir}/${host}.crt`, "utf8"), key: readFileSync(`${dir}/${host}.key`, "utf8") };
}
const events = async (client: ApiClient, name: string) =>
  (await client.list({ ...builtinResources.events, namespace: "default" }, { fieldSelector: `involvedObject.name=${name}` })).items as (KubeObject & { reason: string; message: string; type: string })[];

test("routes two hosts and two paths over HTTP and HTTPS, with status, forwarded headers, TLS by SNI and metrics", async () => {
  const { client, admin, httpPort, httpsPort } = await start();
  const ic = await client.get<KubeObject & { spec: { controller: string } }>({ ...INGRESS_CLASSES, name: "traefik" });
  expect(ic.metadata.labels).toEqual({ "lite.io/plugin": "traefik" });
  expect(ic.metadata.annotations).toEqual({ "ingressclass.kubernetes.io/is-default-class": "true" });
  expect(ic.spec.controller).toBe("traefik.io/ingress-controller");

  const a = backend("a"), b = backend("b");
  await service(client, "svc-a", [`127.0.0.1:${a.port}`]);
  await service(client, "svc-b", [`127.0.0.1:${b.port}`]);
  const node = await client.create(builtinResources.nodes, { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
  await client.updateStatus(builtinResources.nodes, { ...node, status: { addresses: [{ type: "InternalIP", address: "127.0.0.1" }], conditions: [{ type: "Ready", status: "True" }] } } as KubeObject);

  const dir = scratch!;
  const cert = await selfSigned(dir, "one.test");
  await client.create({ ...builtinResources.secrets, namespace: "default" }, { apiVersion: "v1", kind: "Secret", metadata: { name: "one-tls", namespace: "default" }, type: "kubernetes.io/tls", data: { "tls.crt": btoa(cert.crt), "tls.key": btoa(cert.key) } } as KubeObject);
  await createIngress(client, "web", {
    ingressClassName: "traefik",
    tls: [{ hosts: ["one.test"], secretName: "one-tls" }],
    rules: [
      { host: "one.test", http: { paths: [path("/", "svc-a"), path("/b", "svc-b")] } },
      { host: "two.test", http: { paths: [path("/", "svc-b"), path("/a", "svc-a")] } },
    ],
  });
  const body = async (host: string, p: string) => JSON.parse((await eventually(async () => { const r = await get(httpPort, host, p); return r.status === 200 ? r : undefined; })).text);
  expect(await body("one.test", "/x?q=1")).toMatchObject({ backend: "a", path: "/x?q=1", host: "one.test", xff: "127.0.0.1", proto: "http", xfh: "one.test" });
  expect(await body("one.test", "/b/c")).toMatchObject({ backend: "b" });
  expect(await body("two.test", "/a")).toMatchObject({ backend: "a" });
  expect(await body("two.test", "/a/b")).toMatchObject({ backend: "a" });
  expect(await body("two.test", "/ab")).toMatchObject({ backend: "b" });
  expect(await get(httpPort, "three.test", "/")).toMatchObject({ status: 404, text: "404 page not found\n" });

  // HTTPS with SNI: the Secret's certificate for one.test, Traefik's default for others.
  await eventually(async () => (await curl(["--cacert", `${dir}/one.test.crt`, "--resolve", `one.test:${httpsPort}:127.0.0.1`, `https://one.test:${httpsPort}/b`])).includes('"backend":"b"'));
  const viaTls = JSON.parse(await curl(["--cacert", `${dir}/one.test.crt`, "--resolve", `one.test:${httpsPort}:127.0.0.1`, `https://one.test:${httpsPort}/`]));
  expect(viaTls).toMatchObject({ backend: "a", proto: "https", host: `one.test:${httpsPort}` });
  const other = await curl(["-k", "-v", "--resolve", `two.test:${httpsPort}:127.0.0.1`, `https://two.test:${httpsPort}/a`]);
  expect(other).toContain("TRAEFIK DEFAULT CERT");
  expect(other).toContain('"backend":"a"');

  // Status: the node's address.
  await eventually(async () => {
    const ing = await client.get<KubeObject & { status?: { loadBalancer?: { ingress?: { ip: string }[] } } }>({ ...INGRESSES, name: "web" });
    return ing.status?.loadBalancer?.ingress?.[0]?.ip === "127.0.0.1";
  });

  // Per-route counters on the admin endpoint.
  const metrics = await (await admin.match("/plugins/traefik/metrics")!(new Request("http://admin/plugins/traefik/metrics"))).text();
  expect(metrics).toMatch(/traefik_router_requests_total\{code="200",method="GET",protocol="http",router="default-web-one-test-b",service="default-svc-b-http"\} [1-9]/);
  expect(metrics).toContain("traefik_router_request_duration_seconds_bucket{");
}, 30_000);

test("bad Ingresses: Events and clear 503/404 pages; retries past a dead endpoint; ssl-redirect; WebSocket; changes while streaming", async () => {
  const { client, httpPort, httpsPort } = await start();
  const a = backend("a"), b = backend("b");
  // svc-a: one dead endpoint (a closed port) and a live one: every request still succeeds.
  const dead = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const deadPort = dead.port;
  dead.stop(true);
  await service(client, "svc-a", [`127.0.0.1:${a.port}`, `127.0.0.2:${deadPort}`]);
  await service(client, "svc-b", [`127.0.0.1:${b.port}`]);
  await createIngress(client, "bad", {
    tls: [{ hosts: ["bad.test"], secretName: "missing-secret" }],
    rules: [{ host: "bad.test", http: { paths: [path("/", "svc-a"), path("/gone", "no-such-svc")] } }],
  }, { "ingress.lite.io/ssl-redirect": "true" });
  await createIngress(client, "dup", { rules: [{ host: "bad.test", http: { paths: [path("/", "svc-b")] } }] });

  const ev = await eventually(async () => { const e = await events(client, "bad"); return e.length >= 2 ? e : undefined; });
  expect(ev.map((e) => `${e.type} ${e.reason}: ${e.message}`).sort()).toEqual([
    "Warning SecretNotFound: TLS Secret default/missing-secret not found; the default certificate is served instead",
    "Warning ServiceNotFound: Service default/no-such-svc not found",
  ]);
  const dupEvent = await eventually(async () => (await events(client, "dup")).find((e) => e.reason === "RuleConflict"));
  expect(dupEvent.message).toBe('host "bad.test" path "/" (Prefix) is already routed by Ingress default/bad; this rule is ignored');

  // HTTP redirects to HTTPS; over HTTPS the missing Service is a 503 page, the rest is served.
  const redirect = await eventually(async () => { const r = await fetch(`http://127.0.0.1:${httpPort}/x?y=1`, { headers: { host: "bad.test" }, redirect: "manual" }); return r.status === 308 ? r : undefined; });
  expect(redirect.headers.get("location")).toBe(`https://bad.test:${httpsPort}/x?y=1`);
  const gone = await curl(["-k", "-w", " %{http_code}", "--resolve", `bad.test:${httpsPort}:127.0.0.1`, `https://bad.test:${httpsPort}/gone`]);
  expect(gone).toBe("503 Service Unavailable: Service default/no-such-svc not found (Ingress default/bad)\n 503");
  for (let i = 0; i < 6; i++) {
    expect(await curl(["-k", "--resolve", `bad.test:${httpsPort}:127.0.0.1`, `https://bad.test:${httpsPort}/r${i}`])).toContain('"backend":"a"');
  }

  // WebSocket pass-through and a streamed response, then a change applied while the stream is open.
  await createIngress(client, "live", { rules: [{ host: "live.test", http: { paths: [path("/", "svc-b")] } }] });
  await eventually(async () => (await get(httpPort, "live.test", "/")).status === 200);
  const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`, { headers: { host: "live.test" } } as never);
  const echoed = await new Promise<string>((resolve, reject) => {
    ws.onopen = () => ws.send("hello");
    ws.onmessage = (m) => resolve(String(m.data));
    ws.onerror = () => reject(new Error("websocket failed"));
  });
  expect(echoed).toBe("b echo hello");
  ws.close();

  const streaming = fetch(`http://127.0.0.1:${httpPort}/stream`, { headers: { host: "live.test" } });
  const started = Date.now();
  const res = await streaming;
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  expect(first).toBe("b-chunk\n");
  // Switch live.test to svc-a: new requests go to a within a second...
  const live = await client.get<KubeObject & { spec: Record<string, unknown> }>({ ...INGRESSES, name: "live" });
  await client.update(INGRESSES, { ...live, spec: { rules: [{ host: "live.test", http: { paths: [path("/", "svc-a")] } }] } });
  const changedAt = Date.now();
  await eventually(async () => JSON.parse((await get(httpPort, "live.test", "/")).text).backend === "a", 1000);
  expect(Date.now() - changedAt).toBeLessThan(1000);
  // ...while the open stream runs to its end.
  let rest = "";
  for (;;) { const { done, value } = await reader.read(); if (done) break; rest += new TextDecoder().decode(value); }
  expect(first + rest).toBe("b-chunk\n".repeat(5));
  expect(Date.now() - started).toBeGreaterThan(1000);
}, 30_000);
