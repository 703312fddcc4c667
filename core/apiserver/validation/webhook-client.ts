/**
 * Validation of a webhook's client config, as k8s.io/apiserver `pkg/util/webhook/validation.go`
 * (1.32): `validateWebhookURL` and `validateWebhookService`, with upstream's paths and messages.
 * URLs are read the way Go's `net/url.Parse` reads them, so the same strings pass and fail.
 */
import { fieldErrors, type FieldError } from "../errors/index.ts";
import { isDNS1123Subdomain } from "../machinery/label-validation.ts";
import { goQuote } from "../machinery/go-format.ts";

/** The parts of a Go `*url.URL` the webhook checks look at, or the parse error's text. */
export type GoUrl =
  | { readonly ok: true; readonly scheme: string; readonly host: string; readonly user: string | undefined; readonly fragment: string; readonly rawQuery: string }
  | { readonly ok: false; readonly error: string };

const DESIRED_FORM = "; desired format: https://host[/path]";

/** upstream ValidateWebhookURL (forceHttps is always true for admission and conversion webhooks). */
export function validateWebhookURL(path: string, url: string, forceHttps = true): FieldError[] {
  const errs: FieldError[] = [];
  const u = parseGoUrl(url);
  if (!u.ok) return [fieldErrors.required(path, `url must be a valid URL: ${u.error}${DESIRED_FORM}`)];
  if (forceHttps && u.scheme !== "https") errs.push(fieldErrors.invalid(path, u.scheme, `'https' is the only allowed URL scheme${DESIRED_FORM}`));
  if (u.host.length === 0) errs.push(fieldErrors.invalid(path, u.host, `host must be provided${DESIRED_FORM}`));
  if (u.user !== undefined) errs.push(fieldErrors.invalid(path, u.user, "user information is not permitted in the URL"));
  if (u.fragment.length !== 0) errs.push(fieldErrors.invalid(path, u.fragment, "fragments are not permitted in the URL"));
  if (u.rawQuery.length !== 0) errs.push(fieldErrors.invalid(path, u.rawQuery, "query parameters are not permitted in the URL"));
  return errs;
}

/**
 * upstream ValidateWebhookService. Its Go signature is `(fldPath, namespace, name, path, port)` but
 * every 1.32 caller passes the service's name first and its namespace second, so a missing namespace
 * is reported at `service.name` and a missing name at `service.namespace`. Callers here pass the
 * service object and get the same (swapped) paths, as 1.32 clients see them.
 */
export function validateWebhookService(path: string, service: { name?: unknown; namespace?: unknown; path?: unknown; port?: unknown }): FieldError[] {
  const errs: FieldError[] = [];
  const port = service.port ?? 443; // v1 defaulting: an unset port is 443
  const name = typeof service.name === "string" ? service.name : "";
  const namespace = typeof service.namespace === "string" ? service.namespace : "";
  // As upstream: the "namespace" parameter receives the name, and the "name" parameter the namespace.
  if (namespace.length === 0) errs.push(fieldErrors.required(`${path}.name`, "service name is required"));
  if (name.length === 0) errs.push(fieldErrors.required(`${path}.namespace`, "service namespace is required"));
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    errs.push(fieldErrors.invalid(`${path}.port`, port, "port is not valid: must be between 1 and 65535, inclusive"));
  }
  if (service.path === undefined || service.path === null) return errs;
  const urlPath = String(service.path);
  if (urlPath === "/" || urlPath.length === 0) return errs;
  if (urlPath === "//") return [...errs, fieldErrors.invalid(`${path}.path`, urlPath, "segment[0] may not be empty")];
  if (!urlPath.startsWith("/")) errs.push(fieldErrors.invalid(`${path}.path`, urlPath, "must start with a '/'"));
  let toCheck = urlPath.slice(1);
  if (toCheck.endsWith("/")) toCheck = toCheck.slice(0, -1);
  toCheck.split("/").forEach((step, i) => {
    if (step.length === 0) {
      errs.push(fieldErrors.invalid(`${path}.path`, urlPath, `segment[${i}] may not be empty`));
      return;
    }
    for (const failure of isDNS1123Subdomain(step)) errs.push(fieldErrors.invalid(`${path}.path`, urlPath, `segment[${i}]: ${failure}`));
  });
  return errs;
}

