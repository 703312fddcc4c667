/**
 * etcd 3.4 (Debian `etcd-server`) against lite's store, same machine, same run, same client.
 *
 *   bun bench/api/etcd-bench.ts [runs=3]
 *
 * Both are driven by this process over plain HTTP/1.1 on loopback with JSON bodies and base64 keys
 * and values: etcd through its gRPC JSON gateway (`POST /v3/kv/put`, `/v3/kv/range`), lite's
 * SQLite store (WAL, synchronous=FULL, group commit) through store-gateway.ts, a Bun.serve
 * imitation of those two endpoints in its own process. Both acknowledge a put only once it is
 * fsynced. Each run starts both fresh (temp data dirs, OS-free ports) and stops them by PID.
 *
 * Scenarios: puts of new keys (~1 KB values) at concurrency 1 (5 s, at most 3,000) and 64 (20,000,
 * at most 15 s); range of one key (3,000 sequential); range of a 3,000-key prefix (20 times).
 */
import { cleanup, deadline, f0, f2, machineLine, median, runPool, stats, tempDir, track, removeDir, type Stats } from "./lib.ts";

const runs = Number(process.argv[2] ?? 3);
deadline(60 * 15);
const VALUE = JSON.stringify({ kind: "ConfigMap", apiVersion: "v1", metadata: { name: "x", namespace: "default", uid: "5c4e4a2e-4a4f-4c1e-9d53-1c2b3a4d5e6f" }, data: { pad: "x".repeat(800) } });
const b64 = (s: string) => Buffer.from(s).toString("base64");
const prefixEnd = (p: string) => p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);

