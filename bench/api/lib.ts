import { readdirSync } from "node:fs";
/**
 * Shared pieces of the API benchmarks: start `dist/lite server` in its own process (fresh temp
 * data dir, OS-assigned port, loopback only), talk to it over HTTPS with the admin client
 * certificate from the kubeconfig it writes, time things, and print Markdown.
 *
 * Everything started here is registered and stopped by PID on exit, SIGINT/SIGTERM or failure
 * (`cleanup()`); temp dirs are removed.
 */
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { resolve } from "node:path";

/** The binary under test; LITE_BIN overrides it (e.g. a build of an older commit, for before/after runs). */
export const LITE = process.env.LITE_BIN || resolve(import.meta.dir, "../../dist/lite");
export const REPO = resolve(import.meta.dir, "../..");

// ---- cleanup: every process and dir we create ----

const procs = new Set<Subprocess>();
const dirs = new Set<string>();
let cleaned = false;

export function track(p: Subprocess): Subprocess {
  procs.add(p);
  void p.exited.then(() => procs.delete(p));
  return p;
}

export function tempDir(prefix: string): string {
  const d = mkdtempSync(`${tmpdir()}/${prefix}`);
  dirs.add(d);
  return d;
}

export function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  dirs.delete(d);
}

/** Kill (by PID) every process we spawned that is still alive, and remove our temp dirs. */
export function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  for (const p of procs) {
    try { process.kill(p.pid, "SIGKILL"); } catch { /* gone */ }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => { cleanup(); process.exit(130); });

/** Hard deadline for a whole script: kill everything and fail rather than hang. */
export function deadline(seconds: number): void {
  setTimeout(() => {
    console.error(`deadline of ${seconds}s exceeded`);
    cleanup();
    process.exit(3);
  }, seconds * 1000).unref();
}

// ---- credentials ----

export interface Creds { ca: string; cert: string; key: string }

export async function readKubeconfig(path: string): Promise<{ server: string; creds: Creds }> {
  const kc = Bun.YAML.parse(await Bun.file(path).text()) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");
  const cluster = kc.clusters[0]!.cluster;
  const user = kc.users[0]!.user;
  return {
    server: cluster.server,
    creds: { ca: b64(cluster["certificate-authority-data"]), cert: b64(user["client-certificate-data"]), key: b64(user["client-key-data"]) },
  };
}

// ---- the server under test ----

export interface LiteServer {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly kubeconfig: string;
  readonly creds: Creds;
  /** Resident set size (VmRSS) in KiB. */
  rssKiB(): Promise<number>;
  /** Called for every log line the server writes from now on. */
  onLog(fn: (line: string) => void): () => void;
  /** SIGTERM, wait (SIGKILL after 10 s). Keeps the data dir unless `removeData`. */
  stop(removeData?: boolean): Promise<void>;
}

export interface StartOptions {
  /** Reuse a data dir (restart); default a fresh temp dir. */
  dir?: string;
  env?: Record<string, string>;
}

