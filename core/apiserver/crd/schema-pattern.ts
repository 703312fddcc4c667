/**
 * OpenAPI `pattern`s of CRD schemas are Go (RE2) regular expressions, as the apiextensions server
 * compiles them: `(?i)`, `(?P<name>...)`, `\pL` and the rest are valid, and JS-only syntax is not.
 * Patterns are translated once (core/cel's RE2 translator) and remembered.
 */
import { compileRe2 } from "../../cel/library/re2.ts";

const compiled = new Map<string, RegExp | Error>();

/** The pattern as a (non-global) RegExp, or the Error Go's regexp would report for it. */
export function schemaPattern(pattern: string): RegExp | Error {
  let re = compiled.get(pattern);
  if (!re) {
    try {
      re = new RegExp(compileRe2(pattern).source, "u");
    } catch (err) {
      re = err instanceof Error ? err : new Error(String(err));
    }
    if (compiled.size >= 1024) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}
