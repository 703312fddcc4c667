/**
 * A test node in a network namespace of its own: the namespace `lt-<tag>`, joined to the host by
 * a veth pair on a /30 of 10.248.0.0/16 (host side .1, node side .2, the test-node IP). A lite
 * server started inside it (`startServer(..., { netns })`) has its own cni0 bridge, pod network,
 * nftables tables and port space, so several such servers can run on one machine at once, and
 * traffic the tests send stays on addresses they created (network rule: loopback, or addresses
 * inside namespaces the test made).
 */
import { spawnSync } from "node:child_process";

export interface TestNetns {
  /** `ip netns` name. */
  readonly name: string;
  /** The host end of the veth pair. */
  readonly hostIP: string;
  /** The node's address inside the namespace (use as `--node-ip`). */
  readonly nodeIP: string;
  /** Runs a command inside the namespace; returns its exit code and output. */
  exec(argv: string[], options?: { timeoutMs?: number; input?: string }): { code: number; stdout: string; stderr: string };
  /** Deletes the namespace (and with it the veth pair). Idempotent. */
  destroy(): void;
}

const sh = (argv: string[], input?: string, timeoutMs = 30_000) => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", input, timeout: timeoutMs });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? (r.error ? String(r.error) : "") };
};
const must = (argv: string[]) => {
  const r = sh(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.trim() || `exit ${r.code}`}`);
};

/** A /30 of 10.248.0.0/16 that no route on the host uses yet. */
function freeSubnet(): { host: string; node: string } {
  const routes = sh(["ip", "-4", "route", "show"]).stdout;
  for (;;) {
    const third = Math.floor(Math.random() * 256);
    const fourth = Math.floor(Math.random() * 64) * 4;
    const net = `10.248.${third}.${fourth}`;
    if (!routes.includes(`${net}/30`)) return { host: `10.248.${third}.${fourth + 1}`, node: `10.248.${third}.${fourth + 2}` };
  }
}

/**
 * A route for the service CIDR (10.43.0.0/16) into an empty bridge inside namespace `name`: Service
 * traffic the proxy refuses is routed (then refused in the forward hook) as on a node with a default
 * route, and what is not refused goes nowhere.
 */
export function routeServiceCidrNowhere(name: string): void {
  must(["ip", "-n", name, "link", "add", "svcnull0", "type", "bridge"]);
  must(["ip", "-n", name, "link", "set", "svcnull0", "up"]);
  must(["ip", "-n", name, "route", "add", "10.43.0.0/16", "dev", "svcnull0"]);
}

export function createTestNetns(tag = Math.random().toString(16).slice(2, 8)): TestNetns {
  const name = `lt-${tag}`;
  const hostDev = `lth${tag}`.slice(0, 15);
  const { host, node } = freeSubnet();
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    sh(["ip", "netns", "del", name]);
    sh(["ip", "link", "del", hostDev]);
  };
  try {
    must(["ip", "netns", "add", name]);
    must(["ip", "link", "add", hostDev, "type", "veth", "peer", "name", "eth0", "netns", name]);
    must(["ip", "addr", "add", `${host}/30`, "dev", hostDev]);
    must(["ip", "link", "set", hostDev, "up"]);
    must(["ip", "-n", name, "addr", "add", `${node}/30`, "dev", "eth0"]);
    must(["ip", "-n", name, "link", "set", "eth0", "up"]);
    must(["ip", "-n", name, "link", "set", "lo", "up"]);
    // No default route on purpose: nothing a pod or lite sends can leave for the world.
    routeServiceCidrNowhere(name);
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    name, hostIP: host, nodeIP: node,
    exec: (argv, options = {}) => sh(["ip", "netns", "exec", name, ...argv], options.input, options.timeoutMs),
    destroy,
  };
}
