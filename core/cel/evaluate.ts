/**
 * Evaluation of parsed CEL (parse.ts) over CEL values (values.ts), with CEL's semantics where
 * rules rely on them: `&&`/`||` absorb an error when the other side decides, selecting a missing
 * field is an error (`no such key`) that `has()` tests for, ints and doubles compare by value, and
 * the macros bind a variable per element. Functions beyond the few core ones here come from the
 * libraries (library/index.ts). Evaluation errors are CelError; a function or variable nobody
 * provides is UnsupportedCel.
 */
import { CEL_LIBRARIES } from "./library/index.ts";
import { FunctionRegistry } from "./library/registry.ts";
import { UnsupportedCel, type Expr } from "./parse.ts";
import { CelError, CelObject, celTypeName, fromJson, isCelMap, type CelValue } from "./values.ts";

export { CelError } from "./values.ts";

/** Inside the evaluator a value may also be `undefined` (an argument not given). */
type Value = CelValue | undefined;
export type Bindings = Readonly<Record<string, unknown>>;

const registry = new FunctionRegistry(CEL_LIBRARIES);
const isMap = isCelMap;
const isNum = (v: Value): v is number | bigint => typeof v === "number" || typeof v === "bigint";
const num = (v: number | bigint) => Number(v);
const typeName = celTypeName;

function equal(a: Value, b: Value): boolean {
  if (a instanceof CelObject) return a.equals(b ?? null);
  if (b instanceof CelObject) return b.equals(a ?? null);
  if (isNum(a) && isNum(b)) return num(a) === num(b);
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return a === b;
}

function compare(op: string, a: Value, b: Value): boolean {
  let x: number | string | boolean;
  let y: number | string | boolean;
  const reversed = b instanceof CelObject ? b.compare(a ?? null) : undefined;
  const ordered = a instanceof CelObject ? a.compare(b ?? null) : reversed === undefined ? undefined : -reversed;
  if (ordered !== undefined) { x = ordered; y = 0; }
  else if (isNum(a) && isNum(b)) { x = num(a); y = num(b); }
  else if (typeof a === "string" && typeof b === "string") { x = a; y = b; }
  else if (typeof a === "boolean" && typeof b === "boolean") { x = a; y = b; }
  else throw new CelError(`no such overload: ${typeName(a)} ${op} ${typeName(b)}`);
  switch (op) {
    case "<": return x < y;
    case "<=": return x <= y;
    case ">": return x > y;
    default: return x >= y;
  }
}

