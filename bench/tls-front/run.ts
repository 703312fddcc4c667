// TLS front benchmark: req/s and latency through the HTTPS front (x509
// identity + loopback relay to Bun.serve) versus Bun.serve terminating TLS
// itself. The server runs in this process, the load generator in a child.
//   bun bench/tls-front/run.ts [--seconds 10] [--connections 32]
// Runs are bounded (warm-up 2 s + measurement, default 10 s), loopback only.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureServerPKI } from "../../core/pki/index.ts";
import { startHttpsFront } from "../../core/apiserver/transport/index.ts";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "10" }, connections: { type: "string", default: "32" } } });
const seconds = Math.min(Number(values.seconds), 13);
const connections = Number(values.connections);
const VERSION = { major: "1", minor: "32", gitVersion: "v1.32.4+lite1", platform: "linux/amd64" };

interface Result { requests: number; seconds: number; rps: number; p50Ms: number; p99Ms: number }

async function runClient(port: number, tlsDir: string): Promise<Result> {
  const read = (name: string) => Bun.file(join(tlsDir, name)).text();
  const cfgPath = join(tlsDir, "load-client.json");
  await Bun.write(cfgPath, JSON.stringify({ path: "/version", ca: await read("server-ca.crt"), cert: await read("client-admin.crt"), key: await read("client-admin.key") }));
  const child = Bun.spawn(["bun", join(import.meta.dir, "../lib/tls-load-client.ts"), String(port), cfgPath, String(connections), "2", String(seconds)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const timer = setTimeout(() => child.kill(), (seconds + 15) * 1000);
  const out = await new Response(child.stdout).text();
  clearTimeout(timer);
  if ((await child.exited) !== 0) throw new Error(`client exited ${child.exitCode}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as Result;
}

/** Main-thread (schedstat) and whole-process (/proc/self/stat utime+stime) CPU ms of this process. */
async function cpuMs(): Promise<{ main: number; process: number }> {
  const sched = (await Bun.file(`/proc/self/task/${process.pid}/schedstat`).text()).split(" ");
  const stat = (await Bun.file("/proc/self/stat").text()).split(") ")[1]!.split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]); // utime, stime (fields 14, 15)
  return { main: Number(sched[0]) / 1e6, process: (ticks * 1000) / 100 };
}

/** Runs one client pass and adds server CPU per request (warm-up included at the measured rate). */
async function measured(run: () => Promise<Result>): Promise<Result & { mainUs: number; processUs: number }> {
  const a = await cpuMs();
  const r = await run();
  const b = await cpuMs();
  const total = r.requests * ((r.seconds + 2) / r.seconds); // 2 s warm-up at about the same rate
  return { ...r, mainUs: ((b.main - a.main) * 1000) / total, processUs: ((b.process - a.process) * 1000) / total };
}

const dir = await mkdtemp(join(tmpdir(), "lite-bench-tls-"));
try {
  const tlsDir = join(dir, "tls");
  const pki = await ensureServerPKI(tlsDir, { nodeName: "bench", sans: { dns: [], ips: [] }, serviceIP: "10.43.0.1" });
  const results: Record<string, Result & { mainUs: number; processUs: number }> = {};

  for (const inline of [false, true]) {
    const front = await startHttpsFront({
      host: "127.0.0.1",
      port: 0,
      cert: pki.serving.certPem,
      key: pki.serving.keyPem,
      clientCA: pki.clientCA.authority.certPem,
      inline,
      handler: (_req, client) => (client.kind === "verified" ? Response.json(VERSION) : new Response("unauthorized", { status: 401 })),
    });
    try {
      results[inline ? "TLS front on the main thread -> Bun.serve" : "TLS front in a Worker -> Bun.serve"] = await measured(() => runClient(front.port, tlsDir));
    } finally {
      await front.stop();
    }
  }

  const direct = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: pki.serving.certPem, key: pki.serving.keyPem, ca: pki.clientCA.authority.certPem, requestCert: true, rejectUnauthorized: true },
    fetch: () => Response.json(VERSION),
  });
  try {
    results["Bun.serve TLS direct"] = await measured(() => runClient(direct.port!, tlsDir));
  } finally {
    await direct.stop(true);
  }

  const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
  console.log(`${new Date().toISOString()}; load avg at end ${load}; CPU per request counts warm-up requests too (estimated at the measured rate)`);
  console.log(`| setup | req/s | p50 ms | p99 ms | requests | main-thread CPU µs/req | process CPU µs/req |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|`);
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${r.rps} | ${r.p50Ms} | ${r.p99Ms} | ${r.requests} | ${r.mainUs.toFixed(1)} | ${r.processUs.toFixed(1)} |`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
