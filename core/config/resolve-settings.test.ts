import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { ConfigError } from "./config-error.ts";
import { resolveSettings } from "./resolve-settings.ts";
import { toAgentSettings, toServerSettings } from "./settings.ts";

const dir = mkdtempSync(`${tmpdir()}/lite-settings-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(`${dir}/empty.yaml`, "");
const noConfig = ["--config", `${dir}/empty.yaml`];
const configFile = (name: string, text: string) => {
  const path = `${dir}/${name}`;
  writeFileSync(path, text);
  return path;
};
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("settings precedence: flags > env > file > defaults", () => {
  test("defaults as K3s", () => {
    const s = toServerSettings(resolveSettings("server", [], { LITE_CONFIG_FILE: `${dir}/empty.yaml` }));
    expect(s.dataDir).toBe("/var/lib/lite");
    expect(s.httpsListenPort).toBe(6443);
    expect(s.cluster).toEqual({
      clusterCIDR: "10.42.0.0/16", serviceCIDR: "10.43.0.0/16", clusterDNS: "10.43.0.10", clusterDomain: "cluster.local",
      serviceNodePortRange: { min: 30000, max: 32767 },
    });
    expect(s.writeKubeconfigMode).toBe(0o600);
    expect(s.disable.size).toBe(0);
  });
  test("file, then env, then flags", () => {
    const config = configFile("prec.yaml", "data-dir: /from/file\ncluster-domain: file.local\ndisable: [traefik]\nflannel-backend: host-gw\n");
    const env = { LITE_DATA_DIR: "/from/env", LITE_CLUSTER_DOMAIN: "env.local" };
    const s = toServerSettings(resolveSettings("server", ["--config", config, "--cluster-domain", "flag.local"], env));
    expect(s.dataDir).toBe("/from/env");
    expect(s.cluster.clusterDomain).toBe("flag.local");
    expect([...s.disable]).toEqual(["traefik"]);
    expect(s.flannelBackend).toBe("host-gw");
  });
  test("--disable-network-policy (K3s' flag) on server and agent, off by default", () => {
    expect(toServerSettings(resolveSettings("server", noConfig, {})).disableNetworkPolicy).toBe(false);
    expect(toServerSettings(resolveSettings("server", [...noConfig, "--disable-network-policy"], {})).disableNetworkPolicy).toBe(true);
    expect(toAgentSettings(resolveSettings("agent", [...noConfig, "--disable-network-policy"], {})).disableNetworkPolicy).toBe(true);
    expect(toAgentSettings(resolveSettings("agent", noConfig, { LITE_DISABLE_NETWORK_POLICY: "true" })).disableNetworkPolicy).toBe(true);
  });
  test("repeatable and comma-separated --disable, K3s alias metrics-server", () => {
    const s = toServerSettings(resolveSettings("server", [...noConfig, "--disable", "traefik,coredns", "--disable=metrics-server"], {}));
    expect([...s.disable].sort()).toEqual(["coredns", "metrics", "traefik"]);
  });
  test("config drop-ins and key+ append", () => {
    const config = configFile("main.yaml", "disable: [traefik]\n");
    mkdirSync(`${config}.d`);
    writeFileSync(`${config}.d/10-more.yaml`, "disable+: [coredns]\n");
    const s = toServerSettings(resolveSettings("server", ["--config", config], {}));
    expect([...s.disable]).toEqual(["traefik", "coredns"]);
  });
  test("plugin-config passes through for the plugins to validate", () => {
    const config = configFile("pc.yaml", "plugin-config:\n  coredns:\n    upstreams: [\"127.0.0.1:53\"]\n");
    const raw = resolveSettings("server", ["--config", config], {});
    expect(raw.pluginConfig).toEqual({ coredns: { upstreams: ["127.0.0.1:53"] } });
  });
  test("agent keys in a shared config file are ignored by the server and vice versa", () => {
    const config = configFile("shared.yaml", "cluster-cidr: 10.42.0.0/16\n");
    expect(() => resolveSettings("agent", ["--config", config], {})).not.toThrow();
  });
});

describe("bad input names the flag, what was given and what is expected", () => {
  test("malformed CIDR", () => {
    expect(errorOf(() => resolveSettings("server", [...noConfig, "--cluster-cidr", "10.42.0.0/33"], {})))
      .toBe(`--cluster-cidr: expected CIDRs such as 10.42.0.0/16 (comma-separated for dual stack), got "10.42.0.0/33"`);
  });
  test("bad port from the environment", () => {
    expect(errorOf(() => resolveSettings("server", noConfig, { LITE_HTTPS_LISTEN_PORT: "abc" })))
      .toBe(`environment variable LITE_HTTPS_LISTEN_PORT: expected a port number 0-65535 (0: any free port), got "abc"`);
  });
  test("unknown --disable name lists the valid ones", () => {
    expect(errorOf(() => resolveSettings("server", [...noConfig, "--disable", "traefik,dns"], {})))
      .toBe(`--disable: expected plugin names from: traefik, servicelb, coredns, flannel, local-storage, metrics, got "dns"`);
  });
  test("unknown flag suggests the closest", () => {
    expect(errorOf(() => resolveSettings("server", [...noConfig, "--data-dri", "/x"], {})))
      .toBe("unknown flag --data-dri; did you mean --data-dir? (see lite server --help)");
  });
  test("flag without value", () => {
    expect(errorOf(() => resolveSettings("server", [...noConfig, "--data-dir"], {}))).toBe("flag --data-dir needs a value (a file or directory path)");
  });
  test("unknown config key and wrong type", () => {
    const unknown = configFile("bad-key.yaml", "data_dir: /x\n");
    expect(errorOf(() => resolveSettings("server", ["--config", unknown], {})))
      .toBe(`config file ${unknown}: key "data_dir": unknown key (keys are the flag names of lite server; see lite server --help)`);
    const wrongType = configFile("bad-type.yaml", "disable-agent: maybe\n");
    expect(errorOf(() => resolveSettings("server", ["--config", wrongType], {})))
      .toBe(`config file ${wrongType}: key "disable-agent": expected true or false, got "maybe"`);
  });
  test("config file that is not a mapping, or not YAML", () => {
    const list = configFile("list.yaml", "- a\n- b\n");
    expect(errorOf(() => resolveSettings("server", ["--config", list], {}))).toContain("expected a mapping of flag names to values, got a list");
    const broken = configFile("broken.yaml", "a: [1, 2\n");
    expect(errorOf(() => resolveSettings("server", ["--config", broken], {}))).toStartWith(`config file ${broken}: not valid YAML`);
  });
  test("an explicitly named config file must exist", () => {
    expect(errorOf(() => resolveSettings("server", ["--config", `${dir}/nope.yaml`], {}))).toBe(`config file ${dir}/nope.yaml does not exist`);
  });
  test("flags of later work are refused, not ignored", () => {
    expect(errorOf(() => resolveSettings("server", [...noConfig, "--server", "https://10.0.0.1:6443"], {})))
      .toBe("--server is not implemented yet; it arrives with high-availability servers (a server joining another; not scheduled yet)");
  });
  test("--advertise-address: explicit, else the bind address, else the node IP", () => {
    const advertise = (args: string[]) => toServerSettings(resolveSettings("server", [...noConfig, ...args], {})).advertiseAddress;
    expect(advertise(["--advertise-address", "10.0.0.1", "--node-ip", "10.0.0.2"])).toBe("10.0.0.1");
    expect(advertise(["--bind-address", "10.0.0.3", "--node-ip", "10.0.0.2"])).toBe("10.0.0.3");
    expect(advertise(["--node-ip", "10.0.0.2"])).toBe("10.0.0.2");
    expect(errorOf(() => resolveSettings("server", [...noConfig, "--advertise-address", "10.0.0.300"], {}))).toContain("--advertise-address: expected an IP address");
  });
  test("labels and taints are validated", () => {
    expect(errorOf(() => resolveSettings("agent", [...noConfig, "--node-taint", "key=v:Sometimes"], {})))
      .toBe(`--node-taint: expected taints such as key=value:NoSchedule, got "key=v:Sometimes"`);
  });
});
