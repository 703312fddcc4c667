// TLS load generator shared by bench/tls-front and bench/auth, run as a child process:
//   bun bench/lib/tls-load-client.ts <port> <config.json> <connections> <warmup-s> <seconds>
// config.json: { path, ca, cert?, key?, token? } — PEM strings and an optional bearer token.
// N keep-alive TLS connections, one GET in flight per connection, back to back.
// Counts non-2xx answers. Prints one JSON line: { requests, errors, seconds, rps, p50Ms, p99Ms }.
import { connect, type TLSSocket } from "node:tls";

const [portArg, configPath, connArg = "32", warmArg = "2", secArg = "10"] = process.argv.slice(2);
if (!portArg || !configPath) throw new Error("usage: client.ts <port> <config.json> [connections] [warmup-s] [seconds]");
const port = Number(portArg);
const cfg = (await Bun.file(configPath).json()) as { path: string; ca: string; cert?: string; key?: string; token?: string };
const { ca, cert, key } = cfg;
const REQUEST = Buffer.from(`GET ${cfg.path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n${cfg.token ? `Authorization: Bearer ${cfg.token}\r\n` : ""}\r\n`);
let errors = 0;

const latencies: number[] = [];
let measuring = false;
let running = true;

function open(): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, ca, cert, key, servername: "localhost" }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Sends requests sequentially on one socket until `running` is false. */
async function loop(sock: TLSSocket): Promise<void> {
  let buf: Buffer = Buffer.alloc(0);
  let waiter: (() => void) | undefined;
  sock.on("data", (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    waiter?.();
  });
  while (running) {
    const t0 = performance.now();
    sock.write(REQUEST);
    for (;;) {
      const end = buf.indexOf("\r\n\r\n");
      if (end >= 0) {
        const m = /content-length:\s*(\d+)/i.exec(buf.subarray(0, end).toString("latin1"));
        if (!m) throw new Error("response without content-length");
        if (measuring && !/^HTTP\/1\.1 2/.test(buf.subarray(0, 12).toString("latin1"))) errors++;
        const total = end + 4 + Number(m[1]);
        if (buf.length >= total) {
          buf = buf.subarray(total);
          break;
        }
      }
      await new Promise<void>((r) => (waiter = r));
    }
    if (measuring) latencies.push(performance.now() - t0);
  }
  sock.destroy();
}

const sockets = await Promise.all(Array.from({ length: Number(connArg) }, open));
const loops = sockets.map(loop);
await Bun.sleep(Number(warmArg) * 1000);
measuring = true;
const start = performance.now();
await Bun.sleep(Number(secArg) * 1000);
measuring = false;
const seconds = (performance.now() - start) / 1000;
running = false;
await Promise.all(loops);

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
console.log(JSON.stringify({
  requests: latencies.length,
  errors,
  seconds: Number(seconds.toFixed(2)),
  rps: Math.round(latencies.length / seconds),
  p50Ms: Number(pct(50).toFixed(3)),
  p99Ms: Number(pct(99).toFixed(3)),
}));
