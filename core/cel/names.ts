/**
 * Names in CEL expressions as Kubernetes reads them: escaped property names
 * (apiserver/pkg/cel/escaping.go: `__dash__`, `__dot__`, `__slash__`, `__underscores__`, and a
 * reserved word wrapped in `__...__`) and dotted qualified names (`authorizer.requestResource`,
 * `sets.contains`). Shared by the evaluator and the compile-time checks.
 */
import type { Expr } from "./parse.ts";

const KEYWORDS = new Set(["true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"]);
const ESCAPES: Record<string, string> = { underscores: "__", dot: ".", dash: "-", slash: "/" };

/** The property a Kubernetes-escaped CEL field name stands for. */
export function unescapeField(field: string): string {
  const keyword = /^__(\w+)__$/.exec(field)?.[1];
  if (keyword !== undefined && KEYWORDS.has(keyword)) return keyword;
  return field.replace(/__(underscores|dot|dash|slash)__/g, (_, name: string) => ESCAPES[name]!);
}

/** `a.b.c` as a dotted name when `e` is a chain of plain selects over an identifier. */
export function qualifiedName(e: Expr): string | undefined {
  if (e.kind === "ident") return e.name;
  if (e.kind === "select" && !e.test && !e.optional) {
    const base = qualifiedName(e.target);
    return base === undefined ? undefined : `${base}.${e.field}`;
  }
  return undefined;
}
