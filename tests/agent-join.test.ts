/**
 * `lite agent` end to end with the compiled binary: a server in one network namespace, agents in
 * another, on one bridge (tests/harness/netns-cluster.ts). The agent checks the token's CA hash,
 * joins, registers a Ready Node; a pod pinned to it runs, and kubectl logs/exec reach it through
 * the server. Wrong tokens, tokens of another CA and a takeover of the node name are refused with
 * one readable line and leave no Node behind. `lite token rotate` replaces the server token: the old
 * one is refused from then on, the new one joins, the joined agent keeps running. `--with-node-id`
 * names the Node `<name>-<id>`, the same after a restart. Traffic stays on the namespaces' addresses.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { ApiClient } from "@lite/sdk";
import { builtinResources } from "@lite/sdk";
import { kubectl, requireBinary, startServer, type LiteServer } from "./harness/lite-process.ts";
import { ok, within } from "./harness/kube.ts";
import { createTestNetnsCluster, type ClusterNode, type TestNetnsCluster } from "./harness/netns-cluster.ts";
import { adminClient, busyboxPod, isRunningReady, waitForPod } from "./harness/pods.ts";

setDefaultTimeout(180_000);

interface AgentProcess {
  readonly dataDir: string;
  logs(): string;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number>;
  stop(): Promise<number>;
}

const dirs: string[] = [];
const agents: AgentProcess[] = [];
let cluster: TestNetnsCluster;
let serverNode: ClusterNode;
let agentNode: ClusterNode;
/** A third machine, for the agent that joins with the rotated token and --with-node-id. */
let idNode: ClusterNode;
let server: LiteServer;
let client: ApiClient;
let token: string;
/** The agent that joined as agent-1. */
let joined: AgentProcess | undefined;

