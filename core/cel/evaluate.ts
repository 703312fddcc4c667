/**
 * Evaluation of parsed CEL (parse.ts) over CEL values (values.ts), with cel-go's semantics as
 * Kubernetes configures it:
 * - names: macro variables, then the bindings (JSON, read with `fromJson`; a bindings object marked
 *   with `markNative` holds CEL values already and they are used as they are), then the type
 *   identifiers (`int uint double bool string bytes list map null_type type`,
 *   `google.protobuf.Timestamp`, `google.protobuf.Duration`, and the Kubernetes library types
 *   `kubernetes.Quantity`, `kubernetes.URL`, `net.IP`, `net.CIDR`, ...), which are values
 *   (`type(x) == int`). A name nobody provides is UnsupportedCel.
 * - a binding whose key contains a dot (`authorizer.requestResource`) is a variable with that
 *   qualified name: a select chain spelling it (`authorizer.requestResource.check('get')`) reads the
 *   binding, unless its first name is a macro variable (cel-go resolves the longest declared name).
 * - selecting a missing field or key is an error (`no such key`), which `has()` tests for;
 *   Kubernetes' escaped property names (`__dash__`, `__dot__`, `__slash__`, `__underscores__`,
 *   `__namespace__` for keywords) find the property they escape.
 * - `&&`/`||` absorb an error when the other side decides; `? :` evaluates one branch.
 * - `==`/`!=`/ordering follow equality.ts, arithmetic operators.ts, macros macros.ts.
 * - optionals: `a.?b` and `a[?k]` are `optional.none()` when the field or key is absent; selecting
 *   or indexing an optional yields an optional (none stays none); `[?x]` and `{?k: x}` leave out
 *   empty optionals; `opt.or(x)` / `opt.orValue(x)` evaluate `x` only when `opt` is empty.
 * - functions: the core libraries (standard, time, optional) and then CEL_LIBRARIES
 *   (library/index.ts); a call the libraries do not define is UnsupportedCel.
 * Evaluation errors are CelError.
 */
import { qualifiedName, unescapeField } from "./names.ts";
import { CEL_LIBRARIES } from "./library/index.ts";
import { CelOptional, optionalLibrary } from "./library/optional.ts";
import { FunctionRegistry } from "./library/registry.ts";
import { standardLibrary } from "./library/standard.ts";
import { timeLibrary } from "./library/time.ts";
import { evaluateComprehension, type Bindings, type Scope } from "./macros.ts";
import { buildMap, isMapValue, mapGet } from "./map.ts";
import { celCompare, celEquals } from "./equality.ts";
import { arithmetic, negate } from "./operators.ts";
import { UnsupportedCel, type Expr } from "./parse.ts";
import { CelError, CelType, CelUint, celTypeName, element, markNative, type CelValue } from "./values.ts";

export { CelError } from "./values.ts";
export type { Bindings } from "./macros.ts";

const registry = new FunctionRegistry([standardLibrary, timeLibrary, optionalLibrary, ...CEL_LIBRARIES]);

const TYPE_NAMES = [
  "int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "optional_type", "google.protobuf.Timestamp", "google.protobuf.Duration",
  "kubernetes.Quantity", "kubernetes.URL", "kubernetes.NamedFormat", "net.IP", "net.CIDR",
];
const TYPES: ReadonlyMap<string, CelType> = new Map(TYPE_NAMES.map((n) => [n, new CelType(n)]));



const ABSENT = Symbol("absent");

function lookup(name: string, scope: Scope): CelValue | typeof ABSENT {
  if (scope.locals?.has(name)) return scope.locals.get(name)!;
  if (Object.hasOwn(scope.vars, name) || (name in scope.vars && !(name in Object.prototype))) return element(scope.vars, scope.vars[name]);
  return ABSENT;
}


const rootIsBound = (name: string, scope: Scope) => lookup(name.split(".")[0]!, scope) !== ABSENT;

