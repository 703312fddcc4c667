/**
 * `lite cluster` end to end with the compiled binary: create a server and two agents in network
 * namespaces (in a temporary cluster dir), all three Nodes Ready through real kubectl, a pod pinned
 * to each agent runs and one reaches the other across nodes, stop-node makes an agent's Node
 * NotReady and start-node brings it back, and delete leaves no namespace, link, nftables table,
 * process or mount of the cluster behind. Bad input is one line on stderr and exit code 2.
 * Traffic goes only to the addresses of the namespaces the cluster created.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { requireBinary, runLite, type RunResult } from "./harness/lite-process.ts";
import { ok, within } from "./harness/kube.ts";
import { busyboxPod } from "./harness/pods.ts";

setDefaultTimeout(240_000);

const NAME = `ct${Math.random().toString(16).slice(2, 8)}`;
let dir: string;
let kubeconfig: string;
let deleted = false;

const sh = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" }).stdout ?? "";
const netnses = () => (existsSync("/run/netns") ? readdirSync("/run/netns") : []).filter((n) => n.startsWith(`lc-${NAME}-`));
const hostLinks = () => sh(["ip", "-o", "link", "show"]).split("\n").map((l) => l.split(": ")[1]?.split("@")[0] ?? "").filter(Boolean);
const nftTables = () => sh(["nft", "list", "tables"]).split("\n").filter(Boolean).sort();
const mountsUnderDir = () => readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.split(" ")[4]?.startsWith(dir));
const processesOfCluster = () => readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
  try {
    return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(`${dir}/`);
  } catch {
    return false;
  }
});

const cluster = (args: string[], env: Record<string, string> = {}, timeoutMs = 30_000) =>
  runLite(["cluster", ...args, "--cluster-dir", dir], env, timeoutMs);

async function kubectl(args: string[], stdin?: string): Promise<RunResult> {
  const proc = Bun.spawn(["kubectl", ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, KUBECONFIG: kubeconfig, KUBECACHEDIR: `${dir}/kube-cache` },
    stdin: stdin !== undefined ? new TextEncoder().encode(stdin) : "ignore", stdout: "pipe", stderr: "pipe", timeout: 60_000,
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

async function nodeReady(): Promise<Record<string, string>> {
  const out = ok(await kubectl(["get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}"]));
  return Object.fromEntries(out.trim().split("\n").filter(Boolean).map((l) => l.split("=") as [string, string]));
}

let linksBefore: string[];
let tablesBefore: string[];

beforeAll(() => {
  requireBinary();
  dir = mkdtempSync(`${tmpdir()}/lite-clusters-`);
  kubeconfig = `${dir}/kube/config`;
  linksBefore = hostLinks();
  tablesBefore = nftTables();
});

afterAll(async () => {
  if (!deleted) await cluster(["delete", NAME], {}, 120_000).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

describe("lite cluster: bad input", () => {
  const cases: [string, string[], RegExp][] = [
    ["unknown subcommand", ["cluster", "bogus"], /^lite cluster: unknown subcommand "bogus" \(create, list, stop-node, start-node, delete/],
    ["negative --agents", ["cluster", "create", "x", "--agents", "-1"], /^lite cluster: --agents: expected a whole number from 0 to 200, got "-1"/],
    ["non-numeric --agents", ["cluster", "create", "x", "--agents=two"], /^lite cluster: --agents: expected a whole number/],
    ["missing NAME", ["cluster", "create", "--agents", "1"], /^lite cluster: create: missing cluster NAME/],
    ["invalid NAME", ["cluster", "create", "Bad_Name"], /^lite cluster: create: invalid cluster name "Bad_Name"/],
    ["more than one server", ["cluster", "create", "x", "--servers", "3"], /^lite cluster: --servers 3: clusters with more than one server are not supported yet/],
    ["unknown flag", ["cluster", "list", "--nope"], /^lite cluster: unknown flag --nope/],
    ["stop-node without NODE", ["cluster", "stop-node", "x"], /^lite cluster: stop-node: missing NODE/],
  ];
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const r = await runLite([...args, "--cluster-dir", dir]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }

  test("delete of a cluster that does not exist", async () => {
    const r = await cluster(["delete", "nosuch"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`lite cluster: no cluster named "nosuch" in ${dir} (see lite cluster list)`);
  });

  test("help", async () => {
    const r = await runLite(["cluster", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("lite cluster create NAME");
  });
});

describe("lite cluster: a create that fails cleans up", () => {
  test("a server that cannot start: exit 1 with its log, nothing left behind", async () => {
    const name = `${NAME}f`;
    const r = await cluster(["create", name, "--agents", "1", "--server-arg=--no-such-flag"], {}, 120_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lite cluster create: node server-0 exited during start; last lines of .*lite\.log:\n/);
    expect(r.stderr).toContain("--no-such-flag");
    expect(r.stderr).toContain(`cleaning up cluster "${name}"`);
    expect((existsSync("/run/netns") ? readdirSync("/run/netns") : []).filter((n) => n.startsWith(`lc-${name}-`))).toEqual([]);
    expect(hostLinks().filter((l) => !linksBefore.includes(l) && l.startsWith("lc"))).toEqual([]);
    expect(existsSync(`${dir}/${name}`)).toBe(false);
    expect(processesOfCluster()).toEqual([]);
  });
});

describe("lite cluster: a server and two agents", () => {
  test("create: all three Nodes Ready, kubeconfig written", async () => {
    const r = await cluster(["create", NAME, "--agents", "2", "--kubeconfig", kubeconfig], { LITE_TEST_NODE_MONITOR_GRACE_MS: "6000" }, 240_000);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^cluster "${NAME}" ready in [0-9.]+s: server-0 10\\.250\\.\\d+\\.10, agent-0 10\\.250\\.\\d+\\.11, agent-1 10\\.250\\.\\d+\\.12`));
    expect(r.stdout).toContain(`export KUBECONFIG=${kubeconfig}`);
    expect(await nodeReady()).toEqual({ "server-0": "True", "agent-0": "True", "agent-1": "True" });
    expect(netnses().sort()).toEqual([`lc-${NAME}-agent-0`, `lc-${NAME}-agent-1`, `lc-${NAME}-hub`, `lc-${NAME}-server-0`]);
    // The nodes' nftables tables live in their namespaces, not on the host.
    expect(nftTables()).toEqual(tablesBefore);
  });

  test("a second create of the same name is refused", async () => {
    const r = await cluster(["create", NAME, "--agents", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(new RegExp(`^lite cluster: cluster "${NAME}" already exists`));
  });

  test("list", async () => {
    const r = await cluster(["list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+NODES\s+STATUS\s+SERVER\s+KUBECONFIG$/);
    expect(lines.find((l) => l.startsWith(`${NAME} `))).toMatch(new RegExp(`^${NAME}\\s+3\\s+running\\s+https://10\\.250\\.\\d+\\.10:6443\\s+${kubeconfig}$`));
  });

  test("a pod pinned to each agent runs there; they reach each other across nodes", async () => {
    ok(await kubectl(["apply", "-f", "-"], busyboxPod("web-a1", { nodeName: "agent-1", containers: [{ name: "c", command: ["sh", "-c", "mkdir -p /www && echo served-by-agent-1 > /www/index.html && exec httpd -f -p 8080 -h /www"] }] })));
    ok(await kubectl(["apply", "-f", "-"], busyboxPod("client-a0", { nodeName: "agent-0", containers: [{ name: "c", command: ["sleep", "3600"] }] })));
    ok(await kubectl(["wait", "--for=condition=Ready", "pod/web-a1", "pod/client-a0", "--timeout=150s"]));
    expect(ok(await kubectl(["get", "pod", "web-a1", "-o", "jsonpath={.spec.nodeName}"]))).toBe("agent-1");
    expect(ok(await kubectl(["get", "pod", "client-a0", "-o", "jsonpath={.spec.nodeName}"]))).toBe("agent-0");
    const ip = ok(await kubectl(["get", "pod", "web-a1", "-o", "jsonpath={.status.podIP}"]));
    const body = await within(30_000, async () => {
      const r = await kubectl(["exec", "client-a0", "--", "sh", "-c", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} 8080 | tail -n 1`]);
      return r.stdout.includes("served-by-agent-1") ? r.stdout : undefined;
    }, 1000);
    expect(body).toContain("served-by-agent-1");
  });

  test("[sig-network] Services should serve a basic endpoint from pods [Conformance], across nodes: a Service's pods on both agents answer a client on the server node by name; DNS from an agent's pod; NodePort on every node IP", async () => {
    const httpd = (node: string) => busyboxPod(`spread-${node}`, {
      nodeName: node,
      containers: [{ name: "c", command: ["sh", "-c", `mkdir -p /www && echo ${node} > /www/index.html && exec httpd -f -p 8080 -h /www`], ports: [{ containerPort: 8080 }] }],
    }, { labels: { app: "spread" } });
    ok(await kubectl(["apply", "-f", "-"], httpd("agent-0")));
    ok(await kubectl(["apply", "-f", "-"], httpd("agent-1")));
    ok(await kubectl(["apply", "-f", "-"], busyboxPod("client-s0", { nodeName: "server-0", containers: [{ name: "c", command: ["sleep", "3600"] }] })));
    ok(await kubectl(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Service", metadata: { name: "spread" },
      spec: { type: "NodePort", selector: { app: "spread" }, ports: [{ port: 80, targetPort: 8080 }] },
    })));
    ok(await kubectl(["wait", "--for=condition=Ready", "pod/spread-agent-0", "pod/spread-agent-1", "pod/client-s0", "--timeout=150s"]));
    const get = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 spread 80 | tail -n 1`;
    const answers = await within(60_000, async () => {
      const r = await kubectl(["exec", "client-s0", "--", "sh", "-c", `for i in $(seq 16); do ${get}; done`]);
      const seen = new Set(r.stdout.trim().split("\n").filter(Boolean));
      return seen.has("agent-0") && seen.has("agent-1") ? seen : undefined;
    }, 1000);
    expect([...answers].sort()).toEqual(["agent-0", "agent-1"]);

    const lookup = ok(await kubectl(["exec", "client-a0", "--", "nslookup", "spread.default.svc.cluster.local."]));
    const clusterIP = ok(await kubectl(["get", "service", "spread", "-o", "jsonpath={.spec.clusterIP}"]));
    expect(lookup).toContain(clusterIP);

    const nodePort = ok(await kubectl(["get", "service", "spread", "-o", "jsonpath={.spec.ports[0].nodePort}"]));
    const ips = ok(await kubectl(["get", "nodes", "-o", "jsonpath={.items[*].status.addresses[?(@.type==\"InternalIP\")].address}"])).trim().split(" ");
    expect(ips).toHaveLength(3);
    for (const ip of ips) {
      const body = await within(15_000, async () => (await fetch(`http://${ip}:${nodePort}/`).then((r) => r.text()).catch(() => undefined)), 500);
      expect(["agent-0\n", "agent-1\n"]).toContain(body);
    }
  });

  test("stop-node: the agent's process is gone and its Node goes NotReady; start-node: Ready again", async () => {
    const stop = await cluster(["stop-node", NAME, "agent-1"], {}, 60_000);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/^stopped agent-1 of cluster/);
    expect(processesOfCluster().some((p) => {
      const argv = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
      return argv.includes("agent") && argv.includes(`${dir}/${NAME}/nodes/agent-1`);
    })).toBe(false);
    expect((await cluster(["list"])).stdout).toMatch(new RegExp(`${NAME}\\s+3\\s+2/3 running`));
    await within(60_000, async () => ((await nodeReady())["agent-1"] !== "True" ? true : undefined), 1000);
    // Its pod's containers keep running meanwhile; a second stop is a no-op.
    expect((await cluster(["stop-node", NAME, "agent-1"])).stdout).toMatch(/agent-1 of cluster .* is not running/);

    const start = await cluster(["start-node", NAME, "agent-1"], {}, 120_000);
    expect(start.stderr).toBe("");
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/^started agent-1 of cluster .*; Ready in/);
    expect((await nodeReady())["agent-1"]).toBe("True");
    ok(await kubectl(["wait", "--for=condition=Ready", "pod/web-a1", "--timeout=60s"]));
  });

  test("stop-node of an unknown node is bad input", async () => {
    const r = await cluster(["stop-node", NAME, "agent-7"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`lite cluster: cluster "${NAME}" has no node "agent-7" (nodes: server-0, agent-0, agent-1)`);
  });

  test("delete leaves no namespace, link, nftables table, process, mount or state behind", async () => {
    const r = await cluster(["delete", NAME], {}, 120_000);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    deleted = true;
    expect(r.stdout.trim()).toBe(`deleted cluster "${NAME}"`);
    expect(netnses()).toEqual([]);
    expect(hostLinks().filter((l) => !linksBefore.includes(l) && l.startsWith("lc"))).toEqual([]);
    expect(nftTables()).toEqual(tablesBefore);
    expect(processesOfCluster()).toEqual([]);
    expect(mountsUnderDir()).toEqual([]);
    expect(existsSync(`${dir}/${NAME}`)).toBe(false);
    expect(existsSync(kubeconfig)).toBe(false);
    const again = await cluster(["delete", NAME]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`no cluster named "${NAME}"`);
  });
});