function startAgent(node: ClusterNode, args: string[], options: { dataDir?: string } = {}): AgentProcess {
  const dataDir = options.dataDir ?? mkdtempSync(`${tmpdir()}/lite-agent-`);
  if (!options.dataDir) dirs.push(dataDir);
  writeFileSync(`${dataDir}/config.yaml`, "");
  const proc = Bun.spawn(["nsenter", `--net=/run/netns/${node.name}`, "--", requireBinary(), "agent", "--data-dir", dataDir, "--config", `${dataDir}/config.yaml`,
    "--server", `https://${serverNode.nodeIP}:6443`, "--node-ip", node.nodeIP, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  let output = "";
  const pump = async (s: ReadableStream<Uint8Array>) => { const d = new TextDecoder(); for await (const c of s) output += d.decode(c, { stream: true }); };
  const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  const exited = proc.exited.then(async (code) => { await pumped; return code; });
  let done = false;
  void exited.then(() => { done = true; });
  const agent: AgentProcess = {
    dataDir, logs: () => output, exited,
    async waitForLog(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (done) throw new Error(`lite agent exited before logging ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${output}`);
        await Bun.sleep(100);
      }
    },
    async stop() {
      if (!done) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      const code = await exited;
      clearTimeout(timer);
      node.exec([requireBinary(), "killall", "--data-dir", dataDir], { timeoutMs: 60_000 });
      return code;
    },
  };
  agents.push(agent);
  return agent;
}

/** `lite ARGS` inside a node's network namespace (as an operator on that machine). */
async function liteIn(node: ClusterNode, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(["nsenter", `--net=/run/netns/${node.name}`, "--", requireBinary(), ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 30_000,
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

const nodeNames = async () => (await client.list(builtinResources.nodes)).items.map((n) => n.metadata.name).sort();

beforeAll(async () => {
  requireBinary();
  cluster = createTestNetnsCluster(3);
  [serverNode, agentNode, idNode] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
  server = await startServer(["--node-ip", serverNode.nodeIP, "--node-name", "server-0"], {}, { agent: true, netns: serverNode, port: 6443 });
  client = adminClient(server);
  token = readFileSync(`${server.dataDir}/server/token`, "utf8").trim();
});

afterAll(async () => {
  for (const a of agents.reverse()) await a.stop().catch(() => {});
  await server?.stop().catch(() => {});
  cluster?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("lite agent joins a server", () => {
  test("the server writes its token in the K3s format; node-token is the same", () => {
    expect(token).toMatch(/^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
    expect(readFileSync(`${server.dataDir}/server/node-token`, "utf8").trim()).toBe(token);
  });

  test("a wrong password is refused with one line, and no Node is registered", async () => {
    const bad = token.replace(/::server:.*/, "::server:not-the-secret");
    const a = startAgent(agentNode, ["--token", bad, "--node-name", "intruder-1"]);
    expect(await a.exited).toBe(1);
    expect(a.logs()).toContain("the server refused the token (401)");
    expect(await nodeNames()).not.toContain("intruder-1");
  });

  test("a token for another CA is refused before any credential is sent", async () => {
    const other = `K10${"0".repeat(64)}${token.slice(token.indexOf("::"))}`;
    const a = startAgent(agentNode, ["--token", other, "--node-name", "intruder-2"]);
    expect(await a.exited).toBe(1);
    expect(a.logs()).toContain("token CA hash does not match the cluster CA certificate hash");
    expect(server.logs()).not.toContain("intruder-2");
    expect(await nodeNames()).not.toContain("intruder-2");
  });

  test("the agent joins with --token-file; its Node becomes Ready with its labels and IP", async () => {
    const file = `${mkdtempSync(`${tmpdir()}/lite-token-`)}/token`;
    dirs.push(file.slice(0, file.lastIndexOf("/")));
    writeFileSync(file, `${token}\n`);
    const a = startAgent(agentNode, ["--token-file", file, "--node-name", "agent-1", "--node-label", "lite.test/role=worker"]);
    await a.waitForLog(/lite agent ready/, 90_000);
    joined = a;
    const node = await within(90_000, async () => {
      const n = await client.get<{ metadata: { labels?: Record<string, string> }; status?: { conditions?: { type: string; status: string }[]; addresses?: { type: string; address: string }[] } }>({ ...builtinResources.nodes, name: "agent-1" }).catch(() => undefined);
      return n?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? n : undefined;
    }, 500);
    expect(node.metadata.labels?.["lite.test/role"]).toBe("worker");
    expect(node.status?.addresses).toContainEqual({ type: "InternalIP", address: agentNode.nodeIP });
    const secret = ok(await kubectl(server, ["-n", "kube-system", "get", "secret", "agent-1.node-password.lite", "-o", "jsonpath={.type}"]));
    expect(secret).toBe("lite.dev/node-password");
  });

  test("a pod pinned to the agent runs there; logs and exec reach it through the server", async () => {
    ok(await kubectl(server, ["apply", "-f", "-"], { stdin: busyboxPod("on-agent", { nodeSelector: { "lite.test/role": "worker" }, containers: [{ name: "c", command: ["sh", "-c", "echo hello-from-agent; exec sleep 3600"] }] }) }));
    const pod = await waitForPod(client, "default", "on-agent", "Running and Ready", isRunningReady, 120_000);
    expect(pod.spec?.nodeName).toBe("agent-1");
    expect((pod.status as { hostIP?: string }).hostIP).toBe(agentNode.nodeIP);
    const logs = ok(await kubectl(server, ["logs", "on-agent"]));
    expect(logs).toContain("hello-from-agent");
    const exec = ok(await kubectl(server, ["exec", "on-agent", "--", "sh", "-c", "echo exec-$((6*7)); hostname"]));
    expect(exec).toContain("exec-42");
    expect(exec).toContain("on-agent");
  });

  test("another machine with the same node name but another password is refused", async () => {
    const a = startAgent(agentNode, ["--token", token, "--node-name", "agent-1", "--kubelet-arg", "port=10251"]);
    expect(await a.exited).toBe(1);
    expect(a.logs()).toContain("Node password rejected");
    expect(a.logs()).toContain("agent-1");
  });

  test("a pod on the server's node reaches a pod on the agent by IP (vxlan)", async () => {
    ok(await kubectl(server, ["apply", "-f", "-"], { stdin: busyboxPod("web-agent", { nodeName: "agent-1", containers: [{ name: "c", command: ["sh", "-c", "mkdir -p /www && echo served-by-agent > /www/index.html && exec httpd -f -p 8080 -h /www"] }] }) }));
    ok(await kubectl(server, ["apply", "-f", "-"], { stdin: busyboxPod("client-server", { nodeName: "server-0", containers: [{ name: "c", command: ["sleep", "3600"] }] }) }));
    const web = await waitForPod(client, "default", "web-agent", "Running and Ready", isRunningReady, 120_000);
    await waitForPod(client, "default", "client-server", "Running and Ready", isRunningReady, 120_000);
    const ip = (web.status as { podIP?: string }).podIP!;
    const body = await within(30_000, async () => {
      const r = await kubectl(server, ["exec", "client-server", "--", "sh", "-c", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} 8080 | tail -n 1`]);
      return r.stdout.includes("served-by-agent") ? r.stdout : undefined;
    }, 1000);
    expect(body).toContain("served-by-agent");
  });

  test("lite token rotate: a wrong current token is refused; the old token no longer joins; the joined agent keeps running", async () => {
    const oldToken = token;
    const newSecret = "rotated-0123456789abcdef";
    // The server listens on its node IP only (--bind-address), so --server names it.
    const url = `https://${serverNode.nodeIP}:6443`;
    const wrong = await liteIn(serverNode, ["token", "rotate", "-s", url, "--token", oldToken.replace(/::server:.*/, "::server:not-the-secret"), "--new-token", newSecret]);
    expect(wrong.stderr.trim()).toBe(`lite token: ${url}/v1-lite/token: 401 Unauthorized: --token is not the server's current token`);
    expect(wrong.code).toBe(2);
    // On the server's machine, the current token read from the data dir (K3s reads DATA_DIR/server/token too).
    const rotatedAt = Date.now();
    const rotated = await liteIn(serverNode, ["token", "rotate", "-s", url, "-d", server.dataDir, "--new-token", newSecret]);
    expect(rotated.stderr).toBe("");
    expect(rotated.code).toBe(0);
    token = readFileSync(`${server.dataDir}/server/token`, "utf8").trim();
    expect(token).toBe(oldToken.replace(/::server:.*/, `::server:${newSecret}`)); // the CA-hash prefix stays
    expect(rotated.stdout.split("\n")).toContain(token);
    expect(rotated.stdout).toContain("Token rotated");

    const late = startAgent(agentNode, ["--token", oldToken, "--node-name", "late-1", "--kubelet-arg", "port=10251"]);
    expect(await late.exited).toBe(1);
    expect(late.logs()).toContain("the server refused the token (401)");
    expect(await nodeNames()).not.toContain("late-1");

    // agent-1 joined with the old token and keeps working on its certificates: its lease is renewed after the rotation.
    await within(30_000, async () => {
      const lease = await client.get<{ metadata: { name?: string }; spec?: { renewTime?: string } }>({ ...builtinResources.leases, namespace: "kube-node-lease", name: "agent-1" }).catch(() => undefined);
      return Date.parse(lease?.spec?.renewTime ?? "") > rotatedAt ? true : undefined;
    }, 1000);
    expect(ok(await kubectl(server, ["get", "node", "agent-1", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"]))).toBe("True");
    expect(ok(await kubectl(server, ["logs", "on-agent"]))).toContain("hello-from-agent");
  });

  test("--with-node-id with the new token: the Node is <name>-<id>, and keeps that name across a restart", async () => {
    const dataDir = mkdtempSync(`${tmpdir()}/lite-agent-`);
    dirs.push(dataDir);
    const first = startAgent(idNode, ["--token", token, "--node-name", "worker", "--with-node-id"], { dataDir });
    await first.waitForLog(/lite agent ready/, 90_000);
    const id = readFileSync(`${dataDir}/agent/node-id`, "utf8").trim();
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    const name = `worker-${id}`;
    await within(60_000, async () => {
      const n = await client.get<{ metadata: { name?: string }; status?: { conditions?: { type: string; status: string }[] } }>({ ...builtinResources.nodes, name }).catch(() => undefined);
      return n?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? true : undefined;
    }, 500);
    expect(await nodeNames()).not.toContain("worker");
    await first.stop();
    const again = startAgent(idNode, ["--token", token, "--node-name", "worker", "--with-node-id"], { dataDir });
    await again.waitForLog(/joined the cluster/, 60_000);
    expect(again.logs()).toContain(name);
    expect((await nodeNames()).filter((n) => n?.startsWith("worker"))).toEqual([name]);
    await again.stop();
  });

  test("stopping the agent and `kubectl delete node` remove it cleanly: killall leaves no device, nftables table or mount; its pods and node password go; a new machine may then join under the name", async () => {
    expect(joined).toBeDefined();
    const dataDir = joined!.dataDir;
    await joined!.stop(); // SIGTERM, then `lite killall --data-dir` in the agent's namespace
    const links = agentNode.exec(["ip", "-o", "link", "show"]).stdout;
    for (const dev of ["flannel.1", "cni0"]) expect(links).not.toContain(` ${dev}:`);
    expect(agentNode.exec(["nft", "list", "tables"]).stdout.split("\n").filter((l) => l.includes("lite"))).toEqual([]);
    expect(readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.split(" ")[4]?.startsWith(dataDir))).toEqual([]);

    ok(await kubectl(server, ["delete", "node", "agent-1"]));
    expect(await nodeNames()).not.toContain("agent-1");
    // Pods bound to the deleted node are garbage-collected after the pod GC's 40 s quarantine (as
    // upstream); its node password Secret is removed.
    await within(90_000, async () => {
      const pods = ok(await kubectl(server, ["get", "pods", "-o", "jsonpath={.items[*].spec.nodeName}"])).split(" ");
      return pods.includes("agent-1") ? undefined : true;
    }, 500);
    await within(15_000, async () => ((await kubectl(server, ["-n", "kube-system", "get", "secret", "agent-1.node-password.lite"])).code !== 0 ? true : undefined), 500);

    // Another machine (a fresh data dir: a new node password) can now take the name.
    const again = startAgent(agentNode, ["--token", token, "--node-name", "agent-1"]);
    await again.waitForLog(/lite agent ready/, 90_000);
    await within(60_000, async () => ((await nodeNames()).includes("agent-1") ? true : undefined), 500);
    await again.stop();
  }, 240_000); // the pod GC's 40 s quarantine, then a fresh join
});
