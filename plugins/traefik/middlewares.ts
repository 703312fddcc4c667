/**
 * Traefik's HTTP middlewares (the `Middleware` CRD's spec, as Traefik's dynamic configuration
 * defines it), compiled once per routing table and applied in order to each request of a router
 * that has any, on both entry points. A middleware edits the request (path, header fields, the
 * response's header fields to come) or answers it (redirects, 401, 403).
 *
 * Supported: redirectScheme, redirectRegex, stripPrefix, stripPrefixRegex, addPrefix, replacePath,
 * replacePathRegex, headers (custom request/response headers and the security headers; the CORS
 * options are ignored, with a warning), basicAuth, ipAllowList (ipWhiteList, its old name), chain.
 * Anything else is an unsupported kind: the routers using it are dropped, as Traefik drops a router
 * whose middleware fails to build.
 */
import { goRegexp, RuleError } from "./rule.ts";
import { parseHtpasswd, verifyHtpasswd } from "./htpasswd.ts";
import { parseIpRange, type IpRange } from "./ip-range.ts";
import type { Page } from "./pages.ts";

/** What middlewares read of a request. */
export interface MwRequest {
  readonly method: string;
  /** The Host field, or null. */
  readonly host: string | null;
  /** Path and query as received (origin form). */
  readonly target: string;
  readonly ip: string;
  /** The first value of a field (lower-case name), or null. */
  header(name: string): string | null;
}

/** One request going through a router's middlewares: the edits so far. */
export class MwState {
  target: string;
  /** Request header fields to set (a value) or remove (null), lower-case names; null when none. */
  reqEdits: Map<string, string | null> | null = null;
  /** Response header fields to set or remove. */
  respEdits: Map<string, string | null> | null = null;
  constructor(readonly req: MwRequest, readonly scheme: "http" | "https") { this.target = req.target; }

  header(name: string): string | null {
    const e = this.reqEdits;
    if (e !== null && e.has(name)) return e.get(name) ?? null;
    return this.req.header(name);
  }
  setHeader(name: string, value: string | null) { (this.reqEdits ??= new Map()).set(fieldName(name), fieldValue(value)); }
  setResponseHeader(name: string, value: string | null) { (this.respEdits ??= new Map()).set(fieldName(name), fieldValue(value)); }
  get path() { const q = this.target.indexOf("?"); return q < 0 ? this.target : this.target.slice(0, q); }
  set path(p: string) { const q = this.target.indexOf("?"); this.target = (p || "/") + (q < 0 ? "" : this.target.slice(q)); }
}

/** Field names and values go into raw heads: no CR, LF, NUL (nor ":" and spaces in names). */
const fieldName = (n: string) => n.toLowerCase().replace(/[^!#$%&'*+\-.^_`|~0-9a-z]/g, "");
const fieldValue = (v: string | null) => (v === null ? null : v.replace(/[\r\n\0]/g, ""));

export type MwResult = Page | undefined;
export interface Middleware {
  /** `<namespace>-<name>`. */
  readonly name: string;
  apply(s: MwState): MwResult | Promise<MwResult>;
}

/** Runs the middlewares in order: a page when one answers, undefined to go on to the backend. Synchronous unless one is not. */
export function runMiddlewares(list: readonly Middleware[], s: MwState, from = 0): MwResult | Promise<MwResult> {
  for (let i = from; i < list.length; i++) {
    const r = list[i]!.apply(s);
    if (r instanceof Promise) return r.then((page) => (page ? page : runMiddlewares(list, s, i + 1)));
    if (r) return r;
  }
  return undefined;
}

export interface MiddlewareObject {
  metadata: { name?: string; namespace?: string };
  spec?: Record<string, unknown>;
}
interface SecretLike { metadata: { name?: string; namespace?: string }; type?: string; data?: Record<string, string> }

export interface CompileEnv {
  secret(namespace: string, name: string): SecretLike | undefined;
  /** Resolves a chained middleware reference. */
  resolve(namespace: string, name: string): Middleware;
  /** Non-fatal notes (ignored options). */
  warn(message: string): void;
}

export class MiddlewareError extends Error {
  constructor(readonly reason: "MiddlewareNotFound" | "UnsupportedMiddleware" | "InvalidMiddleware", message: string) { super(message); }
}

const TEXT = "text/plain; charset=utf-8";
const SUPPORTED = ["redirectScheme", "redirectRegex", "stripPrefix", "stripPrefixRegex", "addPrefix", "replacePath", "replacePathRegex", "headers", "basicAuth", "ipAllowList", "ipWhiteList", "chain"];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? v as Obj : {});
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);

