/**
 * A parser for CEL (cel-spec langdef.md) as Kubernetes enables it: literals (lex.ts), identifiers
 * and namespaced names, member access, indexing, calls and receiver calls, lists and maps (with
 * trailing commas), unary `!`/`-`, `* / %`, `+ -`, relations (`== != < <= > >= in`), `&&`, `||`
 * and `? :` with CEL's precedence; the optional syntax (`a.?b`, `a[?k]`, `[?x]`, `{?k: v}`); and
 * the macros: `has(a.b)`, `all`/`exists`/`exists_one` (one or two variables), `existsOne` (two),
 * `map` (2 or 3 arguments), `filter`, `transformList`/`transformMap`/`transformMapEntry`
 * (two variables, optional filter) and `optMap`/`optFlatMap`.
 *
 * Text that is not CEL is a CelSyntaxError with its offset. CEL this implementation does not
 * handle is an UnsupportedCel: names resolved from the root (`.name`), message construction
 * (`Foo{a: 1}`), and characters no CEL token starts with.
 */
import { CelSyntaxError, UnsupportedCel } from "./errors.ts";
import { tokenize, type Token } from "./lex.ts";
import type { CelValue } from "./values.ts";

export { CelSyntaxError, UnsupportedCel } from "./errors.ts";

export type Expr =
  | { readonly kind: "lit"; readonly value: CelValue }
  | { readonly kind: "ident"; readonly name: string }
  /** `a.b`; `test` for `has(a.b)`; `optional` for `a.?b`. */
  | { readonly kind: "select"; readonly target: Expr; readonly field: string; readonly test?: boolean; readonly optional?: boolean }
  /** `a[k]`; `optional` for `a[?k]`. */
  | { readonly kind: "index"; readonly target: Expr; readonly index: Expr; readonly optional?: boolean }
  | { readonly kind: "call"; readonly fn: string; readonly target?: Expr; readonly args: readonly Expr[] }
  /** `optional[i]` marks `?x` elements (kept only when the optional has a value). */
  | { readonly kind: "list"; readonly items: readonly Expr[]; readonly optional?: readonly boolean[] }
  | { readonly kind: "map"; readonly entries: readonly MapEntry[] }
  | { readonly kind: "unary"; readonly op: "!" | "-"; readonly operand: Expr }
  | { readonly kind: "binary"; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "cond"; readonly test: Expr; readonly then: Expr; readonly else: Expr }
  /** A macro over `target`, binding `variables` (one, or two for the two-variable forms); `filter` for `map(x, p, e)` and 4-argument transforms. */
  | { readonly kind: "comprehension"; readonly macro: string; readonly target: Expr; readonly variables: readonly string[]; readonly filter?: Expr; readonly body: Expr };

/** A map literal entry; `optional` for `?k: v` (kept only when `v` has a value). */
export type MapEntry = { readonly key: Expr; readonly value: Expr; readonly optional: boolean };

/** Receiver macros: the argument counts that make a call a macro, and how many leading arguments are variables. */
const MACROS: Record<string, Record<number, { vars: number; filter: boolean }>> = {
  all: { 2: { vars: 1, filter: false }, 3: { vars: 2, filter: false } },
  exists: { 2: { vars: 1, filter: false }, 3: { vars: 2, filter: false } },
  exists_one: { 2: { vars: 1, filter: false }, 3: { vars: 2, filter: false } },
  existsOne: { 3: { vars: 2, filter: false } },
  map: { 2: { vars: 1, filter: false }, 3: { vars: 1, filter: true } },
  filter: { 2: { vars: 1, filter: false } },
  transformList: { 3: { vars: 2, filter: false }, 4: { vars: 2, filter: true } },
  transformMap: { 3: { vars: 2, filter: false }, 4: { vars: 2, filter: true } },
  transformMapEntry: { 3: { vars: 2, filter: false }, 4: { vars: 2, filter: true } },
  optMap: { 2: { vars: 1, filter: false } },
  optFlatMap: { 2: { vars: 1, filter: false } },
};

/** Identifiers CEL reserves (langdef.md); `in`, `true`, `false` and `null` are tokens of their own. */
const RESERVED = new Set(["as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"]);
const KEYWORDS = new Set(["in", "true", "false", "null"]);
const INT_MAX = 0x7fffffffffffffffn;

function describe(t: Token): string {
  return t.type === "eof" ? "end of input" : `'${t.text}'`;
}

