/**
 * Watcher process for watch-bench.ts (not run by hand):
 *   bun bench/api/watch-client.ts <kubeconfig> <namespace> <watches> <resourceVersion> <expected-events> <max-seconds> <out-file>
 *
 * Opens `watches` watches on ConfigMaps in `namespace` from `resourceVersion` (one TLS connection
 * each, admin client certificate, raw HTTP/1.1 on Bun's native sockets), prints `READY` once every
 * watch has answered 200, then records, for every ADDED event of an object named `w-<i>`, the
 * receipt time (epoch ms with a fraction, `performance.timeOrigin + performance.now()`) at
 * [watch * expected + i] of a Float64Array written to `out-file` at the end (NaN = never received).
 * Ends when every watch has seen `expected-events` events (or at the time limit) and prints one JSON
 * line: events per watch (min/max), the distinct checksums of the resourceVersions each watch
 * received, and how many arrived out of order.
 *
 * The body is decoded as HTTP/1.1 chunked framing (chunks may split or join anywhere) and every
 * event line is read: its type, object name and resourceVersion. Raw sockets rather than `fetch`:
 * the 4 client processes share the server's 2 cores, and fetch's per-chunk stream machinery cost
 * them 114 % of a core at ~80,000 deliveries/s (bench/api/RESULTS.md).
 */
import { readKubeconfig } from "./lib.ts";

const [kcPath, ns, nArg, rvArg, expArg, maxArg, outFile] = process.argv.slice(2);
if (!kcPath || !ns || !nArg || !rvArg || !expArg || !maxArg || !outFile) throw new Error("usage: watch-client.ts <kubeconfig> <ns> <watches> <rv> <expected> <max-seconds> <out-file>");
const watches = Number(nArg);
const expected = Number(expArg);
const { server, creds } = await readKubeconfig(kcPath);
const receipts = new Float64Array(watches * expected).fill(NaN);
const now = () => performance.timeOrigin + performance.now();
const received = new Array<number>(watches).fill(0);
const checksum = new Array<number>(watches).fill(0);
const outOfOrder = new Array<number>(watches).fill(0);
let finished = 0;
const allDone = Promise.withResolvers<void>();
const hardStop = setTimeout(() => allDone.resolve(), Number(maxArg) * 1000);

const NAME = /"name":"w-(\d+)"/;
const RV = /"resourceVersion":"(\d+)"/;

const url = new URL(server);
const request = `GET /api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${rvArg}&allowWatchBookmarks=false HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nUser-Agent: watch-bench\r\n\r\n`;
const sockets: { end(): void }[] = [];

/** One watch: its socket, the HTTP head, then chunked body bytes decoded into event lines. */
async function watch(i: number, ready: () => void): Promise<void> {
  let raw = ""; // undecoded bytes (latin1: one char per byte, so chunk sizes count chars)
  let body = ""; // decoded body not yet split into lines
  let headDone = false;
  let need = -1; // bytes left in the current chunk (-1: a size line comes next)
  let lastRv = 0;
  const line = (l: string, t: number) => {
    if (!l.startsWith('{"type":"ADDED"') || !l.includes('"name":"w-')) return;
    const n = Number(NAME.exec(l)?.[1]);
    const rv = Number(RV.exec(l)?.[1]);
    if (rv <= lastRv) outOfOrder[i]!++;
    lastRv = rv;
    checksum[i] = (checksum[i]! + rv) % 1_000_000_007;
    if (n >= 0 && n < expected) receipts[i * expected + n] = t;
    if (++received[i]! === expected && ++finished === watches) allDone.resolve();
  };
  const onData = (bytes: Uint8Array) => {
    const t = now();
    raw += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
    if (!headDone) {
      const end = raw.indexOf("\r\n\r\n");
      if (end < 0) return;
      const status = raw.slice(0, raw.indexOf("\r\n"));
      if (!/^HTTP\/1\.1 200 /.test(status) || !/\r\ntransfer-encoding: chunked\r\n/i.test(raw.slice(0, end + 2))) {
        console.error(`watch ${i}: not a chunked 200: ${raw.slice(0, 500)}`);
        process.exit(2);
      }
      headDone = true;
      raw = raw.slice(end + 4);
      ready();
    }
    for (;;) {
      if (need < 0) {
        const eol = raw.indexOf("\r\n");
        if (eol < 0) break;
        need = parseInt(raw.slice(0, eol), 16);
        raw = raw.slice(eol + 2);
        if (need === 0) return; // the last chunk: the watch ended
      }
      if (raw.length < need + 2) break;
      body += raw.slice(0, need);
      raw = raw.slice(need + 2);
      need = -1;
    }
    // Event lines are UTF-8; names and resourceVersions are ASCII, so latin1 text finds them.
    let nl: number;
    while ((nl = body.indexOf("\n")) >= 0) {
      line(body.slice(0, nl), t);
      body = body.slice(nl + 1);
    }
  };
  const closed = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: url.hostname, port: Number(url.port),
    tls: { ca: creds.ca, cert: creds.cert, key: creds.key, serverName: "localhost" },
    socket: {
      handshake(s, ok, err) { if (!ok) throw err; s.write(request); },
      data(_s, d) { onData(d); },
      close() { closed.resolve(); },
      error(_s, err) { if (!stopping) console.error(`watch ${i}:`, err); closed.resolve(); },
    },
  });
  sockets.push(socket);
  await closed.promise;
}
let stopping = false;

let readyCount = 0;
const allReady = Promise.withResolvers<void>();
const loops = Array.from({ length: watches }, (_, i) => watch(i, () => { if (++readyCount === watches) allReady.resolve(); }).catch((err) => { console.error(err); process.exit(2); }));
await allReady.promise;
console.log("READY");
await allDone.promise;
clearTimeout(hardStop);
stopping = true;
for (const s of sockets) s.end();
await Promise.race([Promise.allSettled(loops), Bun.sleep(2000)]);
await Bun.write(outFile, receipts);
console.log(JSON.stringify({ minReceived: Math.min(...received), maxReceived: Math.max(...received), checksums: [...new Set(checksum)], outOfOrder: outOfOrder.reduce((a, b) => a + b, 0) }));
process.exit(0);
