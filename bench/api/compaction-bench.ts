/**
 * Write latency over HTTPS while the server compacts a big history.
 *
 *   bun bench/api/compaction-bench.ts [runs=3] [--objects 10000] [--versions 10] [--writers 16]
 *
 * Setup (once): a server with the default compactor (first tick after 5 minutes, so it never runs
 * here) gets `objects` ConfigMaps, each then replaced `versions - 1` times (PUT), i.e. about
 * objects * (versions - 1) superseded rows; then it is stopped.
 * Each run: a copy of that data dir is started with LITE_TEST_COMPACT_INTERVAL_MS=3000
 * (core/server/test-knobs.ts: compact every 3 s keeping no extra revisions), so its first tick
 * compacts the whole setup history. `writers` clients create ConfigMaps back to back from before
 * that tick until well after it. This process watches compaction progress by reading the
 * store's `lite_meta` table read-only (compact_revision, compact_swept), and splits the write
 * latencies into those that overlapped the compaction and the rest.
 */
import { Database } from "bun:sqlite";
import { cpSync, existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { Client, cleanup, configMap, deadline, f0, f1, f2, machineLine, median, removeDir, runPool, schedStat, startLite, stats, tempDir } from "./lib.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { objects: { type: "string", default: "10000" }, versions: { type: "string", default: "10" }, writers: { type: "string", default: "16" } },
});
const runs = Number(positionals[0] ?? 3);
const OBJECTS = Number(values.objects);
const VERSIONS = Number(values.versions);
const WRITERS = Number(values.writers);
deadline(60 * 25);

interface RunResult { waitShare: number; compactMs: number; removedRows: number; during: ReturnType<typeof stats>; outside: ReturnType<typeof stats>; rps: number }

async function populate(): Promise<string> {
  const srv = await startLite();
  const c = new Client(srv.url, srv.creds);
  const t0 = performance.now();
  const mk = await runPool(OBJECTS, 64, 300, async (i) => { await c.ok("POST", "/api/v1/namespaces/default/configmaps", configMap(`cm-${i}`, { v: "0", pad: "x".repeat(200) })); });
  if (mk.errors) throw new Error("populate: creates failed");
  for (let v = 1; v < VERSIONS; v++) {
    const up = await runPool(OBJECTS, 64, 300, async (i) => { await c.ok("PUT", `/api/v1/namespaces/default/configmaps/cm-${i}`, configMap(`cm-${i}`, { v: String(v), pad: "x".repeat(200) })); });
    if (up.errors) throw new Error("populate: updates failed");
  }
  console.error(`setup: ${OBJECTS} ConfigMaps x ${VERSIONS} versions in ${f1((performance.now() - t0) / 1000)} s`);
  await srv.stop(false);
  return srv.dir;
}

function meta(db: Database): { compact: number; swept: number } {
  const get = (k: string) => (db.query("SELECT value FROM lite_meta WHERE key = ?1").get(k) as { value: number } | null)?.value ?? 0;
  return { compact: get("compact_revision"), swept: get("compact_swept") };
}

async function oneRun(base: string, run: number): Promise<RunResult> {
  const dir = tempDir("liteapibench-compact-");
  cpSync(base, dir, { recursive: true });
  const srv = await startLite({ dir, env: { LITE_TEST_COMPACT_INTERVAL_MS: "3000" } });
  const dbPath = `${dir}/server/db/state.db`;
  if (!existsSync(dbPath)) throw new Error(`no database at ${dbPath}`);
  const db = new Database(dbPath, { readonly: true });
  try {
    const c = new Client(srv.url, srv.creds);
    const rowsBefore = (db.query("SELECT count(*) AS n FROM kine").get() as { n: number }).n;
    // Poll compaction progress.
    let start = NaN;
    let end = NaN;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const m = meta(db);
        const t = performance.now();
        if (Number.isNaN(start) && m.compact > 0) start = t;
        if (!Number.isNaN(start) && Number.isNaN(end) && m.swept >= m.compact) end = t;
        await Bun.sleep(5);
      }
    })();
    const ops: { s: number; e: number }[] = [];
    const sched0 = await schedStat(srv.pid);
    const t0 = performance.now();
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const s = performance.now();
        await c.ok("POST", "/api/v1/namespaces/default/configmaps", configMap(`new-${w}-${i}`));
        ops.push({ s, e: performance.now() });
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    // Write until the compaction has finished for 3 s (at most 90 s).
    while (performance.now() - t0 < 90_000 && (Number.isNaN(end) || performance.now() - end < 3000)) await Bun.sleep(50);
    stop = true;
    await Promise.all(writers);
    polling = false;
    await poller;
    const seconds = (performance.now() - t0) / 1000;
    const sched1 = await schedStat(srv.pid);
    if (Number.isNaN(end)) throw new Error("compaction did not finish within 90 s");
    const during = ops.filter((o) => o.e >= start && o.s <= end).map((o) => o.e - o.s);
    const outside = ops.filter((o) => o.e < start || o.s > end).map((o) => o.e - o.s);
    const rowsAfter = (db.query("SELECT count(*) AS n FROM kine").get() as { n: number }).n;
    const res: RunResult = { waitShare: (sched1.waitMs - sched0.waitMs) / (seconds * 1000), compactMs: end - start, removedRows: rowsBefore + ops.length - rowsAfter, during: stats(during), outside: stats(outside), rps: ops.length / seconds };
    console.error(`run ${run}:`, JSON.stringify(res));
    return res;
  } finally {
    db.close();
    await srv.stop(true);
  }
}

const machine = await machineLine();
const results: RunResult[] = [];
try {
  const base = await populate();
  for (let r = 1; r <= runs; r++) results.push(await oneRun(base, r));
  removeDir(base);
} finally {
  cleanup();
}
const m = (f: (r: RunResult) => number) => median(results.map(f));
console.log(`### Writes during compaction, over HTTPS (${runs} runs, medians)
${machine}

History: ${OBJECTS} ConfigMaps x ${VERSIONS} versions; ${WRITERS} clients create ConfigMaps back to back while the server's compactor (LITE_TEST_COMPACT_INTERVAL_MS=3000) removes it. Compaction window observed from the store's lite_meta table (5 ms polling).

| measure | goal | median |
|---|---|---|
| rows removed by the compaction | - | ${f0(m((r) => r.removedRows))} |
| compaction duration | - | ${f0(m((r) => r.compactMs))} ms |
| create p50 / p99 during compaction | p99 < 50 ms | ${f2(m((r) => r.during.p50))} / ${f2(m((r) => r.during.p99))} ms (n = ${f0(m((r) => r.during.n))}) |
| create p50 / p99 outside compaction | - | ${f2(m((r) => r.outside.p50))} / ${f2(m((r) => r.outside.p99))} ms |
| create max during compaction | - | ${f1(m((r) => r.during.max))} ms |
| share of the run the server's main thread waited for a CPU (other tenants) | - | ${f0(100 * m((r) => r.waitShare))} % |
| creates/s over the whole run | - | ${f0(m((r) => r.rps))} |

Per run p99 during compaction: ${results.map((r) => f1(r.during.p99)).join(", ")} ms.
`);
