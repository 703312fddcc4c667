/**
 * Watch fan-out over HTTPS: W watchers (spread over P client processes, watch-client.ts) on
 * ConfigMaps in one namespace while this process creates ConfigMaps at R per second for S
 * seconds. The writer notes when it sent each create and when the reply (after the durable commit)
 * arrived; the watchers note when each event arrived. The commit happens between send and reply,
 * so delivery latency is reported both ways: receipt - sent (an upper bound of commit -> receipt,
 * it includes the create's own commit) and receipt - reply (a lower bound; negative when the
 * event beat the reply). Checks that every watcher received every event, in order (checksum of
 * resourceVersions). Receipt times travel back in files (Float64Array per client process).
 *
 *   bun bench/api/watch-bench.ts [runs=3] [--watchers 1000] [--procs 4] [--rate 100] [--seconds 20]
 */
import { parseArgs } from "node:util";
import { Client, cleanup, createNamespace, deadline, f0, f1, f2, machineLine, median, schedStat, startLite, stats, track, type LiteServer } from "./lib.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { watchers: { type: "string", default: "1000" }, procs: { type: "string", default: "4" }, rate: { type: "string", default: "100" }, seconds: { type: "string", default: "20" } },
});
const runs = Number(positionals[0] ?? 3);
const W = Number(values.watchers);
const P = Number(values.procs);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const EVENTS = RATE * SECONDS;
deadline(runs * (SECONDS + 240));

interface ChildResult { minReceived: number; maxReceived: number; checksums: number[]; outOfOrder: number }
interface RunResult { p50: number; p99: number; max: number; ackP50: number; ackP99: number; missed: number; checksumOk: boolean; outOfOrder: number; writeP50: number; writeP99: number; achievedRate: number; serverCpuPct: number; clientCpuPct: number; waitShare: number; cpuUsPerDelivery: number; rssMiB: number }

const cpuTicks = async (pid: number) => {
  const stat = await Bun.file(`/proc/${pid}/stat`).text().catch(() => "");
  const f = stat.split(") ")[1]?.split(" ") ?? [];
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100/s); NaN once exited
};

