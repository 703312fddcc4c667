/**
 * A parser for the subset of CEL (github.com/google/cel-spec) that admission match conditions use:
 * literals (int, double, string with escapes and raw strings, bool, null, lists, maps), identifiers,
 * member access, indexing, calls and receiver calls, the macros `has`, `all`, `exists`,
 * `exists_one`, `map`, `filter`, unary `!` and `-`, `* / %`, `+ -`, relations (`== != < <= > >= in`),
 * `&&`, `||` and `? :`, with CEL's precedence. Anything else is an UnsupportedCel error, so callers
 * can tell "not understood here" from "false".
 */

export type Expr =
  | { readonly kind: "lit"; readonly value: unknown }
  | { readonly kind: "ident"; readonly name: string }
  | { readonly kind: "select"; readonly target: Expr; readonly field: string; readonly test?: boolean }
  | { readonly kind: "index"; readonly target: Expr; readonly index: Expr }
  | { readonly kind: "call"; readonly fn: string; readonly target?: Expr; readonly args: readonly Expr[] }
  | { readonly kind: "list"; readonly items: readonly Expr[] }
  | { readonly kind: "map"; readonly entries: readonly (readonly [Expr, Expr])[] }
  | { readonly kind: "unary"; readonly op: "!" | "-"; readonly operand: Expr }
  | { readonly kind: "binary"; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "cond"; readonly test: Expr; readonly then: Expr; readonly else: Expr }
  | { readonly kind: "comprehension"; readonly macro: string; readonly target: Expr; readonly variable: string; readonly body: Expr };

/** Syntax this parser does not handle (it may still be valid CEL). */
export class UnsupportedCel extends Error {}

/**
 * Text that is not CEL at all, whatever the full grammar supports: an unterminated string, a token
 * no expression can start with, a `.` not followed by a name. `position` is the offending offset.
 * A subclass of UnsupportedCel, so callers that only tell "understood" from "not" need not care.
 */
export class CelSyntaxError extends UnsupportedCel {
  constructor(message: string, readonly position: number) {
    super(message);
  }
}

/** Tokens that may begin an expression (besides literals and names). */
const STARTS_EXPRESSION = new Set(["(", "[", "{", "!", "-", "."]);

type Token = { type: "num" | "str" | "ident" | "op" | "eof"; text: string; value?: unknown; pos: number };

const OPERATORS = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}"];
const MACROS = new Set(["all", "exists", "exists_one", "map", "filter"]);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "/" && src[i + 1] === "/") { while (i < src.length && src[i] !== "\n") i++; continue; }
    const start = i;
    if (/[0-9]/.test(c)) {
      const m = /^(0x[0-9a-fA-F]+|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)(u|U)?/.exec(src.slice(i))!;
      i += m[0].length;
      const text = m[1]!;
      const isDouble = !text.startsWith("0x") && (text.includes(".") || /[eE]/.test(text));
      out.push({ type: "num", text: m[0], value: isDouble ? Number(text) : BigInt(text), pos: start });
      continue;
    }
    const raw = (c === "r" || c === "R") && (src[i + 1] === "'" || src[i + 1] === '"');
    if (c === "'" || c === '"' || raw) {
      if (raw) i++;
      const q = src[i]!;
      const triple = src.startsWith(q.repeat(3), i);
      const close = triple ? q.repeat(3) : q;
      i += close.length;
      let value = "";
      for (;;) {
        if (i >= src.length) throw new CelSyntaxError("token recognition error: unterminated string literal", start);
        if (src.startsWith(close, i)) { i += close.length; break; }
        const ch = src[i]!;
        if (ch === "\\" && !raw) {
          const e = src[i + 1];
          const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?", a: "\x07", b: "\b", f: "\f", v: "\v" };
          if (e !== undefined && e in simple) { value += simple[e]; i += 2; continue; }
          throw new UnsupportedCel(`escape \\${e} at ${i}`);
        }
        value += ch;
        i++;
      }
      out.push({ type: "str", text: src.slice(start, i), value, pos: start });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      i += m[0].length;
      out.push({ type: "ident", text: m[0], pos: start });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new UnsupportedCel(`unexpected ${JSON.stringify(c)} at ${i}`);
    i += op.length;
    out.push({ type: "op", text: op, pos: start });
  }
  out.push({ type: "eof", text: "", pos: src.length });
  return out;
}

function describe(t: Token): string {
  return t.type === "eof" ? "end of input" : `'${t.text}'`;
}

