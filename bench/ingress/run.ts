// Requests/s, p50/p99 and CPU per request straight to a backend vs through the traefik plugin's
// ingress proxy (the raw HTTP/1.1 listener, the default, and Bun.serve with the raw upstream pool, the earlier path), and
// through a byte relay without HTTP (the floor for a proxy on Bun sockets), on loopback: backend, proxies and client are
// separate processes. Runs each scenario ROUNDS times,
// alternating, and prints the medians (ratios and added p99 per round, then the median).
//   bun bench/ingress/run.ts [connections=32] [seconds=8] [rounds=3]
const [connArg = "32", secArg = "8", roundArg = "3"] = process.argv.slice(2);
const here = import.meta.dir;

async function spawnServer(args: string[]) {
  const proc = Bun.spawn(["bun", `${here}/servers.ts`, ...args], { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) text += new TextDecoder().decode((await reader.read()).value);
  return { proc, port: JSON.parse(text).port as number };
}
/** CPU time (ms, user+system) a process has used so far, from /proc (Linux). */
async function cpuMs(pid: number): Promise<number> {
  try {
    const f = (await Bun.file(`/proc/${pid}/stat`).text()).split(") ")[1]!.split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in USER_HZ = 100
  } catch { return NaN; }
}
type Result = { rps: number; p50Ms: number; p99Ms: number; errors: number; requests: number; clientCpuMs: number; cpuUsPerReq: Record<string, number> };
/** One load run against port; CPU per request of the client and of the given server processes (over the whole run, warm-up included, so per request it is an estimate). */
async function load(port: number, servers: Record<string, number>): Promise<Result> {
  const before = Object.fromEntries(await Promise.all(Object.entries(servers).map(async ([k, pid]) => [k, await cpuMs(pid)] as const)));
  const proc = Bun.spawn(["bun", `${here}/client.ts`, String(port), "bench.test", connArg, "2", secArg], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const r = JSON.parse(out) as Result;
  // Server CPU covers warm-up + measurement; scale the request count by the time share.
  const total = r.requests * (Number(secArg) + 2) / Number(secArg);
  r.cpuUsPerReq = { client: Math.round((r.clientCpuMs * 1000) / r.requests) };
  for (const [k, pid] of Object.entries(servers)) r.cpuUsPerReq[k] = Math.round(((await cpuMs(pid)) - before[k]!) * 1000 / total);
  return r;
}

const backend = await spawnServer(["backend"]);
const ingressRaw = await spawnServer(["ingress", String(backend.port), "raw"]);
const ingressServe = await spawnServer(["ingress", String(backend.port), "serve"]);
const relay = await spawnServer(["relay", String(backend.port)]);
type Scenario = "direct" | "ingress" | "ingressServe" | "relay";
const results: Record<Scenario, Result[]> = { direct: [], ingress: [], ingressServe: [], relay: [] };
console.log(JSON.stringify({ date: new Date().toISOString(), nproc: navigator.hardwareConcurrency, loadavg: (await Bun.file("/proc/loadavg").text()).trim(), bun: Bun.version }));
try {
  for (let r = 0; r < Number(roundArg); r++) {
    results.direct.push(await load(backend.port, { backend: backend.proc.pid }));
    results.ingress.push(await load(ingressRaw.port, { backend: backend.proc.pid, ingress: ingressRaw.proc.pid }));
    results.ingressServe.push(await load(ingressServe.port, { backend: backend.proc.pid, ingress: ingressServe.proc.pid }));
    results.relay.push(await load(relay.port, { backend: backend.proc.pid, relay: relay.proc.pid }));
    console.log(JSON.stringify({ round: r + 1, loadavg: (await Bun.file("/proc/loadavg").text()).split(" ")[0], direct: results.direct.at(-1), ingress: results.ingress.at(-1), ingressServe: results.ingressServe.at(-1), relay: results.relay.at(-1) }));
  }
} finally {
  ingressRaw.proc.kill();
  ingressServe.proc.kill();
  relay.proc.kill();
  backend.proc.kill();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const m = (k: Scenario) => ({
  rps: median(results[k].map((x) => x.rps)), p50Ms: median(results[k].map((x) => x.p50Ms)), p99Ms: median(results[k].map((x) => x.p99Ms)), errors: results[k].reduce((s, x) => s + x.errors, 0),
  cpuUsPerReq: Object.fromEntries(Object.keys(results[k][0]!.cpuUsPerReq).map((p) => [p, median(results[k].map((x) => x.cpuUsPerReq[p]!))])),
  /** Median over rounds of this scenario's req/s divided by the direct run of the same round. */
  ratioToDirect: median(results[k].map((x, j) => x.rps / results.direct[j]!.rps)),
  /** Median over rounds of p99 minus the same round's direct p99. */
  addedP99Ms: median(results[k].map((x, j) => x.p99Ms - results.direct[j]!.p99Ms)),
});
const round3 = (o: Record<string, unknown>) => JSON.parse(JSON.stringify(o, (_k, v) => typeof v === "number" ? Number(v.toFixed(3)) : v));
console.log(JSON.stringify(round3({ connections: Number(connArg), seconds: Number(secArg), rounds: Number(roundArg), direct: m("direct"), ingress: m("ingress"), ingressServe: m("ingressServe"), relay: m("relay") })));
