/**
 * Shared pieces of the kubelet benchmarks: start `lite server` (embedded agent or --disable-agent)
 * in a temp data dir on loopback with OS-assigned ports, talk to its API over HTTPS with the admin
 * client certificate, watch resources with receive timestamps, sample RSS, take the machine-wide
 * lock that serialises lite-with-agent users (they share the cni0 bridge), print statistics.
 *
 * Contracts:
 * - Every server started here is stopped by PID (SIGTERM, SIGKILL after 20 s); an agent's data dir
 *   then gets `lite killall --data-dir DIR` (lite leaves containers running when it stops); the
 *   data dir is removed. The same happens on exit, SIGINT and SIGTERM for whatever is still up.
 * - Times are wall-clock milliseconds (`nowMs()`: Date's epoch, sub-millisecond), so they compare
 *   with the server's log timestamps and containerd's CRI timestamps on the same machine.
 */
import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { resolve } from "node:path";

/** The binary under test; LITE_BIN overrides it (e.g. a private copy other sessions will not rebuild mid-run). */
export const LITE = process.env.LITE_BIN || resolve(import.meta.dir, "../../dist/lite");
export const REPO = resolve(import.meta.dir, "../..");
/** Held while a lite server with the embedded agent runs (other sessions use the same file). */
export const AGENT_LOCK = "/tmp/lite-agent.lock";

export const nowMs = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- cleanup of everything started here ----

const live = new Set<{ pid: number; dir: string; agent: boolean; ownsDir: boolean }>();

function cleanupSync(): void {
  for (const s of live) {
    try { process.kill(s.pid, "SIGKILL"); } catch { /* gone */ }
    if (s.agent) Bun.spawnSync([LITE, "killall", "--data-dir", s.dir], { stdout: "ignore", stderr: "ignore" });
    if (s.ownsDir) rmSync(s.dir, { recursive: true, force: true });
  }
  live.clear();
}
process.on("exit", cleanupSync);
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => { cleanupSync(); process.exit(130); });

/** Fails the script (after cleanup) rather than hang past `seconds`. */
export function deadline(seconds: number): void {
  setTimeout(() => { console.error(`deadline of ${seconds}s exceeded`); cleanupSync(); process.exit(3); }, seconds * 1000).unref();
}

// ---- the agent lock ----

/**
 * Runs `fn` holding AGENT_LOCK: a child `flock` holds the lock until its stdin closes, so the lock
 * also goes away if this process dies. Returns fn's result; logs how long the wait was.
 */
