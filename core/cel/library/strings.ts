/**
 * cel-go's ext.Strings at the version Kubernetes 1.32 enables: `ext.Strings(ext.StringsVersion(2))`
 * (k8s.io/apiserver/pkg/cel/environment/base.go), as cel-go v0.22.0 (Kubernetes 1.32's) has it.
 *
 * Version 0: charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split, substring, trim,
 * join. Version 1: `format` (strings-format.ts) and `strings.quote`. Version 2: `join` reads list
 * elements one by one, erroring on a non-string. `reverse` is version 3: not in Kubernetes 1.32.
 *
 * Contracts, as cel-go: every index and length counts Unicode code points, never UTF-16 units;
 * errors (CelError) are cel-go's, with its messages (`index out of range: N`, `invalid substring
 * range. start: S, end: E`); `replace` and `split` are Go's strings.Replace / strings.SplitN
 * (an empty search string matches before every code point and at the end); `trim` strips Go's
 * unicode.IsSpace characters (not U+200B or U+FEFF, but U+0085 and U+00A0). Calls on other types
 * throw NoSuchOverload, so the list library's `indexOf` / `lastIndexOf` get their turn.
 */
import { CelError, element, noSuchOverload, type CelValue } from "../values.ts";
import type { CelLibrary, CelFunction } from "./registry.ts";
import { formatString } from "./strings-format.ts";

const outOfRange = (i: bigint | number) => new CelError(`index out of range: ${i}`);

/**
 * A receiver function on a string. `sig` lists the argument types: "s" string, "i" int; a call
 * whose arguments do not match one of the arities is NoSuchOverload.
 */
function onString(name: string, sigs: readonly string[], fn: (s: string, args: readonly (string | bigint)[]) => CelValue): CelFunction {
  return (target, args) => {
    const matches = (sig: string) =>
      sig.length === args.length && [...sig].every((t, i) => (t === "s" ? typeof args[i] === "string" : typeof args[i] === "bigint"));
    if (typeof target !== "string" || !sigs.some(matches)) throw noSuchOverload(name, target, args);
    return fn(target, args as readonly (string | bigint)[]);
  };
}

function indexOf(s: string, sub: string, offset: bigint): bigint {
  if (sub === "") return offset;
  const runes = [...s];
  const subRunes = [...sub];
  if (offset < 0n) throw outOfRange(offset);
  if (offset >= BigInt(runes.length)) return -1n; // cel-go v0.22: past the end is "not found", not an error
  for (let i = Number(offset); i + subRunes.length <= runes.length; i++) {
    if (subRunes.every((r, j) => runes[i + j] === r)) return BigInt(i);
  }
  return -1n;
}

function lastIndexOf(s: string, sub: string, offset: bigint): bigint {
  if (sub === "") return offset;
  const runes = [...s];
  const subRunes = [...sub];
  if (offset < 0n) throw outOfRange(offset);
  if (offset >= BigInt(runes.length)) return -1n;
  for (let i = Math.min(Number(offset), runes.length - subRunes.length); i >= 0; i--) {
    if (subRunes.every((r, j) => runes[i + j] === r)) return BigInt(i);
  }
  return -1n;
}

/** Go's strings.Replace: at most `n` replacements (all when n < 0), left to right, non-overlapping. */
function replace(s: string, old: string, by: string, n: bigint): string {
  if (n === 0n || old === by) return s;
  let out = "";
  let done = 0n;
  let i = 0;
  if (old === "") {
    const runes = [...s];
    for (; i <= runes.length; i++) {
      if (n >= 0n && done >= n) return out + runes.slice(i).join("");
      out += by + (runes[i] ?? "");
      done++;
    }
    return out;
  }
  for (;;) {
    const at = s.indexOf(old, i);
    if (at < 0 || (n >= 0n && done >= n)) return out + s.slice(i);
    out += s.slice(i, at) + by;
    i = at + old.length;
    done++;
  }
}

