/**
 * Upstream [sig-network] conformance tests for DNS, pod networking, HostPort, the API server's pod and
 * service proxy, EndpointSlice (mirroring), Service endpoints latency, and [sig-cli] `kubectl logs`
 * (kubernetes test/e2e/network/{dns,dns_common,hostport,proxy,endpointslice,endpointslicemirroring,
 * service_latency}.go, test/e2e/common/network/networking.go, test/e2e/kubectl/logs.go) against the
 * compiled binary: one lite server whose embedded agent runs real pods in a network namespace of its
 * own (tests/harness/netns-server.ts). Every case has its own namespace and the cases run
 * concurrently, at most MAX_CASES_AT_ONCE with pods at a time. Upstream's steps are kept as comments.
 *
 * The cluster DNS runs in that namespace with no upstream resolvers: only cluster names and the pod's
 * own /etc/hosts are looked up, nothing leaves the node. No registry is reachable, so agnhost,
 * dnsutils, jessie-dnsutils and test-webserver are replaced by busybox doing the same job:
 * - dig +notcp (a UDP query): busybox nslookup, which queries over UDP; dig +tcp: a DNS query built
 *   with printf and sent over TCP with nc (2-byte length framing), answered when the reply's RCODE
 *   is 0 and it holds an answer; `getent hosts` (not in busybox): a field match in /etc/hosts. One
 *   busybox querier stands in for upstream's two (agnhost and jessie) queriers;
 * - test-webserver (serves the DNS probe results): busybox httpd, read through pods/proxy as upstream;
 * - agnhost netexec (HTTP hostname server): busybox httpd serving the pod's hostname at /hostname and
 *   /hostName; netexec's /dial indirection from the test container: `kubectl exec` into that
 *   container, which sends the request itself with busybox nc;
 * - agnhost porter (answers each port with a fixed text, or JSON {Method, Body}): `nc -ll -e`
 *   handlers. busybox has no TLS server, so upstream's SERVE_TLS_PORT entries of "should proxy
 *   through a service and a pod" are not served nor checked;
 * - agnhost logs-generator: a shell loop printing 100 lines of the same shape over 20 s;
 * - agnhost dns-suffix / dns-server-list (read /etc/resolv.conf): `cat /etc/resolv.conf`.
 * - agnhost netexec's UDP server (answers "hostname" with the pod's hostname) and the UDP client
 *   `nc -u`: busybox's nc has no UDP, so these run netcat-traditional in a test image built from
 *   this machine's files (tests/harness/netcat-image.ts, imported before the cases start).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { builtinResources, isNotFound, type ApiClient, type KubeObject } from "@lite/sdk";
import { kubectl, type LiteServer } from "./harness/lite-process.ts";
import { ok, TrackedNamespaces, within } from "./harness/kube.ts";
import { startNetnsServer, type NetnsServer } from "./harness/netns-server.ts";
import { NETCAT_IMAGE, importNetcatImage, udpHostnameQuery, udpHostnameServer } from "./harness/netcat-image.ts";
import { busyboxPod, getPod, isRunningReady, type Pod } from "./harness/pods.ts";
import { kubeconfigTransportOptions } from "../core/client/index.ts";

setDefaultTimeout(180_000);
const CASE_TIMEOUT_MS = 300_000;

let cluster: NetnsServer;
let server: LiteServer;
let client: ApiClient;
let nodeIP: string;

beforeAll(async () => {
  cluster = await startNetnsServer("lite-network-conformance");
  ({ server, client } = cluster);
  nodeIP = cluster.net.nodeIP;
  importNetcatImage(server);
});

afterAll(async () => {
  // As upstream's framework destroys each test's namespace: the pods go through their kubelet now.
  if (client) await namespaces.drain(client);
  await cluster?.stop();
});

const R = builtinResources;
const PAUSE = "lite.local/pause:3.10";
const pods = (namespace: string) => ({ ...R.pods, namespace });
const services = (namespace: string) => ({ ...R.services, namespace });
const endpoints = (namespace: string) => ({ ...R.endpoints, namespace });
const slices = (namespace: string) => ({ ...R.endpointSlices, namespace });
const configMaps = (namespace: string) => ({ ...R.configMaps, namespace });
const rcs = (namespace: string) => ({ group: "", version: "v1", resource: "replicationcontrollers", namespace });

type Service = KubeObject & { spec: { clusterIP?: string; selector?: Record<string, string>; ports?: { name?: string; port: number; protocol?: string; targetPort?: number | string }[] } };
type Endpoints = KubeObject & { subsets?: { addresses?: { ip: string }[]; ports?: { name?: string; port: number; protocol?: string }[] }[] };
type Slice = KubeObject & { addressType?: string; endpoints?: { addresses: string[] }[]; ports?: { name?: string; port?: number; protocol?: string }[] };

const namespaces = new TrackedNamespaces();
/** A fresh namespace, awaited until its controllers populated it (default ServiceAccount, kube-root-ca.crt), as upstream's framework. */
const freshNamespace = (prefix: string) => namespaces.create(client, prefix);

const k = (ns: string, args: string[], stdin?: string) => kubectl(server, ["-n", ns, ...args], { stdin, timeoutMs: 120_000 });
const createPod = (ns: string, name: string, spec: Record<string, any>, metadata: Record<string, any> = {}) =>
  client.create<Pod>(pods(ns), JSON.parse(busyboxPod(name, spec, metadata)));

/** Polls the pod every 500 ms until `check` holds. */
async function waitPod(ns: string, name: string, what: string, check: (p: Pod) => boolean, ms = 150_000): Promise<Pod> {
  const deadline = Date.now() + ms;
  for (;;) {
    const pod = await getPod(client, ns, name);
    if (pod && check(pod)) return pod;
    if (Date.now() > deadline) throw new Error(`pod ${ns}/${name}: not ${what} within ${ms} ms; last status: ${JSON.stringify(pod?.status ?? "(no pod)")}`);
    await Bun.sleep(500);
  }
}
const running = (ns: string, name: string) => waitPod(ns, name, "Running and Ready", isRunningReady);

