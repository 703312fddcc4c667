// Create load generator, run as a child process so its CPU is its own:
//   bun bench/lib/https-create-client.ts <config.json>
// config.json: { port, ca, cert, key, path, kind: "configmap" | "pod", prefix, namespace?,
//   total, connections, maxSeconds, recordSentAt? }.
// `connections` keep-alive TLS connections (Bun.connect), one POST in flight on each, back to back,
// until `total` objects are created or `maxSeconds` pass. Each body names a fresh object
// (`<prefix>-<i>`). The response is framed (Content-Length or chunked) and its status checked;
// the body is not parsed. Prints one JSON line:
//   { created, errors, firstError?, seconds, latenciesMs: number[], cpuUsPerReq, sentAt? }
// (`sentAt[i]`: Date.now() when object i's request was written, with `recordSentAt`).
// This is a load generator, not an API client: the server does the same work it does for any
// client's POST; the generator only spends less CPU than Bun's fetch so the server, not the
// client, is what the benchmark measures on a 2-core machine.

interface Config {
  port: number; ca: string; cert: string; key: string; path: string;
  kind: "configmap" | "pod"; prefix: string; namespace?: string;
  total: number; connections: number; maxSeconds: number; recordSentAt?: boolean;
}

export {}; // a module: top-level await

const cfg = (await Bun.file(process.argv[2]!).json()) as Config;

function body(i: number): string {
  const name = `${cfg.prefix}-${i}`;
  if (cfg.kind === "pod") {
    return JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name, namespace: cfg.namespace },
      spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
    });
  }
  return JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "1" } });
}

function requestBytes(i: number): Uint8Array {
  const b = body(i);
  return Buffer.from(`POST ${cfg.path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`);
}

/** Returns the length of the complete response at the start of `buf`, or -1 if more bytes are needed. */
function responseLength(buf: Buffer): number {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return -1;
  const head = buf.subarray(0, end).toString("latin1");
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (cl) return buf.length >= end + 4 + Number(cl[1]) ? end + 4 + Number(cl[1]) : -1;
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(head)) throw new Error(`response without length: ${head}`);
  let at = end + 4;
  for (;;) {
    const lineEnd = buf.indexOf("\r\n", at);
    if (lineEnd < 0) return -1;
    const size = parseInt(buf.subarray(at, lineEnd).toString("latin1"), 16);
    at = lineEnd + 2 + size + 2;
    if (at > buf.length) return -1;
    if (size === 0) return at;
  }
}

let next = 0;
let created = 0;
let errors = 0;
let firstError: string | undefined;
const latencies: number[] = [];
const sentAt: number[] | undefined = cfg.recordSentAt ? [] : undefined;
const stopAt = performance.now() + cfg.maxSeconds * 1000;
const cpu0 = process.cpuUsage();
const t0 = performance.now();

async function connection(): Promise<void> {
  let buf = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let closed = false;
  let pending: Uint8Array | undefined; // bytes the socket did not take yet (written on drain)
  const handshake = Promise.withResolvers<void>();
  const flush = (s: { write(b: Uint8Array): number }) => {
    if (!pending) return;
    const n = s.write(pending);
    pending = n < pending.length ? pending.subarray(Math.max(0, n)) : undefined;
  };
  const socket = await Bun.connect({
    hostname: "127.0.0.1", port: cfg.port,
    tls: { ca: cfg.ca, cert: cfg.cert, key: cfg.key, serverName: "localhost" },
    socket: {
      handshake(_s, ok, err) { if (ok) handshake.resolve(); else handshake.reject(err); },
      data(_s, d) { buf = buf.length ? Buffer.concat([buf, d]) : Buffer.from(d); wake?.(); },
      drain(s) { flush(s); },
      close() { closed = true; wake?.(); handshake.reject(new Error("closed during the TLS handshake")); },
      error(_s, err) { closed = true; wake?.(); handshake.reject(err); },
    },
  });
  await handshake.promise;
  while (next < cfg.total && performance.now() < stopAt && !closed) {
    const i = next++;
    const sent = performance.now();
    if (sentAt) sentAt[i] = Date.now();
    pending = requestBytes(i);
    flush(socket);
    let len: number;
    while ((len = responseLength(buf)) < 0) {
      if (closed) throw new Error("connection closed by the server");
      await new Promise<void>((r) => { wake = r; });
    }
    const status = Number(buf.subarray(9, 12).toString("latin1"));
    if (status >= 200 && status < 300) { created++; latencies.push(performance.now() - sent); }
    else { errors++; firstError ??= buf.subarray(0, Math.min(len, 400)).toString(); }
    buf = buf.subarray(len);
  }
  socket.end();
}

await Promise.all(Array.from({ length: cfg.connections }, connection));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  created, errors, firstError, seconds, latenciesMs: latencies,
  cpuUsPerReq: (cpu.user + cpu.system) / Math.max(1, created + errors), sentAt,
}));
