// Label selectors: the string grammar of apimachinery `pkg/labels/selector.go`
// (as sent in `?labelSelector=`) and metav1.LabelSelector objects
// (`LabelSelectorAsSelector`). Selectors are immutable values.

import { goQuote, goStringSlice } from "./go-format.ts";
import { isQualifiedName, isValidLabelValue } from "./label-validation.ts";

/** Operator spellings are those of upstream `selection.Operator`. */
export type Operator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** Sorted and de-duplicated when parsed from a string; as given for objects. */
  readonly values: readonly string[];
}

export interface LabelSelector {
  matches(labels: Record<string, string> | undefined): boolean;
  /** True when the selector has no requirements (matches everything). */
  readonly empty: boolean;
  /** Canonical form: requirements sorted by key, e.g. `app=web,tier in (a,b)`. */
  toString(): string;
  readonly requirements: Requirement[];
}

/** A label selector that could not be parsed or failed validation. Maps to 400. */
export class SelectorParseError extends Error {
  override name = "SelectorParseError";
}

/** metav1.LabelSelector as found in object specs. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: readonly string[] | null }> | null;
}

// ---------------------------------------------------------------------------
// Requirements

interface FieldError {
  field: string;
  text: string;
}

function invalid(field: string, value: string, detail: string): FieldError {
  return { field, text: `${field}: Invalid value: ${value}: ${detail}` };
}

/** upstream utilerrors aggregate formatting: one error bare, several as [a, b]. */
function aggregate(errs: FieldError[]): string {
  const seen: string[] = [];
  for (const e of errs) if (!seen.includes(e.text)) seen.push(e.text);
  return seen.length === 1 ? seen[0]! : `[${seen.join(", ")}]`;
}

function keyError(key: string, field: string): FieldError | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? invalid(field, goQuote(key), errs.join("; ")) : undefined;
}

const int64Re = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go strconv.ParseInt(s, 10, 64); undefined when it would fail. */
function parseInt64(s: string): bigint | undefined {
  if (!int64Re.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * upstream `NewRequirement`: validates and builds one requirement. `vals` null
 * means a nil Go slice (only matters for the wording of errors).
 */
export function newRequirement(key: string, operator: Operator, vals: readonly string[] | null): Requirement {
  const errs: FieldError[] = [];
  const values = vals ?? [];
  const ke = keyError(key, "key");
  if (ke) errs.push(ke);
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) {
        errs.push(invalid("values", goStringSlice(vals), "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) {
        errs.push(invalid("values", goStringSlice(vals), "exact-match compatibility requires one single value"));
      }
      break;
    case "exists":
    case "!":
      if (values.length !== 0) {
        errs.push(invalid("values", goStringSlice(vals), "values set must be empty for exists and does not exist"));
      }
      break;
    case "gt":
    case "lt":
      if (values.length !== 1) {
        errs.push(invalid("values", goStringSlice(vals), "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(invalid(`values[${i}]`, goQuote(v), "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
  }
  values.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length) errs.push(invalid(`values[${i}][${key}]`, goQuote(v), ve.join("; ")));
  });
  if (errs.length) throw new SelectorParseError(aggregate(errs));
  return Object.freeze({ key, operator, values: Object.freeze([...values]) });
}

export function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const val = has ? labels[r.key]! : undefined;
  switch (r.operator) {
    case "in":
    case "=":
    case "==":
      return has && r.values.includes(val!);
    case "notin":
    case "!=":
      return !has || !r.values.includes(val!);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || r.values.length !== 1) return false;
      const lv = parseInt64(val!);
      const rv = parseInt64(r.values[0]!);
      if (lv === undefined || rv === undefined) return false;
      return r.operator === "gt" ? lv > rv : lv < rv;
    }
  }
}

