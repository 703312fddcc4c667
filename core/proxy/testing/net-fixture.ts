/**
 * Test and benchmark helper run inside a network namespace (`ip netns exec NS bun net-fixture.ts ...`):
 * - `serve PORT NAME`: TCP; answers every connection with "NAME <peer address>\n" and closes.
 *   `serve-udp PORT NAME`: the same per datagram. Prints "ready" once listening.
 * - `probe HOST PORT COUNT [TIMEOUT_MS]`: COUNT sequential TCP connections; prints a JSON array of
 *   `{ reply?, error?, ms }`.
 * - `sink PORT`: TCP; reads each connection to its end, then writes the byte count back.
 * - `send HOST PORT MIB`: sends MIB MiB, waits for the count; prints `{ bytes, ms, mibPerSec }`.
 * - `echo PORT`: TCP; writes back whatever it reads.
 * - `rtt HOST PORT COUNT`: one TCP connection, COUNT one-byte round trips, one at a time (Nagle
 *   off); prints `{ count, p50Us, p90Us, p99Us }` (the first 10 are warm-up, not counted).
 */
import { connect, createServer } from "node:net";
import { createSocket } from "node:dgram";

const [mode, ...args] = process.argv.slice(2);

if (mode === "serve") {
  const [port, name] = args;
  createServer((s) => { s.on("error", () => {}); s.end(`${name} ${s.remoteAddress?.replace("::ffff:", "")}\n`); })
    .listen(Number(port), "0.0.0.0", () => console.log("ready"));
} else if (mode === "serve-udp") {
  const [port, name] = args;
  const sock = createSocket("udp4");
  sock.on("message", (_m, r) => sock.send(`${name} ${r.address}\n`, r.port, r.address));
  sock.bind(Number(port), "0.0.0.0", () => console.log("ready"));
} else if (mode === "probe") {
  const [host, port, count, timeout] = args;
  const out: { reply?: string; error?: string; ms: number }[] = [];
  for (let i = 0; i < Number(count); i++) out.push(await probe(host!, Number(port), Number(timeout ?? 3000)));
  console.log(JSON.stringify(out));
} else if (mode === "sink") {
  createServer((s) => {
    let n = 0;
    s.on("data", (d) => { n += d.length; });
    s.on("end", () => s.end(`${n}\n`));
    s.on("error", () => {});
  }).listen(Number(args[0]), "0.0.0.0", () => console.log("ready"));
} else if (mode === "send") {
  const [host, port, mib] = args;
  const total = Number(mib) * 1024 * 1024;
  const chunk = Buffer.alloc(256 * 1024, 7);
  const t0 = performance.now();
  const s = connect(Number(port), host!);
  let sent = 0;
  let reply = "";
  const pump = () => {
    while (sent < total) {
      sent += chunk.length;
      if (!s.write(chunk)) return void s.once("drain", pump);
    }
    s.end();
  };
  s.on("connect", pump);
  s.on("data", (d) => { reply += d; });
  s.on("close", () => {
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ bytes: Number(reply.trim()), ms: Math.round(ms), mibPerSec: Math.round((Number(reply.trim()) / 1048576) / (ms / 1000)) }));
  });
  s.on("error", (e) => { console.log(JSON.stringify({ error: (e as NodeJS.ErrnoException).code ?? e.message })); process.exit(0); });
} else if (mode === "echo") {
  createServer((s) => { s.setNoDelay(true); s.on("data", (d) => s.write(d)); s.on("error", () => {}); })
    .listen(Number(args[0]), "0.0.0.0", () => console.log("ready"));
} else if (mode === "rtt") {
  const [host, port, count] = args;
  const n = Number(count ?? 1000);
  const s = connect(Number(port), host!);
  s.setNoDelay(true);
  const times: number[] = [];
  let t0 = 0;
  const ping = () => { t0 = performance.now(); s.write("x"); };
  s.on("connect", ping);
  s.on("data", () => {
    times.push((performance.now() - t0) * 1000);
    if (times.length < n + 10) return ping();
    const xs = times.slice(10).sort((a, b) => a - b);
    const at = (q: number) => Math.round(xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!);
    console.log(JSON.stringify({ count: xs.length, p50Us: at(0.5), p90Us: at(0.9), p99Us: at(0.99) }));
    s.destroy();
  });
  s.on("error", (e) => { console.log(JSON.stringify({ error: (e as NodeJS.ErrnoException).code ?? e.message })); process.exit(0); });
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}

function probe(host: string, port: number, timeoutMs: number): Promise<{ reply?: string; error?: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const s = connect(port, host);
    let data = "";
    const done = (r: { reply?: string; error?: string }) => { clearTimeout(timer); s.destroy(); resolve({ ...r, ms: Math.round(performance.now() - t0) }); };
    const timer = setTimeout(() => done({ error: "TIMEOUT" }), timeoutMs);
    s.on("data", (d) => { data += d; });
    s.on("end", () => done({ reply: data.trim() }));
    s.on("error", (e) => done({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
  });
}
