/**
 * `lite cluster create|list|stop-node|start-node|delete`: a multi-node cluster on one machine
 * without Docker (what k3d is for K3s). Every node is a `lite server`/`lite agent` process in a
 * network namespace of its own (cluster-network.ts) with its own data dir and containerd, run
 * detached through `nsenter --net` (not `ip netns exec`, which remounts /sys and hides the cgroup
 * mounts runc needs). State: `<clusters dir>/<name>/cluster.json`; node data dirs and logs under
 * `<clusters dir>/<name>/nodes/<node>/`.
 */
import { spawn } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { killall } from "../agent/killall/killall.ts";
import { mountsUnder, readMounts, unmount } from "../agent/killall/mounts.ts";
import { listProcesses, processAlive } from "../agent/containerd/process-table.ts";
import { ConfigError } from "../config/config-error.ts";
import {
  clusterNetnses, createHub, createNodeNetwork, deleteClusterNetwork, freeSubnet, hostLink, hubNetns, linkExists, NETNS_DIR, nodeNetns,
} from "./cluster-network.ts";
import { parseGoDuration } from "./go-duration.ts";
import { loadKubeconfigClient } from "./kubeconfig-client.ts";

export const DEFAULT_CLUSTERS_DIR = "/var/lib/lite/clusters";
const API_PORT = 6443;
const MAX_AGENTS = 200;

export const CLUSTER_HELP = `lite cluster - local multi-node clusters on this machine, without Docker

USAGE:
  lite cluster create NAME [--agents N] [--servers 1] [--kubeconfig FILE] [flags]
  lite cluster list [flags]
  lite cluster stop-node NAME NODE [flags]     Stop one node's lite process (containers keep running)
  lite cluster start-node NAME NODE [flags]    Start it again on its data dir, wait until Ready
  lite cluster delete NAME [flags]             Stop and remove everything of the cluster

Each node (server-0, agent-0, agent-1, ...) runs in a network namespace lc-NAME-NODE, joined to a
bridge in the namespace lc-NAME-hub; the host reaches the node IPs (a /24 of 10.250.0.0/16) over
one veth pair. Nothing in the cluster can reach other addresses.

FLAGS:
  --agents value        Number of agents (create; default: 0)
  --servers value       Number of servers (create; only 1 is supported yet)
  --kubeconfig value    Where create writes the admin kubeconfig (default: CLUSTER_DIR/NAME/kubeconfig.yaml)
  --server-arg value    Extra argument for lite server (create; repeatable, e.g. --server-arg=--flannel-backend=host-gw)
  --agent-arg value     Extra argument for every lite agent (create; repeatable)
  --timeout value       How long create/start-node wait for Nodes Ready (default: 3m)
  --no-wait             start-node: do not wait for the Node to be Ready
  --cluster-dir value   Where cluster state lives (default: ${DEFAULT_CLUSTERS_DIR}; $LITE_CLUSTERS_DIR)
  -h, --help            Show this help

Node processes get PATH, HOME and any LITE_TEST_* variables of the environment.`;

interface NodeState {
  name: string;
  role: "server" | "agent";
  netns: string;
  ip: string;
  dataDir: string;
  log: string;
  argv: string[];
  pid: number | null;
}

interface ClusterState {
  name: string;
  created: string;
  subnet: string;
  hostIP: string;
  hostLink: string;
  hub: string;
  bridge: string;
  server: string;
  kubeconfig: string;
  nodes: NodeState[];
}

interface Flags {
  positionals: string[];
  agents: number;
  servers: number;
  kubeconfig?: string;
  serverArgs: string[];
  agentArgs: string[];
  timeoutMs: number;
  wait: boolean;
  clustersDir: string;
  help: boolean;
}

type Io = { log(line: string): void; error(line: string): void };

