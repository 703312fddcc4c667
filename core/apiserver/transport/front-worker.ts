// Worker entry of the HTTPS front: owns the TLS listener and the byte
// relay (tls-relay.ts), so TLS records and relay callbacks run off the main
// thread. Identities reach the main thread through the register/ack handshake
// of front-protocol.ts before any byte of a connection is relayed.
//
// Listed as an extra entrypoint in scripts/build.ts so `bun build --compile`
// embeds it (at /$bunfs/root/core/apiserver/transport/front-worker.ts, see
// workerEntry() in https-front.ts).
import type { FromWorker, ToWorker } from "./front-protocol.ts";
import { listenTls, type TlsListener } from "./tls-relay.ts";

declare const self: Worker;
const post = (msg: FromWorker): void => self.postMessage(msg);

let listener: TlsListener | undefined;
let nextId = 1;
/** Registrations waiting for the main thread's ack, by id. */
const pending = new Map<number, () => void>();
/** Registration id of each open upstream connection, by local port. */
const idByPort = new Map<number, number>();

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case "start":
      try {
        listener = await listenTls(msg.options, {
          register(port, peer, clientAddress) {
            const id = nextId++;
            idByPort.set(port, id);
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
    case "stop":
      await listener?.close();
      post({ type: "stopped" });
      return;
  }
};