/** The field of a map, undefined when absent. */
function field(target: CelValue, name: string): CelValue | undefined {
  if (!isMapValue(target)) {
    throw new CelError(target === null ? `no such key: ${name}` : `type '${celTypeName(target)}' does not support field selection`);
  }
  const v = mapGet(target, name);
  if (v !== undefined || !name.includes("__")) return v;
  const unescaped = unescapeField(name);
  return unescaped === name ? undefined : mapGet(target, unescaped);
}

function keyText(k: CelValue): string {
  return k instanceof CelUint ? `${k.value}u` : typeof k === "string" ? k : String(k);
}

/** `target[key]`; undefined when absent and `optional`, else absent is an error. */
function indexValue(target: CelValue, key: CelValue, optional: boolean): CelValue | undefined {
  if (Array.isArray(target)) {
    const i = typeof key === "bigint" ? key : key instanceof CelUint ? key.value : typeof key === "number" && Number.isInteger(key) ? BigInt(key) : undefined;
    if (i === undefined) throw new CelError(`no such overload: list[${celTypeName(key)}]`);
    if (i < 0n || i >= BigInt(target.length)) {
      if (optional) return undefined;
      throw new CelError(`index out of bounds: ${i}`);
    }
    return element(target, target[Number(i)]);
  }
  if (isMapValue(target)) {
    const v = mapGet(target, key);
    if (v === undefined && !optional) throw new CelError(`no such key: ${keyText(key)}`);
    return v;
  }
  throw new CelError(`no such overload: ${celTypeName(target)}[${celTypeName(key)}]`);
}

/**
 * An access that may be optional: on an optional target, `access` applies to its value and the
 * result is an optional again; with `optional` syntax, an absent result is optional.none().
 */
function access(target: CelValue, optional: boolean, get: (t: CelValue, optional: boolean) => CelValue | undefined): CelValue {
  if (target instanceof CelOptional) {
    if (!target.hasValue) return CelOptional.NONE;
    const v = get(target.value!, true);
    return v === undefined ? CelOptional.NONE : CelOptional.of(v);
  }
  const v = get(target, optional);
  if (optional) return v === undefined ? CelOptional.NONE : CelOptional.of(v);
  return v!;
}

function asBool(v: CelValue, what: string): boolean {
  if (typeof v !== "boolean") throw new CelError(`no such overload: ${what} on ${celTypeName(v)}`);
  return v;
}

function callFunction(fn: string, target: CelValue | undefined, args: CelValue[]): CelValue {
  const result = registry.call(fn, target, args);
  if (result === undefined) throw new UnsupportedCel(`function ${fn} is not supported`);
  return result;
}

function evaluateCall(e: Extract<Expr, { kind: "call" }>, scope: Scope): CelValue {
  // A namespaced function (`sets.contains(...)`, `optional.of(...)`) unless the name is a variable.
  const namespace = e.target ? qualifiedName(e.target) : undefined;
  if (namespace !== undefined && !rootIsBound(namespace, scope) && registry.has(`${namespace}.${e.fn}`)) {
    return callFunction(`${namespace}.${e.fn}`, undefined, e.args.map((a) => evaluate(a, scope)));
  }
  const target = e.target ? evaluate(e.target, scope) : undefined;
  if ((e.fn === "or" || e.fn === "orValue") && target instanceof CelOptional && e.args.length === 1 && target.hasValue) {
    return e.fn === "or" ? target : target.value!;
  }
  return callFunction(e.fn, target, e.args.map((a) => evaluate(a, scope)));
}

function evaluateBinary(e: Extract<Expr, { kind: "binary" }>, scope: Scope): CelValue {
  if (e.op === "&&" || e.op === "||") {
    const decisive = e.op === "||";
    let error: unknown;
    for (const side of [e.left, e.right]) {
      try {
        if (asBool(evaluate(side, scope), e.op) === decisive) return decisive;
      } catch (err) {
        if (!(err instanceof CelError)) throw err;
        error ??= err;
      }
    }
    if (error) throw error;
    return !decisive;
  }
  const a = evaluate(e.left, scope);
  const b = evaluate(e.right, scope);
  switch (e.op) {
    case "==": return celEquals(a, b);
    case "!=": return !celEquals(a, b);
    case "<": case "<=": case ">": case ">=": {
      const c = celCompare(a, b);
      if (c === undefined) throw new CelError(`no such overload: ${celTypeName(a)} ${e.op} ${celTypeName(b)}`);
      if (Number.isNaN(c)) throw new CelError("NaN values cannot be ordered");
      return e.op === "<" ? c < 0 : e.op === "<=" ? c <= 0 : e.op === ">" ? c > 0 : c >= 0;
    }
    case "in":
      if (Array.isArray(b)) return b.some((x) => celEquals(element(b, x), a));
      if (isMapValue(b)) return mapGet(b, a) !== undefined;
      throw new CelError(`no such overload: ${celTypeName(a)} in ${celTypeName(b)}`);
    default: return arithmetic(e.op, a, b);
  }
}

