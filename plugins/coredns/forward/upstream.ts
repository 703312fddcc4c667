/** Upstream resolver addresses: "ip", "ip:port", "[v6]:port", optionally prefixed "dns://". */
import { canonicalIP } from "../dns/ip.ts";

export interface Upstream {
  host: string;
  port: number;
  /** "host:port" (IPv6 in brackets), for logs and metric labels. */
  label: string;
}

/** Parses one upstream; returns an error message instead for anything else (names, tls://, bad ports). */
export function parseUpstream(text: string): Upstream | string {
  let s = text.trim();
  if (/^[a-z]+:\/\//i.test(s)) {
    if (!s.toLowerCase().startsWith("dns://")) return `upstream ${JSON.stringify(text)}: only plain DNS (dns://) upstreams are supported`;
    s = s.slice("dns://".length);
  }
  let host = s;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (s.split(":").length === 2) {
    const [h, p] = s.split(":");
    host = h!;
    if (!/^\d+$/.test(p!)) return `upstream ${JSON.stringify(text)}: bad port`;
    port = Number(p);
  }
  const ip = canonicalIP(host);
  if (!ip) return `upstream ${JSON.stringify(text)}: not an IP address (names are not resolved)`;
  if (!(port >= 1 && port <= 65535)) return `upstream ${JSON.stringify(text)}: port must be 1-65535`;
  return { host: ip, port, label: ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}` };
}

/** The `nameserver` addresses of resolv.conf text, in order (port 53). */
export function nameserversOf(resolvConf: string): string[] {
  const out: string[] = [];
  for (const line of resolvConf.split("\n")) {
    const fields = line.replace(/[#;].*$/, "").trim().split(/\s+/);
    if (fields[0] === "nameserver" && fields[1]) out.push(fields[1]);
  }
  return out;
}
