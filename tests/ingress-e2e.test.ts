/**
 * Ingress and LoadBalancer Services end to end: the compiled binary in its own network namespace
 * (tests/harness/netns.ts), real busybox httpd pods, real kubectl and curl. The traefik plugin
 * listens on the node's ports 80/443 inside that namespace (free there); servicelb gives a
 * LoadBalancer Service the node IP and the service proxy answers on it. Traffic goes only to the
 * node IP, an address inside the namespace this test created.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import type { ApiClient } from "@lite/sdk";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { ok, within } from "./harness/kube.ts";
import { createTestNetns, type TestNetns } from "./harness/netns.ts";
import { adminClient, httpdDeployment, readyEndpointCount } from "./harness/pods.ts";

setDefaultTimeout(180_000);

let net: TestNetns;
let server: LiteServer;
let client: ApiClient;
let certDir: string;

const k = (args: string[], stdin?: string) => kubectl(server, ["-n", "default", ...args], { stdin, timeoutMs: 60_000 });
const apply = async (manifest: unknown) => ok(await k(["apply", "-f", "-"], JSON.stringify(manifest)));

/** curl through the node IP with `--resolve`, as a user checks an Ingress; returns status and body. */
async function curl(url: string, extra: string[] = []): Promise<{ status: number; body: string; stderr: string }> {
  const u = new URL(url);
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  const proc = Bun.spawn(["curl", "-s", "-k", "--max-time", "5", "--noproxy", "*", "--resolve", `${u.hostname}:${port}:${net.nodeIP}`, "-w", "\n%{http_code}", ...extra, url], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const i = out.lastIndexOf("\n");
  return { status: Number(out.slice(i + 1)), body: out.slice(0, i), stderr: err };
}

/** httpd pods serving their Deployment's name at / and `<name>-x` at /x/. */
const web = (name: string, replicas = 1) => httpdDeployment(name, replicas, { script: `mkdir -p /www/x && echo ${name} > /www/index.html && echo ${name}-x > /www/x/index.html` });
const readyEndpoints = (service: string) => readyEndpointCount(client, "default", service);

beforeAll(async () => {
  net = createTestNetns();
  certDir = mkdtempSync(`${tmpdir()}/lite-ingress-`);
  const gen = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=a.test",
    "-addext", "subjectAltName=DNS:a.test", "-keyout", `${certDir}/tls.key`, "-out", `${certDir}/tls.crt`], { stderr: "pipe" });
  if (gen.exitCode !== 0) throw new Error(`openssl: ${gen.stderr.toString()}`);
  server = await startServer(["--node-ip", net.nodeIP, "--kubelet-arg", "port=0"], {}, { agent: true, netns: net });
  client = adminClient(server);
  for (const m of [...web("app-a", 2), ...web("app-b")]) await apply(m);
  ok(await k(["create", "secret", "tls", "a-tls", `--cert=${certDir}/tls.crt`, `--key=${certDir}/tls.key`]));
  await within(120_000, async () => ((await readyEndpoints("app-a")) === 2 && (await readyEndpoints("app-b")) === 1 ? true : undefined), 500);
});

