// DNS benchmark: queries per second and latency of the coredns plugin's DNS server over UDP on
// loopback. The server (bench/dns/server.ts) runs in a child process; this process is the load
// generator: `--sockets` UDP sockets keeping `--concurrency` queries in flight in total, each answer
// immediately followed by the next query. Per scenario: `--warmup` s, then `--seconds` s measured.
//   bun bench/dns/qps.ts [--seconds 5] [--warmup 1] [--concurrency 64] [--sockets 4] [--runs 3]
// Scenarios: a cluster Service name (A), a search-path expansion (NXDOMAIN), a forwarded name
// answered from the cache (the upstream is a test server on 127.0.0.1, asked once).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { RRType } from "../../plugins/coredns/dns/constants.ts";
import { queryBytes } from "../../plugins/coredns/testing/dns-client.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" }, warmup: { type: "string", default: "1" },
    concurrency: { type: "string", default: "64" }, sockets: { type: "string", default: "4" }, runs: { type: "string", default: "3" },
  },
});
const seconds = Number(values.seconds), warmup = Number(values.warmup), runs = Number(values.runs);
const concurrency = Number(values.concurrency), socketCount = Number(values.sockets);

const SCENARIOS = [
  { name: "cluster name (web.default.svc.cluster.local A)", qname: "web.default.svc.cluster.local", type: RRType.A },
  { name: "search-path NXDOMAIN (web.default.svc.cluster.local.default.svc.cluster.local A)", qname: "web.default.svc.cluster.local.default.svc.cluster.local", type: RRType.A },
  { name: "forwarded name, cache hit (www.example.test A)", qname: "www.example.test", type: RRType.A },
  // Every query a new name (1,000,000 in turn): no prepared answer, the full decode-resolve-encode path.
  { name: "distinct pod names, no prepared answer (10-1xx-1xx-1xx.default.pod.cluster.local A)", qname: "10-100-100-100.default.pod.cluster.local", type: RRType.A, vary: true },
];

/** Rewrites the three last octets of the pod name's first label (fixed width: 100-199 each). */
function varyName(q: Uint8Array, n: number): void {
  const octets = [n % 100, Math.floor(n / 100) % 100, Math.floor(n / 10000) % 100];
  for (let i = 0; i < 3; i++) {
    const at = 13 + 3 + i * 4 + 1; // after the length byte, "10-", then "1dd-" per octet
    q[at] = 48 + Math.floor(octets[i]! / 10);
    q[at + 1] = 48 + (octets[i]! % 10);
  }
}

interface Result { qps: number; p50Ms: number; p99Ms: number; answered: number; errors: number; serverCpuUsPerQuery: number }

/** CPU seconds (user + system) the process has used so far, from /proc (Linux; clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(port: number, serverPid: number, qname: string, type: number, warmupS: number, measureS: number, vary = false): Promise<Result> {
  let counter = 0;
  const template = queryBytes(qname, type, { id: 0 });
  let measuring = false, stopped = false;
  let answered = 0, errors = 0;
  const latencies: number[] = [];
  const perSocket = Math.ceil(concurrency / socketCount);
  const sockets = await Promise.all(Array.from({ length: socketCount }, async () => {
    const sent = new Float64Array(65536);
    let nextId = 0;
    const counts = { received: 0, lastSeen: 0 };
    const send = (s: { send(d: Uint8Array, p: number, h: string): boolean }) => {
      const q = template.slice();
      const id = nextId = (nextId + 1) & 0xffff;
      q[0] = id >> 8; q[1] = id & 0xff;
      if (vary) varyName(q, counter++);
      sent[id] = performance.now();
      s.send(q, port, "127.0.0.1");
    };
    const sock = await Bun.udpSocket({
      hostname: "127.0.0.1", port: 0, binaryType: "uint8array",
      socket: {
        data(s, d) {
          const id = (d[0]! << 8) | d[1]!;
          counts.received++;
          if (measuring) {
            latencies.push(performance.now() - sent[id]!);
            answered++;
            if ((d[3]! & 0x0f) === 2) errors++;
          }
          if (!stopped) send(s);
        },
        error() { errors++; },
      },
    });
    const start = () => { for (let i = 0; i < perSocket; i++) send(sock); };
    /** A socket that got nothing for a whole tick lost its window (dropped datagrams): refill it. */
    const check = () => {
      if (counts.received === counts.lastSeen && !stopped) start();
      counts.lastSeen = counts.received;
    };
    return { sock, start, check };
  }));
  for (const s of sockets) s.start();
  const topUp = setInterval(() => { for (const s of sockets) s.check(); }, 500);
  await Bun.sleep(warmupS * 1000);
  measuring = true;
  const t0 = performance.now();
  const cpu0 = cpuSeconds(serverPid);
  await Bun.sleep(measureS * 1000);
  measuring = false;
  const cpu = cpuSeconds(serverPid) - cpu0;
  const elapsed = (performance.now() - t0) / 1000;
  stopped = true;
  clearInterval(topUp);
  await Bun.sleep(50);
  for (const s of sockets) s.sock.close();
  latencies.sort((x, y) => x - y);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { qps: Math.round(answered / elapsed), p50Ms: round(q(0.5)), p99Ms: round(q(0.99)), answered, errors, serverCpuUsPerQuery: Math.round((cpu / answered) * 1e7) / 10 };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const server = Bun.spawn(["bun", `${import.meta.dir}/server.ts`], { stdout: "pipe", stderr: "inherit" });
const reader = server.stdout.getReader();
const first = new TextDecoder().decode((await reader.read()).value);
const port = (JSON.parse(first.trim().split("\n")[0]!) as { port: number }).port;
try {
  const all: Record<string, Result[]> = {};
  for (let r = 0; r < runs; r++) {
    for (const s of SCENARIOS) {
      const res = await measure(port, server.pid, s.qname, s.type, warmup, seconds, "vary" in s && s.vary);
      (all[s.name] ??= []).push(res);
      console.error(`run ${r + 1} ${s.name}: ${res.qps} qps, p50 ${res.p50Ms} ms, p99 ${res.p99Ms} ms, server CPU ${res.serverCpuUsPerQuery} µs/query, errors ${res.errors}`);
    }
  }
  console.log("| scenario | qps (median) | p50 ms | p99 ms | server CPU µs/query | runs (qps) |");
  console.log("|---|---:|---:|---:|---:|---|");
  for (const s of SCENARIOS) {
    const rs = all[s.name]!;
    console.log(`| ${s.name} | ${Math.round(median(rs.map((x) => x.qps)))} | ${median(rs.map((x) => x.p50Ms))} | ${median(rs.map((x) => x.p99Ms))} | ${median(rs.map((x) => x.serverCpuUsPerQuery))} | ${rs.map((x) => x.qps).join(", ")} |`);
  }
} finally {
  server.kill("SIGTERM");
  await server.exited;
}
