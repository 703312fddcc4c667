/**
 * Traefik v3 router rules (the `match` of an IngressRoute route): parsing and matching. Pure.
 *
 * Syntax, as Traefik's muxer reads it: matcher calls with string arguments in backticks or double
 * quotes, combined with `&&`, `||` (`&&` binds tighter), `!` and parentheses. Matchers:
 * `Host(host)` (case-insensitive, port ignored, a trailing dot on either side ignored),
 * `HostRegexp(re)`, `Path(path)`, `PathPrefix(prefix)`, `PathRegexp(re)` (the decoded path),
 * `Method(m)`, `Header(name, value)`, `HeaderRegexp(name, re)`, `Query(key[, value])`,
 * `QueryRegexp(key, re)` (any value of the key), `ClientIP(ip or CIDR)` (the connection's address).
 * Regular expressions are Go's (RE2) syntax, unanchored, translated to JavaScript (goRegexp).
 */
import { parseIpRange, type IpRange } from "./ip-range.ts";

/** What a rule reads of a request besides host and path (the raw `web` exchange or a Bun.serve request). */
export interface RequestView {
  readonly method: string;
  /** Every value of the field (one per field line), lower-case name. */
  headerValues(name: string): string[];
  /** The raw query string, without "?" ("" when none). */
  readonly query: string;
  /** The client connection's address (IPv4-mapped IPv6 as plain IPv4). */
  readonly ip: string;
}

/** host: lower-case, without port; path: decoded. */
export type RuleMatcher = (host: string, path: string, req: RequestView) => boolean;

export class RuleError extends Error {}

type Node =
  | { op: "and"; left: Node; right: Node }
  | { op: "or"; left: Node; right: Node }
  | { op: "not"; expr: Node }
  | { op: "call"; name: string; args: string[] };

type Token = { t: "ident" | "str" | "(" | ")" | "," | "&&" | "||" | "!"; v: string; at: number };

function tokenize(rule: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") { i++; continue; }
    if (c === "(" || c === ")" || c === "," || c === "!") { out.push({ t: c, v: c, at: i }); i++; continue; }
    if ((c === "&" || c === "|") && rule[i + 1] === c) { out.push({ t: c === "&" ? "&&" : "||", v: c + c, at: i }); i += 2; continue; }
    if (c === "`") {
      const end = rule.indexOf("`", i + 1);
      if (end < 0) throw new RuleError(`unterminated string at ${i}`);
      out.push({ t: "str", v: rule.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < rule.length && rule[j] !== '"') j += rule[j] === "\\" ? 2 : 1;
      if (j >= rule.length) throw new RuleError(`unterminated string at ${i}`);
      try { out.push({ t: "str", v: JSON.parse(rule.slice(i, j + 1)) as string, at: i }); } catch { throw new RuleError(`bad string at ${i}`); }
      i = j + 1;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rule.slice(i));
    if (!m) throw new RuleError(`unexpected ${JSON.stringify(c)} at ${i}`);
    out.push({ t: "ident", v: m[0], at: i });
    i += m[0].length;
  }
  return out;
}

/** Parses a rule into its syntax tree; throws RuleError. */
export function parseRule(rule: string): Node {
  const toks = tokenize(rule);
  let p = 0;
  const peek = () => toks[p];
  const expect = (t: Token["t"]) => {
    const tok = toks[p];
    if (!tok || tok.t !== t) throw new RuleError(tok ? `expected ${t} at ${tok.at}, got ${JSON.stringify(tok.v)}` : `expected ${t} at the end of the rule`);
    p++;
    return tok;
  };
  const or = (): Node => {
    let left = and();
    while (peek()?.t === "||") { p++; left = { op: "or", left, right: and() }; }
    return left;
  };
  const and = (): Node => {
    let left = unary();
    while (peek()?.t === "&&") { p++; left = { op: "and", left, right: unary() }; }
    return left;
  };
  const unary = (): Node => {
    const tok = peek();
    if (!tok) throw new RuleError("unexpected end of the rule");
    if (tok.t === "!") { p++; return { op: "not", expr: unary() }; }
    if (tok.t === "(") { p++; const e = or(); expect(")"); return e; }
    const name = expect("ident").v;
    expect("(");
    const args: string[] = [];
    if (peek()?.t !== ")") {
      args.push(expect("str").v);
      while (peek()?.t === ",") { p++; args.push(expect("str").v); }
    }
    expect(")");
    return { op: "call", name, args };
  };
  if (toks.length === 0) throw new RuleError("empty rule");
  const tree = or();
  if (p < toks.length) throw new RuleError(`unexpected ${JSON.stringify(toks[p]!.v)} at ${toks[p]!.at}`);
  return tree;
}

