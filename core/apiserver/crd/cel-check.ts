/**
 * Compile-time checks of CEL expressions, the part of cel-go's checker lite can do without a type
 * checker, reported in cel-go's issue format (`ERROR: <input>:L:C: <message>`, then the source line
 * and a caret under the column, issues in source order):
 * - syntax errors (CelSyntaxError and its offset);
 * - `undeclared reference to 'x' (in container '')`: an identifier that is no declared variable,
 *   macro variable or type name (at the identifier), and a function no library defines (at its `(`);
 * - `undefined field 'f'`: a select on a value whose declared shape certainly has no field `f`
 *   (CRD schema objects with `properties`, see rule-compile.ts; VAP's `variables`), at the `.`.
 * Anything this cannot decide (dynamic values, types of call results) is not reported. CEL this
 * implementation does not parse (UnsupportedCel other than syntax errors) is not reported either.
 */
import { qualifiedName } from "../../cel/names.ts";
import { compileCel } from "../../cel/compile-cache.ts";
import { isCelFunction, isCelTypeName } from "../../cel/evaluate.ts";
import { tokenize, type Token } from "../../cel/lex.ts";
import { CelSyntaxError, UnsupportedCel, type Expr } from "../../cel/parse.ts";

/** A field selection on a value of this shape certainly fails. */
export const NO_FIELD = Symbol("no such field");

/** What is statically known of a value; `undefined` everywhere means "dynamic, do not report". */
export interface Shape {
  select?(field: string): Shape | typeof NO_FIELD | undefined;
  index?(): Shape | undefined;
  /** The shapes of a comprehension's variables: one-variable form, and two-variable form. */
  iterate?(): { one?: Shape; two?: [Shape | undefined, Shape | undefined] };
}

export interface CheckEnv {
  /** The declared variables: a name maps to its shape (undefined = dynamic). */
  readonly variables: ReadonlyMap<string, Shape | undefined>;
}

interface Issue {
  readonly pos: number;
  readonly message: string;
}

type Locals = ReadonlyMap<string, Shape | undefined>;




/** Finds source offsets for issues (the parsed tree carries none): the n-th unused token that fits. */
class Locator {
  private readonly tokens: readonly Token[];
  private readonly used = new Set<number>();
  constructor(src: string) {
    let tokens: Token[] = [];
    try { tokens = tokenize(src); } catch { tokens = []; }
    this.tokens = tokens;
  }
  private find(fits: (i: number) => number | undefined): number {
    for (let i = 0; i < this.tokens.length; i++) {
      const pos = fits(i);
      if (pos !== undefined && !this.used.has(pos)) {
        this.used.add(pos);
        return pos;
      }
    }
    return 0;
  }
  private isOp = (i: number, text: string) => this.tokens[i]?.type === "op" && this.tokens[i]!.text === text;
  private isIdent = (i: number, text: string) => this.tokens[i]?.type === "ident" && this.tokens[i]!.text === text;
  /** An identifier `name` not after a `.` and not called. */
  ident(name: string): number {
    return this.find((i) => (this.isIdent(i, name) && !this.isOp(i - 1, ".") && !this.isOp(i + 1, "(") ? this.tokens[i]!.pos : undefined));
  }
  /** The `(` of a call of `name`. */
  call(name: string): number {
    return this.find((i) => (this.isIdent(i, name) && this.isOp(i + 1, "(") ? this.tokens[i + 1]!.pos : undefined));
  }
  /** The `.` before field `name` (or before `?name`). */
  select(name: string): number {
    return this.find((i) => (this.isOp(i, ".") && (this.isIdent(i + 1, name) || (this.isOp(i + 1, "?") && this.isIdent(i + 2, name))) ? this.tokens[i]!.pos : undefined));
  }
}