async function freePort(): Promise<number> {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

async function waitHttp(url: string, body: unknown, seconds: number): Promise<void> {
  const until = performance.now() + seconds * 1000;
  for (;;) {
    try {
      const r = await fetch(url, { method: "POST", body: JSON.stringify(body) });
      if (r.ok) { await r.text(); return; }
    } catch { /* not yet */ }
    if (performance.now() > until) throw new Error(`${url} not answering after ${seconds} s`);
    await Bun.sleep(100);
  }
}

interface Target { name: string; base: string; stop(): Promise<void> }

async function startEtcd(): Promise<Target> {
  const dir = tempDir("liteapibench-etcd-");
  const [client, peer] = [await freePort(), await freePort()];
  const p = track(Bun.spawn(["etcd", "--name", "bench", "--data-dir", `${dir}/data`,
    "--listen-client-urls", `http://127.0.0.1:${client}`, "--advertise-client-urls", `http://127.0.0.1:${client}`,
    "--listen-peer-urls", `http://127.0.0.1:${peer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${peer}`,
    "--initial-cluster", `bench=http://127.0.0.1:${peer}`, "--logger", "zap", "--log-level", "error"], { stdout: "ignore", stderr: "inherit" }));
  const base = `http://127.0.0.1:${client}`;
  await waitHttp(`${base}/v3/kv/range`, { key: b64("probe") }, 30);
  return { name: "etcd 3.4", base, stop: async () => { process.kill(p.pid, "SIGTERM"); await p.exited; removeDir(dir); } };
}

async function startGateway(): Promise<Target> {
  const dir = tempDir("liteapibench-store-");
  const p = track(Bun.spawn(["bun", `${import.meta.dir}/store-gateway.ts`, `${dir}/state.db`], { stdout: "pipe", stderr: "inherit" }));
  const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  while (!/PORT (\d+)/.test(out)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`store gateway exited: ${out}`);
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const base = `http://127.0.0.1:${/PORT (\d+)/.exec(out)![1]}`;
  return { name: "lite store (SQLite) via HTTP gateway", base, stop: async () => { process.kill(p.pid, "SIGTERM"); await p.exited; removeDir(dir); } };
}

interface Figures { putC1: { rps: number; s: Stats }; putC64: { rps: number; s: Stats }; get: Stats; range3k: Stats }

async function measure(t: Target): Promise<Figures> {
  const post = async (path: string, body: unknown) => {
    const r = await fetch(t.base + path, { method: "POST", body: JSON.stringify(body), keepalive: true });
    const text = await r.text();
    if (!r.ok) throw new Error(`${t.name} ${path}: ${r.status} ${text.slice(0, 200)}`);
    return text;
  };
  const put = (key: string) => post("/v3/kv/put", { key: b64(key), value: b64(VALUE) });
  const c1 = await runPool(3000, 1, 5, async (i) => { await put(`/bench/c1/${i}`); });
  const c64 = await runPool(20_000, 64, 15, async (i) => { await put(`/bench/c64/${i}`); });
  const getKey = b64("/bench/c1/0");
  const get = await runPool(3000, 1, 20, async () => { await post("/v3/kv/range", { key: getKey }); });
  await runPool(3000, 64, 60, async (i) => { await put(`/bench/list/${String(i).padStart(5, "0")}`); });
  const range = { key: b64("/bench/list/"), range_end: b64(prefixEnd("/bench/list/")) };
  const check = JSON.parse(await post("/v3/kv/range", range)) as { kvs?: unknown[] };
  if (check.kvs?.length !== 3000) throw new Error(`${t.name}: range returned ${check.kvs?.length} keys`);
  const r3k = await runPool(20, 1, 60, async () => { await post("/v3/kv/range", range); });
  return {
    putC1: { rps: c1.latencies.length / c1.seconds, s: stats(c1.latencies) },
    putC64: { rps: c64.latencies.length / c64.seconds, s: stats(c64.latencies) },
    get: stats(get.latencies), range3k: stats(r3k.latencies),
  };
}

const machine = await machineLine();
const etcdVersion = (await Bun.$`etcd --version`.text()).split("\n")[0]!.trim();
const results: { etcd: Figures; lite: Figures }[] = [];
try {
  for (let r = 1; r <= runs; r++) {
    const etcd = await startEtcd();
    let e: Figures;
    try { e = await measure(etcd); } finally { await etcd.stop(); }
    const gw = await startGateway();
    let l: Figures;
    try { l = await measure(gw); } finally { await gw.stop(); }
    console.error(`run ${r}: etcd ${JSON.stringify(e)}\nrun ${r}: lite ${JSON.stringify(l)}`);
    results.push({ etcd: e, lite: l });
  }
} finally {
  cleanup();
}
const m = (f: (r: { etcd: Figures; lite: Figures }) => number) => median(results.map(f));
const rowFor = (label: string, f: (x: Figures) => { rps?: number; s: Stats }) => {
  const rpsE = m((r) => f(r.etcd).rps ?? NaN), rpsL = m((r) => f(r.lite).rps ?? NaN);
  const p99E = m((r) => f(r.etcd).s.p99), p99L = m((r) => f(r.lite).s.p99);
  const p50E = m((r) => f(r.etcd).s.p50), p50L = m((r) => f(r.lite).s.p50);
  const rate = Number.isNaN(rpsE) ? "" : `${f0(rpsE)}/s vs ${f0(rpsL)}/s (lite/etcd ${f2(rpsL / rpsE)}x); `;
  return `| ${label} | ${rate}p50 ${f2(p50E)} vs ${f2(p50L)} ms; p99 ${f2(p99E)} vs ${f2(p99L)} ms (lite/etcd p99 ${f2(p99L / p99E)}x) |`;
};
console.log(`### etcd vs lite's store, same client, same transport (${runs} runs, medians)
${machine}; ${etcdVersion}

Both over plain HTTP/1.1 JSON on loopback from this process (etcd's gRPC gateway vs store-gateway.ts over lite's SQLite store); durable puts (fsync) in both. Figures are etcd vs lite.

| scenario | etcd vs lite |
|---|---|
${rowFor("put new key (~1 KB), C=1", (x) => x.putC1)}
${rowFor("put new key (~1 KB), C=64", (x) => x.putC64)}
${rowFor("range: one key", (x) => ({ s: x.get }))}
${rowFor("range: 3,000 keys (~3 MB)", (x) => ({ s: x.range3k }))}
`);