function parseFlags(argv: readonly string[], env: Record<string, string | undefined>): Flags {
  const f: Flags = {
    positionals: [], agents: 0, servers: 1, serverArgs: [], agentArgs: [], timeoutMs: 180_000, wait: true,
    clustersDir: env.LITE_CLUSTERS_DIR || DEFAULT_CLUSTERS_DIR, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") { f.help = true; continue; }
    if (!arg.startsWith("-") || arg === "-") { f.positionals.push(arg); continue; }
    const eq = arg.indexOf("=");
    const key = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new ConfigError(`flag ${key} needs a value`);
      return v;
    };
    const count = (name: string, min: number, max: number) => {
      const text = value();
      const n = Number(text);
      if (!/^-?\d+$/.test(text) || n < min || n > max) throw new ConfigError(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
      return n;
    };
    switch (key) {
      case "--agents": f.agents = count("--agents", 0, MAX_AGENTS); break;
      case "--servers": f.servers = count("--servers", 1, 99); break;
      case "--kubeconfig": f.kubeconfig = resolve(value()); break;
      case "--server-arg": f.serverArgs.push(value()); break;
      case "--agent-arg": f.agentArgs.push(value()); break;
      case "--timeout": {
        const text = value();
        const ms = parseGoDuration(text);
        if (ms === undefined || ms <= 0) throw new ConfigError(`--timeout: invalid duration ${JSON.stringify(text)} (e.g. 90s, 3m)`);
        f.timeoutMs = ms;
        break;
      }
      case "--no-wait": f.wait = false; break;
      case "--cluster-dir": f.clustersDir = value(); break;
      default: throw new ConfigError(`unknown flag ${key} (see lite cluster --help)`);
    }
  }
  f.clustersDir = resolve(f.clustersDir);
  return f;
}

const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/;

function clusterName(f: Flags, sub: string, extra = 0): string {
  const name = f.positionals[0];
  if (name === undefined) throw new ConfigError(`${sub}: missing cluster NAME (see lite cluster --help)`);
  if (!NAME_RE.test(name)) throw new ConfigError(`${sub}: invalid cluster name ${JSON.stringify(name)} (1-20 of a-z, 0-9 and '-', starting and ending with a letter or digit)`);
  if (f.positionals.length > 1 + extra) throw new ConfigError(`${sub}: unexpected argument ${JSON.stringify(f.positionals[1 + extra])}`);
  return name;
}

/** `lite cluster ...`; returns the exit code (ConfigError for bad input: exit 2). */
export async function clusterCommand(argv: readonly string[], env: Record<string, string | undefined>, io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "-h" || sub === "--help" || sub === "help") {
    io.log(CLUSTER_HELP);
    return 0;
  }
  if (!["create", "list", "stop-node", "start-node", "delete"].includes(sub)) {
    throw new ConfigError(`unknown subcommand ${JSON.stringify(sub)} (create, list, stop-node, start-node, delete; see lite cluster --help)`);
  }
  const f = parseFlags(rest, env);
  if (f.help) {
    io.log(CLUSTER_HELP);
    return 0;
  }
  if (sub === "list") {
    if (f.positionals.length) throw new ConfigError(`list: unexpected argument ${JSON.stringify(f.positionals[0])}`);
    return list(f, io);
  }
  const name = clusterName(f, sub, sub === "stop-node" || sub === "start-node" ? 1 : 0);
  if (sub === "create" && f.servers !== 1) throw new ConfigError(`--servers ${f.servers}: clusters with more than one server are not supported yet (joining servers is not implemented)`);
  if ((sub === "stop-node" || sub === "start-node") && f.positionals[1] === undefined) throw new ConfigError(`${sub}: missing NODE (e.g. agent-0; see lite cluster list)`);
  if (process.getuid?.() !== 0) {
    io.error(`lite cluster: must run as root (it creates network namespaces and runs containers)`);
    return 1;
  }
  switch (sub) {
    case "create": return await create(name, f, env, io);
    case "stop-node": return await stopNodeCommand(name, f.positionals[1]!, f, io);
    case "start-node": return await startNodeCommand(name, f.positionals[1]!, f, env, io);
    case "delete": return await deleteCommand(name, f, io);
  }
  return 2;
}

// ---------- state ----------