function regexp(src: unknown, what: string): RegExp {
  if (typeof src !== "string") throw new MiddlewareError("InvalidMiddleware", `${what}: a regex is required`);
  try {
    const re = goRegexp(src);
    return new RegExp(re.source, `${re.flags}g`);
  } catch (err) {
    throw new MiddlewareError("InvalidMiddleware", `${what}: ${(err as RuleError).message}`);
  }
}

/** Go's Regexp.Expand template syntax ($1, ${1}, $name, ${name}, $$) over a JavaScript match. */
export function goExpand(template: string, m: RegExpExecArray | string[], groups?: Record<string, string | undefined>): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_all, d: string, braced?: string, bare?: string) => {
    if (d === "$") return "$";
    const name = braced ?? bare!;
    if (/^\d+$/.test(name)) return m[Number(name)] ?? "";
    return groups?.[name] ?? "";
  });
}

/** Go's Regexp.ReplaceAllString(s, template). */
export function goReplaceAll(re: RegExp, s: string, template: string): string {
  re.lastIndex = 0;
  return s.replace(re, (...args: unknown[]) => {
    const last = args[args.length - 1];
    const groups = typeof last === "object" && last !== null ? last as Record<string, string | undefined> : undefined;
    const m = args.slice(0, groups ? -3 : -2) as string[];
    return goExpand(template, m, groups);
  });
}

