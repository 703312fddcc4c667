// Field selectors (`?fieldSelector=`), the grammar of apimachinery
// `pkg/fields/selector.go`: comma-ANDed `k=v`, `k==v`, `k!=v`; values may
// escape `\,` `\=` `\\`. Keys are not validated here: which fields a resource
// supports is the API server's business.

import { SelectorParseError } from "./label-selector.ts";

export { SelectorParseError };

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

/** upstream `EscapeValue`. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** upstream `UnescapeValue`. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=") {
        throw new SelectorParseError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === "\\") {
      inSlash = true;
    } else if (c === "," || c === "=") {
      // Go prints the rune with %v, i.e. as its code point number.
      throw new SelectorParseError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new SelectorParseError("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** Splits on unescaped commas. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const termOperators = ["!=", "==", "="] as const;

function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * Parses `?fieldSelector=` text into requirements, sorted by term text as
 * upstream does. `==` is normalised to `=`. Empty text (or empty terms) yields
 * no requirements, i.e. everything matches.
 */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const parts = splitTerms(text).sort();
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const t = splitTerm(part);
    if (!t) throw new SelectorParseError(`invalid selector: '${text}'; can't understand '${part}'`);
    reqs.push({ field: t.lhs, op: t.op === "!=" ? "!=" : "=", value: unescapeFieldValue(t.rhs) });
  }
  return reqs;
}

/** All requirements hold; a missing field reads as "" (upstream `fields.Set.Get`). */
export function matchesFields(reqs: readonly FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every((r) => {
    const v = Object.hasOwn(fields, r.field) ? fields[r.field] : "";
    return r.op === "=" ? v === r.value : v !== r.value;
  });
}

/** Canonical text, e.g. `metadata.name=a,status.phase!=Failed`. */
export function fieldSelectorToString(reqs: readonly FieldRequirement[]): string {
  return reqs.map((r) => `${r.field}${r.op}${escapeFieldValue(r.value)}`).join(",");
}
