import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { CONFLIST_NAME, flannelConflist, writeFileAtomically } from "./cni-config.ts";
import { enableIpv4Forwarding } from "./node-network.ts";

const dir = mkdtempSync(`${tmpdir()}/lite-flannel-cni-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

describe("flannel conflist", () => {
  test("bridge (as flannel's delegate), portmap and bandwidth", () => {
    expect(flannelConflist({ podCIDR: "10.42.3.0/24", clusterCIDR: "10.42.0.0/16", bridge: "cni0" })).toEqual({
      name: "cbr0",
      cniVersion: "1.0.0",
      plugins: [
        {
          type: "bridge", bridge: "cni0", isGateway: true, isDefaultGateway: true, ipMasq: false, hairpinMode: true, forceAddress: true,
          ipam: { type: "host-local", ranges: [[{ subnet: "10.42.3.0/24" }]], routes: [{ dst: "10.42.0.0/16" }] },
        },
        { type: "portmap", capabilities: { portMappings: true }, snat: true },
        { type: "bandwidth", capabilities: { bandwidth: true } },
      ],
    });
  });

  test("the backend's MTU goes to the bridge plugin", () => {
    const list = flannelConflist({ podCIDR: "10.42.3.0/24", clusterCIDR: "10.42.0.0/16", bridge: "cni0", mtu: 1450 }) as { plugins: Record<string, unknown>[] };
    expect(list.plugins[0]).toMatchObject({ type: "bridge", bridge: "cni0", mtu: 1450 });
  });

  test("written atomically, and not rewritten when unchanged", () => {
    const conf = `${dir}/net.d`;
    expect(writeFileAtomically(conf, CONFLIST_NAME, "{}\n")).toBe(true);
    expect(readFileSync(`${conf}/${CONFLIST_NAME}`, "utf8")).toBe("{}\n");
    expect(writeFileAtomically(conf, CONFLIST_NAME, "{}\n")).toBe(false);
    expect(writeFileAtomically(conf, CONFLIST_NAME, "{\"a\":1}\n")).toBe(true);
    expect(readdirSync(conf)).toEqual([CONFLIST_NAME]);
  });

  test("ip_forward is written to the sysctl tree; an unwritable one is a warning, not a failure", () => {
    const sys = `${dir}/sys`;
    Bun.spawnSync(["mkdir", "-p", `${sys}/net/ipv4`]);
    writeFileSync(`${sys}/net/ipv4/ip_forward`, "0");
    expect(enableIpv4Forwarding(sys, quiet)).toBe(true);
    expect(readFileSync(`${sys}/net/ipv4/ip_forward`, "utf8")).toBe("1");
    expect(enableIpv4Forwarding(`${dir}/absent`, quiet)).toBe(false);
  });
});

/**
 * The conflist run by the real CNI plugins (/usr/lib/cni) the way the runtime runs a conflist,
 * inside two network namespaces this test creates: "node" (holds the bridge) and "pod".
 */
describe.skipIf(!existsSync("/usr/lib/cni/bridge") || process.getuid?.() !== 0)("flannel conflist with the real CNI plugins", () => {
  const tag = `${process.pid}`.slice(-6);
  const nodeNs = `lite-fl-node-${tag}`;
  const podNs = `lite-fl-pod-${tag}`;
  const ipam = `${dir}/ipam`;
  const run = (args: string[], env: Record<string, string> = {}, stdin?: string) => {
    const r = Bun.spawnSync(args, { env: { ...process.env, ...env }, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin) });
    return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
  };
  afterAll(() => {
    run(["ip", "netns", "del", podNs]);
    run(["ip", "netns", "del", nodeNs]);
  });

  test("ADD gives the pod an address of the node's subnet, a route to the cluster CIDR and a default route; DEL undoes it", () => {
    expect(run(["ip", "netns", "add", nodeNs]).code).toBe(0);
    expect(run(["ip", "netns", "add", podNs]).code).toBe(0);
    const list = flannelConflist({ podCIDR: "10.42.3.0/24", clusterCIDR: "10.42.0.0/16", bridge: "cni-t", mtu: 1450 }) as { name: string; cniVersion: string; plugins: Record<string, any>[] };
    list.plugins[0]!.ipam.dataDir = ipam; // keep host-local's leases in the scratch dir
    const invoke = (command: "ADD" | "DEL", plugin: Record<string, any>, extra: Record<string, unknown>) => {
      const conf = { ...plugin, name: list.name, cniVersion: list.cniVersion, ...extra };
      return run(["ip", "netns", "exec", nodeNs, `/usr/lib/cni/${plugin.type}`], {
        CNI_COMMAND: command, CNI_CONTAINERID: "lite-test", CNI_NETNS: `/var/run/netns/${podNs}`, CNI_IFNAME: "eth0", CNI_PATH: "/usr/lib/cni",
      }, JSON.stringify(conf));
    };
    const runtimeConfig = (p: Record<string, any>) => (p.type === "portmap" ? { runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: "tcp" }] } } : {});
    let prevResult: unknown;
    for (const plugin of list.plugins) {
      const r = invoke("ADD", plugin, { ...(prevResult ? { prevResult } : {}), ...runtimeConfig(plugin) });
      expect(r.err + (r.code === 0 ? "" : r.out)).toBe("");
      expect(r.code).toBe(0);
      prevResult = JSON.parse(r.out);
    }
    const result = prevResult as { ips: { address: string; gateway: string }[] };
    expect(result.ips).toEqual([expect.objectContaining({ address: "10.42.3.2/24", gateway: "10.42.3.1" })]);
    const routes = run(["ip", "netns", "exec", podNs, "ip", "-4", "route"]).out;
    expect(routes).toContain("default via 10.42.3.1 dev eth0");
    expect(routes).toContain("10.42.0.0/16 via 10.42.3.1 dev eth0");
    expect(run(["ip", "netns", "exec", nodeNs, "ip", "-4", "addr", "show", "cni-t"]).out).toContain("inet 10.42.3.1/24");
    expect(run(["ip", "netns", "exec", podNs, "ip", "link", "show", "eth0"]).out).toContain("mtu 1450");
    for (const plugin of [...list.plugins].reverse()) {
      const r = invoke("DEL", plugin, runtimeConfig(plugin));
      expect(r.code).toBe(0);
    }
    expect(run(["ip", "netns", "exec", podNs, "ip", "link", "show", "eth0"]).code).not.toBe(0);
  });
});