export function parseCel(src: string): Expr {
  const tokens = tokenize(src);
  let p = 0;
  const peek = () => tokens[p]!;
  const next = () => tokens[p++]!;
  const isOp = (text: string) => peek().type === "op" && peek().text === text;
  const expect = (text: string) => {
    if (!isOp(text)) throw new UnsupportedCel(`expected ${text} at ${peek().pos}`);
    p++;
  };

  const expr = (): Expr => {
    const test = or();
    if (!isOp("?")) return test;
    p++;
    const then = or();
    expect(":");
    return { kind: "cond", test, then, else: expr() };
  };
  const binaryLevel = (ops: string[], inner: () => Expr) => (): Expr => {
    let left = inner();
    for (;;) {
      const t = peek();
      const op = t.type === "op" && ops.includes(t.text) ? t.text : t.type === "ident" && ops.includes(t.text) ? t.text : undefined;
      if (!op) return left;
      p++;
      left = { kind: "binary", op, left, right: inner() };
    }
  };
  const unary = (): Expr => {
    if (isOp("!") || isOp("-")) {
      const op = next().text as "!" | "-";
      return { kind: "unary", op, operand: unary() };
    }
    return member();
  };
  const multiplicative = binaryLevel(["*", "/", "%"], unary);
  const additive = binaryLevel(["+", "-"], multiplicative);
  const relation = binaryLevel(["==", "!=", "<", "<=", ">", ">=", "in"], additive);
  const and = binaryLevel(["&&"], relation);
  const or = binaryLevel(["||"], and);

  const args = (): Expr[] => {
    const out: Expr[] = [];
    expect("(");
    if (!isOp(")")) {
      do out.push(expr()); while (isOp(",") && next());
    }
    expect(")");
    return out;
  };

  const member = (): Expr => {
    let e = primary();
    for (;;) {
      if (isOp(".")) {
        p++;
        const name = next();
        if (name.type !== "ident") throw new CelSyntaxError(`unexpected ${describe(name)}, expecting a field name`, name.pos);
        if (isOp("(")) {
          const a = args();
          if (MACROS.has(name.text) && a.length === 2) {
            const v = a[0]!;
            if (v.kind !== "ident") throw new UnsupportedCel(`${name.text}: the first argument must be a variable`);
            e = { kind: "comprehension", macro: name.text, target: e, variable: v.name, body: a[1]! };
          } else {
            e = { kind: "call", fn: name.text, target: e, args: a };
          }
        } else {
          e = { kind: "select", target: e, field: name.text };
        }
        continue;
      }
      if (isOp("[")) {
        p++;
        const index = expr();
        expect("]");
        e = { kind: "index", target: e, index };
        continue;
      }
      return e;
    }
  };

  const primary = (): Expr => {
    const t = next();
    if (t.type === "num" || t.type === "str") return { kind: "lit", value: t.value };
    if (t.type === "ident") {
      if (t.text === "true" || t.text === "false") return { kind: "lit", value: t.text === "true" };
      if (t.text === "null") return { kind: "lit", value: null };
      if (isOp("(")) {
        const a = args();
        if (t.text === "has") {
          const arg = a[0];
          if (a.length !== 1 || arg?.kind !== "select") throw new UnsupportedCel("has() needs a field selection");
          return { ...arg, test: true };
        }
        return { kind: "call", fn: t.text, args: a };
      }
      return { kind: "ident", name: t.text };
    }
    if (t.type === "op" && t.text === "(") {
      const e = expr();
      expect(")");
      return e;
    }
    if (t.type === "op" && t.text === "[") {
      const items: Expr[] = [];
      if (!isOp("]")) do items.push(expr()); while (isOp(",") && next() && !isOp("]"));
      expect("]");
      return { kind: "list", items };
    }
    if (t.type === "op" && t.text === "{") {
      const entries: [Expr, Expr][] = [];
      if (!isOp("}")) {
        do {
          const k = expr();
          expect(":");
          entries.push([k, expr()]);
        } while (isOp(",") && next() && !isOp("}"));
      }
      expect("}");
      return { kind: "map", entries };
    }
    if (t.type === "op" && t.text === ".") {
      // `.name` (a name resolved from the root) is CEL this parser does not handle; `.` before anything else is not CEL.
      if (peek().type === "ident") throw new UnsupportedCel(`leading-dot names are not supported (at ${t.pos})`);
      throw new CelSyntaxError(`unexpected ${describe(peek())} after '.'`, peek().pos);
    }
    if ((t.type === "op" && !STARTS_EXPRESSION.has(t.text)) || t.type === "eof") throw new CelSyntaxError(`unexpected ${describe(t)}`, t.pos);
    throw new UnsupportedCel(`unexpected ${t.text || "end"} at ${t.pos}`);
  };

  const e = expr();
  if (peek().type !== "eof") throw new UnsupportedCel(`unexpected ${peek().text} at ${peek().pos}`);
  return e;
}