/** Go's strings.SplitN: n == 0 gives [], n < 0 all pieces, else at most n with the rest last. */
function split(s: string, sep: string, n: bigint): string[] {
  if (n === 0n) return [];
  if (sep === "") {
    const runes = [...s];
    if (n < 0n || n >= BigInt(runes.length)) return runes;
    const k = Number(n);
    return [...runes.slice(0, k - 1), runes.slice(k - 1).join("")];
  }
  const parts = s.split(sep);
  if (n < 0n || n >= BigInt(parts.length)) return parts;
  const k = Number(n);
  return [...parts.slice(0, k - 1), parts.slice(k - 1).join(sep)];
}

function substring(s: string, start: bigint, end?: bigint): string {
  const runes = [...s];
  const len = BigInt(runes.length);
  if (end !== undefined && start > end) throw new CelError(`invalid substring range. start: ${start}, end: ${end}`);
  if (start < 0n || start > len) throw outOfRange(start);
  if (end !== undefined && (end < 0n || end > len)) throw outOfRange(end);
  return runes.slice(Number(start), end === undefined ? undefined : Number(end)).join("");
}

/** Go's unicode.IsSpace: ASCII \t \n \v \f \r and space, U+0085, U+00A0 and category Z. */
const GO_SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\p{Z}]";
const TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, "gu");

/** Maps ASCII letters only, as cel-go's lowerAscii / upperAscii. */
const mapAscii = (s: string, re: RegExp, fn: (c: string) => string) => s.replace(re, fn);

/** strings.quote: double quotes, CEL escapes for \a \b \f \n \r \t \v \\ \", a lone surrogate as U+FFFD. */
function quote(s: string): string {
  const escapes: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\", '"': '\\"' };
  return `"${s.toWellFormed().replace(/[\x07\b\f\n\r\t\v\\"]/g, (c) => escapes[c]!)}"`;
}

/** `<list<string>>.join([separator])`: a non-string element is an error (cel-go v2 semantics). */
const join: CelFunction = (target, args) => {
  const sep = args.length === 0 ? "" : args[0];
  if (!Array.isArray(target) || args.length > 1 || typeof sep !== "string") throw noSuchOverload("join", target, args);
  return target
    .map((raw) => {
      const v = element(target, raw);
      if (typeof v !== "string") throw new CelError(`join: invalid input: ${typeof v === "bigint" ? v : JSON.stringify(v)}`);
      return v;
    })
    .join(sep);
};

export const STRINGS_LIBRARY: CelLibrary = {
  charAt: onString("charAt", ["i"], (s, [i]) => {
    const runes = [...s];
    const at = i as bigint;
    if (at < 0n || at > BigInt(runes.length)) throw outOfRange(at);
    return runes[Number(at)] ?? "";
  }),
  indexOf: onString("indexOf", ["s", "si"], (s, [sub, off]) => indexOf(s, sub as string, (off as bigint | undefined) ?? 0n)),
  lastIndexOf: onString("lastIndexOf", ["s", "si"], (s, [sub, off]) =>
    sub === "" && off === undefined ? BigInt([...s].length) : lastIndexOf(s, sub as string, (off as bigint | undefined) ?? BigInt([...s].length - 1)),
  ),
  lowerAscii: onString("lowerAscii", [""], (s) => mapAscii(s, /[A-Z]+/g, (c) => c.toLowerCase())),
  upperAscii: onString("upperAscii", [""], (s) => mapAscii(s, /[a-z]+/g, (c) => c.toUpperCase())),
  replace: onString("replace", ["ss", "ssi"], (s, [old, by, n]) => replace(s, old as string, by as string, (n as bigint | undefined) ?? -1n)),
  split: onString("split", ["s", "si"], (s, [sep, n]) => split(s, sep as string, (n as bigint | undefined) ?? -1n)),
  substring: onString("substring", ["i", "ii"], (s, [start, end]) => substring(s, start as bigint, end as bigint | undefined)),
  trim: onString("trim", [""], (s) => s.replace(TRIM, "")),
  join,
  format: (target, args) => {
    if (typeof target !== "string" || args.length !== 1 || !Array.isArray(args[0])) throw noSuchOverload("format", target, args);
    return formatString(target, args[0] as readonly CelValue[]);
  },
  "strings.quote": (target, args) => {
    if (target !== undefined || args.length !== 1 || typeof args[0] !== "string") throw noSuchOverload("strings.quote", target, args);
    return quote(args[0]);
  },
};