/** Runs `script` with sh in the pod's container; the exit code and both streams. */
async function shIn(ns: string, pod: string, container: string, script: string) {
  const r = await k(ns, ["exec", pod, "-c", container, "--", "sh", "-c", script]);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

/** An HTTP GET of `path` with busybox nc (curl stand-in): the last line of the response (the one-line body). */
const httpGet = (host: string, port: number, path: string, timeout = 5) =>
  `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | timeout ${timeout} nc ${host} ${port} | tail -n 1`;

/** A request straight to the API server with the admin credentials; redirects are returned, not followed. */
async function apiRequest(method: string, path: string): Promise<Response> {
  const o = kubeconfigTransportOptions(server.kubeconfig);
  return fetch(`${o.server}${path}`, { method, redirect: "manual", tls: { cert: o.clientCertPem, key: o.clientKeyPem, ca: o.caPem } } as RequestInit);
}

/** Polls `check` every `intervalMs` until it returns undefined (success); throws with its last complaint after `ms`. */
async function eventually(ms: number, what: string, check: () => Promise<string | undefined>, intervalMs = 500): Promise<void> {
  let miss: string | undefined = "never ran";
  await within(ms, async () => ((miss = await check()) === undefined ? true : undefined), intervalMs).catch(() => { throw new Error(`${what}: ${miss}`); });
}

const uid = () => Math.random().toString(36).slice(2, 7);

/**
 * A ConfigMap of shell scripts, mounted read-only at /scripts (kept out of the pod's command, so the
 * kubelet's $(VAR) expansion never touches them).
 */
async function scriptsConfigMap(ns: string, name: string, data: Record<string, string>): Promise<Record<string, unknown>> {
  await client.create(configMaps(ns), { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data } as KubeObject);
  return { name: "scripts", configMap: { name, defaultMode: 0o755 } };
}

// ---- DNS (dns.go, dns_common.go) ------------------------------------------------------------------

const CLUSTER_DOMAIN = "cluster.local";
const dnsTestPodHostName = "dns-querier-1";
const dnsTestServiceName = "dns-test-service";

/**
 * Shell helpers of the probe: `udp NAME` (dig +notcp +search NAME A), `tcp NAME` (dig +tcp NAME A)
 * and `hosts NAME` (getent hosts NAME). Names are fully qualified (busybox nslookup has no search
 * list); the server is the pod's first nameserver.
 */
const DNS_PROBE_HELPERS = [
  "ns=$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)",
  // busybox nslookup asks over UDP; an answer section starts with "Name:".
  `udp() { nslookup -type=a "$1." "$ns" 2>/dev/null | sed -n '/^Name:/,$p' | grep -q '^Address'; }`,
  // A DNS query for NAME A (id 1, RD), then the TCP frame: 2-byte length + query.
  `query() { printf '\\000\\001\\001\\000\\000\\001\\000\\000\\000\\000\\000\\000'; for l in $(echo "$1" | tr . ' '); do printf "\\\\$(printf %o \${#l})%s" "$l"; done; printf '\\000\\000\\001\\000\\001'; }`,
  // Reply bytes (after the 2-byte length): id(2) flags(2: RCODE in the low 4 bits) qd(2) an(2).
  `tcp() { n=$(query "$1" | wc -c); { printf "\\\\000\\\\$(printf %o $n)"; query "$1"; } | timeout 3 nc "$ns" 53 | hexdump -v -e '1/1 "%u "' | awk '{ exit !(NF > 9 && $6 % 16 == 0 && $9 * 256 + $10 > 0) }'; }`,
  `hosts() { awk -v n="$1" '{ for (i = 2; i <= NF; i++) if ($i == n) f = 1 } END { exit !f }' /etc/hosts; }`,
].join("\n");

/**
 * createProbeCommand: every second for 600 s, each name by UDP and TCP (files <prefix>_udp@NAME and
 * <prefix>_tcp@NAME), each host entry (<prefix>_hosts@NAME), and the pod's own A record
 * a-b-c-d.<ns>.pod.<domain> (<prefix>_udp@PodARecord, <prefix>_tcp@PodARecord), each written "OK"
 * into /results when it resolves.
 */
function createProbeCommand(namesToResolve: string[], hostEntries: string[], prefix: string, ns: string): { script: string; fileNames: string[] } {
  const fileNames: string[] = [];
  let body = "";
  for (const name of namesToResolve) {
    body += `udp ${name} && echo OK > /results/${prefix}_udp@${name}\n`;
    body += `tcp ${name} && echo OK > /results/${prefix}_tcp@${name}\n`;
    fileNames.push(`${prefix}_udp@${name}`, `${prefix}_tcp@${name}`);
  }
  for (const name of hostEntries) {
    body += `hosts ${name} && echo OK > /results/${prefix}_hosts@${name}\n`;
    fileNames.push(`${prefix}_hosts@${name}`);
  }
  // `hostname -i` (the pod's IP as /etc/hosts gives it for its hostname): read from /etc/hosts directly.
  body += `podARec=$(awk -v h="$(hostname)" '{ for (i = 2; i <= NF; i++) if ($i == h) { print $1; exit } }' /etc/hosts | awk -F. '{print $1"-"$2"-"$3"-"$4".${ns}.pod.${CLUSTER_DOMAIN}"}')\n`;
  body += `udp "$podARec" && echo OK > /results/${prefix}_udp@PodARecord\n`;
  body += `tcp "$podARec" && echo OK > /results/${prefix}_tcp@PodARecord\n`;
  fileNames.push(`${prefix}_udp@PodARecord`, `${prefix}_tcp@PodARecord`);
  return { script: `${DNS_PROBE_HELPERS}\nfor i in $(seq 1 600); do\n${body}sleep 1\ndone\n`, fileNames };
}

/** createDNSPod: a results emptyDir, a webserver serving it, the querier running the probe; hostname/subdomain set. */
function createDNSPod(name: string, scripts: Record<string, unknown>, hostname: string, subdomain: string, labels: Record<string, string> = {}) {
  return JSON.parse(busyboxPod(name, {
    hostname, subdomain,
    volumes: [{ name: "results", emptyDir: {} }, scripts],
    containers: [
      { name: "webserver", command: ["httpd", "-f", "-p", "80", "-h", "/"], ports: [{ name: "http", containerPort: 80 }], volumeMounts: [{ name: "results", mountPath: "/results" }] },
      { name: "querier", command: ["sh", "/scripts/probe.sh"], volumeMounts: [{ name: "results", mountPath: "/results" }, { name: "scripts", mountPath: "/scripts" }] },
    ],
  }, { labels }));
}

/** validateDNSResults: submit the pod, wait until Running, then read every result file through pods/proxy until all exist. */
async function validateDNSResults(ns: string, pod: Pod, fileNames: string[]): Promise<void> {
  await client.create(pods(ns), pod);
  await waitPod(ns, pod.metadata.name!, "Running", (p) => p.status?.phase === "Running");
  // assertFilesExist: GET pods/<pod>/proxy/results/<file> for each file.
  await eventually(120_000, "DNS probe results", async () => {
    const failed: string[] = [];
    for (const f of fileNames) {
      const res = await apiRequest("GET", `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/proxy/results/${encodeURIComponent(f)}`);
      const text = await res.text();
      if (res.status !== 200 || text.trim() !== "OK") failed.push(f);
    }
    return failed.length ? `lookups failed for: ${failed.join(", ")}` : undefined;
  }, 1000);
  await client.delete({ ...pods(ns), name: pod.metadata.name! }, { gracePeriodSeconds: 0 });
}

/** e2eservice.CreateServiceSpec: port 80 "http" (targetPort 80), headless when asked. */
function serviceSpec(name: string, headless: boolean, selector: Record<string, string>): Service {
  return {
    apiVersion: "v1", kind: "Service", metadata: { name },
    spec: { selector, ports: [{ name: "http", port: 80, targetPort: 80, protocol: "TCP" }], ...(headless ? { clusterIP: "None" } : {}) },
  } as Service;
}

// ---- Networking (common/network/networking.go with framework/network/utils.go) --------------------

const ENDPOINT_HTTP_PORT = 8083;
const ENDPOINT_UDP_PORT = 8081;
/** netexec's UDP side (--udp-port): a container of the same pod answering datagrams with the pod's hostname. */
const netexecUdp = (name: string, port: number) => ({
  name, image: NETCAT_IMAGE, command: ["sh", "-c", udpHostnameServer(port)], ports: [{ name: "udp", containerPort: port, protocol: "UDP" }],
});
/** agnhost netexec stand-in: busybox httpd answering the pod's hostname on /hostname and /hostName. */
const netexec = (name: string, port: number) => ({
  name, command: ["sh", "-c", `mkdir -p /www && hostname > /www/hostname && hostname > /www/hostName && exec httpd -f -p ${port} -h /www`],
  ports: [{ name: "http", containerPort: port }],
  readinessProbe: { httpGet: { path: "/hostname", port }, periodSeconds: 1 },
});

/**
 * NewCoreNetworkingTestConfig: a netserver pod on each node (one node here), the test container pod,
 * and with `hostNetwork` a host-network test container; resolves once all are running and ready.
 */
async function setupNetworkingConfig(ns: string, hostNetwork: boolean): Promise<{ endpointPods: Pod[] }> {
  const nodes = (await client.list<KubeObject>(R.nodes)).items;
  const names = nodes.map((_, i) => `netserver-${i}`);
  await Promise.all(nodes.map((n, i) => createPod(ns, names[i]!, { nodeName: n.metadata.name, containers: [netexec("webserver", ENDPOINT_HTTP_PORT), netexecUdp("udp", ENDPOINT_UDP_PORT)] }, { labels: { "selector-netserver": "true" } })));
  await createPod(ns, "test-container-pod", { containers: [netexec("webserver", 9080), { name: "udp-client", image: NETCAT_IMAGE, command: ["sleep", "3600"] }] });
  if (hostNetwork) await createPod(ns, "host-test-container-pod", { hostNetwork: true, containers: [{ name: "agnhost-container", image: NETCAT_IMAGE, command: ["sleep", "3600"] }] });
  const endpointPods = await Promise.all(names.map((n) => running(ns, n)));
  await running(ns, "test-container-pod");
  if (hostNetwork) await running(ns, "host-test-container-pod");
  return { endpointPods };
}

/**
 * DialFromTestContainer / DialFromNode (http): from `from`, GET /hostname of targetIP:targetPort
 * until the responses include the expected pod names (upstream: maxTries attempts, here 60 s).
 */
async function dialHTTP(ns: string, from: string, container: string, targetIP: string, targetPort: number, expected: string): Promise<void> {
  const seen = new Set<string>();
  await eventually(60_000, `http ${from} -> ${targetIP}:${targetPort}`, async () => {
    const r = await shIn(ns, from, container, httpGet(targetIP, targetPort, "/hostname"));
    const body = r.out.trim();
    if (body) seen.add(body);
    return seen.has(expected) ? undefined : `responses ${JSON.stringify([...seen])}, want ${expected} (${r.err})`;
  });
}

/** DialFromTestContainer / DialFromNode (udp): one datagram to targetIP:targetPort until the expected hostname answers. */
async function dialUDP(ns: string, from: string, container: string, targetIP: string, targetPort: number, expected: string): Promise<void> {
  const seen = new Set<string>();
  await eventually(60_000, `udp ${from} -> ${targetIP}:${targetPort}`, async () => {
    const r = await shIn(ns, from, container, udpHostnameQuery(targetIP, targetPort));
    const body = r.out.trim();
    if (body) seen.add(body);
    return seen.has(expected) ? undefined : `responses ${JSON.stringify([...seen])}, want ${expected} (${r.err})`;
  });
}

// ---- Proxy (proxy.go) -------------------------------------------------------------------------------

/**
 * agnhost porter stand-in: one `nc -ll -e` server per port; each answers any request with the port's
 * text (text/html, as porter), or with `json`, JSON {"Method": <request method>, "Body": <text>}
 * (porter --json-response).
 */
function porterScripts(servePorts: Record<number, string>, json: boolean): Record<string, string> {
  const data: Record<string, string> = {};
  const starts: string[] = [];
  for (const [port, text] of Object.entries(servePorts)) {
    data[`port-${port}.sh`] = [
      "#!/bin/sh",
      "read -r method path proto",
      // Read the request to its end (headers, then a Content-Length or chunked body), so that closing
      // the connection does not reset it under an unread request.
      "len=0; chunked=",
      'while read -r h; do h=$(echo "$h" | tr -d \'\\r\'); [ -z "$h" ] && break; case "$h" in [Cc]ontent-[Ll]ength:*) len=$((${h#*:}));; [Tt]ransfer-[Ee]ncoding:*chunked*) chunked=1;; esac; done',
      'if [ -n "$chunked" ]; then while read -r c; do [ "$(echo "$c" | tr -d \'\\r \')" = 0 ] && { read -r _; break; }; done; elif [ "$len" -gt 0 ]; then head -c "$len" >/dev/null; fi',
      json ? `body="{\\"Method\\":\\"$method\\",\\"Body\\":\\"${text}\\"}"; type=application/json` : `body='${text}'; type=text/html`,
      `printf 'HTTP/1.1 200 OK\\r\\nContent-Type: %s\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n' "$type" "$(printf %s "$body" | wc -c)"`,
      `[ "$method" = HEAD ] || printf %s "$body"`,
      "",
    ].join("\n");
    starts.push(`nc -ll -p ${port} -e /scripts/port-${port}.sh &`);
  }
  data["porter.sh"] = `#!/bin/sh\n${starts.join("\n")}\nwait\n`;
  return data;
}

// ---- Service endpoints latency (service_latency.go) --------------------------------------------------

/** A watch of the namespace's Endpoints recording when each first had a ready address (startEndpointWatcher + querier). */
function endpointWatcher(ns: string, resourceVersion: string) {
  const abort = new AbortController();
  const seenAt = new Map<string, number>();
  const done = (async () => {
    for await (const e of client.watch<Endpoints>(endpoints(ns), { resourceVersion, signal: abort.signal })) {
      if (e.type !== "ADDED" && e.type !== "MODIFIED") continue;
      const ep = e.object;
      if ((ep.subsets?.[0]?.addresses?.length ?? 0) > 0 && !seenAt.has(ep.metadata.name!)) seenAt.set(ep.metadata.name!, Date.now());
    }
  })().catch(() => {});
  return {
    /** Resolves with the time the Service's endpoints appeared; undefined if not within `ms`. */
    request: (name: string, ms: number) => within(ms, async () => seenAt.get(name), 20).catch(() => undefined),
    stop: async () => { abort.abort(); await done; },
  };
}

// ---- the tests --------------------------------------------------------------------------------------

/**
 * At most this many cases have pods at once: every case is concurrent, but dozens of pods starting
 * together on a 2-core machine slow every one of them down more than running them in waves does.
 */
const MAX_CASES_AT_ONCE = 8;
let active = 0;
const queue: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (active >= MAX_CASES_AT_ONCE) await new Promise<void>((resolve) => queue.push(resolve));
  else active++;
  try {
    return await fn();
  } finally {
    const next = queue.shift();
    if (next) next();
    else active--;
  }
}
/** A concurrent case that waits for a slot (MAX_CASES_AT_ONCE). */
const it = (name: string, fn: () => Promise<unknown>) => test(name, () => limited(fn).then(() => {}), CASE_TIMEOUT_MS);

