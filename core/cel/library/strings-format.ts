/**
 * `<string>.format(<list>)` of cel-go ext.Strings version 1+ (cel-go v0.22.0 ext/formatting.go),
 * with the locale Kubernetes leaves at its default, en_US.
 *
 * Clauses: `%%`; `%s` (strings, bools, ints, uints, doubles as Go's %g, bytes as UTF-8, null,
 * lists and maps printed as CEL literals with sorted keys, timestamps, durations and types as
 * `string()` prints them); `%d` (int, uint); `%f` / `%e` with optional `.N` precision (default 6; doubles, or
 * the strings "NaN", "Infinity", "-Infinity"), printed as golang.org/x/text prints for en_US:
 * `%f` groups thousands with "," and writes infinity as "∞", `%e` writes "1.052033 × 10⁰³"
 * (narrow no-break spaces, superscript exponent of at least two digits); `%b` (int, uint, bool);
 * `%x` / `%X` (int, uint, string, bytes); `%o` (int, uint). Errors carry cel-go's messages:
 * `index N out of range`, `unexpected end of string`, `could not parse formatting clause: ...`,
 * `error during formatting: ...`.
 *
 * Known deviations: cel-go also rejects, at compile time, a literal format string whose literal
 * argument list has more elements than clauses; evaluation here ignores extra arguments (cel-go's
 * runtime behaviour).
 */
import { isMapValue, mapEntries } from "../map.ts";
import { CelError, CelType, CelUint, celTypeName, element, type CelValue } from "../values.ts";
import { Duration, formatDuration, formatTimestamp, Timestamp } from "./time-values.ts";

// ---- Numbers, exactly as Go's strconv prints float64 (round half to even on the exact binary value).

/** |x| as an exact decimal: digits × 10^-scale. */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp = (biased === 0 ? 1 : biased) - 1075;
  return exp >= 0 ? { digits: mantissa << BigInt(exp), scale: 0 } : { digits: mantissa * 5n ** BigInt(-exp), scale: -exp };
}

/** n / 10^k rounded half to even. */
function divRound(n: bigint, k: number): bigint {
  if (k <= 0) return n * 10n ** BigInt(-k);
  const d = 10n ** BigInt(k);
  const q = n / d;
  const r2 = (n % d) * 2n;
  return r2 > d || (r2 === d && q % 2n === 1n) ? q + 1n : q;
}

const sign = (x: number) => (x < 0 || Object.is(x, -0) ? "-" : "");

/** Go's %.{p}f without the sign: [integer digits, fraction digits]. */
function fixedParts(x: number, p: number): [string, string] {
  const { digits, scale } = exactDecimal(x);
  const text = divRound(digits, scale - p).toString().padStart(p + 1, "0");
  return [text.slice(0, text.length - p), text.slice(text.length - p)];
}

/** Go's %.{p}e without the sign: [mantissa, decimal exponent]. */
function scientificParts(x: number, p: number): [string, number] {
  if (x === 0) return [p > 0 ? `0.${"0".repeat(p)}` : "0", 0];
  const { digits, scale } = exactDecimal(x);
  const len = digits.toString().length;
  let exp = len - 1 - scale;
  let m = divRound(digits, len - 1 - p).toString();
  if (m.length > p + 1) { m = m.slice(0, p + 1); exp++; } // 9.99… rounded up to 10.0…
  return [p > 0 ? `${m[0]}.${m.slice(1)}` : m, exp];
}

/** Go's fmt %.{p}f (used for doubles inside lists and maps): NaN, +Inf, -Inf for the specials. */
function goFixed(x: number, p: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  const [int, frac] = fixedParts(x, p);
  return sign(x) + int + (p > 0 ? `.${frac}` : "");
}

/**
 * Go's fmt %g (cel-go's string(double)): the shortest digits that round-trip, in exponent form
 * (`1e+06`, two-digit exponent at least) when the decimal exponent is < -4 or >= 6.
 */
export function goShortest(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  if (x === 0) return `${sign(x)}0`;
  const [mant, e] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign(x)}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign(x)}0.${"0".repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return sign(x) + int + (frac ? `.${frac}` : "");
}

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/** %f for en_US as golang.org/x/text/message prints it. */
function localeFixed(x: number, p: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  const [int, frac] = fixedParts(x, p);
  return sign(x) + int.replace(/\B(?=(\d{3})+$)/g, ",") + (p > 0 ? `.${frac}` : "");
}

/** %e for en_US as golang.org/x/text/message prints it: 2.718280 × 10⁰⁰. */
function localeScientific(x: number, p: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  const [m, exp] = scientificParts(x, p);
  const e = [...String(Math.abs(exp)).padStart(2, "0")].map((d) => SUPERSCRIPT[Number(d)]).join("");
  return `${sign(x)}${m}\u202f×\u202f10${exp < 0 ? "⁻" : ""}${e}`;
}

// ---- Strings, as Go's %q quotes them.

const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  const named: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\", '"': '\\"' };
  let out = '"';
  for (const c of s.toWellFormed()) {
    const cp = c.codePointAt(0)!;
    if (named[c]) out += named[c];
    else if (GO_PRINTABLE.test(c)) out += c;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

// ---- Values.

function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CelError("invalid UTF-8 in bytes, cannot convert to string");
  }
}

