// Requests/s and p50/p99 straight to a backend vs through the traefik plugin's ingress proxy, on
// loopback: backend, proxy and client are separate processes. Runs each scenario ROUNDS times,
// alternating, and prints the medians.
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
async function load(port: number) {
  const proc = Bun.spawn(["bun", `${here}/client.ts`, String(port), "bench.test", connArg, "2", secArg], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  return JSON.parse(out) as { rps: number; p50Ms: number; p99Ms: number; errors: number };
}

const backend = await spawnServer(["backend"]);
const ingress = await spawnServer(["ingress", String(backend.port)]);
const results: Record<"direct" | "ingress", { rps: number; p50Ms: number; p99Ms: number; errors: number }[]> = { direct: [], ingress: [] };
try {
  for (let r = 0; r < Number(roundArg); r++) {
    results.direct.push(await load(backend.port));
    results.ingress.push(await load(ingress.port));
    console.log(JSON.stringify({ round: r + 1, direct: results.direct.at(-1), ingress: results.ingress.at(-1) }));
  }
} finally {
  ingress.proc.kill();
  backend.proc.kill();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const m = (k: "direct" | "ingress") => ({ rps: median(results[k].map((x) => x.rps)), p50Ms: median(results[k].map((x) => x.p50Ms)), p99Ms: median(results[k].map((x) => x.p99Ms)), errors: results[k].reduce((s, x) => s + x.errors, 0) });
const d = m("direct"), i = m("ingress");
console.log(JSON.stringify({ connections: Number(connArg), seconds: Number(secArg), direct: d, ingress: i, throughputRatio: Number((i.rps / d.rps).toFixed(3)), addedP99Ms: Number((i.p99Ms - d.p99Ms).toFixed(3)) }));
