/**
 * Cluster networking end to end through the compiled binary, real containerd/CNI/nftables and real
 * kubectl: flannel's pod network, the service proxy and cluster DNS, on a lite server that runs in
 * a network namespace of its own (tests/harness/netns.ts): node IP 10.248.x.y, its own cni0, pod
 * CIDR and nftables tables. Traffic goes only to that namespace's addresses (pods, Services, the
 * node IP); the DNS upstream is a test server on the namespace's loopback.
 *
 * A second server in another namespace runs with `--disable=coredns --disable-kube-proxy
 * --disable-network-policy --flannel-backend=none` for the switched-off behaviour.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Subprocess } from "bun";
import type { ApiClient } from "@lite/sdk";
import { kubectl, REPO, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, ok, within } from "./harness/kube.ts";
import { createTestNetns, type TestNetns } from "./harness/netns.ts";
import { adminClient, busyboxPod, httpdDeployment, isRunningReady, readyEndpointCount, waitForPod, type Pod } from "./harness/pods.ts";

setDefaultTimeout(180_000);

let net: TestNetns;
let offNet: TestNetns;
let server: LiteServer;
let off: LiteServer;
let client: ApiClient;
let upstream: Subprocess<"ignore", "pipe", "pipe">;
let upstreamLog = "";

const k = (ns: string, args: string[], stdin?: string) => kubectl(server, ["-n", ns, ...args], { stdin, timeoutMs: 60_000 });
const apply = async (ns: string, manifest: unknown) => ok(await k(ns, ["apply", "-f", "-"], JSON.stringify(manifest)));
const running = (ns: string, name: string) => waitForPod(client, ns, name, "Running and Ready", isRunningReady, 90_000);
/**
 * Runs a shell snippet in a pod; resolves with its exit code and output. `get HOST [PORT]` prints
 * the body's last line of an HTTP GET (busybox nc: Debian's static busybox wget crashes).
 */
const sh = async (ns: string, pod: string, script: string) => {
  const get = `get() { printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 "$1" "\${2:-80}" | tail -n 1; }`;
  const r = await k(ns, ["exec", pod, "--", "sh", "-c", `${get}; ${script}`]);
  return { code: r.code, out: r.stdout, err: r.stderr };
};

const readyEndpoints = (ns: string, service: string) => readyEndpointCount(client, ns, service);
const web = (name: string, replicas: number, service: Record<string, unknown> = {}) => httpdDeployment(name, replicas, { service });

async function clientPod(ns: string): Promise<void> {
  ok(await k(ns, ["create", "-f", "-"], busyboxPod("client", { containers: [{ name: "c", command: ["sleep", "3600"] }] })));
  await running(ns, "client");
}