function arithmetic(op: string, a: Value, b: Value): Value {
  if (typeof a === "bigint" && typeof b === "bigint") {
    if ((op === "/" || op === "%") && b === 0n) throw new CelError(op === "/" ? "division by zero" : "modulus by zero");
    switch (op) {
      case "+": return a + b;
      case "-": return a - b;
      case "*": return a * b;
      case "/": return a / b;
      default: return a % b;
    }
  }
  if (typeof a === "number" && typeof b === "number" && op !== "%") {
    switch (op) {
      case "+": return a + b;
      case "-": return a - b;
      case "*": return a * b;
      default: return a / b;
    }
  }
  if (op === "+" && typeof a === "string" && typeof b === "string") return a + b;
  if (op === "+" && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  throw new CelError(`no such overload: ${typeName(a)} ${op} ${typeName(b)}`);
}

function asBool(v: Value, what: string): boolean {
  if (typeof v !== "boolean") throw new CelError(`${what}: expected bool, got ${typeName(v)}`);
  return v;
}

function items(v: Value, macro: string): Value[] {
  if (Array.isArray(v)) return v;
  if (isMap(v)) return Object.keys(v);
  throw new CelError(`${macro}: expected a list or map, got ${typeName(v)}`);
}

function callFunction(fn: string, target: Value | undefined, args: Value[]): Value {
  const str = (v: Value) => { if (typeof v !== "string") throw new CelError(`no such overload: ${fn}(${typeName(v)})`); return v; };
  switch (fn) {
    case "size": {
      const v = target === undefined ? args[0] : target;
      if (typeof v === "string") return BigInt([...v].length);
      if (Array.isArray(v)) return BigInt(v.length);
      if (isMap(v)) return BigInt(Object.keys(v).length);
      throw new CelError(`no such overload: size(${typeName(v)})`);
    }
    case "startsWith": return str(target).startsWith(str(args[0]));
    case "endsWith": return str(target).endsWith(str(args[0]));
    case "contains": return str(target).includes(str(args[0]));
    case "matches": {
      const [s, re] = target === undefined ? [args[0], args[1]] : [target, args[0]];
      try { return new RegExp(str(re)).test(str(s)); } catch (err) { throw new CelError(`invalid regex: ${(err as Error).message}`); }
    }
    case "lowerAscii": return str(target).replace(/[A-Z]/g, (c) => c.toLowerCase());
    case "upperAscii": return str(target).replace(/[a-z]/g, (c) => c.toUpperCase());
    case "string": {
      const v = args[0];
      if (typeof v === "string") return v;
      if (isNum(v) || typeof v === "boolean") return String(v);
      throw new CelError(`no such overload: string(${typeName(v)})`);
    }
    case "int": {
      const v = args[0];
      if (typeof v === "bigint") return v;
      if (typeof v === "number" && Number.isFinite(v)) return BigInt(Math.trunc(v));
      if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
      throw new CelError(`no such overload: int(${typeName(v)})`);
    }
    case "double": {
      const v = args[0];
      if (isNum(v)) return num(v);
      if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
      throw new CelError(`no such overload: double(${typeName(v)})`);
    }
  }
  const result = registry.call(fn, target, args.map((a) => a ?? null));
  if (result === undefined) throw new UnsupportedCel(`function ${fn} is not supported`);
  return result;
}

/** `a.b.c` as a dotted name when `e` is a chain of plain selects over an identifier. */
function qualifiedName(e: Expr): string | undefined {
  if (e.kind === "ident") return e.name;
  if (e.kind === "select" && !e.test) {
    const base = qualifiedName(e.target);
    return base === undefined ? undefined : `${base}.${e.field}`;
  }
  return undefined;
}

export function evaluateCel(e: Expr, vars: Bindings): Value {
  switch (e.kind) {
    case "lit": return e.value as Value;
    case "ident":
      if (!(e.name in vars)) throw new UnsupportedCel(`undeclared reference to '${e.name}'`);
      return fromJson(vars[e.name]);
    case "select": {
      const target = evaluateCel(e.target, vars);
      if (!isMap(target)) throw new CelError(`no such key: ${e.field}`);
      const present = Object.hasOwn(target, e.field) && target[e.field] !== undefined;
      if (e.test) return present;
      if (!present) throw new CelError(`no such key: ${e.field}`);
      return fromJson(target[e.field]);
    }
    case "index": {
      const target = evaluateCel(e.target, vars);
      const index = evaluateCel(e.index, vars);
      if (Array.isArray(target)) {
        if (!isNum(index)) throw new CelError(`no such overload: list[${typeName(index)}]`);
        const i = num(index);
        if (!Number.isInteger(i) || i < 0 || i >= target.length) throw new CelError(`index out of bounds: ${i}`);
        return fromJson(target[i]);
      }
      if (isMap(target)) {
        const key = String(index);
        if (!Object.hasOwn(target, key)) throw new CelError(`no such key: ${key}`);
        return fromJson(target[key]);
      }
      throw new CelError(`no such overload: ${typeName(target)}[${typeName(index)}]`);
    }
    case "list": return e.items.map((i) => evaluateCel(i, vars));
    case "map": return Object.fromEntries(e.entries.map(([k, v]) => [String(evaluateCel(k, vars)), evaluateCel(v, vars)]));
    case "unary": {
      const v = evaluateCel(e.operand, vars);
      if (e.op === "!") return !asBool(v, "!");
      if (typeof v === "bigint") return -v;
      if (typeof v === "number") return -v;
      throw new CelError(`no such overload: -${typeName(v)}`);
    }
    case "cond": return asBool(evaluateCel(e.test, vars), "?:") ? evaluateCel(e.then, vars) : evaluateCel(e.else, vars);
    case "binary": {
      if (e.op === "&&" || e.op === "||") {
        const decisive = e.op === "||";
        let error: unknown;
        for (const side of [e.left, e.right]) {
          try {
            if (asBool(evaluateCel(side, vars), e.op) === decisive) return decisive;
          } catch (err) {
            if (err instanceof UnsupportedCel) throw err;
            error = err;
          }
        }
        if (error) throw error;
        return !decisive;
      }
      const a = evaluateCel(e.left, vars);
      const b = evaluateCel(e.right, vars);
      switch (e.op) {
        case "==": return equal(a, b);
        case "!=": return !equal(a, b);
        case "<": case "<=": case ">": case ">=": return compare(e.op, a, b);
        case "in":
          if (Array.isArray(b)) return b.some((x) => equal(x, a));
          if (isMap(b)) return Object.hasOwn(b, String(a));
          throw new CelError(`no such overload: ${typeName(a)} in ${typeName(b)}`);
        default: return arithmetic(e.op, a, b);
      }
    }
    case "call": {
      // A namespaced function (`sets.contains(...)`, `optional.of(...)`) unless the name is a variable.
      const namespace = e.target ? qualifiedName(e.target) : undefined;
      if (namespace !== undefined && !(namespace.split(".")[0]! in vars) && registry.has(`${namespace}.${e.fn}`)) {
        return callFunction(`${namespace}.${e.fn}`, undefined, e.args.map((a) => evaluateCel(a, vars)));
      }
      const target = e.target ? evaluateCel(e.target, vars) : undefined;
      return callFunction(e.fn, target, e.args.map((a) => evaluateCel(a, vars)));
    }
    case "comprehension": {
      const list = items(evaluateCel(e.target, vars), e.macro);
      const each = (x: Value) => evaluateCel(e.body, { ...vars, [e.variable]: fromJson(x) });
      switch (e.macro) {
        case "all": return list.every((x) => asBool(each(x), "all"));
        case "exists": return list.some((x) => asBool(each(x), "exists"));
        case "exists_one": return list.filter((x) => asBool(each(x), "exists_one")).length === 1;
        case "map": return list.map(each);
        default: return list.filter((x) => asBool(each(x), "filter"));
      }
    }
  }
}
