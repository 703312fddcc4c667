/**
 * Kubernetes library.Regex (k8s.io/apiserver/pkg/cel/library/regex.go), on RE2 patterns (re2.ts):
 *
 *   <string>.find(<string>) -> string                 Go's Regexp.FindString: the leftmost-first
 *                                                     match, '' when none (or when it is empty)
 *   <string>.findAll(<string>[, <int>]) -> list<string>  Go's Regexp.FindAllString(s, n): successive
 *                                                     non-overlapping matches, an empty match right
 *                                                     after a previous match skipped; n < 0 all, n == 0 none
 *
 * Note Go's actual results over the upstream doc comments: `'abc 123'.find('[0-9]*')` is '' (the
 * empty match at 0), and `findAll('[0-9]*')` includes the empty matches between the numbers.
 * An invalid pattern is a CelError `Illegal regex: error parsing regexp: ...`, as Kubernetes
 * reports it at run time (for a constant pattern Kubernetes already fails at compile time).
 */
import { CelError, noSuchOverload } from "../values.ts";
import { compileRe2 } from "./re2.ts";
import type { CelLibrary } from "./registry.ts";

/** Go's allMatches loop: up to n (all when n < 0) matches of `pattern` in `s`. */
export function findAll(s: string, pattern: string, n: number): string[] {
  let re: RegExp;
  try {
    re = compileRe2(pattern);
  } catch (err) {
    throw err instanceof CelError ? new CelError(`Illegal regex: ${err.message}`) : err;
  }
  const out: string[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === pos) {
      // An empty match at pos: not right after the previous match; then step one code point.
      if (start === prevEnd) accept = false;
      pos += pos < s.length ? String.fromCodePoint(s.codePointAt(pos)!).length : 1;
    } else pos = end;
    prevEnd = end;
    if (accept) out.push(m[0]);
  }
  return out;
}

export const REGEX_LIBRARY: CelLibrary = {
  find: (target, args) => {
    const [pattern] = args;
    if (typeof target !== "string" || args.length !== 1 || typeof pattern !== "string") throw noSuchOverload("find", target, args);
    return findAll(target, pattern, 1)[0] ?? "";
  },
  findAll: (target, args) => {
    const [pattern, limit] = args;
    if (typeof target !== "string" || typeof pattern !== "string" || args.length > 2 || (args.length === 2 && typeof limit !== "bigint")) {
      throw noSuchOverload("findAll", target, args);
    }
    const n = limit === undefined ? -1 : Number(limit as bigint);
    return findAll(target, pattern, n);
  },
};
