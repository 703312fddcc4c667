/**
 * Server CPU of N simulated nodes heartbeating, against dist/lite.
 *   bun bench/scheduler/heartbeat-cpu.ts [nodes=1000] [measureSeconds=60] [warmupSeconds=20]
 * The node simulator runs in a separate process (tests/sim/node-sim.ts: Lease renewals every 10 s,
 * Ready-condition node status every 5 minutes, as the kubelet's nodeStatusReportFrequency). After registration and a warm-up, the
 * server's utime+stime is read from /proc/<server pid>/stat over the measurement window and
 * reported as % of one core, and per thread name (`byThread`, from /proc/<pid>/task). An idle
 * baseline (no simulator) is measured first over 20 s.
 * HB_SERVER_ENV=K=V,K2=V2 adds environment variables to the server (e.g. MIMALLOC_PURGE_DELAY=10 for
 * the allocator default that lite server otherwise turns off, core/cli/allocator-environment.ts).
 */
import { readFileSync } from "node:fs";
import { CLK_TCK, threadTicks } from "../lib/thread-cpu.ts";
import { clusterCidrArgs } from "./cluster-cidr.ts";
import { startServer } from "../../tests/harness/lite-process.ts";

const [nodes = 1000, measureS = 60, warmupS = 20] = process.argv.slice(2).map(Number);

function cpuTicksSplit(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]), sys: Number(fields[12]) }; // utime, stime (fields 14, 15)
}
function cpuTicks(pid: number): number {
  const { user, sys } = cpuTicksSplit(pid);
  return user + sys;
}
/** % of one core over the window: user + system, and the system (kernel) part alone. */
async function corePercent(pid: number, seconds: number): Promise<{ total: number; sys: number }> {
  const t0 = cpuTicksSplit(pid), w0 = performance.now();
  await Bun.sleep(seconds * 1000);
  const t1 = cpuTicksSplit(pid), w1 = performance.now();
  const pct = (ticks: number) => +(((ticks / CLK_TCK) / ((w1 - w0) / 1000)) * 100).toFixed(2);
  return { total: pct(t1.user + t1.sys - t0.user - t0.sys), sys: pct(t1.sys - t0.sys) };
}
/** % of one core per thread name between two threadTicks readings (threads under 0.5 % left out). */
function threadPercents(before: Map<string, number>, after: Map<string, number>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, ticks] of [...after].sort((a, b) => b[1] - a[1])) {
    const pct = +((((ticks - (before.get(name) ?? 0)) / CLK_TCK) / seconds) * 100).toFixed(1);
    if (pct >= 0.5) out[name] = pct;
  }
  return out;
}
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const server = await startServer(clusterCidrArgs(nodes), process.env.HB_SERVER_ENV ? Object.fromEntries(process.env.HB_SERVER_ENV.split(",").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as [string, string])) : {});
const pid = server.proc.pid;
let sim: { pid: number; kill(signal?: number | NodeJS.Signals): void; exited: Promise<number> } | undefined;
try {
  await Bun.sleep(5000);
  const idle = await corePercent(pid, 20);
  const t0 = performance.now();
  const proc = Bun.spawn(["bun", `${import.meta.dir}/../../tests/sim/node-sim.ts`, "--kubeconfig", server.kubeconfig, "--nodes", String(nodes)], { stdout: "pipe", stderr: "inherit" });
  sim = proc;
  const reader = proc.stdout.getReader();
  let out = "";
  while (!out.includes("simulated nodes registered")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`simulator exited: ${out}`);
    out += new TextDecoder().decode(value);
  }
  const registerMs = Math.round(performance.now() - t0);
  (async () => { for (;;) { const { done } = await reader.read(); if (done) break; } })().catch(() => {});
  await Bun.sleep(warmupS * 1000);
  const load1 = loadavg();
  const threads0 = threadTicks(pid);
  const busy = await corePercent(pid, measureS);
  const byThread = threadPercents(threads0, threadTicks(pid), measureS);
  const simTicks = cpuTicks(proc.pid);
  console.log(JSON.stringify({
    nodes, registerMs, idleServerCorePercent: idle.total, heartbeatServerCorePercent: busy.total, heartbeatServerSystemPercent: busy.sys, byThread,
    measureSeconds: measureS, loadavgBefore: load1, loadavgAfter: loadavg(), simulatorCpuSecondsTotal: simTicks / CLK_TCK,
  }));
} finally {
  if (sim) { sim.kill("SIGTERM"); await sim.exited; }
  await server.stop();
}