const ARITY: Record<string, number[]> = {
  ClientIP: [1], Method: [1], Host: [1], HostRegexp: [1], Path: [1], PathRegexp: [1], PathPrefix: [1],
  Header: [2], HeaderRegexp: [2], Query: [1, 2], QueryRegexp: [1, 2],
};

/** Compiles a rule; throws RuleError for bad syntax, unknown matchers, wrong arity, bad regexps. */
export function compileRule(rule: string): RuleMatcher {
  return compile(parseRule(rule));
}

function compile(n: Node): RuleMatcher {
  if (n.op === "and") { const l = compile(n.left), r = compile(n.right); return (h, p, q) => l(h, p, q) && r(h, p, q); }
  if (n.op === "or") { const l = compile(n.left), r = compile(n.right); return (h, p, q) => l(h, p, q) || r(h, p, q); }
  if (n.op === "not") { const e = compile(n.expr); return (h, p, q) => !e(h, p, q); }
  const arity = ARITY[n.name];
  if (!arity) throw new RuleError(`unknown matcher ${n.name}`);
  if (!arity.includes(n.args.length)) throw new RuleError(`${n.name}: unexpected number of parameters; got ${n.args.length}, expected one of [${arity.join(" ")}]`);
  const [a, b] = n.args as [string, string | undefined];
  switch (n.name) {
    case "Host": {
      if (!/^[\x00-\x7f]*$/.test(a)) throw new RuleError(`invalid value ${JSON.stringify(a)} for Host matcher, non-ASCII characters are not allowed`);
      const host = a.toLowerCase().replace(/\.$/, "");
      return (h) => h !== "" && (h === host || (h.endsWith(".") && h.slice(0, -1) === host));
    }
    case "HostRegexp": { const re = goRegexp(a); return (h) => re.test(h); }
    case "Path":
      if (!a.startsWith("/")) throw new RuleError(`path ${JSON.stringify(a)} does not start with a '/'`);
      return (_h, p) => p === a;
    case "PathPrefix":
      if (!a.startsWith("/")) throw new RuleError(`path ${JSON.stringify(a)} does not start with a '/'`);
      return (_h, p) => p.startsWith(a);
    case "PathRegexp": { const re = goRegexp(a); return (_h, p) => re.test(p); }
    case "Method": { const m = a.toUpperCase(); return (_h, _p, q) => q.method === m; }
    case "Header": { const name = a.toLowerCase(); return (_h, _p, q) => q.headerValues(name).includes(b!); }
    case "HeaderRegexp": { const name = a.toLowerCase(), re = goRegexp(b!); return (_h, _p, q) => q.headerValues(name).some((v) => re.test(v)); }
    case "Query": { const v = b ?? ""; return (_h, _p, q) => queryValues(q.query, a)?.includes(v) ?? false; }
    case "QueryRegexp": {
      if (b === undefined) return (_h, _p, q) => queryValues(q.query, a)?.includes("") ?? false;
      const re = goRegexp(b);
      return (_h, _p, q) => queryValues(q.query, a)?.some((v) => re.test(v)) ?? false;
    }
    case "ClientIP": {
      let range: IpRange;
      try { range = parseIpRange(a); } catch (err) { throw new RuleError(`initializing IP checker for ClientIP matcher: ${(err as Error).message}`); }
      return (_h, _p, q) => range.contains(q.ip);
    }
  }
  throw new RuleError(`unknown matcher ${n.name}`);
}

/** The values of a query key (Go's url.ParseQuery: `+` is a space), or undefined when absent. */
export function queryValues(query: string, key: string): string[] | undefined {
  if (!query) return undefined;
  let out: string[] | undefined;
  for (const part of query.split(/[&;]/)) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const k = dec(eq < 0 ? part : part.slice(0, eq)), v = eq < 0 ? "" : dec(part.slice(eq + 1));
    if (k === key) (out ??= []).push(v);
  }
  return out;
}