describe.concurrent("[sig-network] conformance (dist/lite in its own netns, busybox for agnhost)", () => {
  // ---- DNS ----

  it("[sig-network] DNS should provide DNS for the cluster [Conformance]", async () => {
    const ns = await freshNamespace("dns-cluster");
    const namesToResolve = [`kubernetes.default.svc.${CLUSTER_DOMAIN}`];
    const { script, fileNames } = createProbeCommand(namesToResolve, [], "busybox", ns);
    const scripts = await scriptsConfigMap(ns, "dns-probe", { "probe.sh": script });
    // "creating a pod to probe DNS"
    await validateDNSResults(ns, createDNSPod(`dns-test-${uid()}`, scripts, dnsTestPodHostName, dnsTestServiceName), fileNames);
  });

  it("[sig-network] DNS should provide /etc/hosts entries for the cluster [Conformance]", async () => {
    const ns = await freshNamespace("dns-hosts");
    const hostFQDN = `${dnsTestPodHostName}.${dnsTestServiceName}.${ns}.svc.${CLUSTER_DOMAIN}`;
    const { script, fileNames } = createProbeCommand([], [hostFQDN, dnsTestPodHostName], "busybox", ns);
    const scripts = await scriptsConfigMap(ns, "dns-probe", { "probe.sh": script });
    // "creating a pod to probe /etc/hosts"
    await validateDNSResults(ns, createDNSPod(`dns-test-${uid()}`, scripts, dnsTestPodHostName, dnsTestServiceName), fileNames);
  });

  it("[sig-network] DNS should provide DNS for pods for Subdomain [Conformance]", async () => {
    const ns = await freshNamespace("dns-subdomain");
    // "Creating a test headless service"
    const testServiceSelector = { "dns-test-hostname-attribute": "true" };
    const serviceName = "dns-test-service-2";
    const podHostname = "dns-querier-2";
    await client.create(services(ns), serviceSpec(serviceName, true, testServiceSelector));
    const hostFQDN = `${podHostname}.${serviceName}.${ns}.svc.${CLUSTER_DOMAIN}`;
    const subdomain = `${serviceName}.${ns}.svc.${CLUSTER_DOMAIN}`;
    const { script, fileNames } = createProbeCommand([hostFQDN, subdomain], [], "busybox", ns);
    const scripts = await scriptsConfigMap(ns, "dns-probe", { "probe.sh": script });
    // "creating a pod to probe DNS": labelled for the headless Service, hostname and subdomain set.
    await validateDNSResults(ns, createDNSPod(`dns-test-${uid()}`, scripts, podHostname, serviceName, testServiceSelector), fileNames);
  });

  it("[sig-network] DNS should support configurable pod DNS nameservers [Conformance]", async () => {
    const ns = await freshNamespace("dns-config");
    // "Creating a pod with dnsPolicy=None and customized dnsConfig..."
    const testServerIP = "1.1.1.1";
    const testSearchPath = "resolv.conf.local";
    await createPod(ns, "test-dns-nameservers", {
      dnsPolicy: "None", dnsConfig: { nameservers: [testServerIP], searches: [testSearchPath] },
      containers: [{ name: "agnhost-container", command: ["sleep", "3600"] }],
    });
    await running(ns, "test-dns-nameservers");
    const resolvConf = ok(await k(ns, ["exec", "test-dns-nameservers", "-c", "agnhost-container", "--", "cat", "/etc/resolv.conf"]));
    // "Verifying customized DNS suffix list is configured on pod..." (agnhost dns-suffix: the search list)
    const suffixes = resolvConf.split("\n").filter((l) => l.startsWith("search ")).flatMap((l) => l.split(/\s+/).slice(1));
    expect(suffixes).toContain(testSearchPath);
    // "Verifying customized DNS server is configured on pod..." (agnhost dns-server-list: the nameservers)
    const servers = resolvConf.split("\n").filter((l) => l.startsWith("nameserver ")).map((l) => l.split(/\s+/)[1]);
    expect(servers).toContain(testServerIP);
    await client.delete({ ...pods(ns), name: "test-dns-nameservers" }, { gracePeriodSeconds: 0 });
  });

  // ---- Networking Granular Checks ----

  it("[sig-network] Networking Granular Checks: Pods should function for intra-pod communication: http [NodeConformance] [Conformance]", async () => {
    const ns = await freshNamespace("pod-network-http");
    const { endpointPods } = await setupNetworkingConfig(ns, false);
    // checkPodToPodConnectivity: from the test container to each endpoint pod's IP on the HTTP port.
    for (const endpointPod of endpointPods) {
      await dialHTTP(ns, "test-container-pod", "webserver", endpointPod.status!.podIP!, ENDPOINT_HTTP_PORT, endpointPod.metadata.name!);
    }
  });

  it("[sig-network] Networking Granular Checks: Pods should function for node-pod communication: http [LinuxOnly] [NodeConformance] [Conformance]", async () => {
    const ns = await freshNamespace("node-pod-http");
    const { endpointPods } = await setupNetworkingConfig(ns, true);
    // DialFromNode: from the host-network test container (the node's network) to each endpoint pod.
    for (const endpointPod of endpointPods) {
      await dialHTTP(ns, "host-test-container-pod", "agnhost-container", endpointPod.status!.podIP!, ENDPOINT_HTTP_PORT, endpointPod.metadata.name!);
    }
  });

  it("[sig-network] Networking Granular Checks: Pods should function for intra-pod communication: udp [NodeConformance] [Conformance]", async () => {
    const ns = await freshNamespace("pod-network-udp");
    const { endpointPods } = await setupNetworkingConfig(ns, false);
    for (const endpointPod of endpointPods) {
      await dialUDP(ns, "test-container-pod", "udp-client", endpointPod.status!.podIP!, ENDPOINT_UDP_PORT, endpointPod.metadata.name!);
    }
  });

  it("[sig-network] Networking Granular Checks: Pods should function for node-pod communication: udp [LinuxOnly] [NodeConformance] [Conformance]", async () => {
    const ns = await freshNamespace("node-pod-udp");
    const { endpointPods } = await setupNetworkingConfig(ns, true);
    for (const endpointPod of endpointPods) {
      await dialUDP(ns, "host-test-container-pod", "agnhost-container", endpointPod.status!.podIP!, ENDPOINT_UDP_PORT, endpointPod.metadata.name!);
    }
  });

  // ---- HostPort ----

  it("[sig-network] HostPort validates that there is no conflict between pods with same hostPort but different hostIP and protocol [LinuxOnly] [Conformance]", async () => {
    const ns = await freshNamespace("hostport");
    const localhost = "127.0.0.1";
    const node = (await client.list<KubeObject & { status?: { addresses?: { type: string; address: string }[] } }>(R.nodes)).items[0]!;
    const hostIP = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
    expect(hostIP).toBe(nodeIP);
    const port = 54323;
    /** createHostPortPodOnNode: netexec on 8080 (TCP here, see the header) exposed as hostIP:port/protocol on the node. */
    // e2epod.SetNodeSelection by name: a required node affinity on metadata.name, so the scheduler places it.
    const onNode = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node.metadata.name] }] }] } } };
    const hostPortPod = (name: string, ip: string, protocol: "TCP" | "UDP") => createPod(ns, name, {
      affinity: onNode,
      containers: [{
        ...(protocol === "TCP" ? netexec("agnhost", 8080) : netexecUdp("agnhost", 8080)),
        ports: [{ containerPort: 8080, protocol, hostPort: port, hostIP: ip }],
        readinessProbe: protocol === "TCP" ? { httpGet: { path: "/hostname", port: 8080 }, periodSeconds: 1 } : undefined,
      }],
    });
    // "Trying to create a pod(pod1) with hostport 54323 and hostIP 127.0.0.1 and expect scheduled"
    await hostPortPod("pod1", localhost, "TCP");
    await running(ns, "pod1");
    // "Trying to create another pod(pod2) with hostport 54323 but hostIP <hostIP> on the node which pod1 resides and expect scheduled"
    await hostPortPod("pod2", hostIP, "TCP");
    await running(ns, "pod2");
    // "Trying to create a third pod(pod3) with hostport 54323, hostIP <hostIP> but use UDP protocol on the node which pod2 resides"
    await hostPortPod("pod3", hostIP, "UDP");
    await running(ns, "pod3");

    // "checking connectivity from pod e2e-host-exec to serverIP: 127.0.0.1 / hostIP, port: 54323"
    await createPod(ns, "e2e-host-exec", { hostNetwork: true, nodeName: node.metadata.name, containers: [{ name: "e2e-host-exec", image: NETCAT_IMAGE, command: ["sleep", "3600"] }] });
    await running(ns, "e2e-host-exec");
    await eventually(60_000, "hostPort connectivity", async () => {
      const h1 = (await shIn(ns, "e2e-host-exec", "e2e-host-exec", httpGet(localhost, port, "/hostname"))).out.trim();
      const h2 = (await shIn(ns, "e2e-host-exec", "e2e-host-exec", httpGet(hostIP, port, "/hostname"))).out.trim();
      if (!h1 || !h2) return `127.0.0.1:${port} answered ${JSON.stringify(h1)}, ${hostIP}:${port} answered ${JSON.stringify(h2)}`;
      // "the hostname returned has to be different because we are exposing the same port to two different pods"
      if (h1 === h2) return `pods must have different hostname: both answered ${h1}`;
      return h1 === "pod1" && h2 === "pod2" ? undefined : `127.0.0.1 answered ${h1}, ${hostIP} answered ${h2}`;
    }, 1000);
    // "checking connectivity from pod e2e-host-exec to serverIP: <hostIP>, port: 54323 UDP": pod3 answers.
    await eventually(60_000, "hostPort UDP connectivity", async () => {
      const h3 = (await shIn(ns, "e2e-host-exec", "e2e-host-exec", udpHostnameQuery(hostIP, port))).out.trim();
      return h3 === "pod3" ? undefined : `${hostIP}:${port}/UDP answered ${JSON.stringify(h3)}`;
    }, 1000);
  });

  // ---- Proxy version v1 ----

  it("[sig-network] Proxy version v1 should proxy through a service and a pod [Conformance]", async () => {
    const ns = await freshNamespace("proxy");
    const labels = { "proxy-service-target": "true" };
    const service = await client.create<Service>(services(ns), {
      apiVersion: "v1", kind: "Service", metadata: { generateName: "proxy-service-" },
      spec: { selector: labels, ports: [{ name: "portname1", port: 80, targetPort: "dest1" }, { name: "portname2", port: 81, targetPort: 162 }] },
    } as unknown as Service);
    const name = service.metadata.name!;
    // "starting an echo server on multiple ports": an RC of one porter pod.
    const rewriteme = '<a href="/rewriteme">test</a>';
    const scripts = await scriptsConfigMap(ns, "porter", porterScripts({ 80: rewriteme, 1080: rewriteme, 160: "foo", 162: "bar" }, false));
    await client.create(rcs(ns), {
      apiVersion: "v1", kind: "ReplicationController", metadata: { name },
      spec: {
        replicas: 1, selector: labels,
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 1, volumes: [scripts],
            containers: [{
              name, image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sh", "/scripts/porter.sh"],
              volumeMounts: [{ name: "scripts", mountPath: "/scripts" }],
              // RCConfig declares containerPort 80 first, then the config's named ports.
              ports: [{ containerPort: 80 }, { name: "dest1", containerPort: 160 }, { name: "dest2", containerPort: 162 }],
              readinessProbe: { httpGet: { port: 80 }, initialDelaySeconds: 1, timeoutSeconds: 5, periodSeconds: 1 },
            }],
          },
        },
      },
    } as KubeObject);
    const pod = await within(120_000, async () => {
      const p = (await client.list<Pod>(pods(ns), { labelSelector: "proxy-service-target=true" })).items.find(isRunningReady);
      return p;
    }, 500);
    // waitForEndpoint
    await eventually(60_000, "endpoints", async () => {
      const ep = await client.get<Endpoints>({ ...endpoints(ns), name }).catch(() => undefined);
      return (ep?.subsets?.[0]?.addresses?.length ?? 0) > 0 ? undefined : "no ready address";
    });
    const svcURL = (scheme: string, port: string) => `/api/v1/namespaces/${ns}/services/${[scheme, name, port].filter(Boolean).join(":")}/proxy`;
    const podURL = (scheme: string, port: string) => `/api/v1/namespaces/${ns}/pods/${[scheme, pod.metadata.name, port].filter(Boolean).join(":")}/proxy`;
    const expectations: Record<string, string> = {
      [`${svcURL("", "portname1")}/`]: "foo",
      [`${svcURL("http", "portname1")}/`]: "foo",
      [`${svcURL("", "portname2")}/`]: "bar",
      [`${svcURL("http", "portname2")}/`]: "bar",
      [`${podURL("", "")}/`]: `<a href="${podURL("", "")}/rewriteme">test</a>`,
      [`${podURL("", "1080")}/`]: `<a href="${podURL("", "1080")}/rewriteme">test</a>`,
      [`${podURL("http", "1080")}/`]: `<a href="${podURL("http", "1080")}/rewriteme">test</a>`,
      [`${podURL("", "160")}/`]: "foo",
      [`${podURL("http", "160")}/`]: "foo",
      [`${podURL("", "162")}/`]: "bar",
      [`${podURL("http", "162")}/`]: "bar",
    };
    // proxyAttempts (20) rounds, every case concurrently within a round; every answer must be right.
    const errs: string[] = [];
    for (let i = 0; i < 20; i++) {
      await Promise.all(Object.entries(expectations).map(async ([path, want]) => {
        const start = Date.now();
        const res = await apiRequest("GET", path);
        const body = await res.text();
        const d = Date.now() - start;
        if (res.status !== 200) errs.push(`${i}: path ${path} gave status: ${res.status} ${body}`);
        else if (body !== want) errs.push(`${i}: path ${path}: wanted ${want}, got ${body}`);
        if (d > 30_000) errs.push(`${i}: path ${path} took ${d} ms > 30 s`);
      }));
    }
    expect(errs).toEqual([]);
  });

  /** The ProxyWithPath / Proxy cases: a porter --json-response pod "agnhost" and a Service to it. */
  async function proxyVerbSetup(ns: string, labels: Record<string, string>, svcName: string): Promise<void> {
    const scripts = await scriptsConfigMap(ns, "porter", porterScripts({ 80: "foo" }, true));
    // "Creating pod..."
    await createPod(ns, "agnhost", {
      restartPolicy: "Never", volumes: [scripts],
      containers: [{ name: "agnhost", command: ["sh", "/scripts/porter.sh"], volumeMounts: [{ name: "scripts", mountPath: "/scripts" }] }],
    }, { labels });
    await waitPod(ns, "agnhost", "Running", (p) => p.status?.phase === "Running", 60_000 * 2);
    // "Creating service..."
    await client.create(services(ns), {
      apiVersion: "v1", kind: "Service", metadata: { name: svcName, labels },
      spec: { ports: [{ port: 80, targetPort: 80, protocol: "TCP" }], selector: labels },
    } as Service);
  }

  /** validateProxyVerbRequest: 200, and (but for HEAD) JSON whose Body is msg and Method the verb; polled for up to a minute. */
  async function validateProxyVerbRequest(path: string, verb: string, msg: string): Promise<void> {
    await eventually(60_000, `${verb} ${path}`, async () => {
      const res = await apiRequest(verb, path);
      const text = await res.text();
      if (res.status !== 200) return `status ${res.status}: ${text}`;
      if (verb === "HEAD") return undefined;
      let jr: { Method?: string; Body?: string };
      try {
        jr = JSON.parse(text);
      } catch {
        return `not JSON: ${text}`;
      }
      return jr.Body === msg && jr.Method === verb ? undefined : `got ${text}`;
    }, 100);
  }

  it("[sig-network] Proxy version v1 A set of valid responses are returned for both pod and service ProxyWithPath [Conformance]", async () => {
    const ns = await freshNamespace("proxy-path");
    await proxyVerbSetup(ns, { test: "response" }, "test-service");
    const verbs = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];
    // All methods for Pod ProxyWithPath return 200; but for HEAD the body is 'foo' with the method received.
    for (const verb of verbs) await validateProxyVerbRequest(`/api/v1/namespaces/${ns}/pods/agnhost/proxy/some/path/with/${verb}`, verb, "foo");
    // The same for Service ProxyWithPath.
    for (const verb of verbs) await validateProxyVerbRequest(`/api/v1/namespaces/${ns}/services/test-service/proxy/some/path/with/${verb}`, verb, "foo");
  });

  it("[sig-network] Proxy version v1 A set of valid responses are returned for both pod and service Proxy [Conformance]", async () => {
    const ns = await freshNamespace("proxy-verbs");
    const svcName = "e2e-proxy-test-service";
    await proxyVerbSetup(ns, { "e2e-test": "proxy-endpoints" }, svcName);
    const verbs = ["DELETE", "OPTIONS", "PATCH", "POST", "PUT"];
    // All methods for Pod Proxy return 200 with 'foo' and the method received.
    for (const verb of verbs) await validateProxyVerbRequest(`/api/v1/namespaces/${ns}/pods/agnhost/proxy?method=${verb}`, verb, "foo");
    // All methods for Service Proxy likewise.
    for (const verb of verbs) await validateProxyVerbRequest(`/api/v1/namespaces/${ns}/services/${svcName}/proxy?method=${verb}`, verb, "foo");
    // "Test that each method returns 301 for both pod and service endpoints" (GET and HEAD on the bare proxy path).
    for (const verb of ["GET", "HEAD"]) {
      for (const path of [`/api/v1/namespaces/${ns}/pods/agnhost/proxy?method=${verb}`, `/api/v1/namespaces/${ns}/services/${svcName}/proxy?method=${verb}`]) {
        const res = await apiRequest(verb, path);
        await res.arrayBuffer();
        expect(res.status, `${verb} ${path}`).toBe(301);
      }
    }
  });

  // ---- EndpointSlice / EndpointSliceMirroring (no pods) ----

  test("[sig-network] EndpointSlice should have Endpoints and EndpointSlices pointing to API Server [Conformance]", async () => {
    const namespace = "default";
    const name = "kubernetes";
    // verify "kubernetes.default" service exist
    await client.get({ ...services(namespace), name });
    // verify Endpoints for the API servers exist
    const ep = await client.get<Endpoints>({ ...endpoints(namespace), name });
    expect(ep.subsets?.length ?? 0).toBeGreaterThan(0);
    // verify EndpointSlices for the API servers exist
    const list = await client.list<Slice>(slices(namespace), { labelSelector: `kubernetes.io/service-name=${name}` });
    expect(list.items.length).toBeGreaterThan(0);
    // endpointSlicesEqual: the same set of addresses and the same set of ports.
    const epAddresses = new Set(ep.subsets!.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)));
    const epPorts = new Set(ep.subsets!.flatMap((s) => (s.ports ?? []).map((p) => p.port)));
    const sliceAddresses = new Set(list.items.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)));
    const slicePorts = new Set(list.items.flatMap((s) => (s.ports ?? []).map((p) => p.port).filter((p) => p !== undefined)));
    expect([...sliceAddresses].sort()).toEqual([...epAddresses].sort());
    expect([...slicePorts].sort()).toEqual([...epPorts].sort());
  });

  test("[sig-network] EndpointSlice should create and delete Endpoints and EndpointSlices for a Service with a selector specified [Conformance]", async () => {
    const ns = await freshNamespace("endpointslice");
    const svc = await client.create<Service>(services(ns), {
      apiVersion: "v1", kind: "Service", metadata: { name: "example-empty-selector" },
      spec: { selector: { "does-not-match-anything": "endpoints-and-endpoint-slices-should-still-be-created" }, ports: [{ name: "example", port: 80, protocol: "TCP" }] },
    } as Service);
    const name = svc.metadata.name!;
    // Expect Endpoints resource to be created.
    await eventually(30_000, "Endpoints created", async () => ((await client.get({ ...endpoints(ns), name }).catch(() => undefined)) ? undefined : "none"));
    // Expect EndpointSlice resource to be created.
    let slice: Slice | undefined;
    await eventually(30_000, "EndpointSlice created", async () => {
      slice = (await client.list<Slice>(slices(ns), { labelSelector: `kubernetes.io/service-name=${name}` })).items[0];
      return slice ? undefined : "none";
    });
    // Ensure EndpointSlice has expected values.
    expect(slice!.metadata.labels?.["endpointslice.kubernetes.io/managed-by"]).toBe("endpointslice-controller.k8s.io");
    expect(slice!.endpoints ?? []).toHaveLength(0);
    await client.delete({ ...services(ns), name });
    // Expect Endpoints resource to be deleted when Service is.
    await eventually(30_000, "Endpoints deleted", async () => {
      try {
        await client.get({ ...endpoints(ns), name });
        return "still there";
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
    // Expect EndpointSlice resource to be deleted when Service is (upstream waits up to 90 s for the garbage collector).
    await eventually(90_000, "EndpointSlices deleted", async () => {
      const n = (await client.list(slices(ns), { labelSelector: `kubernetes.io/service-name=${name}` })).items.length;
      return n === 0 ? undefined : `${n} left`;
    });
  });

  test("[sig-network] EndpointSliceMirroring should mirror a custom Endpoints resource through create update and delete [Conformance]", async () => {
    const ns = await freshNamespace("eps-mirroring");
    const svc = await client.create<Service>(services(ns), {
      apiVersion: "v1", kind: "Service", metadata: { name: "example-custom-endpoints" }, spec: { ports: [{ name: "example", port: 80, protocol: "TCP" }] },
    } as Service);
    const name = svc.metadata.name!;
    const list = () => client.list<Slice>(slices(ns), { labelSelector: `kubernetes.io/service-name=${name}` });
    // "mirroring a new custom Endpoint"
    const ep: Endpoints = { apiVersion: "v1", kind: "Endpoints", metadata: { name }, subsets: [{ ports: [{ port: 80 }], addresses: [{ ip: "10.1.2.3" }] }] } as Endpoints;
    await client.create(endpoints(ns), ep);
    // Upstream polls 12 s; every slice created must be valid.
    await eventually(12_000, "mirrored EndpointSlice", async () => {
      const items = (await list()).items;
      if (items.length === 0) return "no EndpointSlice yet";
      for (const s of items) {
        expect(s.ports).toHaveLength(1);
        expect(s.ports![0]!.port).toBe(80);
        expect(s.endpoints).toHaveLength(1);
        expect(s.endpoints![0]!.addresses).toEqual(["10.1.2.3"]);
      }
      return undefined;
    }, 2000);
    // "mirroring an update to a custom Endpoint"
    const current = await client.get<Endpoints>({ ...endpoints(ns), name });
    current.subsets = [{ ports: [{ port: 80 }], addresses: [{ ip: "10.2.3.4" }] }];
    await client.update(endpoints(ns), current);
    await eventually(12_000, "mirrored update", async () => {
      const items = (await list()).items;
      if (items.length !== 1) return `${items.length} EndpointSlices`;
      const s = items[0]!;
      if (s.ports?.length !== 1 || s.ports[0]!.port !== 80) return `ports ${JSON.stringify(s.ports)}`;
      if (s.endpoints?.length !== 1 || JSON.stringify(s.endpoints[0]!.addresses) !== '["10.2.3.4"]') return `endpoints ${JSON.stringify(s.endpoints)}`;
      return undefined;
    }, 2000);
    // "mirroring deletion of a custom Endpoint"
    await client.delete({ ...endpoints(ns), name });
    await eventually(12_000, "mirrored deletion", async () => {
      const n = (await list()).items.length;
      return n === 0 ? undefined : `${n} EndpointSlices`;
    }, 2000);
  });

  // ---- Service endpoints latency ----

  it("[sig-network] Service endpoints latency should not be very high [Conformance]", async () => {
    const ns = await freshNamespace("svc-latency");
    // Upstream's numbers: 200 trials, 15 in parallel, at least 100 samples, p50 < 20 s, p99 < 50 s, at most 5% errors.
    const [limitMedian, limitTail, totalTrials, parallelTrials, minSampleSize, acceptableFailureRatio] = [20_000, 50_000, 200, 15, 100, 0.05];
    // runServiceLatencies: an RC of one pause pod, labelled name=svc-latency-rc.
    const rcName = "svc-latency-rc";
    await client.create(rcs(ns), {
      apiVersion: "v1", kind: "ReplicationController", metadata: { name: rcName },
      spec: {
        replicas: 1, selector: { name: rcName },
        template: { metadata: { labels: { name: rcName } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: rcName, image: PAUSE, imagePullPolicy: "IfNotPresent" }] } },
      },
    } as KubeObject);
    await within(120_000, async () => ((await client.list<Pod>(pods(ns), { labelSelector: `name=${rcName}` })).items.some(isRunningReady) ? true : undefined), 500);
    // A single watcher of the namespace's Endpoints, to minimise the timing error.
    const rv = (await client.list(endpoints(ns))).metadata?.resourceVersion ?? "";
    const watcher = endpointWatcher(ns, rv);
    /** singleServiceLatency: create a Service selecting the pod; the time until its Endpoints list an address. */
    const singleServiceLatency = async (): Promise<number> => {
      const start = Date.now();
      const svc = await client.create<Service>(services(ns), {
        apiVersion: "v1", kind: "Service", metadata: { generateName: "latency-svc-" },
        spec: { ports: [{ protocol: "TCP", port: 80 }], selector: { name: rcName }, type: "ClusterIP", sessionAffinity: "None" },
      } as unknown as Service);
      const at = await watcher.request(svc.metadata.name!, 60_000);
      if (at === undefined) throw new Error(`never got a result for endpoint ${svc.metadata.name}`);
      return at - start;
    };
    try {
      // Run one test and throw it away: the pod's ready status has propagated after it.
      await singleServiceLatency();
      const durations: number[] = [];
      let errCount = 0;
      let next = 0;
      await Promise.all(Array.from({ length: parallelTrials }, async () => {
        while (next < totalTrials) {
          next++;
          try {
            durations.push(await singleServiceLatency());
          } catch {
            errCount++;
          }
        }
      }));
      expect(errCount / totalTrials).toBeLessThanOrEqual(acceptableFailureRatio);
      const sorted = durations.sort((a, b) => a - b);
      expect(sorted.length).toBeGreaterThanOrEqual(minSampleSize);
      const percentile = (p: number) => sorted[Math.min(Math.floor((sorted.length * p) / 100), sorted.length - 1)]!;
      expect(percentile(50)).toBeLessThan(limitMedian);
      expect(percentile(99)).toBeLessThan(limitTail);
    } finally {
      await watcher.stop();
    }
  });

  // ---- Kubectl logs ----

  it("[sig-cli] Kubectl logs logs should be able to retrieve and filter logs [Conformance]", async () => {
    const ns = await freshNamespace("kubectl-logs");
    const podName = "logs-generator";
    const containerName = "logs-generator";
    // "creating a pod": logs-generator stand-in, 100 lines over 20 s in agnhost's shape
    // ("<n> <VERB> /api/v1/namespaces/<ns>/<resource>/<name> <number>").
    const generator = "i=0; while [ $i -lt 100 ]; do echo \"$i GET /api/v1/namespaces/kube-system/pods/pod-$RANDOM $RANDOM\"; i=$((i+1)); sleep 0.2; done";
    ok(await k(ns, ["run", podName, "--image=busybox", "--image-pull-policy=IfNotPresent", "--restart=Never", "--pod-running-timeout=2m0s", "--command", "--", "sh", "-c", generator]));
    const lines = (out: string) => out.replace(/\n+$/, "").split("\n");
    // "Waiting for log generator to start."
    await waitPod(ns, podName, "Running and Ready or Succeeded", (p) => isRunningReady(p) || p.status?.phase === "Succeeded");
    // "checking for a matching strings"
    await eventually(60_000, "log line", async () => ((await k(ns, ["logs", podName, containerName])).stdout.includes("/api/v1/namespaces/kube-system") ? undefined : "not yet"));
    // "limiting log lines"
    let out = ok(await k(ns, ["logs", podName, containerName, "--tail=1"]));
    expect(out).not.toBe("");
    expect(lines(out)).toHaveLength(1);
    // "limiting log bytes"
    out = ok(await k(ns, ["logs", podName, containerName, "--limit-bytes=1"]));
    expect(lines(out)).toHaveLength(1);
    expect(out).toHaveLength(1);
    // "exposing timestamps"
    out = ok(await k(ns, ["logs", podName, containerName, "--tail=1", "--timestamps"]));
    const l = lines(out);
    expect(l, out).toHaveLength(1);
    const words = l[0]!.split(" ");
    expect(words.length).toBeGreaterThan(1);
    expect(words[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    // "restricting to a time range": wait 2.5 s so that startup logs are older than 1 s.
    await Bun.sleep(2500);
    const recentOut = ok(await k(ns, ["logs", podName, containerName, "--since=1s"]));
    const olderOut = ok(await k(ns, ["logs", podName, containerName, "--since=24h"]));
    expect(recentOut.split("\n").length, `recent:\n${recentOut}\nolder:\n${olderOut}`).toBeLessThan(olderOut.split("\n").length);
    ok(await k(ns, ["delete", "pod", podName]));
  });
});

