/**
 * Kubernetes' CEL URL library (k8s.io/apiserver/pkg/cel/library/urls.go, as in 1.32):
 *
 *   url(string) -> kubernetes.URL   (an absolute URI or an absolute path; CelError otherwise)
 *   isURL(string) -> bool
 *   u.getScheme() / getHost() / getHostname() / getPort() / getEscapedPath() -> string
 *   u.getQuery() -> map(string, list(string))   (repeated keys collect their values)
 *   u1 == u2  compares the URLs' text (Go url.URL.String())
 *
 * Parsing is Go's net/url (Go 1.23): `url()` and `isURL()` accept what url.ParseRequestURI accepts,
 * and `url()` then reads the parts with url.Parse (which splits off the `#fragment`). Go works on
 * bytes, so this file does too: text is turned into a "byte string" (one UTF-8 byte per char)
 * and back. Upstream has no `string(url)` conversion; neither does this.
 */
import { CelError, CelObject, noSuchOverload, type CelValue } from "../values.ts";
import type { CelLibrary } from "./registry.ts";

/** A byte string (each char one UTF-8 byte) from text, and back. */
const toBytes = (s: string) => Array.from(new TextEncoder().encode(s), (b) => String.fromCharCode(b)).join("");
const fromBytes = (b: string) => new TextDecoder().decode(Uint8Array.from(b, (c) => c.charCodeAt(0)));
/** strconv.Quote, close enough for error messages. */
const quote = (b: string) => JSON.stringify(fromBytes(b));

type Mode = "path" | "host" | "zone" | "userPassword" | "queryComponent" | "fragment";

const isAlnum = (c: string) => /^[A-Za-z0-9]$/.test(c);
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

/** Go url.shouldEscape for one byte. */
function shouldEscape(c: string, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if ((mode === "host" || mode === "zone") && "!$&'()*+,;=:[]<>\"".includes(c)) return false;
  if ("-_.~".includes(c)) return false;
  if ("$&+,/:;=?@".includes(c)) {
    switch (mode) {
      case "path": return c === "?";
      case "userPassword": return c === "@" || c === "/" || c === "?" || c === ":";
      case "queryComponent": return true;
      case "fragment": return false;
    }
  }
  if (mode === "fragment" && "!()*".includes(c)) return false;
  return true;
}

class UrlError extends Error {}

/** Go url.unescape: decodes %XX (and `+` in query components); throws UrlError as Go does. */
function unescape(s: string, mode: Mode): string {
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (c === "%") {
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) throw new UrlError(`invalid URL escape ${quote(s.slice(i, i + 3))}`);
      const esc = s.slice(i, i + 3);
      const v = Number.parseInt(s.slice(i + 1, i + 3), 16);
      if (mode === "host" && v < 0x80 && esc !== "%25") throw new UrlError(`invalid URL escape ${quote(esc)}`);
      if (mode === "zone" && esc !== "%25" && v !== 0x20 && (v >= 0x80 || shouldEscape(String.fromCharCode(v), "host"))) {
        throw new UrlError(`invalid URL escape ${quote(esc)}`);
      }
      i += 3;
    } else {
      if ((mode === "host" || mode === "zone") && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) {
        throw new UrlError(`invalid character ${quote(c)} in host name`);
      }
      i++;
    }
  }
  return s.replace(/%([0-9A-Fa-f]{2})|\+/g, (m, hex: string | undefined) =>
    hex !== undefined ? String.fromCharCode(Number.parseInt(hex, 16)) : mode === "queryComponent" ? " " : m);
}

/** Go url.escape. */
function escape(s: string, mode: Mode): string {
  let out = "";
  for (const c of s) {
    if (!shouldEscape(c, mode)) out += c;
    else if (c === " " && mode === "queryComponent") out += "+";
    else out += `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Go url.validEncoded. */
function validEncoded(s: string, mode: Mode): boolean {
  for (const c of s) if (!"!$&'()*+,;=:@[]%".includes(c) && shouldEscape(c, mode)) return false;
  return true;
}

const validOptionalPort = (port: string) => port === "" || /^:[0-9]*$/.test(port);

/** The parts of a Go url.URL that the library reads (byte strings). */
interface Parts {
  scheme: string;
  opaque: string;
  user?: { username: string; password?: string };
  host: string;
  path: string;
  rawPath: string;
  omitHost: boolean;
  forceQuery: boolean;
  rawQuery: string;
  fragment: string;
  rawFragment: string;
}

function parseHost(host: string): string {
  if (host.startsWith("[")) {
    const i = host.lastIndexOf("]");
    if (i < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${quote(colonPort)} after host`);
    const zone = host.slice(0, i).indexOf("%25");
    if (zone >= 0) return unescape(host.slice(0, zone), "host") + unescape(host.slice(zone, i), "zone") + unescape(host.slice(i), "host");
  } else {
    const i = host.lastIndexOf(":");
    if (i !== -1 && !validOptionalPort(host.slice(i))) throw new UrlError(`invalid port ${quote(host.slice(i))} after host`);
  }
  return unescape(host, "host");
}

