/**
 * A/B of the create load generators against one server:
 *   bun bench/api/create-client-ab.ts [rounds=3] [creates=10000]
 * Each round: ConfigMap creates at C=64 through Bun's fetch (this process, as api-bench.ts did) and
 * through bench/lib/https-create-client.ts (a child process, raw TLS sockets). Reports creates/s,
 * p50/p99, server CPU per create (main thread / process) and the client's CPU per create.
 */
import { Client, createLoad, deadline, f0, f1, f2, machineLine, median, processCpuMs, runPool, schedStat, startLite, stats, configMap } from "./lib.ts";
import { CLK_TCK, threadTicks } from "../lib/thread-cpu.ts";

deadline(900);
const threadRows: string[] = [];
const [rounds = 3, creates = 10_000] = process.argv.slice(2).map(Number);
const srv = await startLite();
const c = new Client(srv.url, srv.creds);
await c.ok("GET", "/version");
await Bun.sleep(2000);
const rows: string[] = [];
const fetchRps: number[] = [], rawRps: number[] = [];
for (let r = 0; r < rounds; r++) {
  {
    const s0 = await schedStat(srv.pid), p0 = await processCpuMs(srv.pid), c0 = process.cpuUsage();
    const run = await runPool(creates, 64, 30, async (i) => { await c.ok("POST", "/api/v1/namespaces/default/configmaps", configMap(`f${r}-${i}`)); });
    const s1 = await schedStat(srv.pid), p1 = await processCpuMs(srv.pid), cc = process.cpuUsage(c0);
    const n = run.latencies.length, st = stats(run.latencies);
    fetchRps.push(n / run.seconds);
    rows.push(`| ${r + 1} | fetch | ${f0(n / run.seconds)} | ${f1(st.p50)} | ${f1(st.p99)} | ${f2((s1.cpuMs - s0.cpuMs) / n)} / ${f2((p1 - p0) / n)} | ${f0((cc.user + cc.system) / n)} |`);
  }
  {
    const s0 = await schedStat(srv.pid), p0 = await processCpuMs(srv.pid), t0 = threadTicks(srv.pid);
    const out = await createLoad(srv, { path: "/api/v1/namespaces/default/configmaps", kind: "configmap", prefix: `r${r}`, total: creates, connections: 64, maxSeconds: 30 });
    const s1 = await schedStat(srv.pid), p1 = await processCpuMs(srv.pid), t1 = threadTicks(srv.pid);
    const usPerCreate = (ticks: number) => (ticks * 1e6) / CLK_TCK / Math.max(1, out.created);
    threadRows.push(`round ${r + 1} µs/create by thread: ` + [...t1].map(([k, v]) => [k, usPerCreate(v - (t0.get(k) ?? 0))] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${f0(v)}`).join(", "));
    const n = out.created, st = stats(out.latenciesMs);
    rawRps.push(n / out.seconds);
    rows.push(`| ${r + 1} | raw TLS | ${f0(n / out.seconds)} | ${f1(st.p50)} | ${f1(st.p99)} | ${f2((s1.cpuMs - s0.cpuMs) / n)} / ${f2((p1 - p0) / n)} | ${f0(out.cpuUsPerReq)} |`);
  }
}
await srv.stop(true);
console.log(`${await machineLine()}\n\n| round | client | creates/s | p50 ms | p99 ms | server ms CPU/create (main / process) | client µs CPU/create |\n|---|---|---|---|---|---|---|\n${rows.join("\n")}\n\nmedian creates/s: fetch ${f0(median(fetchRps))}, raw TLS ${f0(median(rawRps))}\n\n${threadRows.join("\n")}`);
process.exit(0);