export function requirementToString(r: Requirement): string {
  const sorted = (vs: readonly string[]) => [...vs].sort();
  switch (r.operator) {
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${r.values.length === 1 ? r.values[0] : sorted(r.values).join(",")})`;
    case "gt":
      return `${r.key}>${r.values.join(",")}`;
    case "lt":
      return `${r.key}<${r.values.join(",")}`;
    default:
      return `${r.key}${r.operator}${r.values.length === 1 ? r.values[0] : sorted(r.values).join(",")}`;
  }
}

// ---------------------------------------------------------------------------
// Selectors

function byKey(a: Requirement, b: Requirement): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Builds a selector from requirements (sorted by key, stable). */
export function selectorFromRequirements(reqs: readonly Requirement[]): LabelSelector {
  const requirements = [...reqs].sort(byKey);
  const text = requirements.map(requirementToString).join(",");
  return Object.freeze({
    requirements,
    empty: requirements.length === 0,
    matches(labels: Record<string, string> | undefined): boolean {
      const ls = labels ?? {};
      return requirements.every((r) => requirementMatches(r, ls));
    },
    toString: () => text,
  });
}

const everything = selectorFromRequirements([]);

/** Matches every object (upstream `labels.Everything()`). */
export function everythingSelector(): LabelSelector {
  return everything;
}

const nothing: LabelSelector = Object.freeze({
  requirements: [],
  empty: false,
  matches: () => false,
  toString: () => "",
});

/** Matches no object (upstream `labels.Nothing()`, a nil metav1.LabelSelector). */
export function nothingSelector(): LabelSelector {
  return nothing;
}

/** Equality selector for a label set (upstream `SelectorFromSet`, validated). */
export function selectorFromSet(set: Record<string, string> | undefined): LabelSelector {
  return selectorFromRequirements(Object.entries(set ?? {}).map(([k, v]) => newRequirement(k, "=", [v])));
}

/**
 * upstream `metav1.LabelSelectorAsSelector`: null/undefined selects nothing,
 * an empty selector selects everything. Throws SelectorParseError on invalid
 * keys, values or operators.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return nothing;
  const labels = sel.matchLabels ?? {};
  const exprs = sel.matchExpressions ?? [];
  if (Object.keys(labels).length + exprs.length === 0) return everything;
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(labels)) reqs.push(newRequirement(k, "=", [v]));
  const ops: Record<string, Operator> = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" };
  for (const e of exprs) {
    const op = Object.hasOwn(ops, e.operator) ? ops[e.operator] : undefined;
    if (!op) throw new SelectorParseError(`${goQuote(String(e.operator))} is not a valid label selector operator`);
    reqs.push(newRequirement(e.key, op, e.values && e.values.length ? e.values : null));
  }
  return selectorFromRequirements(reqs);
}

// ---------------------------------------------------------------------------
// String grammar: lexer

type Tok =
  | "error"
  | "eos"
  | ")"
  | ","
  | "!"
  | "=="
  | "="
  | ">"
  | "id"
  | "in"
  | "<"
  | "!="
  | "notin"
  | "(";

interface Item {
  tok: Tok;
  lit: string;
}

const literalTokens: Record<string, Tok> = {
  ")": ")",
  ",": ",",
  "!": "!",
  "==": "==",
  "=": "=",
  ">": ">",
  in: "in",
  "<": "<",
  "!=": "!=",
  notin: "notin",
  "(": "(",
};

const isWhitespace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isSpecial = (c: string) => "=!(),><".includes(c) && c !== "";

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos]!)) pos++;
    if (pos >= s.length) {
      items.push({ tok: "eos", lit: "" });
      return items;
    }
    if (isSpecial(s[pos]!)) {
      // Longest run of special symbols that still forms a token.
      let buf = "";
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos]!)) {
        buf += s[pos];
        const t = Object.hasOwn(literalTokens, buf) ? literalTokens[buf] : undefined;
        if (t) {
          last = { tok: t, lit: buf };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: "error", lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    let buf = "";
    while (pos < s.length && !isSpecial(s[pos]!) && !isWhitespace(s[pos]!)) buf += s[pos++];
    const t = Object.hasOwn(literalTokens, buf) ? literalTokens[buf]! : "id";
    items.push({ tok: t, lit: buf });
  }
}

// ---------------------------------------------------------------------------
// String grammar: parser (mirrors upstream's error wording)

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In value context the keywords `in`/`notin` are plain identifiers. */
  private peek(values: boolean): Item {
    const it = this.items[this.pos]!;
    return values && (it.tok === "in" || it.tok === "notin") ? { tok: "id", lit: it.lit } : it;
  }

  private next(values: boolean): Item {
    const it = this.peek(values);
    this.pos++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === "eos") return reqs;
      if (tok !== "id" && tok !== "!") {
        throw new SelectorParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      try {
        reqs.push(this.requirement());
      } catch (e) {
        if (e instanceof SelectorParseError) {
          throw new SelectorParseError(`unable to parse requirement: ${e.message}`);
        }
        throw e;
      }
      const t = this.next(true);
      if (t.tok === "eos") return reqs;
      if (t.tok !== ",") throw new SelectorParseError(`found '${t.lit}', expected: ',' or 'end of string'`);
      const t2 = this.peek(true);
      if (t2.tok !== "id" && t2.tok !== "!") {
        throw new SelectorParseError(`found '${t2.lit}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): Requirement {
    let op: Operator | undefined;
    let t = this.next(true);
    if (t.tok === "!") {
      op = "!";
      t = this.next(true);
    }
    if (t.tok !== "id") throw new SelectorParseError(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const qn = isQualifiedName(key);
    if (qn.length) throw new SelectorParseError(invalid("<nil>", goQuote(key), qn.join("; ")).text);
    const after = this.peek(true).tok;
    if (after === "eos" || after === ",") {
      return newRequirement(key, op ?? "exists", []);
    }
    if (op === "!") return newRequirement(key, op, []);
    op = this.operator();
    const values = op === "in" || op === "notin" ? this.valueSet() : this.exactValue();
    return newRequirement(key, op, [...values].sort());
  }

  private operator(): Operator {
    const { tok, lit } = this.next(false);
    switch (tok) {
      case "in":
        return "in";
      case "=":
        return "=";
      case "==":
        return "==";
      case ">":
        return "gt";
      case "<":
        return "lt";
      case "notin":
        return "notin";
      case "!=":
        return "!=";
      default:
        throw new SelectorParseError(`found '${lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private valueSet(): Set<string> {
    const open = this.next(true);
    if (open.tok !== "(") throw new SelectorParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.peek(true);
    if (tok === ")") {
      this.next(true);
      return new Set([""]);
    }
    if (tok !== "id" && tok !== ",") {
      throw new SelectorParseError(`found '${lit}', expected: ',', ')' or identifier`);
    }
    const set = this.identifierList();
    if (this.next(true).tok !== ")") throw new SelectorParseError(`found '${lit}', expected: ')'`);
    return set;
  }

  private identifierList(): Set<string> {
    const set = new Set<string>();
    for (;;) {
      const { tok, lit } = this.next(true);
      if (tok === "id") {
        set.add(lit);
        const t2 = this.peek(true);
        if (t2.tok === ",") continue;
        if (t2.tok === ")") return set;
        throw new SelectorParseError(`found '${t2.lit}', expected: ',' or ')'`);
      }
      if (tok === ",") {
        // "(," ",," and ",)" each contribute an empty value.
        if (set.size === 0) set.add("");
        const t2 = this.peek(true).tok;
        if (t2 === ")") {
          set.add("");
          return set;
        }
        if (t2 === ",") set.add("");
        continue;
      }
      throw new SelectorParseError(`found '${lit}', expected: ',', or identifier`);
    }
  }

  private exactValue(): Set<string> {
    const t = this.peek(true).tok;
    if (t === "eos" || t === ",") return new Set([""]);
    const { tok, lit } = this.next(true);
    if (tok === "id") return new Set([lit]);
    throw new SelectorParseError(`found '${lit}', expected: identifier`);
  }
}

/**
 * Parses `?labelSelector=` text. The empty string (or whitespace) selects
 * everything. Throws SelectorParseError with upstream's message.
 */
export function parseLabelSelector(text: string): LabelSelector {
  return selectorFromRequirements(new Parser(lex(text)).parse());
}