function redirectPage(location: string, permanent: boolean, method: string): Page {
  const status = permanent ? (method === "GET" ? 301 : 308) : (method === "GET" ? 302 : 307);
  const text = { 301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect", 308: "Permanent Redirect" }[status];
  return { status, headers: { location, "content-type": TEXT }, body: text };
}

/** Go's net.SplitHostPort on a Host value: [host, ":port" or ""]. */
function splitHostPort(hostValue: string): [string, string] {
  if (hostValue.startsWith("[")) {
    const end = hostValue.indexOf("]");
    const rest = hostValue.slice(end + 1);
    return rest.startsWith(":") ? [hostValue.slice(0, end + 1), rest] : [hostValue, ""];
  }
  const i = hostValue.lastIndexOf(":");
  return i >= 0 && hostValue.indexOf(":") === i ? [hostValue.slice(0, i), hostValue.slice(i)] : [hostValue, ""];
}

const SCHEME_REDIRECT = /^(https?:\/\/)?(\[[\w:.]+\]|[\w._-]+)?(:\d+)?([\s\S]*)$/;

function redirectScheme(name: string, c: Obj): Middleware {
  const scheme = str(c.scheme);
  if (!scheme) throw new MiddlewareError("InvalidMiddleware", "redirectScheme: you must provide a target scheme");
  const confPort = str(c.port) ?? "";
  const port = confPort && !((scheme === "http" && confPort === "80") || (scheme === "https" && confPort === "443")) ? `:${confPort}` : "";
  const permanent = c.permanent === true;
  return {
    name,
    apply(s) {
      const [host, hp] = splitHostPort(s.req.host ?? "");
      const p = (s.scheme === "http" && hp === ":80") || (s.scheme === "https" && hp === ":443") ? "" : hp;
      const oldURL = `${s.scheme}://${host}${p}${s.target}`;
      const m = SCHEME_REDIRECT.exec(oldURL);
      if (!m) return undefined;
      const newURL = `${scheme}://${m[2] ?? ""}${port}${m[4] ?? ""}`;
      return newURL === oldURL ? undefined : redirectPage(newURL, permanent, s.req.method);
    },
  };
}

function redirectRegex(name: string, c: Obj): Middleware {
  const re = regexp(c.regex, "redirectRegex");
  const replacement = str(c.replacement) ?? "";
  const permanent = c.permanent === true;
  return {
    name,
    apply(s) {
      const oldURL = `${s.scheme}://${s.req.host ?? ""}${s.target}`;
      re.lastIndex = 0;
      if (!re.test(oldURL)) return undefined;
      const newURL = goReplaceAll(re, oldURL, replacement);
      if (newURL === oldURL) return undefined;
      return redirectPage(newURL, permanent, s.req.method);
    },
  };
}

function stripPrefix(name: string, c: Obj): Middleware {
  const prefixes = strs(c.prefixes);
  const forceSlash = c.forceSlash === true;
  return {
    name,
    apply(s) {
      const path = s.path;
      for (const prefix of prefixes) {
        if (!path.startsWith(prefix)) continue;
        const rest = path.slice(prefix.length);
        s.path = forceSlash ? `/${rest.replace(/^\//, "")}` : rest && !rest.startsWith("/") ? `/${rest}` : rest;
        s.setHeader("x-forwarded-prefix", prefix.trim());
        return undefined;
      }
      return undefined;
    },
  };
}

function stripPrefixRegex(name: string, c: Obj): Middleware {
  const res = strs(c.regex).map((r) => regexp(r, "stripPrefixRegex"));
  return {
    name,
    apply(s) {
      const path = s.path;
      for (const re of res) {
        re.lastIndex = 0;
        const m = re.exec(path);
        if (!m || !m[0] || !path.startsWith(m[0])) continue;
        const rest = path.replace(m[0], "");
        s.setHeader("x-forwarded-prefix", m[0]);
        s.path = rest && !rest.startsWith("/") ? `/${rest}` : rest;
        return undefined;
      }
      return undefined;
    },
  };
}

function addPrefix(name: string, c: Obj): Middleware {
  const prefix = str(c.prefix);
  if (!prefix) throw new MiddlewareError("InvalidMiddleware", "addPrefix: prefix cannot be empty");
  return { name, apply(s) { s.path = prefix + s.path; return undefined; } };
}

function replacePath(name: string, c: Obj): Middleware {
  const path = str(c.path) ?? "";
  return { name, apply(s) { s.setHeader("x-replaced-path", s.path); s.path = path; return undefined; } };
}

function replacePathRegex(name: string, c: Obj): Middleware {
  const re = regexp(c.regex, "replacePathRegex");
  const replacement = str(c.replacement) ?? "";
  return {
    name,
    apply(s) {
      const path = s.path;
      re.lastIndex = 0;
      if (!re.test(path)) return undefined;
      s.setHeader("x-replaced-path", path);
      s.path = goReplaceAll(re, path, replacement);
      return undefined;
    },
  };
}

const CORS_KEYS = ["accessControlAllowCredentials", "accessControlAllowHeaders", "accessControlAllowMethods", "accessControlAllowOriginList", "accessControlAllowOriginListRegex", "accessControlExposeHeaders", "accessControlMaxAge", "addVaryHeader"];
const UNSUPPORTED_HEADER_KEYS = [...CORS_KEYS, "allowedHosts", "hostsProxyHeaders", "sslProxyHeaders", "publicKey", "featurePolicy"];

function headers(name: string, c: Obj, env: CompileEnv): Middleware {
  const ignored = UNSUPPORTED_HEADER_KEYS.filter((k) => c[k] !== undefined);
  if (ignored.length) env.warn(`headers: ${ignored.join(", ")} not supported; ignored`);
  const req = Object.entries(obj(c.customRequestHeaders)).map(([k, v]) => [k.toLowerCase(), str(v) ?? ""] as const);
  const resp = Object.entries(obj(c.customResponseHeaders)).map(([k, v]) => [k.toLowerCase(), str(v) ?? ""] as const);
  // The security headers (Traefik's "secure" part), response side.
  const secure: [string, string][] = [];
  if (c.frameDeny === true) secure.push(["x-frame-options", "DENY"]);
  if (typeof c.customFrameOptionsValue === "string" && c.customFrameOptionsValue) secure.push(["x-frame-options", c.customFrameOptionsValue]);
  if (c.contentTypeNosniff === true) secure.push(["x-content-type-options", "nosniff"]);
  if (c.browserXssFilter === true) secure.push(["x-xss-protection", "1; mode=block"]);
  if (typeof c.customBrowserXSSValue === "string" && c.customBrowserXSSValue) secure.push(["x-xss-protection", c.customBrowserXSSValue]);
  if (typeof c.contentSecurityPolicy === "string" && c.contentSecurityPolicy) secure.push(["content-security-policy", c.contentSecurityPolicy]);
  if (typeof c.contentSecurityPolicyReportOnly === "string" && c.contentSecurityPolicyReportOnly) secure.push(["content-security-policy-report-only", c.contentSecurityPolicyReportOnly]);
  if (typeof c.referrerPolicy === "string" && c.referrerPolicy) secure.push(["referrer-policy", c.referrerPolicy]);
  if (typeof c.permissionsPolicy === "string" && c.permissionsPolicy) secure.push(["permissions-policy", c.permissionsPolicy]);
  const stsSeconds = typeof c.stsSeconds === "number" ? c.stsSeconds : 0;
  const sts = stsSeconds > 0 ? `max-age=${stsSeconds}${c.stsIncludeSubdomains === true ? "; includeSubDomains" : ""}${c.stsPreload === true ? "; preload" : ""}` : "";
  const forceSTS = c.forceSTSHeader === true;
  return {
    name,
    apply(s) {
      for (const [k, v] of req) s.setHeader(k, v === "" ? null : v);
      for (const [k, v] of secure) s.setResponseHeader(k, v);
      if (sts && (s.scheme === "https" || forceSTS)) s.setResponseHeader("strict-transport-security", sts);
      for (const [k, v] of resp) s.setResponseHeader(k, v === "" ? null : v);
      return undefined;
    },
  };
}

function basicAuth(name: string, namespace: string, c: Obj, env: CompileEnv): Middleware {
  const secretName = str(c.secret);
  if (!secretName) throw new MiddlewareError("InvalidMiddleware", "basicAuth: auth secret must be set");
  const secret = env.secret(namespace, secretName);
  if (!secret) throw new MiddlewareError("InvalidMiddleware", `basicAuth: secret '${namespace}/${secretName}' not found`);
  const data = secret.data ?? {};
  const decode = (v: string) => Buffer.from(v, "base64").toString("utf8");
  let lines: string;
  if (secret.type === "kubernetes.io/basic-auth") {
    if (data.username === undefined || data.password === undefined) throw new MiddlewareError("InvalidMiddleware", `basicAuth: secret '${namespace}/${secretName}' must contain both username and password keys`);
    const sha = new Bun.CryptoHasher("sha1").update(decode(data.password)).digest("base64");
    lines = `${decode(data.username)}:{SHA}${sha}`;
  } else {
    const values = Object.values(data);
    if (values.length !== 1) throw new MiddlewareError("InvalidMiddleware", `basicAuth: found ${values.length} elements for secret '${namespace}/${secretName}', must be single element exactly`);
    lines = decode(values[0]!);
  }
  const users = new Map<string, string>();
  for (const u of parseHtpasswd(lines)) if (!users.has(u.user)) users.set(u.user, u.hash);
  if (users.size === 0) throw new MiddlewareError("InvalidMiddleware", `basicAuth: secret '${namespace}/${secretName}' has no users`);
  const realm = str(c.realm) || "traefik";
  const removeHeader = c.removeHeader === true;
  const headerField = str(c.headerField);
  const denied: Page = { status: 401, headers: { "www-authenticate": `Basic realm="${realm}"`, "content-type": TEXT }, body: "401 Unauthorized\n" };
  const allow = (s: MwState, user: string) => {
    if (headerField) s.setHeader(headerField, user);
    if (removeHeader) s.setHeader("authorization", null);
    return undefined;
  };
  return {
    name,
    apply(s) {
      const auth = s.header("authorization");
      if (!auth || !/^basic /i.test(auth)) return denied;
      const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return denied;
      const user = decoded.slice(0, colon), password = decoded.slice(colon + 1);
      const hash = users.get(user);
      if (hash === undefined) return denied;
      return verifyHtpasswd(password, hash).then((ok) => (ok ? allow(s, user) : denied));
    },
  };
}

function ipAllowList(name: string, c: Obj): Middleware {
  const ranges: IpRange[] = [];
  for (const r of strs(c.sourceRange)) {
    try { ranges.push(parseIpRange(r)); } catch (err) { throw new MiddlewareError("InvalidMiddleware", `ipAllowList: ${(err as Error).message}`); }
  }
  if (ranges.length === 0) throw new MiddlewareError("InvalidMiddleware", "ipAllowList: sourceRange is empty, IPAllowLister not created");
  const strategy = obj(c.ipStrategy);
  const depth = typeof strategy.depth === "number" ? strategy.depth : 0;
  const excluded = strs(strategy.excludedIPs).map((r) => parseIpRange(r));
  const status = typeof c.rejectStatusCode === "number" && c.rejectStatusCode >= 100 ? c.rejectStatusCode : 403;
  const forbidden: Page = { status, headers: { "content-type": TEXT }, body: status === 403 ? "Forbidden" : "" };
  const clientIP = (s: MwState): string => {
    if (depth <= 0 && excluded.length === 0) return s.req.ip;
    const xff = (s.header("x-forwarded-for") ?? "").split(",").map((x) => x.trim()).filter(Boolean);
    if (depth > 0) return depth <= xff.length ? xff[xff.length - depth]! : "";
    for (let i = xff.length - 1; i >= 0; i--) if (!excluded.some((e) => e.contains(xff[i]!))) return xff[i]!;
    return "";
  };
  return {
    name,
    apply(s) {
      const ip = clientIP(s);
      return ip && ranges.some((r) => r.contains(ip)) ? undefined : forbidden;
    },
  };
}

/** Compiles one Middleware object; throws MiddlewareError. */
export function compileMiddleware(m: MiddlewareObject, env: CompileEnv): Middleware {
  const namespace = m.metadata.namespace ?? "default";
  const name = `${namespace}-${m.metadata.name ?? ""}`;
  const spec = obj(m.spec);
  const kinds = Object.keys(spec).filter((k) => spec[k] !== undefined && spec[k] !== null);
  if (kinds.length === 0) throw new MiddlewareError("InvalidMiddleware", `middleware ${name} has no configuration`);
  const unsupported = kinds.filter((k) => !SUPPORTED.includes(k));
  if (unsupported.length) throw new MiddlewareError("UnsupportedMiddleware", `middleware ${name}: ${unsupported.join(", ")} not supported by lite`);
  if (kinds.length > 1) throw new MiddlewareError("InvalidMiddleware", `middleware ${name} has more than one type (${kinds.join(", ")})`);
  const kind = kinds[0]!, c = obj(spec[kind]);
  switch (kind) {
    case "redirectScheme": return redirectScheme(name, c);
    case "redirectRegex": return redirectRegex(name, c);
    case "stripPrefix": return stripPrefix(name, c);
    case "stripPrefixRegex": return stripPrefixRegex(name, c);
    case "addPrefix": return addPrefix(name, c);
    case "replacePath": return replacePath(name, c);
    case "replacePathRegex": return replacePathRegex(name, c);
    case "headers": return headers(name, c, env);
    case "basicAuth": return basicAuth(name, namespace, c, env);
    case "ipAllowList": case "ipWhiteList": return ipAllowList(name, c);
    case "chain": {
      const list = (Array.isArray(c.middlewares) ? c.middlewares : []).map((r) => obj(r)).map((r) => env.resolve(str(r.namespace) || namespace, str(r.name) ?? ""));
      return { name, apply: (s) => runMiddlewares(list, s) };
    }
  }
  throw new MiddlewareError("UnsupportedMiddleware", `middleware ${name}: ${kind} not supported`);
}
