/**
 * The request head the proxy sends to a backend, spliced from the client's (http1-request.ts), with
 * the forwarded headers Traefik sets:
 *
 * - dropped: hop-by-hop fields (Connection and the fields it lists, Keep-Alive, Proxy-Authenticate,
 *   Proxy-Authorization, Proxy-Connection, TE, Trailer, Upgrade), X-Forwarded-Proto,
 *   X-Forwarded-Port, X-Real-Ip, X-Forwarded-For (its value is kept as the prior hops),
 *   X-Forwarded-Host when the request has a Host, X-Forwarded-Server when the proxy has a name;
 * - kept as sent: every other field, Host, and the framing fields (Content-Length, or
 *   `Transfer-Encoding: chunked`: the body is forwarded as received);
 * - added: `host: <endpoint>` when the request had none, `x-forwarded-for: <prior>, <client ip>`,
 *   `x-forwarded-proto`, `x-forwarded-host: <Host>`, `x-forwarded-port: <entry point port>`,
 *   `x-forwarded-server`, `x-real-ip: <client ip>`; for an upgrade, `upgrade` is kept and
 *   `connection: upgrade` added.
 *
 * The request line is `<method> <origin-form target> HTTP/1.1`. The result is latin1 text.
 */
import { headerLines, type RequestHead } from "./http1-request.ts";

export interface Forwarding {
  /** The client's address (IPv4-mapped IPv6 as plain IPv4). */
  ip: string;
  proto: "http" | "https";
  /** The entry point's port. */
  port: number;
  /** X-Forwarded-Server, when set. */
  serverName?: string;
}

const DROP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "upgrade", "x-forwarded-proto", "x-forwarded-port", "x-real-ip", "x-forwarded-for"]);

/** `target` is the endpoint ("ip:port"), the Host when the request has none. */
export function forwardedRequestHead(h: RequestHead, f: Forwarding, target: string): string {
  let out = `${h.method} ${h.target} HTTP/1.1\r\n`;
  let prior: string | null = null;
  const edits = h.edits;
  if (!h.rewrite && edits === null) {
    if (h.fieldsStart < h.text.length) out += `${h.text.slice(h.fieldsStart)}\r\n`;
  } else {
    for (const line of headerLines(h)) {
      const name = line.name;
      if (name === "x-forwarded-for") prior = prior === null ? line.value : `${prior}, ${line.value}`;
      const drop = (DROP.has(name) && !(name === "upgrade" && h.upgrade !== null)) || (name === "x-forwarded-host" && h.host !== null)
        || (name === "x-forwarded-server" && !!f.serverName) || (h.connectionTokens !== null && h.connectionTokens.includes(name))
        || (edits !== null && edits.has(name));
      if (!drop) out += `${h.text.slice(line.start, line.end)}\r\n`;
    }
    if (edits !== null) for (const [name, value] of edits) if (value !== null) out += `${name}: ${value}\r\n`;
  }
  if (h.host === null) out += `host: ${target}\r\n`;
  out += `x-forwarded-for: ${prior ? `${prior}, ${f.ip}` : f.ip}\r\nx-forwarded-proto: ${f.proto}\r\n`;
  if (h.host !== null) out += `x-forwarded-host: ${h.host}\r\n`;
  out += `x-forwarded-port: ${f.port}\r\n`;
  if (f.serverName) out += `x-forwarded-server: ${f.serverName}\r\n`;
  out += `x-real-ip: ${f.ip}\r\n`;
  if (h.upgrade !== null) out += "connection: upgrade\r\n";
  return `${out}\r\n`;
}
