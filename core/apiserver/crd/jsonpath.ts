/**
 * The JSONPath subset CRD printer columns and selectable fields use: `.a.b`, `['a.b']`, `[0]`,
 * `[*]`, `..` is not supported, and filters `[?(@.type=="Ready")]` (==, !=, <, >, <=, >=;
 * string, number and boolean literals). `parseJsonPath` throws JsonPathError on bad syntax.
 */
export class JsonPathError extends Error {}

type Step =
  | { readonly k: "field"; readonly name: string }
  | { readonly k: "index"; readonly index: number }
  | { readonly k: "all" }
  | { readonly k: "filter"; readonly path: readonly Step[]; readonly op: string; readonly literal: unknown };

export interface JsonPath {
  readonly source: string;
  /** Every value the path reaches, in document order. */
  find(root: unknown): unknown[];
}

export function parseJsonPath(source: string): JsonPath {
  let text = source.trim();
  if (text.startsWith("{") && text.endsWith("}")) text = text.slice(1, -1);
  if (text.startsWith("$")) text = text.slice(1);
  const steps = parseSteps(text, source);
  return { source, find: (root) => evaluate(steps, [root]) };
}

function parseSteps(text: string, source: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  const fail = (why: string): never => { throw new JsonPathError(`invalid JSONPath ${JSON.stringify(source)}: ${why}`); };
  while (i < text.length) {
    const c = text[i];
    if (c === ".") {
      if (text[i + 1] === ".") fail("recursive descent is not supported");
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_\-$]/.test(text[j] as string)) j++;
      const name = text.slice(i + 1, j);
      if (!name) {
        if (text[j] === "[" || j === text.length) { i = j; continue; }
        fail(`unexpected ${JSON.stringify(text[j])}`);
      }
      if (name === "*") steps.push({ k: "all" });
      else steps.push({ k: "field", name });
      i = j;
    } else if (c === "[") {
      const end = matchBracket(text, i);
      if (end < 0) fail("unterminated [");
      const inner = text.slice(i + 1, end).trim();
      if (inner === "*") steps.push({ k: "all" });
      else if (/^-?\d+$/.test(inner)) steps.push({ k: "index", index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ k: "field", name: inner.slice(1, -1) });
      else if (inner.startsWith("?(") && inner.endsWith(")")) steps.push(parseFilter(inner.slice(2, -1).trim(), fail));
      else fail(`unsupported subscript [${inner}]`);
      i = end + 1;
    } else if (c === "*") {
      steps.push({ k: "all" });
      i++;
    } else {
      fail(`unexpected ${JSON.stringify(c)}`);
    }
  }
  return steps;
}

function matchBracket(text: string, start: number): number {
  let depth = 0;
  let quote = "";
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (quote) { if (c === quote) quote = ""; continue; }
    if (c === "'" || c === '"') quote = c;
    else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return i;
  }
  return -1;
}

function parseFilter(expr: string, fail: (why: string) => never): Step {
  const m = /^@((?:\.[A-Za-z0-9_\-]+|\[[^\]]+\])*)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(expr);
  if (!m) {
    const exists = /^@((?:\.[A-Za-z0-9_\-]+)+)$/.exec(expr);
    if (exists) return { k: "filter", path: parseSteps(exists[1] as string, expr), op: "exists", literal: undefined };
    return fail(`unsupported filter ${expr}`);
  }
  const raw = (m[3] as string).trim();
  let literal: unknown;
  if (/^'.*'$/.test(raw)) literal = raw.slice(1, -1);
  else {
    try { literal = JSON.parse(raw); } catch { fail(`bad literal ${raw}`); }
  }
  return { k: "filter", path: parseSteps(m[1] as string, expr), op: m[2] as string, literal };
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v && typeof v === "object") return Object.values(v);
  return [];
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case "==": return a === b;
    case "!=": return a !== b;
    case "<": return typeof a === typeof b && (a as number) < (b as number);
    case ">": return typeof a === typeof b && (a as number) > (b as number);
    case "<=": return typeof a === typeof b && (a as number) <= (b as number);
    case ">=": return typeof a === typeof b && (a as number) >= (b as number);
    default: return false;
  }
}

function evaluate(steps: readonly Step[], start: unknown[]): unknown[] {
  let cur = start;
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (s.k) {
        case "field":
          if (v && typeof v === "object" && !Array.isArray(v) && s.name in v) next.push((v as Record<string, unknown>)[s.name]);
          break;
        case "index":
          if (Array.isArray(v)) {
            const at = s.index < 0 ? v.length + s.index : s.index;
            if (at >= 0 && at < v.length) next.push(v[at]);
          }
          break;
        case "all":
          next.push(...children(v));
          break;
        case "filter":
          for (const item of children(v)) {
            const found = evaluate(s.path, [item]);
            if (s.op === "exists" ? found.length > 0 : found.some((f) => compare(f, s.op, s.literal))) next.push(item);
          }
          break;
      }
    }
    cur = next;
  }
  return cur;
}