const clusterDir = (f: Flags, name: string) => `${f.clustersDir}/${name}`;
const stateFile = (f: Flags, name: string) => `${clusterDir(f, name)}/cluster.json`;

function readState(f: Flags, name: string): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(f, name), "utf8")) as ClusterState;
  } catch {
    return undefined;
  }
}

function writeState(f: Flags, state: ClusterState): void {
  writeFileSync(stateFile(f, state.name), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

function allStates(f: Flags): ClusterState[] {
  if (!existsSync(f.clustersDir)) return [];
  return readdirSync(f.clustersDir).sort().flatMap((n) => {
    const s = readState(f, n);
    return s ? [s] : [];
  });
}

function mustState(f: Flags, name: string): ClusterState {
  const s = readState(f, name);
  if (!s) throw new ConfigError(`no cluster named ${JSON.stringify(name)} in ${f.clustersDir} (see lite cluster list)`);
  return s;
}

// ---------- processes ----------

/** How to run this very binary: the compiled lite, or bun with the entry script in a checkout. */
function selfCommand(): string[] {
  const exe = process.execPath;
  return basename(exe) === "bun" || basename(exe) === "bun-debug" ? [exe, Bun.main] : [exe];
}

function childEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = { PATH: env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: env.HOME ?? "/root" };
  for (const [k, v] of Object.entries(env)) if (k.startsWith("LITE_TEST_") && v !== undefined) out[k] = v;
  return out;
}

/** Live lite processes serving this node's data dir (by their command line, so a reused pid never matches). */
function nodePids(node: NodeState): number[] {
  return listProcesses().filter((p) => {
    const i = p.argv.indexOf("--data-dir");
    return i >= 0 && p.argv[i + 1] === node.dataDir && (p.argv.includes("server") || p.argv.includes("agent")) && !p.argv.includes("killall");
  }).map((p) => p.pid);
}

function startNodeProcess(node: NodeState, env: Record<string, string | undefined>): number {
  const fd = openSync(node.log, "a");
  try {
    const child = spawn("nsenter", [`--net=${NETNS_DIR}/${node.netns}`, "--", ...node.argv], {
      detached: true, stdio: ["ignore", fd, fd], env: childEnv(env), cwd: "/",
    });
    child.unref();
    if (!child.pid) throw new Error(`could not start ${node.name}: nsenter did not start`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Whether the node's process runs: the pid we started (between fork and exec its command line is still ours), else a search by data dir. */
function nodeRunning(node: NodeState): boolean {
  if (node.pid) {
    try {
      const stat = readFileSync(`/proc/${node.pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
    } catch {
      return false;
    }
  }
  return nodePids(node).length > 0;
}

async function waitGone(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(processAlive)) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(50);
  }
  return true;
}

/** SIGTERM, then SIGKILL after `graceMs`; returns the pids that were running. */
async function stopProcesses(nodes: readonly NodeState[], graceMs = 30_000): Promise<number[]> {
  // Our own children too (a create that fails right after a spawn): their command line may still be ours.
  const children = listProcesses().filter((p) => p.ppid === process.pid && nodes.some((n) => n.pid === p.pid)).map((p) => p.pid);
  const pids = [...new Set([...nodes.flatMap(nodePids), ...children])];
  for (const pid of pids) try { process.kill(pid, "SIGTERM"); } catch { /* gone */ }
  if (!(await waitGone(pids, graceMs))) {
    for (const pid of pids) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    await waitGone(pids, 5_000);
  }
  return pids;
}

function tail(file: string, lines = 8): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).map((l) => `    ${l}`).join("\n");
  } catch {
    return "    (no log)";
  }
}

// ---------- readiness ----------

interface NodeView { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }

async function readyNodes(kubeconfig: string): Promise<Set<string>> {
  try {
    const res = await loadKubeconfigClient(kubeconfig).request("GET", "/api/v1/nodes");
    if (!res.ok) return new Set();
    const items = ((await res.json()) as { items: NodeView[] }).items;
    return new Set(items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).map((n) => n.metadata.name));
  } catch {
    return new Set();
  }
}

/** Waits until every node in `nodes` is Ready; throws with the stragglers' log tails on a timeout or an exited process. */
async function waitReady(state: ClusterState, nodes: readonly NodeState[], timeoutMs: number, check: () => void = () => {}): Promise<void> {
  const serverKubeconfig = `${state.nodes[0]!.dataDir}/kubeconfig.yaml`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    check();
    const dead = nodes.filter((n) => !nodeRunning(n));
    if (dead.length) {
      throw new Error(`node ${dead[0]!.name} exited before it was Ready; last lines of ${dead[0]!.log}:\n${tail(dead[0]!.log)}`);
    }
    if (existsSync(serverKubeconfig)) {
      const ready = await readyNodes(serverKubeconfig);
      const waiting = nodes.filter((n) => !ready.has(n.name));
      if (!waiting.length) return;
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for Node(s) ${waiting.map((n) => n.name).join(", ")} to be Ready; last lines of ${waiting[0]!.log}:\n${tail(waiting[0]!.log)}`);
      }
    } else if (Date.now() > deadline) {
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for the API server; last lines of ${state.nodes[0]!.log}:\n${tail(state.nodes[0]!.log)}`);
    }
    await Bun.sleep(100);
  }
}

async function waitForFile(path: string, node: NodeState, timeoutMs: number, check: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    check();
    if (!nodeRunning(node)) throw new Error(`node ${node.name} exited during start; last lines of ${node.log}:\n${tail(node.log)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path}; last lines of ${node.log}:\n${tail(node.log)}`);
    await Bun.sleep(50);
  }
}

async function waitForLog(node: NodeState, offset: number, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let text = "";
    try { text = readFileSync(node.log).subarray(offset).toString("utf8"); } catch { /* not yet */ }
    if (pattern.test(text)) return;
    if (!nodeRunning(node)) throw new Error(`node ${node.name} exited during start; last lines of ${node.log}:\n${tail(node.log)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${node.name} to start; last lines of ${node.log}:\n${tail(node.log)}`);
    await Bun.sleep(100);
  }
}

// ---------- create ----------

async function create(name: string, f: Flags, env: Record<string, string | undefined>, io: Io): Promise<number> {
  const started = performance.now();
  const dir = clusterDir(f, name);
  if (existsSync(stateFile(f, name))) throw new ConfigError(`cluster ${JSON.stringify(name)} already exists (${dir}); delete it first`);
  if (clusterNetnses(name).length || linkExists(hostLink(name))) {
    throw new ConfigError(`cluster ${JSON.stringify(name)} already exists on this machine (network namespace ${clusterNetnses(name)[0] ?? hubNetns(name)}); use another name or delete it`);
  }
  const third = freeSubnet(new Set(allStates(f).map((s) => s.subnet)));
  const prefix = `10.250.${third}`;
  const self = selfCommand();
  const serverIP = `${prefix}.10`;
  const server = `https://${serverIP}:${API_PORT}`;
  const nodesDir = `${dir}/nodes`;
  const names = ["server-0", ...Array.from({ length: f.agents }, (_, i) => `agent-${i}`)];
  const nodes: NodeState[] = names.map((node, i) => {
    const dataDir = `${nodesDir}/${node}`;
    const ip = `${prefix}.${10 + i}`;
    const common = ["--data-dir", dataDir, "--config", `${dataDir}/config.yaml`, "--node-name", node, "--node-ip", ip];
    const argv = i === 0
      ? [...self, "server", ...common, "--bind-address", ip, "--https-listen-port", String(API_PORT), "--write-kubeconfig", `${dataDir}/kubeconfig.yaml`, ...f.serverArgs]
      : [...self, "agent", ...common, "--server", server, "--token-file", `${nodesDir}/server-0/server/token`, ...f.agentArgs];
    return { name: node, role: i === 0 ? "server" : "agent", netns: nodeNetns(name, node), ip, dataDir, log: `${dataDir}/lite.log`, argv, pid: null };
  });
  const state: ClusterState = {
    name, created: new Date().toISOString(), subnet: `${prefix}.0/24`, hostIP: `${prefix}.1`, hostLink: hostLink(name), hub: hubNetns(name), bridge: "br0",
    server, kubeconfig: f.kubeconfig ?? `${dir}/kubeconfig.yaml`, nodes,
  };

  let interrupted = false;
  const onSignal = () => { interrupted = true; };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    mkdirSync(nodesDir, { recursive: true, mode: 0o700 });
    writeState(f, state);
    for (const n of nodes) {
      mkdirSync(n.dataDir, { recursive: true, mode: 0o700 });
      writeFileSync(`${n.dataDir}/config.yaml`, ""); // the machine's /etc/lite/config.yaml must not leak in
    }
    createHub(name, state.hostIP);
    const check = () => { if (interrupted) throw new Error("interrupted"); };
    const [serverNode, ...agentNodes] = nodes;
    createNodeNetwork(name, serverNode!.name, 0, serverNode!.ip);
    check();
    serverNode!.pid = startNodeProcess(serverNode!, env);
    writeState(f, state);
    // The agents' namespaces are built while the server starts.
    agentNodes.forEach((n, i) => createNodeNetwork(name, n.name, i + 1, n.ip));
    check();
    await waitForFile(`${serverNode!.dataDir}/server/token`, serverNode!, f.timeoutMs, check);
    check();
    for (const a of agentNodes) a.pid = startNodeProcess(a, env);
    writeState(f, state);
    await waitReady(state, nodes, f.timeoutMs, check);
    copyKubeconfig(`${serverNode!.dataDir}/kubeconfig.yaml`, state.kubeconfig);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    io.log(`cluster ${JSON.stringify(name)} ready in ${secs}s: ${nodes.map((n) => `${n.name} ${n.ip}`).join(", ")}; API ${server}`);
    io.log(`export KUBECONFIG=${state.kubeconfig}`);
    return 0;
  } catch (err) {
    io.error(`lite cluster create: ${(err as Error).message}`);
    io.error(`lite cluster create: cleaning up cluster ${JSON.stringify(name)}`);
    await teardown(name, f, state, io, true);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function copyKubeconfig(from: string, to: string): void {
  mkdirSync(resolve(to, ".."), { recursive: true });
  copyFileSync(from, to);
}

// ---------- list ----------

function list(f: Flags, io: Io): number {
  const states = allStates(f);
  const rows = [["NAME", "NODES", "STATUS", "SERVER", "KUBECONFIG"]];
  for (const s of states) {
    const running = s.nodes.filter((n) => nodePids(n).length > 0).length;
    const status = running === s.nodes.length ? "running" : running === 0 ? "stopped" : `${running}/${s.nodes.length} running`;
    rows.push([s.name, String(s.nodes.length), status, s.server, s.kubeconfig]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) io.log(r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]! + 3))).join("").trimEnd());
  return 0;
}

// ---------- stop-node / start-node ----------

function findNode(state: ClusterState, node: string): NodeState {
  const n = state.nodes.find((x) => x.name === node || `${state.name}-${x.name}` === node);
  if (!n) throw new ConfigError(`cluster ${JSON.stringify(state.name)} has no node ${JSON.stringify(node)} (nodes: ${state.nodes.map((x) => x.name).join(", ")})`);
  return n;
}

async function stopNodeCommand(name: string, nodeName: string, f: Flags, io: Io): Promise<number> {
  const state = mustState(f, name);
  const node = findNode(state, nodeName);
  const pids = await stopProcesses([node]);
  node.pid = null;
  writeState(f, state);
  io.log(pids.length ? `stopped ${node.name} of cluster ${JSON.stringify(name)} (pid ${pids.join(", ")}); its containers keep running` : `${node.name} of cluster ${JSON.stringify(name)} is not running`);
  return 0;
}

async function startNodeCommand(name: string, nodeName: string, f: Flags, env: Record<string, string | undefined>, io: Io): Promise<number> {
  const state = mustState(f, name);
  const node = findNode(state, nodeName);
  if (nodePids(node).length) {
    io.log(`${node.name} of cluster ${JSON.stringify(name)} is already running`);
    return 0;
  }
  if (!existsSync(`${NETNS_DIR}/${node.netns}`)) throw new Error(`network namespace ${node.netns} is gone; delete and re-create the cluster`);
  const started = performance.now();
  const logOffset = existsSync(node.log) ? statSync(node.log).size : 0;
  node.pid = startNodeProcess(node, env);
  writeState(f, state);
  if (f.wait) {
    // The Node may still look Ready from before the stop: wait for this process to be ready first.
    await waitForLog(node, logOffset, new RegExp(`lite ${node.role} ready`), f.timeoutMs);
    await waitReady(state, [node], f.timeoutMs);
    io.log(`started ${node.name} of cluster ${JSON.stringify(name)} (pid ${node.pid}); Ready in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  } else {
    io.log(`started ${node.name} of cluster ${JSON.stringify(name)} (pid ${node.pid})`);
  }
  return 0;
}

// ---------- delete ----------

async function deleteCommand(name: string, f: Flags, io: Io): Promise<number> {
  const state = readState(f, name);
  const leftovers = clusterNetnses(name).length > 0 || linkExists(hostLink(name)) || existsSync(clusterDir(f, name));
  if (!state && !leftovers) throw new ConfigError(`no cluster named ${JSON.stringify(name)} in ${f.clustersDir} (see lite cluster list)`);
  const ok = await teardown(name, f, state, io, false);
  if (ok) io.log(`deleted cluster ${JSON.stringify(name)}`);
  return ok ? 0 : 1;
}

/**
 * Stops every node process, runs killall on every data dir (containerd, shims, containers,
 * mounts), deletes the namespaces and the host link, then the cluster dir and the kubeconfig we
 * wrote. Safe on a half-built cluster and when run twice. Returns false when something remains.
 */
async function teardown(name: string, f: Flags, state: ClusterState | undefined, io: Io, quiet: boolean): Promise<boolean> {
  const dir = clusterDir(f, name);
  const nodes: NodeState[] = state?.nodes ?? (existsSync(`${dir}/nodes`) ? readdirSync(`${dir}/nodes`).map((n) => ({
    name: n, role: "agent" as const, netns: nodeNetns(name, n), ip: "", dataDir: `${dir}/nodes/${n}`, log: "", argv: [], pid: null,
  })) : []);
  let ok = true;
  await stopProcesses(nodes, 20_000);
  const warn = (w: string) => { if (!quiet || w.startsWith("could not")) io.error(`lite cluster: ${w}`); };
  await Promise.all(nodes.map(async (n) => {
    if (!existsSync(n.dataDir)) return;
    const report = await killall({ dataDir: n.dataDir, warn: (w) => { if (!w.includes("may restart it")) warn(`${n.name}: ${w}`); } });
    if (report.warnings.some((w) => w.startsWith("could not"))) ok = false;
  }));
  for (const p of deleteClusterNetwork(name)) { warn(p); ok = false; }
  const remaining = existsSync(dir) ? mountsUnder(dir, readMounts()) : [];
  for (const m of remaining) {
    const err = unmount(m);
    if (err) { warn(`could not unmount ${m}: ${err}`); ok = false; }
  }
  if (existsSync(dir) && mountsUnder(dir, readMounts()).length === 0) {
    if (state?.kubeconfig && !state.kubeconfig.startsWith(`${dir}/`) && existsSync(state.kubeconfig)) {
      const ours = existsSync(`${state.nodes[0]!.dataDir}/kubeconfig.yaml`) && readFileSync(state.kubeconfig, "utf8") === readFileSync(`${state.nodes[0]!.dataDir}/kubeconfig.yaml`, "utf8");
      if (ours) rmSync(state.kubeconfig, { force: true });
    }
    rmSync(dir, { recursive: true, force: true });
  } else if (existsSync(dir)) {
    warn(`left ${dir} in place: mounts remain under it`);
    ok = false;
  }
  return ok;
}