export async function startLite(opts: StartOptions = {}): Promise<LiteServer> {
  const dir = opts.dir ?? tempDir("liteapibench-");
  const kubeconfig = `${dir}/kc.yaml`;
  const proc = track(Bun.spawn([LITE, "server", "--data-dir", dir, "--https-listen-port", "0", "--bind-address", "127.0.0.1",
    "--write-kubeconfig", kubeconfig, "--config", "/dev/null", "--disable-agent"], {
    stdout: "ignore", stderr: "pipe", env: { ...process.env, ...opts.env },
  }));
  const listeners = new Set<(line: string) => void>();
  let port = 0;
  let output = "";
  const ready = Promise.withResolvers<number>();
  void (async () => {
    const dec = new TextDecoder();
    let partial = "";
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) {
      partial += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = partial.indexOf("\n")) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (!port) {
          output += line + "\n";
          const m = /lite server ready.*apiPort=(\d+)/.exec(line);
          if (m) { port = Number(m[1]); ready.resolve(port); }
        }
        for (const l of listeners) l(line);
      }
    }
    if (!port) ready.reject(new Error(`lite exited before ready:\n${output}`));
  })();
  const timer = setTimeout(() => ready.reject(new Error(`lite not ready in 60 s:\n${output}`)), 60_000);
  try {
    await ready.promise;
  } catch (err) {
    try { process.kill(proc.pid, "SIGKILL"); } catch { /* gone */ }
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const { server, creds } = await readKubeconfig(kubeconfig).catch((err) => { throw new Error(`no kubeconfig after ready (${err}); log:\n${output}`); });
  return {
    pid: proc.pid, port, url: server, dir, kubeconfig, creds,
    rssKiB: async () => Number(/VmRSS:\s+(\d+)/.exec(await Bun.file(`/proc/${proc.pid}/status`).text())?.[1] ?? NaN),
    onLog(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    async stop(removeData = false) {
      if (proc.exitCode === null && !proc.killed) {
        process.kill(proc.pid, "SIGTERM");
        const t = setTimeout(() => { try { process.kill(proc.pid, "SIGKILL"); } catch { /* gone */ } }, 10_000);
        await proc.exited;
        clearTimeout(t);
      }
      if (removeData) removeDir(dir);
    },
  };
}

// ---- HTTPS client (fetch with the client certificate; Bun pools keep-alive connections) ----

export interface Reply { status: number; body: string; ms: number }

export class Client {
  readonly tls: { ca: string; cert: string; key: string; serverName: string };
  constructor(readonly base: string, creds: Creds) {
    this.tls = { ca: creds.ca, cert: creds.cert, key: creds.key, serverName: "localhost" };
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const t0 = performance.now();
    const res = await fetch(this.base + path, {
      method, tls: this.tls, keepalive: true,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text, ms: performance.now() - t0 };
  }

  /** Like request, but fails on a non-2xx status. */
  async ok(method: string, path: string, body?: unknown): Promise<Reply> {
    const r = await this.request(method, path, body);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
    return r;
  }

  /** Time to the last byte of a GET whose body is not parsed (big lists). */
  async getBytes(path: string): Promise<{ status: number; bytes: number; ms: number }> {
    const t0 = performance.now();
    const res = await fetch(this.base + path, { tls: this.tls, keepalive: true, headers: { accept: "application/json" } });
    const buf = await res.arrayBuffer();
    return { status: res.status, bytes: buf.byteLength, ms: performance.now() - t0 };
  }
}

// ---- load and statistics ----

export interface Stats { n: number; p50: number; p99: number; max: number; mean: number }

export function stats(xs: number[]): Stats {
  const s = Float64Array.from(xs).sort();
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN);
  let sum = 0;
  for (const x of s) sum += x;
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s.length ? s[s.length - 1]! : NaN, mean: s.length ? sum / s.length : NaN };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Run `op(i)` for i = 0..total-1 with `concurrency` in flight, stopping early after `maxSeconds`.
 * Returns each op's latency and the wall time.
 */
export async function runPool(total: number, concurrency: number, maxSeconds: number, op: (i: number) => Promise<void>): Promise<{ latencies: number[]; seconds: number; errors: number }> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: unknown;
  const stopAt = performance.now() + maxSeconds * 1000;
  const t0 = performance.now();
  const worker = async () => {
    while (next < total && performance.now() < stopAt) {
      const i = next++;
      const s = performance.now();
      try {
        await op(i);
        latencies.push(performance.now() - s);
      } catch (err) {
        errors++;
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (errors) console.error(`runPool: ${errors} errors, first:`, firstError);
  return { latencies, seconds: (performance.now() - t0) / 1000, errors };
}

/**
 * A thread's scheduler counters (/proc/<pid>/task/<tid>/schedstat): time on a CPU and time spent
 * runnable but waiting for one, in ms. The main thread (tid = pid) runs all of lite's JavaScript,
 * TLS included; on a shared machine `waitMs` shows how much latency other tenants added.
 */
export async function schedStat(pid: number, tid = pid): Promise<{ cpuMs: number; waitMs: number }> {
  const [cpu, wait] = (await Bun.file(`/proc/${pid}/task/${tid}/schedstat`).text()).split(" ").map(Number);
  return { cpuMs: (cpu ?? NaN) / 1e6, waitMs: (wait ?? NaN) / 1e6 };
}

/** CPU ms of every thread of a process (/proc/<pid>/stat utime + stime, clock ticks of 10 ms). */
export async function processCpuMs(pid: number): Promise<number> {
  const fields = (await Bun.file(`/proc/${pid}/stat`).text()).split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Minor page faults of a process (/proc/<pid>/stat) and context switches of all its threads
 * (voluntary + involuntary, /proc/<pid>/task/<tid>/status; threads that ended are not counted).
 */
export async function processEvents(pid: number): Promise<{ minorFaults: number; contextSwitches: number }> {
  const fields = (await Bun.file(`/proc/${pid}/stat`).text()).split(") ")[1]!.split(" ");
  let contextSwitches = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = await Bun.file(`/proc/${pid}/task/${tid}/status`).text();
      for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)) contextSwitches += Number(m[1]);
    } catch {
      // the thread ended
    }
  }
  return { minorFaults: Number(fields[7]), contextSwitches };
}

