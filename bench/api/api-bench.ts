/**
 * API benchmark over HTTPS with the admin client certificate; the server is `dist/lite` in its own
 * process (fresh data dir per run, OS-assigned port, loopback), the clients are this process
 * (GETs, LISTs, pod creates) and a child load generator (ConfigMap creates).
 *
 *   bun bench/api/api-bench.ts [runs=3] [--skip-30k]
 *
 * Per run: server RSS idle; ConfigMap creates from a child process (bench/lib/https-create-client.ts)
 * at concurrency 1 (5 s, at most 3,000), then an unmeasured warm-up at 64 up to 10,000 ConfigMaps,
 * RSS with those 10,000 objects, then 10,000 measured creates at concurrency 64; GET of one pod
 * (3,000 sequential); then 3,000 pods in one namespace and 27,000 in another, and LIST of 3,000 (namespace) and 30,000 (all namespaces),
 * each both from the watch cache (`resourceVersion=0`) and as a consistent read (no
 * resourceVersion), once the server has settled after the creates (waitQuiet). Pods are ~3 KB as
 * served. Prints one Markdown block with medians over runs.
 */
import { Client, cleanup, pod, createLoad, createNamespace, createPods, deadline, prepareNamespace, f0, f1, f2, machineLine, median, processCpuMs, schedStat, startLite, stats, type Stats } from "./lib.ts";

const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const skip30k = args.includes("--skip-30k");
deadline(60 * 30);

interface RunResult {
  rssIdleMiB: number;
  rss10kMiB: number;
  c1: { rps: number; s: Stats };
  c64: { rps: number; s: Stats; cpuMsPerOp: number; procCpuMsPerOp: number; clientCpuUsPerOp: number; waitShare: number };
  /** Server CPU ms per LIST of 3,000 pods: main thread, whole process. */
  list3kCacheCpu: { main: number; proc: number }; list3kConsistentCpu: { main: number; proc: number };
  get: Stats;
  list3kCache: Stats; list3kConsistent: Stats;
  list30kCache?: Stats; list30kConsistent?: Stats;
  bytes3k: number; bytes30k?: number;
}

async function repeatGet(c: Client, path: string, n: number): Promise<{ s: Stats; bytes: number }> {
  const lat: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = await c.getBytes(path);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}`);
    bytes = r.bytes;
    lat.push(r.ms);
  }
  return { s: stats(lat), bytes };
}

/**
 * Waits until the server has settled after the creates before it (its controllers and informers
 * process every created pod): less than 10 % of a core over 500 ms, or 30 s at most. Returns the
 * wait in ms. The LISTs are then measured in steady state, not in the creates' aftermath.
 */
async function waitQuiet(pid: number): Promise<number> {
  const start = Date.now();
  let before = await processCpuMs(pid);
  while (Date.now() - start < 30_000) {
    await Bun.sleep(500);
    const now = await processCpuMs(pid);
    if (now - before < 50) break;
    before = now;
  }
  return Date.now() - start;
}

async function oneRun(run: number): Promise<RunResult> {
  const srv = await startLite();
  try {
    const c = new Client(srv.url, srv.creds);
    await c.ok("GET", "/version");
    await Bun.sleep(2000);
    const rssIdleMiB = (await srv.rssKiB()) / 1024;

    // 1. creates, from a child process (bench/lib/https-create-client.ts: raw keep-alive TLS, one
    //    POST in flight per connection). C=1 (3,000 at most), then an unmeasured C=64 warm-up (JIT
    //    tiers, the pools and caches of a fresh server) that brings the count to 10,000 ConfigMaps,
    //    the RSS with those, then the measured C=64 run (10,000 more).
    const cmPath = "/api/v1/namespaces/default/configmaps";
    const one = await createLoad(srv, { path: cmPath, kind: "configmap", prefix: "c1", total: 3000, connections: 1, maxSeconds: 5 });
    const warm = await createLoad(srv, { path: cmPath, kind: "configmap", prefix: "warm", total: 10_000 - one.created, connections: 64, maxSeconds: 30 });
    if (one.created + warm.created !== 10_000) throw new Error(`expected 10,000 ConfigMaps, have ${one.created + warm.created}`);
    await Bun.sleep(2000);
    const rss10kMiB = (await srv.rssKiB()) / 1024;
    const sched0 = await schedStat(srv.pid);
    const proc0 = await processCpuMs(srv.pid);
    const many = await createLoad(srv, { path: cmPath, kind: "configmap", prefix: "c64", total: 10_000, connections: 64, maxSeconds: 30 });
    const sched1 = await schedStat(srv.pid);
    const proc1 = await processCpuMs(srv.pid);

    // 2. GET one object
    await c.ok("POST", "/api/v1/namespaces/default/pods", pod("get-me", 0, await prepareNamespace(c, "default")));
    const get = await repeatGet(c, "/api/v1/namespaces/default/pods/get-me", 3000);

    // 3. LIST
    await createNamespace(c, "list3k");
    const t3k = await createPods(c, "list3k", 3000);
    const cpuOf = async (f: () => Promise<{ s: Stats; bytes: number }>, n: number) => {
      const [a, pa] = [await schedStat(srv.pid), await processCpuMs(srv.pid)];
      const r = await f();
      const [b, pb] = [await schedStat(srv.pid), await processCpuMs(srv.pid)];
      return { ...r, cpu: { main: (b.cpuMs - a.cpuMs) / n, proc: (pb - pa) / n } };
    };
    const settled3k = await waitQuiet(srv.pid);
    const list3kCache = await cpuOf(() => repeatGet(c, "/api/v1/namespaces/list3k/pods?resourceVersion=0", 20), 20);
    const list3kConsistent = await cpuOf(() => repeatGet(c, "/api/v1/namespaces/list3k/pods", 20), 20);
    const res: RunResult = {
      rssIdleMiB, rss10kMiB,
      c1: { rps: one.created / one.seconds, s: stats(one.latenciesMs) },
      c64: {
        rps: many.created / many.seconds, s: stats(many.latenciesMs),
        cpuMsPerOp: (sched1.cpuMs - sched0.cpuMs) / many.created,
        procCpuMsPerOp: (proc1 - proc0) / many.created,
        clientCpuUsPerOp: many.cpuUsPerReq,
        waitShare: (sched1.waitMs - sched0.waitMs) / (many.seconds * 1000),
      },
      list3kCacheCpu: list3kCache.cpu, list3kConsistentCpu: list3kConsistent.cpu,
      get: get.s, list3kCache: list3kCache.s, list3kConsistent: list3kConsistent.s, bytes3k: list3kCache.bytes,
    };
    console.error(`run ${run}: 3,000 pods created in ${f1(t3k)} s; settled in ${settled3k} ms`);
    if (!skip30k) {
      await createNamespace(c, "list27k");
      const t27k = await createPods(c, "list27k", 27_000);
      const settled30k = await waitQuiet(srv.pid);
      console.error(`run ${run}: 27,000 pods created in ${f1(t27k)} s; settled in ${settled30k} ms; RSS ${f0((await srv.rssKiB()) / 1024)} MiB`);
      const list30kCache = await repeatGet(c, "/api/v1/pods?resourceVersion=0", 6);
      const list30kConsistent = await repeatGet(c, "/api/v1/pods", 6);
      res.list30kCache = list30kCache.s;
      res.list30kConsistent = list30kConsistent.s;
      res.bytes30k = list30kCache.bytes;
    }
    console.error(`run ${run}:`, JSON.stringify(res));
    return res;
  } finally {
    await srv.stop(true);
  }
}

const machine = await machineLine();
const results: RunResult[] = [];
try {
  for (let r = 1; r <= runs; r++) results.push(await oneRun(r));
} finally {
  cleanup();
}

const m = (f: (r: RunResult) => number | undefined) => median(results.map(f).filter((x): x is number => x !== undefined));
const lat = (f: (r: RunResult) => Stats | undefined) => `p50 ${f2(m((r) => f(r)?.p50))} ms, p99 ${f2(m((r) => f(r)?.p99))} ms`;
console.log(`### API over HTTPS (${runs} runs, medians)
${machine}

