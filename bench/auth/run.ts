// Auth benchmark: GET /api/v1/namespaces/default/configmaps/x over HTTPS against the compiled
// `dist/lite server` (its full request path: TLS front, authentication, authorization as wired
// in the binary, filters, watch-cache read), with the admin client certificate versus a bearer
// token (a service-account token bound to cluster-admin), and a Bun.serve TLS server returning the
// same JSON without any authentication as the ceiling. The load generator runs in a child process.
//   bun run build && bun bench/auth/run.ts [--seconds 8] [--connections 32]
// Bounded (2 s warm-up + measurement per case), loopback only.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { kubectl, startServer } from "../../tests/harness/lite-process.ts";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "8" }, connections: { type: "string", default: "32" } } });
const seconds = Math.min(Number(values.seconds), 13);
const connections = Number(values.connections);
const PATH = "/api/v1/namespaces/default/configmaps/x";

interface Result { requests: number; errors: number; seconds: number; rps: number; p50Ms: number; p99Ms: number }

async function runClient(port: number, config: object, dir: string): Promise<Result> {
  const cfgPath = join(dir, `client-${crypto.randomUUID()}.json`);
  await Bun.write(cfgPath, JSON.stringify(config));
  const child = Bun.spawn(["bun", join(import.meta.dir, "../lib/tls-load-client.ts"), String(port), cfgPath, String(connections), "2", String(seconds)], { stdout: "pipe", stderr: "inherit" });
  const timer = setTimeout(() => child.kill(), (seconds + 15) * 1000);
  const out = await new Response(child.stdout).text();
  clearTimeout(timer);
  if ((await child.exited) !== 0) throw new Error(`client exited ${child.exitCode}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as Result;
}

const dir = await mkdtemp(join(tmpdir(), "lite-bench-auth-"));
const server = await startServer([]);
const results: Record<string, Result | string> = {};
try {
  const must = async (args: string[]) => {
    const r = await kubectl(server, args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };
  await must(["create", "configmap", "x", "--from-literal=k=v"]);
  const kc = Bun.YAML.parse(await Bun.file(server.kubeconfig).text()) as any;
  const b64 = (s: string) => Buffer.from(s, "base64").toString();
  const ca = b64(kc.clusters[0].cluster["certificate-authority-data"]);
  const port = Number(new URL(kc.clusters[0].cluster.server).port);
  const body = await must(["get", "--raw", PATH]);

  results["lite, x509 client certificate (system:admin)"] = await runClient(port, {
    path: PATH, ca, cert: b64(kc.users[0].user["client-certificate-data"]), key: b64(kc.users[0].user["client-key-data"]),
  }, dir);

  let token: string | undefined;
  try {
    await must(["create", "serviceaccount", "bench", "-n", "default"]);
    await must(["create", "clusterrolebinding", "bench-admin", "--clusterrole=cluster-admin", "--serviceaccount=default:bench"]);
    token = await must(["create", "token", "bench", "-n", "default", "--duration=1h"]);
  } catch (err) {
    results["lite, bearer token (service account)"] = `not measured: ${(err as Error).message.split("\n")[0]}`;
  }
  if (token) results["lite, bearer token (service-account JWT)"] = await runClient(port, { path: PATH, ca, token }, dir);

  const ceiling = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    tls: { cert: await Bun.file(join(server.dataDir, "server/tls/serving-kube-apiserver.crt")).text(), key: await Bun.file(join(server.dataDir, "server/tls/serving-kube-apiserver.key")).text() },
    fetch: () => new Response(body, { headers: { "content-type": "application/json" } }),
  });
  try {
    results["Bun.serve TLS, no authentication (ceiling)"] = await runClient(ceiling.port!, { path: PATH, ca }, dir);
  } finally {
    await ceiling.stop(true);
  }
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
console.log(`| setup | req/s | p50 ms | p99 ms | requests | non-2xx |`);
console.log(`|---|---:|---:|---:|---:|---:|`);
for (const [name, r] of Object.entries(results)) {
  console.log(typeof r === "string" ? `| ${name} | ${r} | | | | |` : `| ${name} | ${r.rps} | ${r.p50Ms} | ${r.p99Ms} | ${r.requests} | ${r.errors} |`);
}
