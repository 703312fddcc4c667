// Kubernetes resource quantities (apimachinery `pkg/api/resource`): parsing,
// exact comparison and the canonical text upstream serialises. Values are
// exact decimals (BigInt mantissa × 10^exponent), rounded up to nano units as
// upstream does, so `1Ei` and `1n` are both exact.

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

export interface Quantity {
  /** The value is `mantissa × 10^exponent` (exponent ≥ -9 after parsing). */
  readonly mantissa: bigint;
  readonly exponent: number;
  /** The suffix family the quantity was written in; drives formatting. */
  readonly format: QuantityFormat;
  /** Approximate value as a JS number (for display and heuristics only). */
  readonly value: number;
  /**
   * The input text when upstream keeps it verbatim for serialisation
   * (its `Quantity.s` cache); see serializeQuantity.
   */
  readonly cached?: string;
}

export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** Invalid quantity text; the message is upstream's (ErrFormatWrong, ErrSuffix, ErrNumeric). */
export class QuantityParseError extends Error {
  override name = "QuantityParseError";
}

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExponent = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binaryByExponent = new Map(Object.entries(binarySuffixes).map(([s, e]) => [e, s]));

const MAX_BINARY = 2n ** 63n - 1n;
/** Bound on `e` exponents so a hostile `1e999999999` cannot exhaust memory. */
const MAX_DECIMAL_EXPONENT = 10000;

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

interface Parts {
  negative: boolean;
  num: string;
  denom: string;
  suffix: string;
}

/** upstream parseQuantityString. */
function splitQuantity(str: string): Parts {
  let pos = 0;
  let negative = false;
  if (str[0] === "-") {
    negative = true;
    pos++;
  } else if (str[0] === "+") {
    pos++;
  }
  while (str[pos] === "0") pos++;
  if (pos >= str.length) return { negative, num: "0", denom: "", suffix: "" };
  let start = pos;
  while (isDigit(str[pos])) pos++;
  const num = str.slice(start, pos) || "0";
  let denom = "";
  if (str[pos] === ".") {
    pos++;
    start = pos;
    while (isDigit(str[pos])) pos++;
    denom = str.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < str.length && "eEinumkKMGTP".includes(str[pos]!)) pos++;
  if (str[pos] === "-" || str[pos] === "+") pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < str.length) throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
  return { negative, num, denom, suffix: str.slice(suffixStart) };
}

function interpretSuffix(s: string): { base: 2 | 10; exponent: number; format: QuantityFormat } {
  if (Object.hasOwn(decimalSuffixes, s)) return { base: 10, exponent: decimalSuffixes[s]!, format: "DecimalSI" };
  if (Object.hasOwn(binarySuffixes, s)) return { base: 2, exponent: binarySuffixes[s]!, format: "BinarySI" };
  if (s.length > 1 && (s[0] === "e" || s[0] === "E") && /^[+-]?[0-9]+$/.test(s.slice(1))) {
    const e = Number(s.slice(1));
    if (Math.abs(e) > MAX_DECIMAL_EXPONENT) throw new QuantityParseError("unable to parse numeric part of quantity");
    return { base: 10, exponent: e, format: "DecimalExponent" };
  }
  throw new QuantityParseError("unable to parse quantity's suffix");
}

const pow10 = (n: number) => 10n ** BigInt(n);

function approx(mantissa: bigint, exponent: number): number {
  return Number(`${mantissa}e${exponent}`);
}

function make(mantissa: bigint, exponent: number, format: QuantityFormat, cached?: string): Quantity {
  const q: Quantity = { mantissa, exponent, format, value: approx(mantissa, exponent) };
  return Object.freeze(cached === undefined ? q : { ...q, cached });
}

/** Magnitude rounded away from zero to `exponent` (inf.RoundUp). */
function roundUpTo(mantissa: bigint, exponent: number, target: number): [bigint, number] {
  if (exponent >= target) return [mantissa, exponent];
  const div = pow10(target - exponent);
  const neg = mantissa < 0n;
  const abs = neg ? -mantissa : mantissa;
  let q = abs / div;
  if (q * div !== abs) q += 1n;
  return [neg ? -q : q, target];
}