| scenario | goal | measured |
|---|---|---|
| ConfigMap creates, C=1 | - | ${f0(m((r) => r.c1.rps))} creates/s, ${lat((r) => r.c1.s)} |
| ConfigMap creates, C=64 | >= 5,000/s, p99 < 20 ms | ${f0(m((r) => r.c64.rps))} creates/s, ${lat((r) => r.c64.s)} |
| ... server CPU per create: main thread / whole process (all threads); share of the C=64 run the main thread waited for a CPU | - | ${f2(m((r) => r.c64.cpuMsPerOp))} / ${f2(m((r) => r.c64.procCpuMsPerOp))} ms CPU/create (client ${f0(m((r) => r.c64.clientCpuUsPerOp))} µs); waited ${f0(100 * m((r) => r.c64.waitShare))} % of the time |
| GET one pod (3,000 sequential) | p99 < 2 ms | ${lat((r) => r.get)} |
| LIST 3,000 pods, resourceVersion=0 (${f0(m((r) => r.bytes3k) / 1024)} KiB) | p99 < 100 ms | ${lat((r) => r.list3kCache)} |
| LIST 3,000 pods, consistent | p99 < 100 ms | ${lat((r) => r.list3kConsistent)} |
| ... server CPU per LIST 3,000 (main thread / whole process), rv=0; consistent | - | ${f1(m((r) => r.list3kCacheCpu.main))} / ${f1(m((r) => r.list3kCacheCpu.proc))} ms; ${f1(m((r) => r.list3kConsistentCpu.main))} / ${f1(m((r) => r.list3kConsistentCpu.proc))} ms |
| LIST 30,000 pods, resourceVersion=0 (${f1(m((r) => r.bytes30k) / 1024 / 1024)} MiB) | p99 < 1.5 s | ${lat((r) => r.list30kCache)} |
| LIST 30,000 pods, consistent | p99 < 1.5 s | ${lat((r) => r.list30kConsistent)} |
| server RSS idle | - | ${f1(m((r) => r.rssIdleMiB))} MiB |
| server RSS with 10,000 ConfigMaps | - | ${f1(m((r) => r.rss10kMiB))} MiB |

Per-run values: ${results.map((r, i) => `run ${i + 1}: C=64 ${f0(r.c64.rps)}/s p50 ${f1(r.c64.s.p50)} p99 ${f1(r.c64.s.p99)} ms CPU ${f2(r.c64.cpuMsPerOp)}/${f2(r.c64.procCpuMsPerOp)} ms, LIST3k consistent p50 ${f1(r.list3kConsistent.p50)} ms, GET p99 ${f2(r.get.p99)} ms, LIST30k rv=0 p99 ${f0(r.list30kCache?.p99 ?? NaN)} ms, consistent p99 ${f0(r.list30kConsistent?.p99 ?? NaN)} ms`).join("; ")}.
`);