beforeAll(async () => {
  net = createTestNetns();
  offNet = createTestNetns();
  upstream = Bun.spawn(["ip", "netns", "exec", net.name, process.execPath, `${REPO}/tests/fixtures/dns-upstream.ts`, "outside.test=192.0.2.7", "target.example=192.0.2.8"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  void (async () => { const d = new TextDecoder(); for await (const c of upstream.stdout) upstreamLog += d.decode(c, { stream: true }); })();
  const port = await within(10_000, async () => /port=(\d+)/.exec(upstreamLog)?.[1]);
  // A network policy table an earlier run left: --disable-network-policy must remove it.
  expect(offNet.exec(["nft", "add", "table", "inet", "lite-netpol"]).code).toBe(0);
  const config = `plugin-config:\n  coredns:\n    upstreams: ["127.0.0.1:${port}"]\n`;
  [server, off] = await Promise.all([
    startServer(["--node-ip", net.nodeIP, "--kubelet-arg", "port=0"], {}, { agent: true, netns: net, config }),
    startServer(["--node-ip", offNet.nodeIP, "--kubelet-arg", "port=0", "--disable=coredns", "--disable-kube-proxy", "--disable-network-policy", "--flannel-backend=none"], {}, { agent: true, netns: offNet }),
  ]);
  client = adminClient(server);
  await within(60_000, async () => (/\sReady\s/.test(ok(await kubectl(server, ["get", "nodes"]))) ? true : undefined), 500);
});

afterAll(async () => {
  await Promise.all([server?.stop(), off?.stop()]);
  upstream?.kill();
  net?.destroy();
  offNet?.destroy();
});

describe.concurrent("networking on one node (dist/lite in its own netns + kubectl)", () => {
  test("[sig-network] Services should serve a basic endpoint from pods [Conformance]: pod-to-pod by IP; pod-to-Service by ClusterIP and by name (short, namespaced, FQDN), spread across replicas", async () => {
    const ns = await freshNamespace(server, "svc");
    for (const m of web("web", 3)) await apply(ns, m);
    await clientPod(ns);
    await within(90_000, async () => ((await readyEndpoints(ns, "web")) === 3 ? true : undefined), 500);
    const pods = await client.list<Pod>({ group: "", version: "v1", resource: "pods", namespace: ns }, { labelSelector: "app=web" });
    const direct = await sh(ns, "client", `get ${pods.items[0]!.status!.podIP} 8080`);
    expect(direct.out.trim()).toBe(pods.items[0]!.metadata.name!);

    // In-cluster clients reach the API server through the kubernetes Service.
    expect((await sh(ns, "client", "nc -w 5 kubernetes.default.svc.cluster.local 443 </dev/null && echo connected")).out).toContain("connected");

    const clusterIP = JSON.parse(ok(await k(ns, ["get", "service", "web", "-o", "json"]))).spec.clusterIP as string;
    const names = new Set(pods.items.map((p) => p.metadata.name!));
    for (const target of [clusterIP, "web", `web.${ns}`, `web.${ns}.svc.cluster.local`]) {
      const r = await sh(ns, "client", `for i in $(seq 24); do get ${target} || echo FAIL; done`);
      const answers = r.out.trim().split("\n");
      expect(answers.filter((a) => !names.has(a))).toEqual([]);
      expect(new Set(answers).size).toBeGreaterThanOrEqual(2); // 24 tries over 3 equal endpoints
    }
  });

  test("a Service with no ready endpoints refuses connections at once; scaling a Deployment changes who answers within a second", async () => {
    const ns = await freshNamespace(server, "scale");
    ok(await k(ns, ["create", "service", "clusterip", "empty", "--tcp=80:8080"]));
    for (const m of web("web", 2)) await apply(ns, m);
    await clientPod(ns);
    const started = Date.now();
    const refused = await sh(ns, "client", "nc -w 10 empty 80 </dev/null");
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/refused/i);
    expect(Date.now() - started).toBeLessThan(8_000); // kubectl exec's own overhead, not the 10 s timeout

    await within(90_000, async () => ((await readyEndpoints(ns, "web")) === 2 ? true : undefined), 500);
    ok(await k(ns, ["scale", "deployment", "web", "--replicas=1"]));
    await within(30_000, async () => ((await readyEndpoints(ns, "web")) === 1 ? true : undefined), 100);
    const survivor = (await client.list<Pod>({ group: "", version: "v1", resource: "pods", namespace: ns }, { labelSelector: "app=web" }))
      .items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!);
    // Within a second of the EndpointSlice change (plus kubectl exec's start), only the survivor answers.
    await Bun.sleep(1_000);
    const r = await sh(ns, "client", "for i in $(seq 12); do get web || echo FAIL; done");
    expect(new Set(r.out.trim().split("\n"))).toEqual(new Set(survivor));
  });

  test("NodePort from the host on the node IP; hostPort on the node IP", async () => {
    const ns = await freshNamespace(server, "np");
    for (const m of web("web", 1, { type: "NodePort" })) await apply(ns, m);
    ok(await k(ns, ["create", "-f", "-"], busyboxPod("hp", {
      containers: [{ name: "c", command: ["sh", "-c", "mkdir -p /www && echo hostport-ok > /www/index.html && exec httpd -f -p 8080 -h /www"], ports: [{ containerPort: 8080, hostPort: 18080 }] }],
    })));
    await within(90_000, async () => ((await readyEndpoints(ns, "web")) === 1 ? true : undefined), 500);
    const nodePort = JSON.parse(ok(await k(ns, ["get", "service", "web", "-o", "json"]))).spec.ports[0].nodePort as number;
    const viaNodePort = await within(10_000, async () => (await fetch(`http://${net.nodeIP}:${nodePort}/`).then((r) => r.text()).catch(() => undefined)), 250);
    expect(viaNodePort.trim()).toStartWith("web-");
    await running(ns, "hp");
    const viaHostPort = await within(10_000, async () => (await fetch(`http://${net.nodeIP}:18080/`).then((r) => r.text()).catch(() => undefined)), 250);
    expect(viaHostPort).toBe("hostport-ok\n");
  });

  test("[sig-network] DNS should provide DNS for services [Conformance]: headless Service, SRV for a named port, ExternalName, upstream forwarding, NXDOMAIN (nslookup in busybox)", async () => {
    const ns = await freshNamespace(server, "dns");
    for (const m of web("web", 2, { clusterIP: "None" })) await apply(ns, m);
    await apply(ns, { apiVersion: "v1", kind: "Service", metadata: { name: "ext" }, spec: { type: "ExternalName", externalName: "target.example" } });
    await clientPod(ns);
    await within(90_000, async () => ((await readyEndpoints(ns, "web")) === 2 ? true : undefined), 500);
    const pods = await client.list<Pod>({ group: "", version: "v1", resource: "pods", namespace: ns }, { labelSelector: "app=web" });
    const ips = pods.items.map((p) => p.status!.podIP!).sort();

    const headless = await sh(ns, "client", `nslookup web.${ns}.svc.cluster.local.`);
    expect(headless.code).toBe(0);
    for (const ip of ips) expect(headless.out).toContain(ip);

    const srv = await sh(ns, "client", `nslookup -type=SRV _http._tcp.web.${ns}.svc.cluster.local.`);
    expect(srv.out).toMatch(/8080/);

    const ext = await sh(ns, "client", `nslookup ext.${ns}.svc.cluster.local.`);
    expect(ext.out).toContain("target.example");
    expect(ext.out).toContain("192.0.2.8");

    const outside = await sh(ns, "client", "nslookup outside.test.");
    expect(outside.out).toContain("192.0.2.7");

    const missing = await sh(ns, "client", `nslookup nosuch.${ns}.svc.cluster.local.`);
    expect(missing.code).not.toBe(0);
    expect(`${missing.out}${missing.err}`).toMatch(/NXDOMAIN|can't find/);
  });
});

describe("switched off: --disable=coredns --disable-kube-proxy --disable-network-policy --flannel-backend=none", () => {
  test("no kube-dns Service, no lite-proxy or lite-netpol nftables table, no CNI configuration from lite (the node waits for the operator's CNI)", async () => {
    const services = ok(await kubectl(off, ["-n", "kube-system", "get", "services", "-o", "name"]));
    expect(services).not.toContain("kube-dns");
    const tables = offNet.exec(["nft", "list", "tables"]).stdout;
    expect(tables).not.toContain("lite-proxy");
    expect(tables).not.toContain("lite-netpol");
    // The other server enforces policies: its table is there (an empty forward chain while no policy exists).
    expect(net.exec(["nft", "list", "table", "inet", "lite-netpol"]).stdout).toContain("hook forward");
    const node = JSON.parse(ok(await kubectl(off, ["get", "nodes", "-o", "json"]))).items[0];
    const ready = node.status.conditions.find((c: { type: string }) => c.type === "Ready");
    expect(ready.status).toBe("False");
    expect(ready.message).toMatch(/network|cni/i);
  });
});
