// HTTP/1.1 load client: N keep-alive connections, one GET in flight per connection, back to back.
//   bun bench/ingress/client.ts <port> <host-header> <connections> <warmup-s> <seconds>
// Prints one JSON line: { requests, errors, seconds, rps, p50Ms, p99Ms, clientCpuMs }.
import { connect, type Socket } from "node:net";

const [portArg, host = "bench.test", connArg = "32", warmArg = "2", secArg = "10"] = process.argv.slice(2);
const port = Number(portArg);
const REQUEST = Buffer.from(`GET /hello HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: lite-bench\r\n\r\n`);
const latencies: number[] = [];
let measuring = false, running = true, errors = 0;

/** Length of one complete response at the start of buf, or -1 if incomplete. */
function complete(buf: Buffer): number {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return -1;
  const head = buf.subarray(0, end).toString("latin1").toLowerCase();
  if (!head.startsWith("http/1.1 2")) errors++;
  const cl = /content-length:\s*(\d+)/.exec(head);
  if (cl) return buf.length >= end + 4 + Number(cl[1]) ? end + 4 + Number(cl[1]) : -1;
  const term = buf.indexOf("0\r\n\r\n", end + 4);
  return term < 0 ? -1 : term + 5;
}

async function loop(sock: Socket) {
  let buf: Buffer = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  sock.on("data", (d: Buffer) => { buf = buf.length ? Buffer.concat([buf, d]) : d; wake?.(); });
  while (running) {
    const t0 = performance.now();
    sock.write(REQUEST);
    for (;;) {
      const n = complete(buf);
      if (n >= 0) { buf = buf.subarray(n); break; }
      await new Promise<void>((r) => (wake = r));
    }
    if (measuring) latencies.push(performance.now() - t0);
  }
  sock.destroy();
}

const socks = await Promise.all(Array.from({ length: Number(connArg) }, () => new Promise<Socket>((res, rej) => {
  const s = connect({ host: "127.0.0.1", port }, () => { s.setNoDelay(true); res(s); });
  s.once("error", rej);
})));
const loops = socks.map(loop);
await Bun.sleep(Number(warmArg) * 1000);
measuring = true;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Bun.sleep(Number(secArg) * 1000);
measuring = false;
const cpu = process.cpuUsage(cpu0);
const seconds = (performance.now() - t0) / 1000;
running = false;
await Promise.race([Promise.all(loops), Bun.sleep(500)]);
latencies.sort((a, b) => a - b);
const q = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(3));
console.log(JSON.stringify({ requests: latencies.length, errors, seconds: Number(seconds.toFixed(2)), rps: Math.round(latencies.length / seconds), p50Ms: q(0.5), p99Ms: q(0.99), clientCpuMs: Math.round((cpu.user + cpu.system) / 1000) }));
process.exit(0);