/**
 * upstream ParseQuantity. Throws QuantityParseError with upstream's message
 * (QUANTITY_FORMAT_ERROR for malformed text).
 */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
  if (str === "0") return make(0n, 0, "DecimalSI", "0");
  const { negative, num, denom, suffix } = splitQuantity(str);
  const { base, exponent, format: parsedFormat } = interpretSuffix(suffix);
  let format = parsedFormat;

  let mantissa = BigInt(num + denom);
  let exp = denom.length === 0 ? 0 : -denom.length;
  if (base === 10) exp += exponent;
  else mantissa *= 2n ** BigInt(exponent);
  if (mantissa !== 0n) [mantissa, exp] = roundUpTo(mantissa, exp, -9);
  if (format === "BinarySI") {
    // Cap at the int64 maximum; fractions below one become decimal.
    if (compareDec(mantissa, exp, MAX_BINARY, 0) > 0) [mantissa, exp] = [MAX_BINARY, 0];
    if (mantissa !== 0n && compareDec(mantissa, exp, 1n, 0) < 0) format = "DecimalSI";
  }
  if (negative) mantissa = -mantissa;
  return make(mantissa, exp, format, cachedText(str, num, denom, base, exponent, format));
}

/**
 * Upstream keeps the input verbatim (and serialises it as-is) when its int64
 * fast path sees an already-canonical spelling.
 */
function cachedText(str: string, num: string, denom: string, base: number, exponent: number, format: QuantityFormat): string | undefined {
  const shifted = num + denom;
  if (base === 2) {
    if (format !== "BinarySI" || denom.length > 0) return undefined;
    const precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    if (precision < 0 || exponent % 10 !== 0) return undefined;
    const value = BigInt(shifted);
    return (value & 7n) !== 0n ? str : undefined;
  }
  const precision = 18 - shifted.length;
  const scale = exponent - denom.length;
  if (precision < 0 || scale < -9 || BigInt(shifted) > 2n ** 63n - 1n) return undefined;
  return scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0" ? str : undefined;
}

function compareDec(am: bigint, ae: number, bm: bigint, be: number): -1 | 0 | 1 {
  const e = Math.min(ae, be);
  const a = am * pow10(ae - e);
  const b = bm * pow10(be - e);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Exact comparison: -1, 0 or 1. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return compareDec(a.mantissa, a.exponent, b.mantissa, b.exponent);
}

/** ceil-away-from-zero of q / 10^scale, as upstream ScaledValue (e.g. scale -3 = MilliValue). */
export function quantityScaledValue(q: Quantity, scale: number): bigint {
  const [m, e] = roundUpTo(q.mantissa, q.exponent, scale);
  return m * pow10(e - scale);
}

function stripFactors(m: bigint, base: bigint): [bigint, number] {
  let times = 0;
  if (m === 0n) return [m, 0];
  while (m % base === 0n) {
    m /= base;
    times++;
  }
  return [m, times];
}

/** upstream CanonicalizeBytes: `1000m` → `1`, `1024Mi` → `1Gi`, `0.5` → `500m`, `1e3` → `1e3`. */
export function formatQuantity(q: Quantity): string {
  if (q.mantissa === 0n) return "0";
  let format = q.format;
  let integer: bigint | undefined;
  if (format === "BinarySI") {
    const small = compareDec(q.mantissa, q.exponent, -1024n, 0) > 0 && compareDec(q.mantissa, q.exponent, 1024n, 0) < 0;
    if (small) format = "DecimalSI";
    else {
      const [m, e] = roundUpTo(q.mantissa, q.exponent, 0);
      if (compareDec(m, e, q.mantissa, q.exponent) !== 0) format = "DecimalSI";
      else integer = m * pow10(e);
    }
  }
  if (format === "BinarySI") {
    const [amount, times] = stripFactors(integer!, 1024n);
    return `${amount}${binaryByExponent.get(times * 10) ?? ""}`;
  }
  let [amount, exponent] = stripFactors(q.mantissa, 10n);
  exponent += q.exponent;
  while (exponent % 3 !== 0) {
    amount *= 10n;
    exponent--;
  }
  if (format === "DecimalSI") {
    const s = decimalByExponent.get(exponent);
    // Upstream would drop the suffix beyond E (a bug); fall back to e-notation.
    return s !== undefined ? `${amount}${s}` : `${amount}e${exponent}`;
  }
  return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
}

/** What upstream writes to JSON: the verbatim input when cached, else the canonical form. */
export function serializeQuantity(q: Quantity): string {
  return q.cached ?? formatQuantity(q);
}

/** Parses and re-serialises (what a round trip through the API server yields). */
export function canonicalQuantity(str: string): string {
  return serializeQuantity(parseQuantity(str));
}