function parseAuthority(authority: string, u: Parts): void {
  const i = authority.lastIndexOf("@");
  u.host = parseHost(i < 0 ? authority : authority.slice(i + 1));
  if (i < 0) return;
  const userinfo = authority.slice(0, i);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw new UrlError("net/url: invalid userinfo");
  const colon = userinfo.indexOf(":");
  u.user = colon < 0
    ? { username: unescape(userinfo, "userPassword") }
    : { username: unescape(userinfo.slice(0, colon), "userPassword"), password: unescape(userinfo.slice(colon + 1), "userPassword") };
}

/** Go url.parse(rawURL, viaRequest) on a byte string; throws UrlError. */
function parse(raw: string, viaRequest: boolean): Parts {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new UrlError("net/url: invalid control character in URL");
  if (raw === "" && viaRequest) throw new UrlError("empty url");
  const u: Parts = { scheme: "", opaque: "", host: "", path: "", rawPath: "", omitHost: false, forceQuery: false, rawQuery: "", fragment: "", rawFragment: "" };
  if (raw === "*") return { ...u, path: "*" };
  let rest = raw;
  const scheme = /^([A-Za-z][A-Za-z0-9+\-.]*):/.exec(raw);
  if (raw.startsWith(":")) throw new UrlError("missing protocol scheme");
  if (scheme) {
    u.scheme = scheme[1]!.toLowerCase();
    rest = raw.slice(scheme[0].length);
  }
  if (rest.endsWith("?") && rest.indexOf("?") === rest.length - 1) {
    u.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) [rest, u.rawQuery] = [rest.slice(0, q), rest.slice(q + 1)];
  }
  if (!rest.startsWith("/")) {
    if (u.scheme !== "") return { ...u, opaque: rest };
    if (viaRequest) throw new UrlError("invalid URI for request");
    if (rest.split("/")[0]!.includes(":")) throw new UrlError("first path segment in URL cannot contain colon");
  }
  if ((u.scheme !== "" || (!viaRequest && !rest.startsWith("///"))) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
    parseAuthority(authority, u);
  } else if (u.scheme !== "" && rest.startsWith("/")) {
    u.omitHost = true;
  }
  u.path = unescape(rest, "path");
  u.rawPath = escape(u.path, "path") === rest ? "" : rest;
  return u;
}

/** Go url.ParseRequestURI. */
function parseRequestURI(raw: string): Parts {
  try {
    return parse(raw, true);
  } catch (err) {
    if (err instanceof UrlError) throw new UrlError(`parse ${quote(raw)}: ${err.message}`);
    throw err;
  }
}

/** Go url.Parse. */
function parseURL(raw: string): Parts {
  const hash = raw.indexOf("#");
  const [rest, frag] = hash < 0 ? [raw, ""] : [raw.slice(0, hash), raw.slice(hash + 1)];
  let u: Parts;
  try {
    u = parse(rest, false);
  } catch (err) {
    if (err instanceof UrlError) throw new UrlError(`parse ${quote(rest)}: ${err.message}`);
    throw err;
  }
  if (frag === "") return u;
  try {
    u.fragment = unescape(frag, "fragment");
  } catch (err) {
    if (err instanceof UrlError) throw new UrlError(`parse ${quote(raw)}: ${err.message}`);
    throw err;
  }
  u.rawFragment = escape(u.fragment, "fragment") === frag ? "" : frag;
  return u;
}

function escapedPath(u: Parts): string {
  if (u.rawPath !== "" && validEncoded(u.rawPath, "path")) {
    try {
      if (unescape(u.rawPath, "path") === u.path) return u.rawPath;
    } catch { /* fall through */ }
  }
  return u.path === "*" ? "*" : escape(u.path, "path");
}

function escapedFragment(u: Parts): string {
  if (u.rawFragment !== "" && validEncoded(u.rawFragment, "fragment")) {
    try {
      if (unescape(u.rawFragment, "fragment") === u.fragment) return u.rawFragment;
    } catch { /* fall through */ }
  }
  return escape(u.fragment, "fragment");
}

