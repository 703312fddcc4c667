/**
 * Drives the compiled binary (dist/lite) for end-to-end tests: one-shot commands and servers in
 * temporary data dirs. Every server started here is stopped and its data dir removed by `stop()`.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import type { Subprocess } from "bun";

export const LITE = resolve(import.meta.dir, "../../dist/lite");
export const REPO = resolve(import.meta.dir, "../..");

export function requireBinary(): string {
  if (!existsSync(LITE)) throw new Error(`${LITE} is missing: run 'bun run build' first (scripts/test.sh does)`);
  return LITE;
}

/** A scratch dir with an empty config file, so the machine's /etc/lite/config.yaml never leaks into tests. */
export function scratchDir(prefix = "lite-e2e-"): { dir: string; config: string; cleanup(): void } {
  const dir = mkdtempSync(`${tmpdir()}/${prefix}`);
  const config = `${dir}/config.yaml`;
  writeFileSync(config, "");
  return { dir, config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runLite(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<RunResult> {
  const proc = Bun.spawn([requireBinary(), ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...env },
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

export interface LiteServer {
  readonly dataDir: string;
  /** The admin kubeconfig the server wrote (API on 127.0.0.1, an OS-assigned port). */
  readonly kubeconfig: string;
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the server has logged so far. */
  logs(): string;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends SIGTERM (optionally twice), waits for exit, runs `lite killall` when the agent ran (unless keepContainers: a restart), removes the data dir (unless the caller passed it). Returns the exit code. */
  stop(options?: { twice?: boolean; keepContainers?: boolean }): Promise<number>;
  /** SIGKILL, wait for the exit; the data dir stays (restart on it with `startServer(..., { dataDir })`). */
  kill9(): Promise<void>;
  /** Resolves with the exit code when the process ends by itself. */
  exited: Promise<number>;
}

/** Starts `lite server` in a fresh data dir; resolves when it logs "lite server ready" (or rejects with its logs). */
export interface StartOptions {
  waitReady?: boolean;
  config?: string;
  /** Reuse this data dir (a restart); `stop()` then leaves it for the caller to remove. */
  dataDir?: string;
  /** Listen on this port instead of an OS-assigned one (a restart that clients reconnect to). */
  port?: number;
  /**
   * Run the embedded agent (containerd, the kubelet, node halves of plugins). Off by default: most
   * suites exercise the control plane and would otherwise each start a containerd. With it on,
   * `stop()` runs `lite killall` on the data dir, since lite leaves containers running when it stops.
   */
  agent?: boolean;
  /**
   * Run inside this network namespace (tests/harness/netns.ts): lite listens on the node IP, and
   * the kubeconfig points there, reachable from the host over the namespace's veth pair.
   */
  netns?: { name: string; nodeIP: string };
}

export async function startServer(args: string[] = [], env: Record<string, string> = {}, options: StartOptions = {}): Promise<LiteServer> {
  const scratch = options.dataDir
    ? { dir: options.dataDir, config: `${options.dataDir}/config.yaml`, cleanup: () => {} }
    : scratchDir();
  const config = options.agent && !options.netns ? withHostSafePorts(options.config ?? "") : options.config;
  if (config) writeFileSync(scratch.config, config);
  else if (!existsSync(scratch.config)) writeFileSync(scratch.config, "");
  const kubeconfig = `${scratch.dir}/kubeconfig.yaml`;
  // nsenter rather than `ip netns exec`: the latter remounts /sys for the namespace, which hides
  // the host's cgroup mounts runc needs. Only the network namespace changes.
  const inNetns = options.netns ? ["nsenter", `--net=/run/netns/${options.netns.name}`, "--"] : [];
  const proc = Bun.spawn([...inNetns, requireBinary(), "server", "--data-dir", scratch.dir, "--config", scratch.config,
    "--https-listen-port", String(options.port ?? 0), "--bind-address", options.netns?.nodeIP ?? "127.0.0.1", "--write-kubeconfig", kubeconfig,
    ...(options.agent ? [] : ["--disable-agent"]), ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      for (const w of waiters) w();
    }
  };
  const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  const exited = proc.exited.then(async (code) => { await pumped; for (const w of waiters) w(); return code; });
  let done = false;
  exited.then(() => { done = true; });
  const server: LiteServer = {
    dataDir: scratch.dir,
    kubeconfig,
    proc,
    logs: () => output,
    exited,
    waitForLog(pattern, timeoutMs = 15_000) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            waiters.delete(check);
            clearTimeout(timer);
            resolvePromise(match[0]);
          } else if (done) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`lite exited before logging ${pattern}:\n${output}`));
          }
        };
        const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out waiting for ${pattern}:\n${output}`)); }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop(stopOptions = {}) {
      if (!done) {
        proc.kill("SIGTERM");
        if (stopOptions.twice) proc.kill("SIGTERM");
      }
      const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      const code = await exited;
      clearTimeout(timer);
      if (options.agent && !stopOptions.keepContainers) await runLite(["killall", "--data-dir", scratch.dir], {}, 60_000);
      scratch.cleanup();
      return code;
    },
    async kill9() {
      if (!done) proc.kill("SIGKILL");
      await exited;
    },
  };
  if (options.waitReady !== false) {
    try {
      await server.waitForLog(/lite server ready/, 60_000); // shared CI machines: starts can stall under load
    } catch (err) {
      await server.stop();
      throw err;
    }
  }
  return server;
}

/**
 * An embedded agent in the host's network namespace must not take fixed ports there (other
 * processes share the machine): the ingress entry points and the DNS server get OS-assigned ports
 * unless the test's own config sets them. (Agents in a namespace of their own keep the defaults.)
 */
function withHostSafePorts(config: string): string {
  const parsed = (config.trim() ? Bun.YAML.parse(config) : {}) as Record<string, any>;
  const plugins = (parsed["plugin-config"] ??= {}) as Record<string, Record<string, unknown>>;
  plugins.traefik = { httpPort: 0, httpsPort: 0, ...plugins.traefik };
  plugins.coredns = { port: 0, ...plugins.coredns };
  return JSON.stringify(parsed); // JSON is YAML
}

/** GET a path on a running lite's admin endpoint. */
export async function adminGet(dataDir: string, path: string): Promise<Response> {
  return fetch(`http://lite${path}`, { unix: `${dataDir}/admin.sock` });
}

/** Runs the system kubectl against a server with its admin kubeconfig (and a private discovery cache). */
export async function kubectl(server: LiteServer, args: string[], options: { stdin?: string; binary?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
  const proc = Bun.spawn([options.binary ?? "kubectl", ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: server.dataDir, KUBECONFIG: server.kubeconfig, KUBECACHEDIR: `${server.dataDir}/kube-cache`, ...options.env },
    stdin: options.stdin !== undefined ? new TextEncoder().encode(options.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: options.timeoutMs ?? 30_000,
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
