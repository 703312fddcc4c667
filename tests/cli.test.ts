/** End-to-end: the compiled dist/lite's command line: version, help, and every kind of bad input. */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { FLAGS } from "../core/config/flags.ts";
import { runLite, scratchDir } from "./harness/lite-process.ts";

// Each case runs the 100 MB binary; on a loaded shared machine that alone can take seconds.
setDefaultTimeout(30_000);

const scratch = scratchDir("lite-cli-");
afterAll(() => scratch.cleanup());
const cfg = ["--config", scratch.config];

describe("lite --version and --help", () => {
  test.concurrent("--version and version print the version line with the git commit", async () => {
    for (const args of [["--version"], ["version"], ["-v"]]) {
      const r = await runLite(args);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toMatch(/^lite version v1\.32\.\d+\+lite1 \([0-9a-f]{8}(-dirty)?\)$/);
    }
  });
  test.concurrent("--help lists the commands", async () => {
    const r = await runLite(["--help"]);
    expect(r.code).toBe(0);
    for (const command of ["server", "agent", "kubectl", "plugins", "images", "ctr", "crictl", "killall", "version"]) expect(r.stdout).toContain(`  ${command} `);
  });
  for (const command of ["server", "agent"] as const) {
    test.concurrent(`lite ${command} --help lists every flag with its default`, async () => {
      const r = await runLite([command, "--help"]);
      expect(r.code).toBe(0);
      for (const flag of FLAGS.filter((f) => f.commands.includes(command))) {
        const line = r.stdout.split("\n").find((l) => l.includes(`--${flag.name} `) || l.trimEnd().endsWith(`--${flag.name}`) || l.includes(`--${flag.name}  `));
        expect(line, `--${flag.name} missing from help`).toBeDefined();
        const def = flag.defaultText ?? (Array.isArray(flag.default) ? (flag.default.length ? flag.default.join(",") : undefined) : flag.default?.toString());
        if (def !== undefined) expect(line!).toContain(`default: ${def}`);
      }
    });
  }
  test.concurrent("lite plugins --help", async () => {
    const r = await runLite(["plugins", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--data-dir");
  });
});

describe("bad input: one clear line on stderr, exit code 2, never a stack trace", () => {
  const badConfig = `${scratch.dir}/bad.yaml`;
  writeFileSync(badConfig, "cluster-cidr: 10.42.0.0/16\nnode-labels: [a=b]\n");
  const badType = `${scratch.dir}/bad-type.yaml`;
  writeFileSync(badType, "https-listen-port: \"six\"\n");
  const cases: [string, string[], Record<string, string>, string][] = [
    ["unknown flag", ["server", ...cfg, "--clutser-cidr", "10.0.0.0/8"], {}, "lite server: unknown flag --clutser-cidr; did you mean --cluster-cidr? (see lite server --help)"],
    ["malformed CIDR", ["server", ...cfg, "--cluster-cidr", "10.42.0.0/40"], {}, `lite server: --cluster-cidr: expected CIDRs such as 10.42.0.0/16 (comma-separated for dual stack), got "10.42.0.0/40"`],
    ["malformed port", ["server", ...cfg, "--https-listen-port", "99999"], {}, "lite server: --https-listen-port: expected a port number 0-65535 (0: any free port), got 99999"],
    ["unknown --disable name", ["server", ...cfg, "--disable", "traefik", "--disable", "ingress"], {}, `lite server: --disable: expected plugin names from: traefik, servicelb, coredns, flannel, local-storage, metrics, got "ingress"`],
    ["bad port range", ["server", ...cfg, "--service-node-port-range", "30000:32767"], {}, `lite server: --service-node-port-range: expected a port range such as 30000-32767, got "30000:32767"`],
    ["bad IP", ["server", ...cfg, "--cluster-dns", "10.43.0.300"], {}, `lite server: --cluster-dns: expected an IP address such as 10.0.0.5, got "10.43.0.300"`],
    ["bad flannel backend", ["server", ...cfg, "--flannel-backend", "wireguard"], {}, `lite server: --flannel-backend: expected one of vxlan, host-gw, none, got "wireguard"`],
    ["bad env value", ["server", ...cfg], { LITE_CLUSTER_CIDR: "banana" }, `lite server: environment variable LITE_CLUSTER_CIDR: expected CIDRs such as 10.42.0.0/16 (comma-separated for dual stack), got "banana"`],
    ["unknown config key", ["server", "--config", badConfig], {}, `lite server: config file ${badConfig}: key "node-labels": unknown key (keys are the flag names of lite server; see lite server --help)`],
    ["wrong config type", ["server", "--config", badType], {}, `lite server: config file ${badType}: key "https-listen-port": expected a port number 0-65535 (0: any free port), got "six"`],
    ["missing value", ["server", ...cfg, "--data-dir"], {}, "lite server: flag --data-dir needs a value (a file or directory path)"],
    ["positional argument", ["server", ...cfg, "now"], {}, `lite server: unexpected argument "now" (flags only; see lite server --help)`],
    ["not implemented yet", ["server", ...cfg, "--server", "https://10.0.0.1:6443"], {}, "lite server: --server is not implemented yet; it arrives with high-availability servers (a server joining another; not scheduled yet)"],
    ["unknown command", ["serve"], {}, `lite: unknown command "serve" (commands: server, agent, cluster, kubectl, plugins, token, certificate, secrets-encrypt, images, ctr, crictl, killall, version; see lite --help)`],
    ["bad kubelet eviction threshold", ["server", ...cfg, "--kubelet-arg", "eviction-hard=memory.available<abc"], {}, "lite server: --kubelet-arg eviction-hard=memory.available<abc: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ["bad kubelet image GC thresholds", ["agent", ...cfg, "--kubelet-arg", "image-gc-high-threshold=70", "--kubelet-arg", "image-gc-low-threshold=75"], {}, "lite agent: --kubelet-arg: invalid configuration: imageGCLowThresholdPercent (image-gc-low-threshold) 75 must be less than imageGCHighThresholdPercent (image-gc-high-threshold) 70"],
    ["bad agent taint", ["agent", ...cfg, "--node-taint", "dedicated"], {}, `lite agent: --node-taint: expected taints such as key=value:NoSchedule, got "dedicated"`],
    ["bad plugins output", ["plugins", "-o", "yaml"], {}, `lite plugins: --output: expected table or json, got "yaml"`],
    ["token rotate: new token too short", ["token", "rotate", "--token", "s3cret", "--new-token", "short"], {}, "lite token: --new-token: the new token's secret is 5 characters long; use at least 16"],
    ["token rotate: empty new token", ["token", "rotate", "--token", "s3cret", "--new-token="], {}, "lite token: --new-token: the new token is empty (omit --new-token for a random one)"],
    ["token rotate: malformed new token", ["token", "rotate", "--token", "s3cret", "--new-token", "K10abc::server:0123456789abcdef"], {}, "lite token: --new-token: the token's CA hash is not 64 hex digits (expected K10<sha256>::<credentials>)"],
    ["token rotate: no current token", ["token", "rotate", "-d", "/nonexistent", "--new-token", "0123456789abcdef"], {}, "lite token: no --token given and cannot read /nonexistent/server/token: ENOENT (pass --token or --data-dir)"],
    ["token rotate: not a server token", ["token", "rotate", "--token", `K10${"a".repeat(64)}::node:s3cret`], {}, `lite token: --token: the token's user is "node"; only the server token (user server) can rotate it`],
    ["token rotate: unknown flag", ["token", "rotate", "--ttl", "1h"], {}, "lite token: unknown flag --ttl (see lite token --help)"],
    ["bad --with-node-id value", ["agent", ...cfg, "--with-node-id=maybe"], {}, `lite agent: --with-node-id: expected true or false, got "maybe"`],
  ];
  for (const [name, args, env, message] of cases) {
    test.concurrent(name, async () => {
      const r = await runLite(args, env);
      expect(r.stderr.trim()).toBe(message);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
    });
  }
});

test.concurrent("lite agent without --server says what it needs", async () => {
  const r = await runLite(["agent", ...cfg]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("--server (LITE_URL) is required");
});

test.concurrent("lite kubectl runs the system kubectl", async () => {
  const r = await runLite(["kubectl", "version", "--client", "-o", "json"], { KUBECONFIG: `${scratch.dir}/none.yaml` });
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).clientVersion.major).toBe("1");
});
