/**
 * The responses the proxy answers itself, as Traefik words them: 404 when no router matches, 503
 * when the router's Service has no endpoint, 502 when no endpoint could be reached, the ssl-redirect
 * 308, and 400/431/501/505 for requests it cannot parse. Both entry points use them: as a `Response`
 * (Bun.serve) or as HTTP/1.1 bytes (the raw listener).
 */
import type { Backend, Router } from "./routing.ts";

export interface Page {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const TEXT = "text/plain; charset=utf-8";
const REASONS: Record<number, string> = {
  301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect",
  308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 431: "Request Header Fields Too Large",
  500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 505: "HTTP Version Not Supported",
};

export const notFound: Page = { status: 404, headers: { "content-type": TEXT, "x-content-type-options": "nosniff" }, body: "404 page not found\n" };
export const badGateway: Page = { status: 502, headers: { "content-type": TEXT }, body: "502 Bad Gateway\n" };

export function unavailable(router: Router, backend: Backend = router.backend): Page {
  return { status: 503, headers: { "content-type": TEXT }, body: `503 Service Unavailable: ${backend.unavailable ?? "no available server"} (${router.source ?? "Ingress"} ${router.ingress})\n` };
}

export function redirect(location: string): Page {
  return { status: 308, headers: { location }, body: "" };
}

/** What a server answers a request it cannot parse (Go's net/http wording). */
export function badRequest(status: number): Page {
  return { status, headers: { "content-type": TEXT }, body: `${status} ${REASONS[status] ?? "Bad Request"}` };
}

export function pageResponse(p: Page): Response {
  return new Response(p.body || null, { status: p.status, headers: p.headers });
}

/** The page as an HTTP/1.1 response; `close` adds `Connection: close`, `head` leaves out the body. */
export function pageBytes(p: Page, close: boolean, head = false): Buffer {
  let s = `HTTP/1.1 ${p.status} ${REASONS[p.status] ?? ""}\r\n`;
  for (const k in p.headers) s += `${k}: ${p.headers[k]}\r\n`;
  const body = Buffer.from(p.body, "utf8");
  s += `date: ${new Date().toUTCString()}\r\ncontent-length: ${body.byteLength}\r\n${close ? "connection: close\r\n" : ""}\r\n`;
  return head ? Buffer.from(s, "latin1") : Buffer.concat([Buffer.from(s, "latin1"), body]);
}
