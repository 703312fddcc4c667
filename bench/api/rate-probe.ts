/**
 * Server CPU per request at a low, steady rate (as heartbeats arrive): GET of a Lease, PUT of the
 * same Lease with a new renewTime, and GET /healthz, each at R requests/s for S seconds from this
 * process over HTTPS (admin client certificate, one keep-alive connection), against `dist/lite
 * server --disable-agent`. Prints main-thread and whole-process CPU per request for each.
 *
 *   bun bench/api/rate-probe.ts [rate=100] [seconds=20] [only=<scenario substring>]
 * Rate 0 sends back to back (for a CPU profile: `LITE_BIN=<wrapper running bun --cpu-prof-md core/main.ts>`).
 */
import { Client, cleanup, processCpuMs, processEvents, schedStat, startLite } from "./lib.ts";

const rate = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 20);
const only = process.argv[4];
const srv = await startLite();
try {
  const c = new Client(srv.url, srv.creds);
  await c.ok("GET", "/version");
  const path = "/apis/coordination.k8s.io/v1/namespaces/default/leases/probe";
  const lease = (rv?: string) => ({
    apiVersion: "coordination.k8s.io/v1", kind: "Lease",
    metadata: { name: "probe", namespace: "default", ...(rv ? { resourceVersion: rv } : {}) },
    spec: { holderIdentity: "probe", leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace("Z", "000Z") },
  });
  let rv = JSON.parse((await c.ok("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", lease())).body).metadata.resourceVersion as string;
  await Bun.sleep(3000);
  const scenarios: Record<string, () => Promise<void>> = {
    healthz: async () => { await c.ok("GET", "/healthz"); },
    "GET lease": async () => { await c.ok("GET", path); },
    "PUT lease": async () => { rv = JSON.parse((await c.ok("PUT", path, lease(rv))).body).metadata.resourceVersion; },
  };
  const rows: string[] = [];
  for (const [name, op] of Object.entries(scenarios)) {
    if (only && !name.includes(only)) continue;
    for (let i = 0; i < 50; i++) await op(); // warm
    await Bun.sleep(1000);
    const [m0, p0, e0] = [await schedStat(srv.pid), await processCpuMs(srv.pid), await processEvents(srv.pid)];
    const t0 = performance.now();
    let n = 0;
    for (; rate ? n < rate * seconds : performance.now() - t0 < seconds * 1000; n++) {
      await op();
      if (!rate) continue;
      const wait = t0 + ((n + 1) * 1000) / rate - performance.now();
      if (wait > 0) await Bun.sleep(wait);
    }
    const [m1, p1, e1] = [await schedStat(srv.pid), await processCpuMs(srv.pid), await processEvents(srv.pid)];
    const per = (a: number, b: number) => ((b - a) / n).toFixed(1);
    rows.push(`| ${name} | ${rate ? rate : Math.round(n / seconds)}/s${rate ? "" : " (back to back)"} | ${(((m1.cpuMs - m0.cpuMs) / n) * 1000).toFixed(0)} | ${(((p1 - p0) / n) * 1000).toFixed(0)} | ${per(e0.minorFaults, e1.minorFaults)} | ${per(e0.contextSwitches, e1.contextSwitches)} |`);
  }
  console.log("| request | rate | main thread µs/request | process µs/request | minor faults/request | context switches/request |\n|---|---|---:|---:|---:|---:|");
  console.log(rows.join("\n"));
} finally {
  await srv.stop(true);
  cleanup();
}
