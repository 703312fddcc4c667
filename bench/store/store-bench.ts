/**
 * In-process benchmark of the SQLite store (no HTTP): `bun bench/store/store-bench.ts [runs]`.
 * Each run uses a fresh database in a temp dir; figures are medians over the runs.
 * Results are recorded in RESULTS.md beside this file.
 */
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../core/store/sqlite.ts";
import type { Store } from "../../core/store/types.ts";

const RUNS = Number(process.argv[2] ?? 3);
const VALUE = JSON.stringify({ kind: "ConfigMap", apiVersion: "v1", data: { blob: "x".repeat(900) } });

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface WriteFigures { opsPerSec: number; p50: number; p99: number }

/** `total` creates with `concurrency` in flight; latency per create in ms. */
async function creates(store: Store, prefix: string, total: number, concurrency: number): Promise<WriteFigures> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const t = performance.now();
      await store.create(`${prefix}${i}`, VALUE);
      lat.push(performance.now() - t);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { opsPerSec: total / secs, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function withStore<T>(fn: (s: Store) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "lite-bench-"));
  const store = await openSqliteStore(join(dir, "state.db"), { compactor: false });
  try {
    return await fn(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Gaps between turns of the event loop (ms): how long commits keep the main thread busy. */
function loopMonitor(): { stop(): number[] } {
  const gaps: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => { const now = performance.now(); gaps.push(now - last); last = now; }, 0);
  return { stop: () => { clearInterval(timer); return gaps.sort((a, b) => a - b); } };
}

interface RunFigures {
  c1: WriteFigures;
  c64: WriteFigures;
  loopP50: number;
  loopP99: number;
  getP50: number;
  getP99: number;
  list3k: number;
  list30k: number;
  list30kPaged: number;
  compactRows: number;
  compactMs: number;
  duringCompaction: WriteFigures;
  baselineP99: number;
}

async function run(): Promise<RunFigures> {
  return withStore(async (s) => {
    const c1 = await creates(s, "/c1/", 2000, 1);
    const stalls = loopMonitor();
    const c64 = await creates(s, "/c64/", 20000, 64);
    const loopGaps = stalls.stop();

    const getLat: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const key = `/c64/${Math.floor(Math.random() * 20000)}`;
      const t = performance.now();
      await s.get(key);
      getLat.push(performance.now() - t);
    }
    getLat.sort((a, b) => a - b);

    await creates(s, "/l3k/", 3000, 64);
    await creates(s, "/l30k/", 30000, 64);
    const timeIt = async (fn: () => Promise<unknown>): Promise<number> => {
      const xs: number[] = [];
      for (let i = 0; i < 5; i++) { const t = performance.now(); await fn(); xs.push(performance.now() - t); }
      return median(xs);
    };
    const list3k = await timeIt(async () => { if ((await s.list("/l3k/")).kvs.length !== 3000) throw new Error("list3k"); });
    const list30k = await timeIt(async () => { if ((await s.list("/l30k/")).kvs.length !== 30000) throw new Error("list30k"); });
    const list30kPaged = await timeIt(async () => {
      let n = 0, startKey: string | undefined, more = true;
      const rev = s.currentRevision();
      while (more) {
        const page = await s.list("/l30k/", { limit: 500, startKey, revision: rev });
        n += page.kvs.length; more = page.more;
        startKey = page.kvs.length ? `${page.kvs[page.kvs.length - 1]!.key}\u0000` : undefined;
      }
      if (n !== 30000) throw new Error(`paged ${n}`);
    });

    // History to compact: 10,000 keys updated 10 times each = 100,000 superseded rows.
    const keys = Array.from({ length: 10000 }, (_, i) => `/h/${i}`);
    const revs = new Map<string, number>();
    await Promise.all(Array.from({ length: 64 }, async (_, w) => {
      for (let i = w; i < keys.length; i += 64) revs.set(keys[i]!, (await s.create(keys[i]!, VALUE)).modRevision);
    }));
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 64 }, async (_, w) => {
        for (let i = w; i < keys.length; i += 64) {
          const k = keys[i]!;
          revs.set(k, (await s.update(k, VALUE, revs.get(k)!)).modRevision);
        }
      }));
    }
    const baseline = await creates(s, "/base/", 5000, 16);
    // Writes at concurrency 16 for as long as compaction runs.
    let compacting = true;
    const lat: number[] = [];
    let n = 0;
    const t0 = performance.now();
    const load = Promise.all(Array.from({ length: 16 }, async () => {
      while (compacting) {
        const t = performance.now();
        await s.create(`/during/${n++}`, VALUE);
        lat.push(performance.now() - t);
      }
    }));
    const tc = performance.now();
    const compactRows = await s.compact(s.currentRevision());
    const compactMs = performance.now() - tc;
    compacting = false;
    await load;
    lat.sort((a, b) => a - b);
    const duringCompaction = { opsPerSec: n / ((performance.now() - t0) / 1000), p50: percentile(lat, 50), p99: percentile(lat, 99) };
    return {
      c1, c64, loopP50: percentile(loopGaps, 50), loopP99: percentile(loopGaps, 99), getP50: percentile(getLat, 50), getP99: percentile(getLat, 99),
      list3k, list30k, list30kPaged, compactRows, compactMs, duringCompaction, baselineP99: baseline.p99,
    };
  });
}

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "?";
  const nproc = execSync("nproc").toString().trim();
  const kernel = execSync("uname -r").toString().trim();
  return `nproc ${nproc}, kernel ${kernel}, CPU ${cpu}, Bun ${Bun.version}, ${new Date().toISOString()}`;
}

const runs: RunFigures[] = [];
for (let i = 0; i < RUNS; i++) {
  runs.push(await run());
  console.error(`run ${i + 1}/${RUNS} done`);
}
const m = (f: (r: RunFigures) => number): string => {
  const v = median(runs.map(f));
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
};
console.log(`machine: ${machine()}`);
console.log(`runs: ${RUNS} (medians), value size ${VALUE.length} bytes, WAL, every acknowledged write synced to disk first`);
console.log("| scenario | figure |");
console.log("|---|---|");
console.log(`| durable creates, concurrency 1 | ${m((r) => r.c1.opsPerSec)} ops/s, p50 ${m((r) => r.c1.p50)} ms, p99 ${m((r) => r.c1.p99)} ms |`);
console.log(`| durable creates, concurrency 64 | ${m((r) => r.c64.opsPerSec)} ops/s, p50 ${m((r) => r.c64.p50)} ms, p99 ${m((r) => r.c64.p99)} ms |`);
console.log(`| event-loop turn during the concurrency-64 run | p50 ${m((r) => r.loopP50)} ms, p99 ${m((r) => r.loopP99)} ms |`);
console.log(`| get (current revision, 20k keys) | p50 ${m((r) => r.getP50)} ms, p99 ${m((r) => r.getP99)} ms |`);
console.log(`| list 3,000 keys | ${m((r) => r.list3k)} ms |`);
console.log(`| list 30,000 keys | ${m((r) => r.list30k)} ms |`);
console.log(`| list 30,000 keys in pages of 500 | ${m((r) => r.list30kPaged)} ms total |`);
console.log(`| compaction of ${m((r) => r.compactRows)} rows | ${m((r) => r.compactMs)} ms |`);
console.log(`| creates (conc. 16) during compaction | ${m((r) => r.duringCompaction.opsPerSec)} ops/s, p50 ${m((r) => r.duringCompaction.p50)} ms, p99 ${m((r) => r.duringCompaction.p99)} ms (p99 without compaction: ${m((r) => r.baselineP99)} ms) |`);