async function oneRun(run: number): Promise<RunResult> {
  const srv: LiteServer = await startLite();
  try {
    const c = new Client(srv.url, srv.creds);
    await createNamespace(c, "watch");
    // Watches start at resourceVersion=0 (the current state, then changes): the seed object's ADDED
    // event is their first byte, which Bun's fetch needs before it resolves the response.
    await c.ok("POST", "/api/v1/namespaces/watch/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "seed" } });
    const rv = "0";
    const children = Array.from({ length: P }, (_, p) => {
      const n = Math.floor(W / P) + (p < W % P ? 1 : 0);
      const out = `${srv.dir}/receipts-${p}.bin`;
      const proc = track(Bun.spawn(["bun", `${import.meta.dir}/watch-client.ts`, srv.kubeconfig, "watch", String(n), rv, String(EVENTS), String(SECONDS + 150), out], { stdout: "pipe", stderr: "inherit" }));
      const lines: string[] = [];
      const ready = Promise.withResolvers<void>();
      const done = (async () => {
        const dec = new TextDecoder();
        let buf = "";
        for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
          buf += dec.decode(chunk, { stream: true });
          let nl: number;
          while ((nl = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line === "READY") ready.resolve();
            else lines.push(line);
          }
        }
        await proc.exited;
        if (proc.exitCode !== 0) ready.reject(new Error(`watch client exited ${proc.exitCode}`));
        return JSON.parse(lines.at(-1) ?? "null") as ChildResult;
      })();
      return { ready: ready.promise, done, out, pid: proc.pid };
    });
    await Promise.all(children.map((ch) => ch.ready));
    console.error(`run ${run}: ${W} watches open over ${P} processes; RSS ${f0((await srv.rssKiB()) / 1024)} MiB`);
    await Bun.sleep(1000);

    // The writer: one create every 1000/RATE ms, on schedule (not waiting for the previous one).
    const writeLat: number[] = [];
    const sentAt = new Float64Array(EVENTS).fill(NaN);
    const ackAt = new Float64Array(EVENTS).fill(NaN);
    let writerSum = 0;
    const cpu0 = await cpuTicks(srv.pid);
    const sched0 = await schedStat(srv.pid);
    const ccpu0 = await Promise.all(children.map((ch) => cpuTicks(ch.pid)));
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      inflight.push((async () => {
        const s = performance.now();
        sentAt[i] = performance.timeOrigin + s;
        const r = await c.ok("POST", "/api/v1/namespaces/watch/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `w-${i}` }, data: { sentAt: sentAt[i]!.toFixed(3) } });
        const e = performance.now();
        ackAt[i] = performance.timeOrigin + e;
        writeLat.push(e - s);
        writerSum = (writerSum + Number((JSON.parse(r.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion)) % 1_000_000_007;
      })());
    }
    await Promise.all(inflight);
    const elapsed = (performance.now() - t0) / 1000;
    const cpu1 = await cpuTicks(srv.pid);
    const sched1 = await schedStat(srv.pid);
    const ccpu1 = await Promise.all(children.map((ch) => cpuTicks(ch.pid)));
    const rssMiB = (await srv.rssKiB()) / 1024;
    const results = await Promise.all(children.map((ch) => ch.done));

    const fromSent: number[] = [];
    const fromAck: number[] = [];
    let missed = 0;
    for (const ch of children) {
      const receipts = new Float64Array(await Bun.file(ch.out).arrayBuffer());
      for (let k = 0; k < receipts.length; k++) {
        const t = receipts[k]!;
        const i = k % EVENTS;
        if (Number.isNaN(t)) { missed++; continue; }
        fromSent.push(t - sentAt[i]!);
        fromAck.push(t - ackAt[i]!);
      }
    }
    const d = stats(fromSent);
    const a = stats(fromAck);
    const w = stats(writeLat);
    const res: RunResult = {
      p50: d.p50, p99: d.p99, max: d.max, ackP50: a.p50, ackP99: a.p99,
      missed,
      checksumOk: results.every((r) => r.checksums.length === 1 && r.checksums[0] === writerSum),
      outOfOrder: results.reduce((a, r) => a + r.outOfOrder, 0),
      writeP50: w.p50, writeP99: w.p99, achievedRate: EVENTS / elapsed,
      serverCpuPct: (cpu1 - cpu0) / elapsed, clientCpuPct: ccpu1.reduce((x, v, k) => x + v - ccpu0[k]!, 0) / elapsed,
      waitShare: (sched1.waitMs - sched0.waitMs) / (elapsed * 1000),
      cpuUsPerDelivery: (1000 * (sched1.cpuMs - sched0.cpuMs)) / (W * EVENTS), rssMiB,
    };
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
const m = (f: (r: RunResult) => number) => median(results.map(f));
console.log(`### Watch fan-out over HTTPS (${runs} runs, medians)
${machine}

${W} watchers on ConfigMaps in one namespace, spread over ${P} client processes (${f0(W / P)} watches each, one TLS connection per watch); one writer creating ConfigMaps at ${RATE}/s for ${SECONDS} s (${EVENTS} events, ${W * EVENTS} deliveries per run).

| measure | goal | median |
|---|---|---|
| delivery latency p50, sent -> receipt (upper bound: includes the create's commit) | - | ${f2(m((r) => r.p50))} ms |
| delivery latency p99, sent -> receipt | < 20 ms | ${f2(m((r) => r.p99))} ms |
| delivery latency max, sent -> receipt | - | ${f1(m((r) => r.max))} ms |
| delivery latency p50 / p99, writer's reply -> receipt (lower bound) | - | ${f2(m((r) => r.ackP50))} / ${f2(m((r) => r.ackP99))} ms |
| missed deliveries (all runs) | 0 | ${results.reduce((a, r) => a + r.missed, 0)} |
| every watcher saw every revision in order (checksum) | yes | ${results.every((r) => r.checksumOk && r.outOfOrder === 0) ? "yes" : "NO"} |
| the writer's create latency p50 / p99 | - | ${f2(m((r) => r.writeP50))} / ${f2(m((r) => r.writeP99))} ms |
| achieved write rate | ${RATE}/s | ${f1(m((r) => r.achievedRate))}/s |
| server CPU during the run | - | ${f0(m((r) => r.serverCpuPct))} % of one core |
| watch client processes' CPU during the run (all ${P}) | - | ${f0(m((r) => r.clientCpuPct))} % of one core |
| server main-thread CPU per delivery (the writes' own work included) | - | ${f1(m((r) => r.cpuUsPerDelivery))} µs |
| share of the run the server's main thread waited for a CPU (other tenants) | - | ${f0(100 * m((r) => r.waitShare))} % |
| server RSS with the watches open | - | ${f0(m((r) => r.rssMiB))} MiB |

Per run p99: ${results.map((r) => f1(r.p99)).join(", ")} ms.
`);