export const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");
export const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
export const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toString() : "n/a");

export async function machineLine(): Promise<string> {
  const kernel = (await Bun.$`uname -r`.text()).trim();
  const commit = (await Bun.$`git -C ${REPO} rev-parse --short HEAD`.nothrow().text()).trim();
  const dirty = (await Bun.$`git -C ${REPO} status --porcelain`.nothrow().text()).trim() ? "-dirty" : "";
  const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
  return `Machine: nproc ${cpus().length}, ${cpus()[0]?.model ?? "?"}, Linux ${kernel}, Bun ${Bun.version}; lite ${commit}${dirty}; ${new Date().toISOString()}; load avg at start ${load}`;
}

// ---- objects ----

export function configMap(name: string, data: Record<string, string> = { a: "1" }) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data };
}

/** The owner every bench pod names (a ConfigMap, so no workload controller acts on the pods). */
export const POD_OWNER = "bench-web-owner";
/** Bench pods are bound to these nodes; `prepareNamespace` creates them (no kubelet runs them). */
export const BENCH_NODES = Array.from({ length: 5 }, (_, i) => `node-${i}`);

/**
 * A realistic pod, ~3 KB as served (about half of it the managedFields the server adds): labels,
 * annotations, an owner, a container with env, resources, a port, a probe, a mount, a volume.
 * Against a server with controllers, pass the uid `prepareNamespace` returned: with an owner or a
 * node that does not exist, the garbage collectors would delete the pods during the measurement.
 */
export function pod(name: string, i: number, ownerUid = "6f1c1f5e-3a0b-4c1e-9d53-1c2b3a4d5e6f") {
  const env = Array.from({ length: 3 }, (_, k) => ({ name: `APP_SETTING_${k}`, value: `value-${k}-${i}` }));
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: {
      name,
      labels: { app: "bench-web", tier: "frontend", "pod-template-hash": "7d9f8b6c5d", release: `r${i % 10}` },
      annotations: { "prometheus.io/scrape": "true" },
      ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: POD_OWNER, uid: ownerUid, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName: BENCH_NODES[i % BENCH_NODES.length],
      containers: [
        {
          name: "web", image: "registry.example.com/team/web:1.27.3",
          command: ["/app/server"], args: ["--port=8080", "--metrics-port=9090", "--log-level=info"],
          ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
          env,
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          volumeMounts: [{ name: "config", mountPath: "/etc/app" }],
          livenessProbe: { httpGet: { path: "/healthz", port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10 },
        },
      ],
      volumes: [{ name: "config", configMap: { name: "bench-web-config" } }],
    },
  };
}

