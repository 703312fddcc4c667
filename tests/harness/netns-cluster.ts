/**
 * Several test nodes on one L2 segment: a bridge `ltb<tag>` in the host's namespace holding
 * 10.249.<n>.1/24, and per node a namespace `lt-<tag>-<i>` joined to it by a veth pair, with
 * 10.249.<n>.<10+i>/24 inside. The nodes reach each other (and the host reaches them) directly;
 * no namespace has a default route (nothing leaves for the world), and each routes the service
 * CIDR into an empty bridge as tests/harness/netns.ts does. `destroy()` removes everything and is
 * idempotent; call it in afterAll.
 */
import { spawnSync } from "node:child_process";
import { routeServiceCidrNowhere } from "./netns.ts";

export interface ClusterNode {
  /** `ip netns` name. */
  readonly name: string;
  /** The node's address (use as --node-ip / --bind-address). */
  readonly nodeIP: string;
  /** Runs a command inside the namespace (nsenter --net, so /sys stays the host's). */
  exec(argv: string[], options?: { timeoutMs?: number }): { code: number; stdout: string; stderr: string };
}

export interface TestNetnsCluster {
  readonly bridge: string;
  readonly hostIP: string;
  readonly nodes: readonly ClusterNode[];
  destroy(): void;
}

const sh = (argv: string[], timeoutMs = 30_000) => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: timeoutMs });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? (r.error ? String(r.error) : "") };
};
const must = (argv: string[]) => {
  const r = sh(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.trim() || `exit ${r.code}`}`);
};

/** A /24 of 10.249.0.0/16 no host route uses yet. */
function freeSubnet(): number {
  const routes = sh(["ip", "-4", "route", "show"]).stdout;
  for (;;) {
    const third = Math.floor(Math.random() * 256);
    if (!routes.includes(`10.249.${third}.0/24`)) return third;
  }
}

export function createTestNetnsCluster(count: number, tag = Math.random().toString(16).slice(2, 7)): TestNetnsCluster {
  const bridge = `ltb${tag}`.slice(0, 15);
  const third = freeSubnet();
  const hostIP = `10.249.${third}.1`;
  const names: string[] = [];
  const hostDevs: string[] = [];
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    for (const n of names) sh(["ip", "netns", "del", n]);
    for (const d of hostDevs) sh(["ip", "link", "del", d]);
    sh(["ip", "link", "del", bridge]);
  };
  const nodes: ClusterNode[] = [];
  try {
    must(["ip", "link", "add", bridge, "type", "bridge"]);
    must(["ip", "addr", "add", `${hostIP}/24`, "dev", bridge]);
    must(["ip", "link", "set", bridge, "up"]);
    for (let i = 0; i < count; i++) {
      const name = `lt-${tag}-${i}`;
      const hostDev = `ltv${tag}${i}`.slice(0, 15);
      const nodeIP = `10.249.${third}.${10 + i}`;
      must(["ip", "netns", "add", name]);
      names.push(name);
      must(["ip", "link", "add", hostDev, "type", "veth", "peer", "name", "eth0", "netns", name]);
      hostDevs.push(hostDev);
      must(["ip", "link", "set", hostDev, "master", bridge]);
      must(["ip", "link", "set", hostDev, "up"]);
      must(["ip", "-n", name, "addr", "add", `${nodeIP}/24`, "dev", "eth0"]);
      must(["ip", "-n", name, "link", "set", "eth0", "up"]);
      must(["ip", "-n", name, "link", "set", "lo", "up"]);
      routeServiceCidrNowhere(name);
      nodes.push({
        name, nodeIP,
        exec: (argv, options = {}) => sh(["nsenter", `--net=/run/netns/${name}`, "--", ...argv], options.timeoutMs),
      });
    }
  } catch (err) {
    destroy();
    throw err;
  }
  return { bridge, hostIP, nodes, destroy };
}
