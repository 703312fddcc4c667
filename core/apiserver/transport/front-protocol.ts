// Messages between the HTTPS front (main thread, https-front.ts) and its Worker
// (front-worker.ts). Structured-cloned; ClientCertificate is plain data.
//
// Handshake per relayed connection (race-free): the Worker connects to the
// internal server, learns the socket's local port, posts `register` and writes
// no byte until the main thread, having recorded the identity, posts `ack` with
// the same id. `unregister` carries the id too, so a late unregister for a
// closed connection never removes a newer registration that reused the port.
import type { ClientCertificate } from "./peer-identity.ts";
import type { TlsListenOptions } from "./tls-relay.ts";

export type ToWorker =
  | { readonly type: "start"; readonly options: TlsListenOptions }
  | { readonly type: "ack"; readonly id: number }
  | { readonly type: "stop" };

export type FromWorker =
  | { readonly type: "listening"; readonly port: number }
  | { readonly type: "failed"; readonly message: string; readonly code?: string }
  | { readonly type: "register"; readonly id: number; readonly port: number; readonly peer: ClientCertificate; readonly clientAddress: string }
  | { readonly type: "unregister"; readonly id: number; readonly port: number }
  | { readonly type: "stopped" };
