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
    case "direct": {
      // Written in one go: slicing a batch over turns of the event loop (so relayed requests
      // would not wait behind 1,000 TLS writes) cost more CPU than it saved and let deliveries
      // fall behind (bench/api/RESULTS.md).
      for (const open of msg.opens) targets.get(open.id)?.takeOver(open.head);
      const { ids, which, chunks } = msg;
      for (let k = 0; k < ids.length; k++) targets.get(ids[k]!)?.write(chunks[which[k]!]!);
      for (const id of msg.ends) targets.get(id)?.end();
      post({ type: "direct-written" });
      return;
    }
    case "stop":
      await listener?.close();
      post({ type: "stopped" });
      return;
  }
};