/** Go url.URL.String(). */
function urlString(u: Parts): string {
  let out = u.scheme ? `${u.scheme}:` : "";
  if (u.opaque !== "") out += u.opaque;
  else {
    if ((u.scheme !== "" || u.host !== "" || u.user) && !(u.omitHost && u.host === "" && !u.user)) {
      if (u.host !== "" || u.path !== "" || u.user) out += "//";
      if (u.user) {
        out += escape(u.user.username, "userPassword");
        if (u.user.password !== undefined) out += `:${escape(u.user.password, "userPassword")}`;
        out += "@";
      }
      if (u.host !== "") out += escape(u.host, "host");
    }
    const path = escapedPath(u);
    if (path !== "" && path[0] !== "/" && u.host !== "") out += "/";
    if (out === "" && path.split("/")[0]!.includes(":")) out += "./";
    out += path;
  }
  if (u.forceQuery || u.rawQuery !== "") out += `?${u.rawQuery}`;
  if (u.fragment !== "") out += `#${escapedFragment(u)}`;
  return out;
}

/** Go splitHostPort (URL.Hostname / URL.Port). */
function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = "";
  const colon = host.lastIndexOf(":");
  if (colon !== -1 && validOptionalPort(host.slice(colon))) [host, port] = [host.slice(0, colon), host.slice(colon + 1)];
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return [host, port];
}

/** Go url.ParseQuery, ignoring its error as URL.Query() does: bad pairs are dropped. */
function parseQuery(query: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const pair of query.split("&")) {
    if (pair === "" || pair.includes(";")) continue;
    const eq = pair.indexOf("=");
    try {
      const key = fromBytes(unescape(eq < 0 ? pair : pair.slice(0, eq), "queryComponent"));
      const value = fromBytes(unescape(eq < 0 ? "" : pair.slice(eq + 1), "queryComponent"));
      (Object.hasOwn(out, key) ? out[key]! : (out[key] = [])).push(value);
    } catch (err) {
      if (!(err instanceof UrlError)) throw err;
    }
  }
  return out;
}

export class CelURL extends CelObject {
  readonly celType = "kubernetes.URL";
  constructor(readonly parts: Parts) {
    super();
  }
  /** Go's URL.String() (as text); what `==` compares. */
  text(): string {
    return fromBytes(urlString(this.parts));
  }
  equals(other: CelValue): boolean {
    return other instanceof CelURL && urlString(other.parts) === urlString(this.parts);
  }
}

/** url(): CelError "URL parse error during conversion from string: ..." when not a request URI. */
export function urlFromString(text: string): CelURL {
  const raw = toBytes(text);
  try {
    parseRequestURI(raw);
    return new CelURL(parseURL(raw));
  } catch (err) {
    if (err instanceof UrlError) throw new CelError(`URL parse error during conversion from string: ${err.message}`);
    throw err;
  }
}

/** Whether url.ParseRequestURI accepts the text (isURL, and the `uri` format). */
export function requestURIError(text: string): string | undefined {
  try {
    parseRequestURI(toBytes(text));
    return undefined;
  } catch (err) {
    if (err instanceof UrlError) return err.message;
    throw err;
  }
}

function getter(fn: string, read: (u: Parts) => CelValue) {
  return (target: CelValue | undefined, args: readonly CelValue[]): CelValue => {
    if (!(target instanceof CelURL) || args.length !== 0) throw noSuchOverload(fn, target, args);
    return read(target.parts);
  };
}

export const urlLibrary: CelLibrary = {
  url: (target, args) => {
    if (target !== undefined || args.length !== 1 || typeof args[0] !== "string") throw noSuchOverload("url", target, args);
    return urlFromString(args[0]);
  },
  isURL: (target, args) => {
    if (target !== undefined || args.length !== 1 || typeof args[0] !== "string") throw noSuchOverload("isURL", target, args);
    return requestURIError(args[0]) === undefined;
  },
  getScheme: getter("getScheme", (u) => fromBytes(u.scheme)),
  getHost: getter("getHost", (u) => fromBytes(u.host)),
  getHostname: getter("getHostname", (u) => fromBytes(splitHostPort(u.host)[0])),
  getPort: getter("getPort", (u) => fromBytes(splitHostPort(u.host)[1])),
  getEscapedPath: getter("getEscapedPath", (u) => fromBytes(escapedPath(u))),
  getQuery: getter("getQuery", (u) => parseQuery(u.rawQuery)),
};