export function parseCel(src: string): Expr {
  const tokens = tokenize(src);
  let p = 0;
  const peek = (ahead = 0) => tokens[Math.min(p + ahead, tokens.length - 1)]!;
  const next = () => tokens[p++]!;
  const isOp = (text: string, ahead = 0) => peek(ahead).type === "op" && peek(ahead).text === text;
  const unexpected = (t: Token, expecting?: string) =>
    new CelSyntaxError(`Syntax error: mismatched input ${describe(t)}${expecting ? ` expecting ${expecting}` : ""}`, t.pos);
  const expect = (text: string) => {
    if (!isOp(text)) throw unexpected(peek(), `'${text}'`);
    p++;
  };
  const accept = (text: string) => (isOp(text) ? (p++, true) : false);

  const expr = (): Expr => {
    const test = or();
    if (!accept("?")) return test;
    const then = or();
    expect(":");
    return { kind: "cond", test, then, else: expr() };
  };
  const binaryLevel = (ops: readonly string[], inner: () => Expr) => (): Expr => {
    let left = inner();
    for (;;) {
      const t = peek();
      const op = (t.type === "op" || (t.type === "ident" && t.text === "in")) && ops.includes(t.text) ? t.text : undefined;
      if (!op) return left;
      p++;
      left = { kind: "binary", op, left, right: inner() };
    }
  };

  /** `!`+ member or `-`+ member; an even run cancels out (as cel-go's parser does). A `-` before a number is the literal's sign. */
  const unary = (): Expr => {
    if (!isOp("!") && !isOp("-")) return member(primary());
    const op = peek().text as "!" | "-";
    let n = 0;
    while (accept(op)) n++;
    let operand: Expr;
    if (op === "-" && (peek().type === "int" || peek().type === "double")) {
      n--;
      operand = member(literal(next(), true));
    } else if (op === "!" && isOp("-") && (peek(1).type === "int" || peek(1).type === "double")) {
      p++;
      operand = member(literal(next(), true));
    } else {
      operand = member(primary());
    }
    return n % 2 === 1 ? { kind: "unary", op, operand } : operand;
  };
  const multiplicative = binaryLevel(["*", "/", "%"], unary);
  const additive = binaryLevel(["+", "-"], multiplicative);
  const relation = binaryLevel(["==", "!=", "<", "<=", ">", ">=", "in"], additive);
  const and = binaryLevel(["&&"], relation);
  const or = binaryLevel(["||"], and);

  const args = (): Expr[] => {
    const out: Expr[] = [];
    expect("(");
    if (!isOp(")")) do out.push(expr()); while (accept(","));
    expect(")");
    return out;
  };

  const literal = (t: Token, negative = false): Expr => {
    if (t.type === "int") {
      const v = negative ? -(t.value as bigint) : (t.value as bigint);
      if (v > INT_MAX || v < -INT_MAX - 1n) throw new CelSyntaxError(`invalid int literal: ${negative ? "-" : ""}${t.text}`, t.pos);
      return { kind: "lit", value: v };
    }
    if (t.type === "double") return { kind: "lit", value: negative ? -(t.value as number) : (t.value as number) };
    return { kind: "lit", value: t.value as CelValue };
  };

  const macro = (name: string, target: Expr, a: readonly Expr[], pos: number): Expr | undefined => {
    const shape = MACROS[name]?.[a.length];
    if (!shape) return undefined;
    const variables = a.slice(0, shape.vars).map((v) => {
      if (v.kind !== "ident") throw new CelSyntaxError(`${name}() variable names must be simple identifiers`, pos);
      return v.name;
    });
    if (variables.length === 2 && variables[0] === variables[1]) throw new CelSyntaxError(`${name}() variables must differ`, pos);
    const filter = shape.filter ? a[shape.vars] : undefined;
    return { kind: "comprehension", macro: name, target, variables, ...(filter ? { filter } : {}), body: a[a.length - 1]! };
  };

  const fieldName = (): Token => {
    const name = next();
    if (name.type !== "ident" || KEYWORDS.has(name.text)) throw unexpected(name, "a field name");
    return name;
  };

  /** Postfix selections, indexes and receiver calls on `e`. */
  const member = (start: Expr): Expr => {
    let e = start;
    for (;;) {
      if (accept(".")) {
        const optional = accept("?");
        const name = fieldName();
        if (!optional && isOp("(")) {
          const a = args();
          e = macro(name.text, e, a, name.pos) ?? { kind: "call", fn: name.text, target: e, args: a };
        } else {
          e = { kind: "select", target: e, field: name.text, ...(optional ? { optional } : {}) };
        }
        continue;
      }
      if (accept("[")) {
        const optional = accept("?");
        const index = expr();
        expect("]");
        e = { kind: "index", target: e, index, ...(optional ? { optional } : {}) };
        continue;
      }
      if (isOp("{") && isQualified(e)) throw new UnsupportedCel(`message construction is not supported (at ${peek().pos})`);
      return e;
    }
  };

  const primary = (): Expr => {
    const t = next();
    if (t.type === "int" || t.type === "uint" || t.type === "double" || t.type === "str" || t.type === "bytes") return literal(t);
    if (t.type === "ident") {
      if (t.text === "true" || t.text === "false") return { kind: "lit", value: t.text === "true" };
      if (t.text === "null") return { kind: "lit", value: null };
      if (t.text === "in") throw unexpected(t);
      if (RESERVED.has(t.text)) throw new CelSyntaxError(`reserved identifier: ${t.text}`, t.pos);
      if (isOp("(")) {
        const a = args();
        if (t.text === "has" && a.length === 1) {
          const arg = a[0]!;
          if (arg.kind !== "select" || arg.optional) throw new CelSyntaxError("invalid argument to has() macro", t.pos);
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
      const optional: boolean[] = [];
      while (!isOp("]")) {
        optional.push(accept("?"));
        items.push(expr());
        if (!accept(",")) break;
      }
      expect("]");
      return optional.some(Boolean) ? { kind: "list", items, optional } : { kind: "list", items };
    }
    if (t.type === "op" && t.text === "{") {
      const entries: MapEntry[] = [];
      while (!isOp("}")) {
        const optional = accept("?");
        const key = expr();
        expect(":");
        entries.push({ key, value: expr(), optional });
        if (!accept(",")) break;
      }
      expect("}");
      return { kind: "map", entries };
    }
    if (t.type === "op" && t.text === ".") {
      // `.name` (a name resolved from the root) is CEL this parser does not handle; `.` before anything else is not CEL.
      if (peek().type === "ident") throw new UnsupportedCel(`leading-dot names are not supported (at ${t.pos})`);
      throw new CelSyntaxError(`unexpected ${describe(peek())} after '.'`, peek().pos);
    }
    throw new CelSyntaxError(`unexpected ${describe(t)}`, t.pos);
  };

  const e = expr();
  if (peek().type !== "eof") throw unexpected(peek(), "end of input");
  return e;
}

function isQualified(e: Expr): boolean {
  return e.kind === "ident" || (e.kind === "select" && !e.optional && !e.test && isQualified(e.target));
}