const isInt = (v: CelValue): v is bigint | CelUint => typeof v === "bigint" || v instanceof CelUint;
const intValue = (v: bigint | CelUint) => (typeof v === "bigint" ? v : v.value);

const stringClauseError = (v: CelValue) =>
  new CelError(`string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ${celTypeName(v)}`);

/** A map key inside `%s` (cel-go formatMap: strings quoted, bools and integers bare). */
function formatKey(k: CelValue): string {
  if (typeof k === "string") return goQuote(k);
  if (typeof k === "boolean" || isInt(k)) return formatPlain(k);
  throw new CelError(`no formatting function for map key of type ${celTypeName(k)}`);
}

/** The `%s` clause (cel-go FormatString). */
function formatPlain(v: CelValue): string {
  if (Array.isArray(v)) return `[${v.map((e) => formatLiteral(element(v, e))).join(", ")}]`;
  if (isMapValue(v)) {
    const entries = mapEntries(v).map(([k, e]) => [formatKey(k), formatLiteral(e)] as const);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, e]) => `${k}:${e}`).join(", ")}}`;
  }
  if (v === null) return "null";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (isInt(v)) return String(intValue(v));
  if (typeof v === "number") return goShortest(v);
  if (v instanceof Uint8Array) return utf8(v);
  if (v instanceof Timestamp) return formatTimestamp(v);
  if (v instanceof Duration) return formatDuration(v);
  if (v instanceof CelType) return v.name;
  throw stringClauseError(v);
}

/** A list element or map value inside `%s`: printed as a CEL literal (cel-go clauseForType + quoteForCEL). */
function formatLiteral(v: CelValue): string {
  if (typeof v === "string") return goQuote(v);
  if (v instanceof Uint8Array) return `b${goQuote(utf8(v))}`;
  if (typeof v === "number") return Number.isFinite(v) ? goFixed(v, 6) : goQuote(goFixed(v, 6));
  if (v instanceof Timestamp) return `timestamp(${goQuote(formatTimestamp(v))})`;
  if (v instanceof Duration) return `duration(${goQuote(formatDuration(v))})`;
  if (v === null || typeof v === "boolean" || isInt(v) || Array.isArray(v) || isMapValue(v) || v instanceof CelType) return formatPlain(v);
  throw new CelError(`no formatting function for ${celTypeName(v)}`);
}

type Clause = (v: CelValue) => string;

/** A double for %f / %e: a double, or one of the strings naming the specials. */
function floatArg(v: CelValue, what: string): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  throw new CelError(`${what} clause can only be used on doubles, was given ${celTypeName(v)}`);
}

function radix(base: number, upper: boolean, error: string): Clause {
  return (v) => {
    let text: string;
    if (isInt(v)) text = intValue(v).toString(base);
    else if (base === 2 && typeof v === "boolean") text = v ? "1" : "0";
    else if (base === 16 && (typeof v === "string" || v instanceof Uint8Array)) {
      const bytes = typeof v === "string" ? new TextEncoder().encode(v) : v;
      text = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    } else throw new CelError(`${error}, was given ${celTypeName(v)}`);
    return upper ? text.toUpperCase() : text;
  };
}

function clause(verb: string, precision: number | undefined): Clause | undefined {
  const p = precision ?? 6;
  switch (verb) {
    case "s": return formatPlain;
    case "d": return (v) => {
      if (!isInt(v)) throw new CelError(`decimal clause can only be used on integers, was given ${celTypeName(v)}`);
      return String(intValue(v));
    };
    case "f": return (v) => localeFixed(floatArg(v, "fixed-point"), p);
    case "e": return (v) => localeScientific(floatArg(v, "scientific"), p);
    case "b": return radix(2, false, "only integers and bools can be formatted as binary");
    case "x": return radix(16, false, "only integers, byte buffers, and strings can be formatted as hex");
    case "X": return radix(16, true, "only integers, byte buffers, and strings can be formatted as hex");
    case "o": return radix(8, false, "octal clause can only be used on integers");
    default: return undefined;
  }
}

/** `fmt.format(args)`. */
export function formatString(fmt: string, args: readonly CelValue[]): string {
  let out = "";
  let argIndex = 0;
  let i = 0;
  while (i < fmt.length) {
    if (fmt[i] !== "%") { out += fmt[i++]; continue; }
    if (fmt[i + 1] === "%") { out += "%"; i += 2; continue; }
    if (argIndex >= args.length) throw new CelError(`index ${argIndex} out of range`);
    if (i + 1 >= fmt.length) throw new CelError("unexpected end of string");
    let j = i + 1;
    let precision: number | undefined;
    if (fmt[j] === ".") {
      const m = /^\.([0-9]*)/.exec(fmt.slice(j))!;
      j += m[0].length;
      if (j >= fmt.length) throw new CelError("could not parse formatting clause: error while parsing precision: could not find end of precision specifier");
      if (m[1] === "") {
        throw new CelError('could not parse formatting clause: error while parsing precision: error while converting precision to integer: strconv.Atoi: parsing "": invalid syntax');
      }
      precision = Number(m[1]);
    }
    const verb = String.fromCodePoint(fmt.codePointAt(j)!);
    const format = clause(verb, precision);
    if (!format) throw new CelError(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
    try {
      out += format(element(args, args[argIndex]));
    } catch (err) {
      if (err instanceof CelError) throw new CelError(`error during formatting: ${err.message}`);
      throw err;
    }
    i = j + verb.length;
    argIndex++;
  }
  return out;
}
