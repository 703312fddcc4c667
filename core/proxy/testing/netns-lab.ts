/**
 * Test and benchmark support: a node in network namespaces of its own. Every name starts with
 * `lt-proxy-<random>-`, and `destroy()` removes every namespace and process it made (call it in
 * afterAll/finally). Traffic stays inside these namespaces.
 *
 *   node    bridge br0 10.42.0.1/24 (the pod network), veth ext0 192.168.77.1/24 (the node IP)
 *   pods    one namespace each, eth0 10.42.0.N/24 on br0, default route via 10.42.0.1
 *   pods' bridge ports have hairpin on (as the CNI bridge plugin's hairpinMode)
 *   outside eth0 192.168.77.2/24, default route via the node: a client off the cluster; the
 *           node's default route points at it
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const FIXTURE = join(import.meta.dir, "net-fixture.ts");
export const NODE_IP = "192.168.77.1";
export const OUTSIDE_IP = "192.168.77.2";
export const POD_GATEWAY = "10.42.0.1";

export interface NetnsLab {
  readonly node: string;
  readonly outside: string;
  /** Pod namespace names by pod IP. */
  readonly pods: Map<string, string>;
  /** Adds a pod namespace with this IP on the node's bridge. */
  addPod(ip: string): string;
  /** Runs a command in a namespace; throws on failure. */
  run(ns: string, argv: readonly string[], stdin?: string): string;
  /** Starts the fixture in a namespace and waits for "ready". */
  startFixture(ns: string, args: readonly string[]): Promise<ChildProcess>;
  /** Runs the fixture to completion and parses its JSON output. */
  fixture<T>(ns: string, args: readonly string[]): Promise<T>;
  destroy(): void;
}

export function nsRun(ns: string | undefined, argv: readonly string[], stdin?: string): string {
  const full = ns ? ["ip", "netns", "exec", ns, ...argv] : [...argv];
  const r = spawnSync(full[0]!, full.slice(1), { encoding: "utf8", input: stdin });
  if (r.status !== 0) throw new Error(`${full.join(" ")} failed (${r.status}): ${(r.stderr || r.error?.message || "").trim()}`);
  return r.stdout;
}

export function createNetnsLab(): NetnsLab {
  const prefix = `lt-proxy-${Math.random().toString(36).slice(2, 8)}`;
  const namespaces: string[] = [];
  const procs = new Set<ChildProcess>();
  const pods = new Map<string, string>();
  const addNs = (suffix: string) => {
    const name = `${prefix}-${suffix}`;
    nsRun(undefined, ["ip", "netns", "add", name]);
    namespaces.push(name);
    nsRun(name, ["ip", "link", "set", "lo", "up"]);
    return name;
  };
  const lab: NetnsLab = {
    node: "", outside: "", pods,
    addPod(ip) {
      const ns = addNs(`p${pods.size}`);
      const veth = `vp${pods.size}`;
      nsRun(undefined, ["ip", "-n", lab.node, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
      nsRun(lab.node, ["ip", "link", "set", veth, "master", "br0", "up"]);
      // As the CNI bridge plugin with hairpinMode: a pod may reach itself through a Service.
      nsRun(lab.node, ["ip", "link", "set", veth, "type", "bridge_slave", "hairpin", "on"]);
      nsRun(ns, ["ip", "addr", "add", `${ip}/24`, "dev", "eth0"]);
      nsRun(ns, ["ip", "link", "set", "eth0", "up"]);
      nsRun(ns, ["ip", "route", "add", "default", "via", POD_GATEWAY]);
      pods.set(ip, ns);
      return ns;
    },
    run: (ns, argv, stdin) => nsRun(ns, argv, stdin),
    startFixture(ns, args) {
      const child = spawn("ip", ["netns", "exec", ns, process.execPath, FIXTURE, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      procs.add(child);
      child.on("exit", () => procs.delete(child));
      return new Promise((resolve, reject) => {
        let out = "";
        let err = "";
        const timer = setTimeout(() => reject(new Error(`fixture ${args.join(" ")} in ${ns} did not start: ${err}`)), 15_000);
        child.stdout!.on("data", (d) => { out += d; if (out.includes("ready")) { clearTimeout(timer); resolve(child); } });
        child.stderr!.on("data", (d) => { err += d; });
        child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`fixture ${args.join(" ")} exited ${code}: ${err}`)); });
      });
    },
    async fixture<T>(ns: string, args: readonly string[]) {
      const proc = Bun.spawn(["ip", "netns", "exec", ns, process.execPath, FIXTURE, ...args], { stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      if (code !== 0) throw new Error(`fixture ${args.join(" ")} in ${ns} failed (${code}): ${err}`);
      return JSON.parse(out) as T;
    },
    destroy() {
      for (const p of procs) p.kill("SIGKILL");
      procs.clear();
      for (const ns of namespaces.reverse()) spawnSync("ip", ["netns", "delete", ns]);
      namespaces.length = 0;
    },
  };
  try {
    (lab as { node: string }).node = addNs("node");
    nsRun(lab.node, ["ip", "link", "add", "br0", "type", "bridge"]);
    nsRun(lab.node, ["ip", "addr", "add", `${POD_GATEWAY}/24`, "dev", "br0"]);
    nsRun(lab.node, ["ip", "link", "set", "br0", "up"]);
    nsRun(lab.node, ["sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"]);
    (lab as { outside: string }).outside = addNs("out");
    nsRun(undefined, ["ip", "-n", lab.node, "link", "add", "ext0", "type", "veth", "peer", "name", "eth0", "netns", lab.outside]);
    nsRun(lab.node, ["ip", "addr", "add", `${NODE_IP}/24`, "dev", "ext0"]);
    nsRun(lab.node, ["ip", "link", "set", "ext0", "up"]);
    nsRun(lab.outside, ["ip", "addr", "add", `${OUTSIDE_IP}/24`, "dev", "eth0"]);
    nsRun(lab.outside, ["ip", "link", "set", "eth0", "up"]);
    nsRun(lab.outside, ["ip", "route", "add", "default", "via", NODE_IP]);
    // The node's default route points outside (a real node has one; without it nothing routes to a
    // Service address); the outside does not forward, so unknown destinations end there.
    nsRun(lab.outside, ["sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward"]);
    nsRun(lab.node, ["ip", "route", "add", "default", "via", OUTSIDE_IP]);
  } catch (err) {
    lab.destroy();
    throw err;
  }
  return lab;
}