function check(e: Expr, env: CheckEnv, locals: Locals, issues: Issue[], at: Locator): Shape | undefined {
  const declared = (name: string) => locals.has(name) || env.variables.has(name);
  const shapeOf = (name: string) => (locals.has(name) ? locals.get(name) : env.variables.get(name));
  switch (e.kind) {
    case "lit": return undefined;
    case "ident": {
      if (declared(e.name)) return shapeOf(e.name);
      if (!isCelTypeName(e.name)) issues.push({ pos: at.ident(e.name), message: `undeclared reference to '${e.name}' (in container '')` });
      return undefined;
    }
    case "select": {
      const q = e.test || e.optional ? undefined : qualifiedName(e);
      if (q !== undefined && !locals.has(q.split(".")[0]!)) {
        if (env.variables.has(q)) return env.variables.get(q);
        if (!declared(q.split(".")[0]!) && isCelTypeName(q)) return undefined;
      }
      const target = check(e.target, env, locals, issues, at);
      const field = target?.select?.(e.field);
      if (field === NO_FIELD) {
        issues.push({ pos: at.select(e.field), message: `undefined field '${e.field}'` });
        return undefined;
      }
      return e.test ? undefined : field;
    }
    case "index": {
      const target = check(e.target, env, locals, issues, at);
      check(e.index, env, locals, issues, at);
      return target?.index?.();
    }
    case "call": {
      const namespace = e.target ? qualifiedName(e.target) : undefined;
      if (namespace !== undefined && !declared(namespace.split(".")[0]!) && isCelFunction(`${namespace}.${e.fn}`)) {
        for (const a of e.args) check(a, env, locals, issues, at);
        return undefined;
      }
      if (e.target) check(e.target, env, locals, issues, at);
      if (!isCelFunction(e.fn)) issues.push({ pos: at.call(e.fn), message: `undeclared reference to '${e.fn}' (in container '')` });
      for (const a of e.args) check(a, env, locals, issues, at);
      return undefined;
    }
    case "list": for (const i of e.items) check(i, env, locals, issues, at); return undefined;
    case "map": for (const m of e.entries) { check(m.key, env, locals, issues, at); check(m.value, env, locals, issues, at); } return undefined;
    case "unary": check(e.operand, env, locals, issues, at); return undefined;
    case "binary": check(e.left, env, locals, issues, at); check(e.right, env, locals, issues, at); return undefined;
    case "cond": check(e.test, env, locals, issues, at); check(e.then, env, locals, issues, at); check(e.else, env, locals, issues, at); return undefined;
    case "comprehension": {
      const target = check(e.target, env, locals, issues, at);
      const inner = new Map(locals);
      if (e.macro === "optMap" || e.macro === "optFlatMap") inner.set(e.variables[0]!, target);
      else {
        const it = target?.iterate?.();
        if (e.variables.length === 1) inner.set(e.variables[0]!, it?.one);
        else e.variables.forEach((v, i) => inner.set(v, it?.two?.[i]));
      }
      if (e.filter) check(e.filter, env, inner, issues, at);
      check(e.body, env, inner, issues, at);
      return undefined;
    }
  }
}

/** cel-go's issue text for `src` (line and column 1-based, columns in code points). */
export function formatIssues(src: string, issues: readonly Issue[]): string {
  const lines = src.split("\n");
  return [...issues].sort((a, b) => a.pos - b.pos).map(({ pos, message }) => {
    const before = src.slice(0, pos);
    const line = before.split("\n").length;
    const column = [...before.slice(before.lastIndexOf("\n") + 1)].length;
    const text = (lines[line - 1] ?? "").replace(/\t/g, " ");
    const caret = [...text].slice(0, column).map((c) => (c.length > 1 || c.charCodeAt(0) > 0x7f ? "\uff0e" : ".")).join("");
    return `ERROR: <input>:${line}:${column + 1}: ${message}\n | ${text}\n | ${caret}^`;
  }).join("\n");
}

/**
 * The issues of `src` in `env`, formatted as cel-go prints them (`issues.String()`), or undefined
 * when there are none (or the text is CEL this implementation does not parse).
 */
export function checkCel(src: string, env: CheckEnv): string | undefined {
  const e = compileCel(src);
  if (e instanceof CelSyntaxError) {
    const message = e.message.startsWith("Syntax error:") ? e.message : `Syntax error: ${e.message}`;
    return formatIssues(src, [{ pos: e.position, message }]);
  }
  if (e instanceof UnsupportedCel) return undefined;
  const issues: Issue[] = [];
  check(e, env, new Map(), issues, new Locator(src));
  return issues.length ? formatIssues(src, issues) : undefined;
}

/** Whether `e` refers to the variable `name` (not shadowed by a macro variable): upstream's "uses oldSelf". */
export function referencesVariable(e: Expr, name: string): boolean {
  switch (e.kind) {
    case "lit": return false;
    case "ident": return e.name === name;
    case "select": return referencesVariable(e.target, name);
    case "index": return referencesVariable(e.target, name) || referencesVariable(e.index, name);
    case "call": return (e.target !== undefined && referencesVariable(e.target, name)) || e.args.some((a) => referencesVariable(a, name));
    case "list": return e.items.some((i) => referencesVariable(i, name));
    case "map": return e.entries.some((m) => referencesVariable(m.key, name) || referencesVariable(m.value, name));
    case "unary": return referencesVariable(e.operand, name);
    case "binary": return referencesVariable(e.left, name) || referencesVariable(e.right, name);
    case "cond": return referencesVariable(e.test, name) || referencesVariable(e.then, name) || referencesVariable(e.else, name);
    case "comprehension":
      if (referencesVariable(e.target, name)) return true;
      if (e.variables.includes(name)) return false;
      return (e.filter !== undefined && referencesVariable(e.filter, name)) || referencesVariable(e.body, name);
  }
}