export async function createNamespace(c: Client, name: string): Promise<string> {
  await c.ok("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return prepareNamespace(c, name);
}

const owners = new Map<string, string>();

/**
 * Makes `ns` ready for bench pods and returns the uid to pass to `pod()`: its `default`
 * ServiceAccount (ServiceAccount admission wants it; the server's controller creates it soon after
 * the namespace, so create it now rather than race it), the pods' owner ConfigMap and the nodes
 * they are bound to, so that neither the garbage collector nor the pod GC deletes them.
 */
export async function prepareNamespace(c: Client, ns: string): Promise<string> {
  const sa = await c.request("POST", `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } });
  if (sa.status !== 201 && sa.status !== 409) throw new Error(`create ServiceAccount ${ns}/default: ${sa.status} ${sa.body.slice(0, 200)}`);
  for (const name of BENCH_NODES) {
    const n = await c.request("POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name } });
    if (n.status !== 201 && n.status !== 409) throw new Error(`create Node ${name}: ${n.status} ${n.body.slice(0, 200)}`);
  }
  let owner = await c.request("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap(POD_OWNER));
  if (owner.status === 409) owner = await c.request("GET", `/api/v1/namespaces/${ns}/configmaps/${POD_OWNER}`);
  if (owner.status !== 201 && owner.status !== 200) throw new Error(`create ConfigMap ${ns}/${POD_OWNER}: ${owner.status} ${owner.body.slice(0, 200)}`);
  const uid = (JSON.parse(owner.body) as { metadata: { uid: string } }).metadata.uid;
  owners.set(ns, uid);
  return uid;
}

/** Create `count` pods in `ns` (after `prepareNamespace`) with `concurrency` in flight (setup, not measured). */
export async function createPods(c: Client, ns: string, count: number, concurrency = 64, from = 0): Promise<number> {
  const ownerUid = owners.get(ns);
  if (!ownerUid) throw new Error(`createPods: prepareNamespace(${ns}) first`);
  const r = await runPool(count, concurrency, 600, async (i) => { await c.ok("POST", `/api/v1/namespaces/${ns}/pods`, pod(`pod-${from + i}`, from + i, ownerUid)); });
  if (r.errors) throw new Error(`${r.errors} pod creates failed`);
  return r.seconds;
}

// ---- create load in a child process (bench/lib/https-create-client.ts) ----

export interface CreateLoad {
  created: number; errors: number; firstError?: string; seconds: number; latenciesMs: number[]; cpuUsPerReq: number;
  /** With `recordSentAt`: Date.now() when object i's request was written. */
  sentAt?: number[];
}

/**
 * Creates `total` ConfigMaps (or pods) named `<prefix>-<i>` at `connections` in flight, from a child
 * process over raw keep-alive TLS connections with the admin client certificate (stopping after
 * `maxSeconds`). The child's own CPU per request comes back as `cpuUsPerReq`. `srv`: a LiteServer,
 * or the port and credentials of any lite server.
 */
export async function createLoad(
  srv: { port: number; creds: Creds },
  o: { path: string; kind: "configmap" | "pod"; prefix: string; total: number; connections: number; maxSeconds: number; namespace?: string; recordSentAt?: boolean },
): Promise<CreateLoad> {
  const dir = tempDir("createload-");
  try {
    await Bun.write(`${dir}/config.json`, JSON.stringify({ port: srv.port, ...srv.creds, ...o }));
    const proc = Bun.spawn(["bun", `${import.meta.dir}/../lib/https-create-client.ts`, `${dir}/config.json`], { stdout: "pipe", stderr: "inherit" });
    track(proc);
    const out = JSON.parse(await proc.stdout.text()) as CreateLoad;
    if (out.errors) console.error(`createLoad ${o.prefix}: ${out.errors} errors, first: ${out.firstError}`);
    return out;
  } finally {
    removeDir(dir);
  }
}