// ---------------------------------------------------------------------------
// Go net/url.Parse, reduced to what the checks above need.

const isAlpha = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
const isDigit = (c: string) => c >= "0" && c <= "9";
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

class UrlError extends Error {}

/** Go url.Parse; errors read as Go's `*url.Error` does: `parse "<url>": <reason>`. */
export function parseGoUrl(raw: string): GoUrl {
  const hash = raw.indexOf("#");
  const main = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? "" : raw.slice(hash + 1);
  let parsed: { scheme: string; host: string; user: string | undefined; rawQuery: string };
  try {
    parsed = parseMain(main);
  } catch (e) {
    if (e instanceof UrlError) return { ok: false, error: `parse ${goQuote(main)}: ${e.message}` };
    throw e;
  }
  let fragment = "";
  try {
    fragment = unescape(frag, "fragment");
  } catch (e) {
    if (e instanceof UrlError) return { ok: false, error: `parse ${goQuote(raw)}: ${e.message}` };
    throw e;
  }
  return { ok: true, ...parsed, fragment };
}

function parseMain(raw: string): { scheme: string; host: string; user: string | undefined; rawQuery: string } {
  for (const ch of raw) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c === 0x7f) throw new UrlError("net/url: invalid control character in URL");
  }
  if (raw === "*") return { scheme: "", host: "", user: undefined, rawQuery: "" };
  let scheme = "";
  let rest = raw;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (isAlpha(c)) continue;
    if (isDigit(c) || c === "+" || c === "-" || c === ".") {
      if (i === 0) break;
      continue;
    }
    if (c === ":") {
      if (i === 0) throw new UrlError("missing protocol scheme");
      scheme = raw.slice(0, i).toLowerCase();
      rest = raw.slice(i + 1);
    }
    break;
  }
  let rawQuery = "";
  if (rest.endsWith("?") && rest.split("?").length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) { rawQuery = rest.slice(q + 1); rest = rest.slice(0, q); }
  }
  if (!rest.startsWith("/")) {
    if (scheme !== "") return { scheme, host: "", user: undefined, rawQuery }; // opaque
    const segment = rest.split("/")[0] ?? "";
    if (segment.includes(":")) throw new UrlError("first path segment in URL cannot contain colon");
  }
  let host = "";
  let user: string | undefined;
  if ((scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) { rest = authority.slice(slash); authority = authority.slice(0, slash); }
    const at = authority.lastIndexOf("@");
    host = parseHost(at < 0 ? authority : authority.slice(at + 1));
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!/^[-A-Za-z0-9._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw new UrlError("net/url: invalid userinfo");
      const colon = userinfo.indexOf(":");
      const username = unescape(colon < 0 ? userinfo : userinfo.slice(0, colon), "userinfo");
      const password = colon < 0 ? undefined : unescape(userinfo.slice(colon + 1), "userinfo");
      user = password === undefined ? username : `${username}:${password}`;
    }
  }
  unescape(rest, "path");
  return { scheme, host, user, rawQuery };
}

function validOptionalPort(port: string): boolean {
  if (port === "") return true;
  return port.startsWith(":") && /^[0-9]*$/.test(port.slice(1));
}

function parseHost(host: string): string {
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]");
    if (close < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuote(colonPort)} after host`);
  } else {
    const colon = host.lastIndexOf(":");
    if (colon >= 0) {
      const colonPort = host.slice(colon);
      if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuote(colonPort)} after host`);
    }
  }
  return unescape(host, "host");
}

/** Characters Go's shouldEscape lets through in a host (besides unreserved ones). */
const HOST_OK = new Set("!$&'()*+,;=:[]<>\"".split(""));

function unescape(s: string, mode: "host" | "path" | "fragment" | "userinfo"): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "%") {
      if (!isHex(s[i + 1]) || !isHex(s[i + 2])) throw new UrlError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      if (mode === "host" && parseInt(s[i + 1]!, 16) < 8 && s.slice(i, i + 3) !== "%25") throw new UrlError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    if (mode === "host" && c.charCodeAt(0) < 0x80 && !(isAlpha(c) || isDigit(c) || "-_.~".includes(c) || HOST_OK.has(c))) {
      throw new UrlError(`invalid character ${goQuote(c)} in host name`);
    }
    out += c;
  }
  return out;
}
