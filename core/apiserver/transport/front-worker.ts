// Worker entry of the HTTPS front: owns the TLS listener and the byte
// relay (tls-relay.ts), so TLS records and relay callbacks run off the main
// thread. Identities reach the main thread through the register/ack handshake
// of front-protocol.ts before any byte of a connection is relayed.
//
// Listed as an extra entrypoint in scripts/build.ts so `bun build --compile`
// embeds it (at /$bunfs/root/core/apiserver/transport/front-worker.ts, see
// workerEntry() in https-front.ts).
import type { FromWorker, ToWorker } from "./front-protocol.ts";
import { listenTls, type DirectTarget, type TlsListener } from "./tls-relay.ts";

declare const self: Worker;
const post = (msg: FromWorker): void => self.postMessage(msg);

let listener: TlsListener | undefined;
let nextId = 1;
/** Registrations waiting for the main thread's ack, by id. */
const pending = new Map<number, () => void>();
/** Registration id of each open upstream connection, by local port. */
const idByPort = new Map<number, number>();
/** Each registered connection, by id, for the main thread's direct streams (direct-streams.ts). */
const targets = new Map<number, DirectTarget>();

/**
 * Writes per turn of the event loop: one event to 1,000 watchers is 1,000 TLS writes (~8 ms here),
 * and between slices the relay's requests and responses get their turn. With one batch in flight
 * (direct-streams.ts) the slower batches only gather more events per write. 1,000 watchers at 100
 * events/s, delivery p99: 41-45 ms unsliced, 32-35 ms at 256, 28-31 ms at 64 (bench/api/RESULTS.md).
 */
const WRITES_PER_TURN = 64;

type DirectBatch = Extract<ToWorker, { type: "direct" }>;
/** Batches not yet written, in arrival order (the main thread sends the next one only after `direct-written`). */
const directQueue: DirectBatch[] = [];

function queueDirect(msg: DirectBatch): void {
  directQueue.push(msg);
  if (directQueue.length === 1) writeDirect(msg, 0);
}

/** Writes `msg` from delivery `from` on, a slice per turn; reports it written, then starts the next. */
function writeDirect(msg: DirectBatch, from: number): void {
  if (from === 0) for (const open of msg.opens) targets.get(open.id)?.takeOver(open.head);
  const { ids, which, chunks } = msg;
  const stop = Math.min(ids.length, from + WRITES_PER_TURN);
  for (let k = from; k < stop; k++) targets.get(ids[k]!)?.write(chunks[which[k]!]!);
  if (stop < ids.length) return void setImmediate(writeDirect, msg, stop);
  for (const id of msg.ends) targets.get(id)?.end();
  post({ type: "direct-written" });
  directQueue.shift();
  const next = directQueue[0];
  if (next) writeDirect(next, 0);
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case "start":
      try {
        listener = await listenTls(msg.options, {
          register(port, peer, clientAddress, target) {
            const id = nextId++;
            idByPort.set(port, id);
            targets.set(id, target);
            const { promise, resolve } = Promise.withResolvers<void>();
            pending.set(id, resolve);
            post({ type: "register", id, port, peer, clientAddress });
            return promise;
          },
          unregister(port) {
            const id = idByPort.get(port);
            if (id === undefined) return;
            idByPort.delete(port);
            pending.delete(id);
            targets.delete(id);
            post({ type: "unregister", id, port });
          },
        });
        post({ type: "listening", port: listener.port });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        post({ type: "failed", message: e?.message ?? String(err), code: e?.code });
      }
      return;
    case "ack": {
      const resolve = pending.get(msg.id);
      pending.delete(msg.id);
      resolve?.();
      return;
    }
    case "direct":
      queueDirect(msg);
      return;
    case "stop":
      await listener?.close();
      post({ type: "stopped" });
      return;
  }
};