export async function withAgentLock<T>(fn: () => Promise<T>): Promise<T> {
  const t0 = nowMs();
  const holder = Bun.spawn(["flock", AGENT_LOCK, "sh", "-c", "echo locked; read _"], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const reader = holder.stdout.getReader();
  const first = await reader.read();
  if (first.done) throw new Error("flock exited before taking the lock");
  const waited = nowMs() - t0;
  if (waited > 1000) console.error(`(waited ${(waited / 1000).toFixed(1)} s for ${AGENT_LOCK})`);
  try {
    return await fn();
  } finally {
    holder.stdin.end();
    await holder.exited;
  }
}

// ---- the server under test ----

export interface LogLine { readonly atMs: number; readonly text: string }

export interface StartOptions {
  agent: boolean;
  /** Reuse this data dir (a restart); the caller then removes it. */
  dir?: string;
  extraArgs?: string[];
}

export interface Server {
  readonly pid: number;
  readonly dir: string;
  readonly agent: boolean;
  /** Wall time just before spawn. */
  readonly spawnedAt: number;
  readonly api: Api;
  /** Every line logged so far, with the time stamped in the line (or its receive time). */
  readonly logs: LogLine[];
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM and wait; then `lite killall` (agent, unless keepContainers) and remove the data dir (unless keepData or not ours). */
  stop(opts?: { keepData?: boolean; keepContainers?: boolean }): Promise<void>;
}

/** Starts `lite server`; resolves once its API listens (not "ready": callers wait for what they measure). */
export async function startServer(opts: StartOptions): Promise<Server> {
  const ownsDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(`${tmpdir()}/lite-kubelet-bench-`);
  if (!existsSync(`${dir}/config.yaml`)) writeFileSync(`${dir}/config.yaml`, "");
  const kubeconfig = `${dir}/kc.yaml`;
  const args = [LITE, "server", "--data-dir", dir, "--config", `${dir}/config.yaml`, "--https-listen-port", "0",
    "--bind-address", "127.0.0.1", "--node-ip", "127.0.0.1", "--kubelet-arg", "port=0", "--write-kubeconfig", kubeconfig,
    ...(opts.agent ? [] : ["--disable-agent"]), ...(opts.extraArgs ?? [])];
  const spawnedAt = nowMs();
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(args, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const entry = { pid: proc.pid, dir, agent: opts.agent, ownsDir };
  live.add(entry);

  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let exited = false;
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      partial += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = partial.indexOf("\n")) >= 0) {
        logs.push(parseLogLine(partial.slice(0, nl), nowMs()));
        partial = partial.slice(nl + 1);
      }
      for (const w of waiters) w();
    }
  };
  const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  void proc.exited.then(async () => { await pumped; exited = true; for (const w of waiters) w(); });

  const waitForLog = (pattern: RegExp, timeoutMs = 60_000) => new Promise<LogLine>((ok, fail) => {
    const check = () => {
      const hit = logs.find((l) => pattern.test(l.text));
      if (hit || exited) {
        waiters.delete(check);
        clearTimeout(timer);
        if (hit) ok(hit);
        else fail(new Error(`lite exited before logging ${pattern}:\n${tail(logs)}`));
      }
    };
    const timer = setTimeout(() => { waiters.delete(check); fail(new Error(`no ${pattern} in ${timeoutMs} ms:\n${tail(logs)}`)); }, timeoutMs);
    waiters.add(check);
    check();
  });

  const stop = async (stopOpts: { keepData?: boolean; keepContainers?: boolean } = {}) => {
    if (!exited) {
      try { process.kill(proc.pid, "SIGTERM"); } catch { /* gone */ }
      const t = setTimeout(() => { try { process.kill(proc.pid, "SIGKILL"); } catch { /* gone */ } }, 20_000);
      await proc.exited;
      clearTimeout(t);
    }
    live.delete(entry);
    if (opts.agent && !stopOpts.keepContainers) {
      const k = Bun.spawn([LITE, "killall", "--data-dir", dir], { stdout: "ignore", stderr: "pipe" });
      if ((await k.exited) !== 0) console.error(`lite killall failed: ${await new Response(k.stderr).text()}`);
    }
    if (ownsDir && !stopOpts.keepData) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const listening = await waitForLog(/API server listening url=(\S+)/);
    const url = /url=(\S+)/.exec(listening.text)![1]!;
    const api = new Api(url, readCreds(kubeconfig));
    return { pid: proc.pid, dir, agent: opts.agent, spawnedAt, api, logs, waitForLog, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `2026-11-28T01:13:24.382Z INFO  message k=v`: the stamped time, or the receive time for other lines. */
export function parseLogLine(text: string, receivedAt: number): LogLine {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\s/.exec(text);
  const stamped = m ? Date.parse(m[1]!) : NaN;
  return { atMs: Number.isFinite(stamped) ? stamped : receivedAt, text };
}

const tail = (logs: LogLine[]) => logs.slice(-40).map((l) => l.text).join("\n");

// ---- API client ----

export interface Creds { ca: string; cert: string; key: string }

function readCreds(kubeconfig: string): Creds {
  const kc = Bun.YAML.parse(readFileSync(kubeconfig, "utf8")) as {
    clusters: { cluster: { "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");
  const user = kc.users[0]!.user;
  return { ca: b64(kc.clusters[0]!.cluster["certificate-authority-data"]), cert: b64(user["client-certificate-data"]), key: b64(user["client-key-data"]) };
}

export interface WatchEvent { type: string; object: any }

export class Api {
  private readonly tls: { ca: string; cert: string; key: string; serverName: string };
  constructor(readonly base: string, creds: Creds) {
    this.tls = { ...creds, serverName: "localhost" };
  }

  /** A JSON request; rejects on a status outside `okStatuses` (default 2xx). */
  async request<T = any>(method: string, path: string, body?: unknown, okStatuses?: number[]): Promise<T> {
    const res = await fetch(this.base + path, {
      method, tls: this.tls, keepalive: true,
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const ok = okStatuses ? okStatuses.includes(res.status) : res.status >= 200 && res.status < 300;
    if (!ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Watches `path` (a collection URL; `query` is appended) and calls `onEvent` with each event and
   * the wall time its line arrived. `close()` ends it; `ended` settles when the stream ends.
   */
  watch(path: string, query: string, onEvent: (ev: WatchEvent, atMs: number) => void): { close(): void; ended: Promise<void> } {
    const abort = new AbortController();
    const ended = (async () => {
      const res = await fetch(`${this.base}${path}?watch=1&${query}`, { tls: this.tls, signal: abort.signal, headers: { accept: "application/json" } });
      if (res.status !== 200) throw new Error(`watch ${path}: ${res.status} ${await res.text()}`);
      const dec = new TextDecoder();
      let partial = "";
      for await (const chunk of res.body as ReadableStream<Uint8Array>) {
        const at = nowMs();
        partial += dec.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = partial.indexOf("\n")) >= 0) {
          const line = partial.slice(0, nl).trim();
          partial = partial.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent, at);
        }
      }
    })().catch((err) => { if (!abort.signal.aborted) throw err; });
    return { close: () => abort.abort(), ended };
  }
}

/**
 * Resolves with the receive time of the first watch event showing Node `Ready=True` with a
 * heartbeat at or after `sinceMs` (whole seconds, so a status left by an earlier run does not count).
 */
export async function waitNodeReady(api: Api, sinceMs: number, timeoutMs = 60_000): Promise<{ atMs: number; node: string }> {
  const floorSec = Math.floor(sinceMs / 1000) * 1000;
  const giveUp = nowMs() + timeoutMs;
  let lastError: unknown;
  // The watch is retried: right after the API starts listening it may still answer with an error.
  while (nowMs() < giveUp) {
    let found: { atMs: number; node: string } | undefined;
    const w = api.watch("/api/v1/nodes", "", (ev, at) => {
      const ready = (ev.object?.status?.conditions ?? []).find((c: any) => c.type === "Ready");
      if (!found && ready?.status === "True" && Date.parse(ready.lastHeartbeatTime) >= floorSec) {
        found = { atMs: at, node: ev.object.metadata.name };
        w.close();
      }
    });
    const timer = setTimeout(w.close, Math.max(0, giveUp - nowMs()));
    try {
      await w.ended;
    } catch (err) {
      lastError = err;
      await sleep(50);
    } finally {
      clearTimeout(timer);
    }
    if (found) return found;
  }
  throw new Error(`no Ready node within ${timeoutMs} ms (last watch error: ${lastError})`);
}

/** Pods need their namespace's default ServiceAccount; the controller makes it soon after start. */
export async function ensureDefaultServiceAccount(api: Api, ns = "default"): Promise<void> {
  await api.request("POST", `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } }, [201, 409]);
}

/** The benchmark pod: busybox (built in, IfNotPresent), sleeping, deleted at once. */
export function sleeperPod(name: string, labels: Record<string, string> = { bench: "kubelet" }) {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, labels },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "c", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }],
    },
  };
}

// ---- processes and memory ----

/** VmRSS and RssAnon of a process in KiB (NaN when gone). */
export function processMemKiB(pid: number): { rss: number; anon: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
    return { rss: field("VmRSS"), anon: field("RssAnon") };
  } catch {
    return { rss: NaN, anon: NaN };
  }
}

/** CPU time of a process in ms: utime + stime, plus its reaped children's (cutime + cstime) unless `ownOnly`. NaN when gone. */
export function processCpuMs(pid: number, ownOnly = false): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ").map(Number);
    const ticks = f[11]! + f[12]! + (ownOnly ? 0 : f[13]! + f[14]!);
    return ticks * 10; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Busy and total CPU time of the whole machine (all cores) from /proc/stat, in ms. */
export function machineCpuMs(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3]! + f[4]!;
  return { busy: (total - idle) * 10, total: total * 10 };
}

/** Proportional set size in KiB (/proc/PID/smaps_rollup Pss: shared pages split among their users); NaN when gone. */
export function processPssKiB(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

// ---- statistics and reporting ----

export interface Summary { n: number; p50: number; p90: number; p99: number; min: number; max: number; mean: number }

/** Nearest-rank quantiles (p99 of 50 samples is the maximum). */
export function summarize(xs: readonly number[]): Summary {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]! : NaN);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, mean };
}

export const median = (xs: readonly number[]) => summarize(xs).p50;
export const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toString() : "n/a");
export const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");

/** One Markdown table row: label, then p50 / p90 / p99 / min / max / n. */
export function summaryRow(label: string, xs: readonly number[], fmt = f0): string {
  const s = summarize(xs);
  return `| ${label} | ${fmt(s.p50)} | ${fmt(s.p90)} | ${fmt(s.p99)} | ${fmt(s.min)} | ${fmt(s.max)} | ${s.n} |`;
}
export const SUMMARY_HEADER = "| measure (ms) | p50 | p90 | p99 | min | max | n |\n|---|---|---|---|---|---|---|";

export const loadAvg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** nproc, CPU, memory, kernel, Bun, the binary's version, the date and the load average now. */
export async function machineFacts(): Promise<string> {
  const kernel = (await Bun.$`uname -r`.text()).trim();
  const version = (await Bun.$`${LITE} --version`.nothrow().text()).trim();
  return `Machine: nproc ${cpus().length} (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${kernel}, Bun ${Bun.version}; ${version}; ${new Date().toISOString()}; load avg ${loadAvg()}`;
}
