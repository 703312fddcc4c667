/**
 * A transport carries one API request to a server and returns its response. The client builds
 * requests against `baseUrl`; the transport decides how they travel: in-process straight into
 * the API server's `handle()` (no sockets, no TLS; watches then carry the watch cache's objects
 * rather than bytes: apiserver/rest/in-process-objects.ts), or over HTTPS for out-of-process components.
 */
import { markInProcess } from "../apiserver/rest/in-process-objects.ts";

export interface Transport {
  /** Scheme, host and port the client puts in request URLs, e.g. "https://127.0.0.1:6443". */
  readonly baseUrl: string;
  send(request: Request): Promise<Response>;
}

/** The user an in-process request is made as (the API server's UserInfo shape). */
export interface InProcessUser {
  readonly username: string;
  readonly groups: readonly string[];
  readonly uid?: string;
}

/** Anything with the API server's `handle(req, user)`. */
export interface RequestHandler {
  handle(request: Request, user: { username: string; groups: string[]; uid?: string } | undefined): Promise<Response>;
}

/** Calls `server.handle(request, user)` directly; `user` is the identity every request carries. */
export function inProcessTransport(server: RequestHandler, user: InProcessUser): Transport {
  const identity = { username: user.username, groups: [...user.groups], ...(user.uid ? { uid: user.uid } : {}) };
  return {
    baseUrl: "https://lite.in-process",
    send: (request) => server.handle(markInProcess(request), { ...identity, groups: [...identity.groups] }),
  };
}