function evaluate(e: Expr, scope: Scope): CelValue {
  switch (e.kind) {
    case "lit": return e.value;
    case "ident": {
      const v = lookup(e.name, scope);
      if (v !== ABSENT) return v;
      const t = TYPES.get(e.name);
      if (t) return t;
      throw new UnsupportedCel(`undeclared reference to '${e.name}'`);
    }
    case "select": {
      const q = e.test || e.optional ? undefined : qualifiedName(e);
      if (q !== undefined && Object.hasOwn(scope.vars, q) && !scope.locals?.has(q.split(".")[0]!)) return element(scope.vars, scope.vars[q]);
      if (q !== undefined && !rootIsBound(q, scope)) {
        const t = TYPES.get(q);
        if (t) return t;
      }
      const target = evaluate(e.target, scope);
      if (e.test) {
        if (target instanceof CelOptional) return target.hasValue && field(target.value!, e.field) !== undefined;
        return field(target, e.field) !== undefined;
      }
      return access(target, e.optional === true, (t, optional) => {
        const v = field(t, e.field);
        if (v === undefined && !optional) throw new CelError(`no such key: ${e.field}`);
        return v;
      });
    }
    case "index": {
      const target = evaluate(e.target, scope);
      const key = evaluate(e.index, scope);
      return access(target, e.optional === true, (t, optional) => indexValue(t, key, optional));
    }
    case "list": {
      const out: CelValue[] = [];
      e.items.forEach((item, i) => {
        const v = evaluate(item, scope);
        if (!e.optional?.[i]) out.push(v);
        else if (!(v instanceof CelOptional)) throw new CelError(`no such overload: optional list element of type ${celTypeName(v)}`);
        else if (v.hasValue) out.push(v.value!);
      });
      return markNative(out);
    }
    case "map": {
      const entries: [CelValue, CelValue][] = [];
      for (const entry of e.entries) {
        const k = evaluate(entry.key, scope);
        const v = evaluate(entry.value, scope);
        if (!entry.optional) entries.push([k, v]);
        else if (!(v instanceof CelOptional)) throw new CelError(`no such overload: optional map entry of type ${celTypeName(v)}`);
        else if (v.hasValue) entries.push([k, v.value!]);
      }
      return buildMap(entries);
    }
    case "unary": {
      const v = evaluate(e.operand, scope);
      return e.op === "!" ? !asBool(v, "!") : negate(v);
    }
    case "cond": return asBool(evaluate(e.test, scope), "? :") ? evaluate(e.then, scope) : evaluate(e.else, scope);
    case "binary": return evaluateBinary(e, scope);
    case "call": return evaluateCall(e, scope);
    case "comprehension": return evaluateComprehension(e, scope, evaluate);
  }
}

/** Whether some function library defines `name` (`size`, `sets.contains`, ...): what a compile-time check may call. */
export function isCelFunction(name: string): boolean {
  return registry.has(name);
}

/** The type identifiers a name may denote (`int`, `google.protobuf.Timestamp`, `net.IP`, ...). */
export function isCelTypeName(name: string): boolean {
  return TYPES.has(name);
}

/**
 * Evaluates `e` with `vars` bound: JSON values (integral numbers read as ints), or, when `vars` is
 * marked with `markNative`, CEL values used as they are (a double `2` stays a double).
 */
export function evaluateCel(e: Expr, vars: Bindings): CelValue {
  return evaluate(e, { vars });
}
