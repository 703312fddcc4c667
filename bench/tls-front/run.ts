// TLS front benchmark: req/s and latency through the node:tls front (x509
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
  const child = Bun.spawn(["bun", join(import.meta.dir, "client.ts"), String(port), tlsDir, String(connections), "2", String(seconds)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const timer = setTimeout(() => child.kill(), (seconds + 15) * 1000);
  const out = await new Response(child.stdout).text();
  clearTimeout(timer);
  if ((await child.exited) !== 0) throw new Error(`client exited ${child.exitCode}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as Result;
}

const dir = await mkdtemp(join(tmpdir(), "lite-bench-tls-"));
try {
  const tlsDir = join(dir, "tls");
  const pki = await ensureServerPKI(tlsDir, { nodeName: "bench", sans: { dns: [], ips: [] }, serviceIP: "10.43.0.1" });
  const results: Record<string, Result> = {};

  const front = await startHttpsFront({
    host: "127.0.0.1",
    port: 0,
    cert: pki.serving.certPem,
    key: pki.serving.keyPem,
    clientCA: pki.clientCA.authority.certPem,
    handler: (_req, client) => (client.kind === "verified" ? Response.json(VERSION) : new Response("unauthorized", { status: 401 })),
  });
  try {
    results["node:tls front -> Bun.serve"] = await runClient(front.port, tlsDir);
  } finally {
    await front.stop();
  }

  const direct = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: pki.serving.certPem, key: pki.serving.keyPem, ca: pki.clientCA.authority.certPem, requestCert: true, rejectUnauthorized: true },
    fetch: () => Response.json(VERSION),
  });
  try {
    results["Bun.serve TLS direct"] = await runClient(direct.port!, tlsDir);
  } finally {
    await direct.stop(true);
  }

  console.log(`| setup | req/s | p50 ms | p99 ms | requests |`);
  console.log(`|---|---:|---:|---:|---:|`);
  for (const [name, r] of Object.entries(results)) console.log(`| ${name} | ${r.rps} | ${r.p50Ms} | ${r.p99Ms} | ${r.requests} |`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