afterAll(async () => {
  await server?.stop();
  net?.destroy();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

describe.concurrent("ingress (traefik) and LoadBalancer (servicelb) through dist/lite in its own netns", () => {
  test("an Ingress routes two hosts and two paths to two Services over HTTP and HTTPS (curl --resolve); TLS from a Secret by SNI, the default certificate otherwise; status lists the node IP", async () => {
    await apply({
      apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "two-hosts" },
      spec: {
        tls: [{ hosts: ["a.test"], secretName: "a-tls" }],
        rules: [
          { host: "a.test", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "app-a", port: { name: "http" } } } }] } },
          {
            host: "b.test", http: {
              paths: [
                { path: "/x", pathType: "Prefix", backend: { service: { name: "app-b", port: { number: 80 } } } },
                { path: "/", pathType: "Prefix", backend: { service: { name: "app-a", port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    });
    const a = await within(15_000, async () => { const r = await curl("http://a.test/"); return r.status === 200 ? r : undefined; }, 250);
    expect(a.body).toBe("app-a\n");
    expect((await curl("http://b.test/x/")).body).toBe("app-b-x\n");
    expect((await curl("http://b.test/")).body).toBe("app-a\n");
    expect((await curl("http://nobody.test/")).status).toBe(404);

    const tlsA = await curl("https://a.test/", ["-v"]);
    expect(tlsA.status).toBe(200);
    expect(tlsA.body).toBe("app-a\n");
    expect(tlsA.stderr).toMatch(/subject: CN=a\.test/);
    const tlsB = await curl("https://b.test/x/", ["-v"]);
    expect(tlsB.body).toBe("app-b-x\n");
    expect(tlsB.stderr).toMatch(/TRAEFIK DEFAULT CERT/);

    const ingress = await within(15_000, async () => {
      const ing = JSON.parse(ok(await k(["get", "ingress", "two-hosts", "-o", "json"])));
      return ing.status?.loadBalancer?.ingress?.length ? ing : undefined;
    }, 250);
    expect(ingress.status.loadBalancer.ingress).toEqual([{ ip: net.nodeIP }]);
    const ingressClass = JSON.parse(ok(await kubectl(server, ["get", "ingressclass", "traefik", "-o", "json"])));
    expect(ingressClass.metadata.annotations["ingressclass.kubernetes.io/is-default-class"]).toBe("true");
  });

  test("Traefik CRDs: an IngressRoute through a stripPrefix Middleware; a redirectScheme Middleware on an Ingress by annotation; basicAuth; a bad rule gets a Warning Event", async () => {
    // The CRDs are installed by the plugin, as K3s' traefik-crd chart does.
    const crd = JSON.parse(ok(await kubectl(server, ["get", "crd", "ingressroutes.traefik.io", "-o", "json"])));
    expect(crd.spec).toMatchObject({ group: "traefik.io", scope: "Namespaced", names: { kind: "IngressRoute", plural: "ingressroutes" } });
    ok(await kubectl(server, ["get", "crd", "middlewares.traefik.io"]));
    // Traefik v3 (K3s 1.32) has no traefik.containo.us group, so `kubectl get ingressroutes` is unambiguous.
    expect((await kubectl(server, ["get", "crd", "ingressroutes.traefik.containo.us"])).code).not.toBe(0);

    const htpasswd = Bun.spawnSync(["openssl", "passwd", "-apr1", "s3cret"]).stdout.toString().trim();
    ok(await k(["create", "secret", "generic", "auth-users", `--from-literal=users=admin:${htpasswd}`]));
    for (const m of [
      { apiVersion: "traefik.io/v1alpha1", kind: "Middleware", metadata: { name: "strip-api" }, spec: { stripPrefix: { prefixes: ["/api"] } } },
      { apiVersion: "traefik.io/v1alpha1", kind: "Middleware", metadata: { name: "to-https" }, spec: { redirectScheme: { scheme: "https", permanent: true } } },
      { apiVersion: "traefik.io/v1alpha1", kind: "Middleware", metadata: { name: "auth" }, spec: { basicAuth: { secret: "auth-users" } } },
      {
        apiVersion: "traefik.io/v1alpha1", kind: "IngressRoute", metadata: { name: "api" },
        spec: {
          entryPoints: ["web", "websecure"],
          routes: [
            { kind: "Rule", match: "Host(`a.test`) && PathPrefix(`/api`)", services: [{ name: "app-a", port: 80 }], middlewares: [{ name: "strip-api" }] },
            { kind: "Rule", match: "Host(`auth.test`)", services: [{ name: "app-b", port: "http" }], middlewares: [{ name: "auth" }] },
          ],
        },
      },
      {
        apiVersion: "networking.k8s.io/v1", kind: "Ingress",
        metadata: { name: "redirected", annotations: { "traefik.ingress.kubernetes.io/router.middlewares": "default-to-https@kubernetescrd" } },
        spec: { rules: [{ host: "redir.test", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "app-b", port: { number: 80 } } } }] } }] },
      },
      { apiVersion: "traefik.io/v1alpha1", kind: "IngressRoute", metadata: { name: "broken" }, spec: { routes: [{ kind: "Rule", match: "Host(`broken.test`", services: [{ name: "app-a", port: 80 }] }] } },
    ]) await apply(m);

    // /api/x/ reaches app-a as /x/ (without the strip it would be httpd's 404).
    const api = await within(20_000, async () => { const r = await curl("http://a.test/api/x/"); return r.status === 200 ? r : undefined; }, 250);
    expect(api.body).toBe("app-a-x\n");
    expect((await curl("https://a.test/api/x/")).body).toBe("app-a-x\n");
    expect((await curl("http://a.test/")).body).toBe("app-a\n"); // the Ingress still serves the rest of a.test

    const redirect = await within(15_000, async () => { const r = await curl("http://redir.test/x/?a=1", ["-D", "-"]); return r.status === 301 ? r : undefined; }, 250);
    expect(redirect.body.toLowerCase()).toContain("location: https://redir.test/x/?a=1\r\n");
    expect((await curl("https://redir.test/x/")).body).toBe("app-b-x\n");

    const denied = await within(15_000, async () => { const r = await curl("http://auth.test/", ["-D", "-"]); return r.status === 401 ? r : undefined; }, 250);
    expect(denied.body.toLowerCase()).toContain('www-authenticate: basic realm="traefik"');
    expect((await curl("http://auth.test/", ["-u", "admin:wrong"])).status).toBe(401);
    const allowed = await curl("http://auth.test/", ["-u", "admin:s3cret"]);
    expect(allowed.status).toBe(200);
    expect(allowed.body).toBe("app-b\n");
    expect((await curl("https://auth.test/", ["-u", "admin:s3cret"])).status).toBe(200);

    const events = await within(15_000, async () => {
      const list = JSON.parse(ok(await k(["get", "events", "--field-selector", "involvedObject.name=broken", "-o", "json"]))).items as { reason: string; type: string; involvedObject: { kind: string } }[];
      return list.find((e) => e.reason === "InvalidRule") ? list : undefined;
    }, 250);
    expect(events.find((e) => e.reason === "InvalidRule")).toMatchObject({ type: "Warning", involvedObject: { kind: "IngressRoute" } });
    expect(ok(await k(["get", "ingressroutes.traefik.io"]))).toContain("api");
  });

  test("a LoadBalancer Service gets the node IP and answers on it", async () => {
    await apply({ apiVersion: "v1", kind: "Service", metadata: { name: "lb" }, spec: { type: "LoadBalancer", selector: { app: "app-b" }, ports: [{ port: 8081, targetPort: 8080 }] } });
    const svc = await within(15_000, async () => {
      const s = JSON.parse(ok(await k(["get", "service", "lb", "-o", "json"])));
      return s.status?.loadBalancer?.ingress?.length ? s : undefined;
    }, 250);
    expect(svc.status.loadBalancer.ingress[0].ip).toBe(net.nodeIP);
    const body = await within(10_000, async () => (await fetch(`http://${net.nodeIP}:8081/`).then((r) => r.text()).catch(() => undefined)), 250);
    expect(body).toBe("app-b\n");
    expect(ok(await k(["get", "service", "lb"]))).toContain(net.nodeIP);
  });
});
