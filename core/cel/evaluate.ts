/**
 * Evaluation of parsed CEL (parse.ts) over JSON values, with CEL's semantics where match conditions
 * rely on them: `&&`/`||` absorb an error when the other side decides, selecting a missing field is
 * an error (`no such key`) that `has()` tests for, ints and doubles compare by value, and the
 * macros bind a variable per element. Evaluation errors are CelError; a function or variable this
 * evaluator does not provide is UnsupportedCel.
 */
import { UnsupportedCel, type Expr } from "./parse.ts";

export class CelError extends Error {}

type Value = unknown;
export type Bindings = Readonly<Record<string, Value>>;

/** JSON integers are CEL ints (Kubernetes maps integer fields to int). */
const fromJson = (v: Value): Value => (typeof v === "number" && Number.isInteger(v) ? BigInt(v) : v);
const isMap = (v: Value): v is Record<string, Value> => typeof v === "object" && v !== null && !Array.isArray(v);
const isNum = (v: Value): v is number | bigint => typeof v === "number" || typeof v === "bigint";
const num = (v: number | bigint) => Number(v);

function typeName(v: Value): string {
  if (v === null || v === undefined) return "null_type";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "double";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "list";
  return "map";
}

function equal(a: Value, b: Value): boolean {
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
  if (isNum(a) && isNum(b)) { x = num(a); y = num(b); }
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
  throw new UnsupportedCel(`function ${fn} is not supported`);
}

export function evaluateCel(e: Expr, vars: Bindings): Value {
  switch (e.kind) {
    case "lit": return e.value;
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
