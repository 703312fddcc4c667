// Messages between the HTTPS front (main thread, https-front.ts) and its Worker
// (front-worker.ts). Structured-cloned; ClientCertificate is plain data.
//
// Handshake per relayed connection (race-free): the Worker connects to the
// internal server, learns the socket's local port, posts `register` and writes
// no byte until the main thread, having recorded the identity, posts `ack` with
// the same id. `unregister` carries the id too, so a late unregister for a
// closed connection never removes a newer registration that reused the port.
//
// `direct` carries the watch streams the main thread has taken over (direct-streams.ts), in the
// order the main thread produced them: first the connections taken over (their response heads),
// then chunk k (already in HTTP chunked framing) for connection ids[k] as chunks[which[k]], then the
// streams that ended. Ids a Worker no longer knows (closed connections) are skipped. The Worker
// answers each with `direct-written` once it has handed every write to its socket.
import type { ClientCertificate } from "./peer-identity.ts";
import type { TlsListenOptions } from "./tls-relay.ts";

export type ToWorker =
  | { readonly type: "start"; readonly options: TlsListenOptions }
  | { readonly type: "ack"; readonly id: number }
  | { readonly type: "direct"; readonly opens: readonly DirectOpen[]; readonly ids: Int32Array; readonly which: Int32Array; readonly chunks: readonly Uint8Array[]; readonly ends: readonly number[] }
  | { readonly type: "stop" };

export interface DirectOpen {
  readonly id: number;
  readonly head: Uint8Array;
}

export type FromWorker =
  | { readonly type: "listening"; readonly port: number }
  | { readonly type: "failed"; readonly message: string; readonly code?: string }
  | { readonly type: "register"; readonly id: number; readonly port: number; readonly peer: ClientCertificate; readonly clientAddress: string }
  | { readonly type: "unregister"; readonly id: number; readonly port: number }
  | { readonly type: "direct-written" }
  | { readonly type: "stopped" };
