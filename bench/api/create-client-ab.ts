/**
 * A/B of the create load generators against one server:
 *   bun bench/api/create-client-ab.ts [rounds=3] [creates=10000]
 * Each round: ConfigMap creates at C=64 through Bun's fetch (this process, as api-bench.ts did) and
 * through bench/lib/https-create-client.ts (a child process, raw TLS sockets). Reports creates/s,
 * p50/p99, server CPU per create (main thread / process) and the client's CPU per create.
 */
import { readdirSync } from "node:fs";
import { Client, deadline, f0, f1, f2, machineLine, median, processCpuMs, runPool, schedStat, startLite, stats, tempDir, configMap } from "./lib.ts";

deadline(900);
/** CPU ms per thread name (/proc/<pid>/task/<tid>/stat utime+stime, 10 ms ticks). */
async function threadCpu(pid: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = await Bun.file(`/proc/${pid}/task/${tid}/stat`).text();
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) * 10);
    } catch { /* ended */ }
  }
  return out;
}
const threadRows: string[] = [];
const [rounds = 3, creates = 10_000] = process.argv.slice(2).map(Number);
const srv = await startLite();
const c = new Client(srv.url, srv.creds);
await c.ok("GET", "/version");
await Bun.sleep(2000);
const dir = tempDir("createab-");
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
    const cfgPath = `${dir}/cfg.json`;
    await Bun.write(cfgPath, JSON.stringify({ port: srv.port, ...srv.creds, path: "/api/v1/namespaces/default/configmaps", kind: "configmap", prefix: `r${r}`, total: creates, connections: 64, maxSeconds: 30 }));
    const s0 = await schedStat(srv.pid), p0 = await processCpuMs(srv.pid), t0 = await threadCpu(srv.pid);
    const proc = Bun.spawn(["bun", `${import.meta.dir}/../lib/https-create-client.ts`, cfgPath], { stdout: "pipe", stderr: "inherit" });
    const out = JSON.parse(await new Response(proc.stdout).text()) as { created: number; errors: number; firstError?: string; seconds: number; latenciesMs: number[]; cpuUsPerReq: number };
    const s1 = await schedStat(srv.pid), p1 = await processCpuMs(srv.pid), t1 = await threadCpu(srv.pid);
    threadRows.push(`round ${r + 1} µs/create by thread: ` + [...t1].map(([k, v]) => [k, (v - (t0.get(k) ?? 0)) * 1000 / Math.max(1, out.created)] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${f0(v)}`).join(", "));
    if (out.errors) console.error(`raw client: ${out.errors} errors, first: ${out.firstError}`);
    const n = out.created, st = stats(out.latenciesMs);
    rawRps.push(n / out.seconds);
    rows.push(`| ${r + 1} | raw TLS | ${f0(n / out.seconds)} | ${f1(st.p50)} | ${f1(st.p99)} | ${f2((s1.cpuMs - s0.cpuMs) / n)} / ${f2((p1 - p0) / n)} | ${f0(out.cpuUsPerReq)} |`);
  }
}
await srv.stop(true);
console.log(`${await machineLine()}\n\n| round | client | creates/s | p50 ms | p99 ms | server ms CPU/create (main / process) | client µs CPU/create |\n|---|---|---|---|---|---|---|\n${rows.join("\n")}\n\nmedian creates/s: fetch ${f0(median(fetchRps))}, raw TLS ${f0(median(rawRps))}\n\n${threadRows.join("\n")}`);
process.exit(0);
