/**
 * Watcher process for watch-bench.ts (not run by hand):
 *   bun bench/api/watch-client.ts <kubeconfig> <namespace> <watches> <resourceVersion> <expected-events> <max-seconds> <out-file>
 *
 * Opens `watches` watches on ConfigMaps in `namespace` from `resourceVersion` (one HTTPS
 * connection each, admin client certificate), prints `READY` once every watch has answered 200 and
 * sent its first bytes (Bun's fetch resolves only then; the driver seeds one object), then
 * records, for every ADDED event of an object named `w-<i>`, the receipt time (epoch ms with a
 * fraction, `performance.timeOrigin + performance.now()`) at [watch * expected + i] of a Float64Array
 * written to `out-file` at the end (NaN = never received). Ends when every watch has seen
 * `expected-events` events (or at the time limit) and prints one JSON line: events per watch
 * (min/max), the distinct checksums of the resourceVersions each watch received, and how many
 * arrived out of order.
 */
import { readKubeconfig } from "./lib.ts";

const [kcPath, ns, nArg, rvArg, expArg, maxArg, outFile] = process.argv.slice(2);
if (!kcPath || !ns || !nArg || !rvArg || !expArg || !maxArg || !outFile) throw new Error("usage: watch-client.ts <kubeconfig> <ns> <watches> <rv> <expected> <max-seconds> <out-file>");
const watches = Number(nArg);
const expected = Number(expArg);
const { server, creds } = await readKubeconfig(kcPath);
const tls = { ca: creds.ca, cert: creds.cert, key: creds.key, serverName: "localhost" };
const receipts = new Float64Array(watches * expected).fill(NaN);
const now = () => performance.timeOrigin + performance.now();
const aborts: AbortController[] = [];
const received = new Array<number>(watches).fill(0);
const checksum = new Array<number>(watches).fill(0);
const outOfOrder = new Array<number>(watches).fill(0);
let finished = 0;
const allDone = Promise.withResolvers<void>();
const hardStop = setTimeout(() => allDone.resolve(), Number(maxArg) * 1000);

const NAME = /"name":"w-(\d+)"/;
const RV = /"resourceVersion":"(\d+)"/;

async function watch(i: number, ready: () => void): Promise<void> {
  const ac = new AbortController();
  aborts.push(ac);
  const res = await fetch(`${server}/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${rvArg}&allowWatchBookmarks=false`, { tls, signal: ac.signal });
  if (res.status !== 200) throw new Error(`watch ${i}: ${res.status} ${await res.text()}`);
  ready();
  const dec = new TextDecoder();
  let buf = "";
  let lastRv = 0;
  try {
    for await (const chunk of res.body as ReadableStream<Uint8Array>) {
      const t = now();
      buf += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{"type":"ADDED"') || !line.includes('"name":"w-')) continue;
        const n = Number(NAME.exec(line)?.[1]);
        const rv = Number(RV.exec(line)?.[1]);
        if (rv <= lastRv) outOfOrder[i]!++;
        lastRv = rv;
        checksum[i] = (checksum[i]! + rv) % 1_000_000_007;
        if (n >= 0 && n < expected) receipts[i * expected + n] = t;
        if (++received[i]! === expected && ++finished === watches) allDone.resolve();
      }
    }
  } catch (err) {
    if (!ac.signal.aborted) console.error(`watch ${i} ended:`, err);
  }
}

let readyCount = 0;
const allReady = Promise.withResolvers<void>();
const loops = Array.from({ length: watches }, (_, i) => watch(i, () => { if (++readyCount === watches) allReady.resolve(); }).catch((err) => { console.error(err); process.exit(2); }));
await allReady.promise;
console.log("READY");
await allDone.promise;
clearTimeout(hardStop);
for (const ac of aborts) ac.abort();
await Promise.race([Promise.allSettled(loops), Bun.sleep(2000)]);
await Bun.write(outFile, receipts);
console.log(JSON.stringify({ minReceived: Math.min(...received), maxReceived: Math.max(...received), checksums: [...new Set(checksum)], outOfOrder: outOfOrder.reduce((a, b) => a + b, 0) }));
process.exit(0);