function dec(s: string): string {
  const t = s.replace(/\+/g, " ");
  try { return decodeURIComponent(t); } catch { return t; }
}

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z", alpha: "A-Za-z", ascii: "\\x00-\\x7F", blank: "\\t ", cntrl: "\\x00-\\x1F\\x7F", digit: "0-9",
  graph: "!-~", lower: "a-z", print: " -~", punct: "!-\\/:-@\\[-`{-~", space: "\\t\\n\\v\\f\\r ", upper: "A-Z", word: "0-9A-Za-z_", xdigit: "0-9A-Fa-f",
};

/**
 * A Go (RE2) regular expression as a JavaScript RegExp: leading flag groups `(?i)`, `(?s)`,
 * `(?m)` become flags (`(?U)` and flags elsewhere are refused), `(?P<name>` named groups,
 * `\A`/`\z` anchors, `\Q...\E` literals, POSIX classes `[[:alpha:]]`; `\p{..}` turns on Unicode
 * mode. Throws RuleError when the result does not compile.
 */
export function goRegexp(src: string): RegExp {
  let flags = "";
  let s = src;
  for (;;) {
    const m = /^\(\?([imsU]+)\)/.exec(s);
    if (!m) break;
    for (const f of m[1]!) {
      if (f === "U") throw new RuleError(`regexp ${JSON.stringify(src)}: the U flag is not supported`);
      if (!flags.includes(f)) flags += f;
    }
    s = s.slice(m[0].length);
  }
  let out = "";
  let inClass = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\") {
      const n = s[i + 1];
      if (n === undefined) throw new RuleError(`regexp ${JSON.stringify(src)}: trailing backslash`);
      if (n === "Q") {
        const end = s.indexOf("\\E", i + 2);
        const lit = s.slice(i + 2, end < 0 ? s.length : end);
        out += lit.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
        i = end < 0 ? s.length : end + 1;
        continue;
      }
      if (n === "p" || n === "P") {
        let name: string, len: number;
        if (s[i + 2] === "{") { const end = s.indexOf("}", i + 3); if (end < 0) throw new RuleError(`regexp ${JSON.stringify(src)}: bad \\${n}`); name = s.slice(i + 3, end); len = end - i + 1; }
        else { name = s[i + 2] ?? ""; len = 3; }
        let neg = n === "P";
        if (name.startsWith("^")) { neg = !neg; name = name.slice(1); }
        // One- or two-letter names are general categories; others are scripts (Go's \p{Greek}).
        out += `\\${neg ? "P" : "p"}{${/^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`}}`;
        i += len - 1;
        continue;
      }
      if (!inClass && n === "A") { out += "(?<![\\s\\S])"; i++; continue; }
      if (!inClass && n === "z") { out += "(?![\\s\\S])"; i++; continue; }
      out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "[" && s[i + 1] === ":") {
        const end = s.indexOf(":]", i + 2);
        const name = end < 0 ? "" : s.slice(i + 2, end);
        const neg = name.startsWith("^");
        const cls = POSIX[neg ? name.slice(1) : name];
        if (cls === undefined || neg) throw new RuleError(`regexp ${JSON.stringify(src)}: unsupported character class [:${name}:]`);
        out += cls;
        i = end + 1;
        continue;
      }
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (s[i + 1] === "^") { out += "^"; i++; }
      if (s[i + 1] === "]") { out += "\\]"; i++; } // a leading ] is literal in RE2
      continue;
    }
    if (c === "(" && s.startsWith("(?P<", i)) { out += "(?<"; i += 3; continue; }
    if (c === "(" && s[i + 1] === "?" && /^\(\?[imsU-]+[:)]/.test(s.slice(i))) throw new RuleError(`regexp ${JSON.stringify(src)}: flags inside the expression are not supported`);
    out += c;
  }
  if (/\\[pP]/.test(out)) flags += "u";
  try {
    return new RegExp(out, flags);
  } catch (err) {
    throw new RuleError(`regexp ${JSON.stringify(src)}: ${(err as Error).message}`);
  }
}
