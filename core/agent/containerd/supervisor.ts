import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "@lite/sdk";
import type { AgentPaths } from "../paths.ts";
import { containerdPidFile, containerdTtrpcSocket, writeContainerdConfig } from "./config.ts";
import { findOwnContainerd } from "./own-processes.ts";
import { waitForExit } from "./process-table.ts";
import type { RegistriesConfig } from "./registries.ts";
import { chooseSnapshotter } from "./snapshotter.ts";
import { socketAnswers } from "./socket-probe.ts";

export interface ContainerdHandle {
  /** containerd's gRPC socket path (CRI endpoint: `unix://` + socket). */
  readonly socket: string;
  /** The current child's pid; undefined while it is being restarted or after stop(). */
  pid(): number | undefined;
  /** containerd's version as it reports it, e.g. "1.6.20~ds1". */
  version(): string;
  /** SIGTERM, SIGKILL after 10 s, and wait. Containers keep running (their shims do not depend on containerd). Idempotent. */
  stop(): Promise<void>;
}

export interface StartContainerdOptions {
  readonly paths: AgentPaths;
  readonly log: Logger;
  readonly sandboxImage: string;
  readonly registries?: RegistriesConfig;
  readonly cniBinDir?: string;
  /** The containerd binary (default: `containerd` from PATH). */
  readonly binary?: string;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 10_000;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
/** A child that ran this long before dying restarts after the minimum back-off again. */
const BACKOFF_RESET_AFTER_MS = 60_000;

/**
 * Starts lite's own containerd for `paths` and supervises it.
 *
 * A containerd left running by an earlier lite (found by the pid file or by its
 * `--config <this config>` command line) is REPLACED, not reused: lite must be its parent to
 * notice when it dies and to restart it, and the config may have changed. Replacing it is cheap
 * (~40 ms boot) and harmless to workloads: the shims keep containers running and the new
 * containerd reconnects to them. A socket answered by any other process is an error.
 *
 * Resolves once the gRPC socket accepts connections; rejects after 20 s (or when containerd
 * exits first) with the last lines of its log. If it later dies unexpectedly it is restarted
 * with exponential back-off (1 s doubling to 30 s).
 */
export async function startContainerd(opts: StartContainerdOptions): Promise<ContainerdHandle> {
  const { paths, log } = opts;
  const binary = opts.binary ?? "containerd";
  const longest = containerdTtrpcSocket(paths);
  if (Buffer.byteLength(longest) > 107) throw new Error(`data dir too long: containerd's socket ${longest} exceeds the 107-byte limit of unix socket paths; use a shorter --data-dir`);
  const { snapshotter, reason } = chooseSnapshotter(paths.containerdRoot);
  if (reason) log.warn("overlayfs unusable, containerd falls back to the native snapshotter (slower, no layer sharing)", { reason });
  const configFile = writeContainerdConfig(paths, { sandboxImage: opts.sandboxImage, registries: opts.registries, cniBinDir: opts.cniBinDir, snapshotter });
  const pidFile = containerdPidFile(paths);
  await replacePrevious(paths, pidFile, log);

  const versionPromise = readVersion(binary);
  let child: ReturnType<typeof Bun.spawn> | undefined;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let backoffMs = BACKOFF_MIN_MS;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;

  const spawn = () => {
    mkdirSync(dirname(paths.containerdLog), { recursive: true });
    const logFd = openSync(paths.containerdLog, "a");
    try {
      // detached: its own session, so a terminal's Ctrl-C reaches lite only and lite stops it in order.
      child = Bun.spawn([binary, "--config", configFile], { stdio: ["ignore", logFd, logFd], detached: true });
    } finally {
      closeSync(logFd);
    }
    const current = child;
    const startedAt = Date.now();
    writeFileSync(pidFile, `${current.pid}\n`);
    void current.exited.then((code) => {
      if (child === current) child = undefined;
      if (stopping) return;
      if (Date.now() - startedAt >= BACKOFF_RESET_AFTER_MS) backoffMs = BACKOFF_MIN_MS;
      log.warn("containerd exited unexpectedly; restarting", { exitCode: code, signal: current.signalCode, restartInMs: backoffMs, log: paths.containerdLog });
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (stopping) return;
        try {
          spawn();
        } catch (err) {
          log.error("containerd restart failed", { error: String(err) });
          return;
        }
        const restarted = child!;
        waitReady(paths.containerdSocket, restarted, READY_TIMEOUT_MS).then(
          () => log.info("containerd restarted", { pid: restarted.pid }),
          () => log.error("restarted containerd did not become ready", { logTail: logTail(paths.containerdLog) }),
        );
      }, backoffMs);
      backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
    });
  };

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const current = child;
      if (current && current.exitCode === null && current.signalCode === null) {
        current.kill("SIGTERM");
        const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), STOP_GRACE_MS));
        if ((await Promise.race([current.exited, timeout])) === "timeout") {
          log.warn("containerd ignored SIGTERM for 10 s; killing it", { pid: current.pid });
          current.kill("SIGKILL");
          await current.exited;
        }
      }
      child = undefined;
      rmSync(pidFile, { force: true });
    })();
    return stopped;
  };

  const t0 = performance.now();
  spawn();
  try {
    await waitReady(paths.containerdSocket, child!, READY_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; last lines of ${paths.containerdLog}:\n${logTail(paths.containerdLog)}`);
  }
  const readyMs = Math.round(performance.now() - t0);
  const version = await versionPromise;
  log.info("containerd ready", { pid: child?.pid, version, socket: paths.containerdSocket, readyMs, snapshotter });
  return {
    socket: paths.containerdSocket,
    pid: () => child?.pid,
    version: () => version,
    stop,
  };
}

async function waitReady(socket: string, proc: ReturnType<typeof Bun.spawn>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`containerd exited during start (${proc.exitCode !== null ? `exit code ${proc.exitCode}` : proc.signalCode})`);
    }
    if (existsSync(socket) && (await socketAnswers(socket, 500))) return;
    await Bun.sleep(10);
  }
  throw new Error(`containerd did not answer on ${socket} within ${timeoutMs / 1000} s`);
}

/** Stops a containerd an earlier lite left on this data dir; removes stale sockets. */
async function replacePrevious(paths: AgentPaths, pidFile: string, log: Logger): Promise<void> {
  const pids = findOwnContainerd(paths);
  for (const pid of pids) {
    log.info("replacing the containerd left by an earlier lite run (its containers keep running)", { pid });
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      continue;
    }
    if (!(await waitForExit(pid, STOP_GRACE_MS))) {
      process.kill(pid, "SIGKILL");
      await waitForExit(pid, 5_000);
    }
  }
  rmSync(pidFile, { force: true });
  if (existsSync(paths.containerdSocket) && (await socketAnswers(paths.containerdSocket))) {
    throw new Error(`${paths.containerdSocket} is served by a process lite did not start; stop it (lite killall --data-dir ...) and retry`);
  }
  rmSync(paths.containerdSocket, { force: true });
  rmSync(containerdTtrpcSocket(paths), { force: true });
}

async function readVersion(binary: string): Promise<string> {
  try {
    const proc = Bun.spawn([binary, "--version"], { stdout: "pipe", stderr: "ignore" });
    const text = await new Response(proc.stdout).text();
    await proc.exited;
    // "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3"
    return text.trim().split(/\s+/)[2] ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** The last `lines` lines of a log file ("" when absent). */
export function logTail(file: string, lines = 15): string {
  try {
    const fd = openSync(file, "r");
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, 64 * 1024));
      readSync(fd, buf, 0, buf.length, size - buf.length);
      return buf.toString("utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } finally {
      closeSync(fd);
    }
  } catch {
    return "";
  }
}
