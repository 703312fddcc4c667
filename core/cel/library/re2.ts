/**
 * RE2 patterns (Go's regexp/syntax, as CEL and Kubernetes compile them) translated to JavaScript
 * RegExps with the same matches. The output always uses the `u` flag (code points) and spells out
 * every construct whose meaning differs between the two dialects:
 *
 * - `.` is any code point but `\n` (JS's also excludes `\r`, U+2028, U+2029), any at all under `s`;
 * - `^` / `$` are text start / end, or line start / end around `\n` only under `m`;
 * - `\d \s \w` are ASCII as in Go (`\s` is `[\t\n\f\r ]`, not JS's Unicode spaces);
 * - `(?i)`, `(?s)`, `(?m)`, `(?U)` and their `(?flags:re)` / `(?-flags)` forms apply from where they
 *   appear to the end of the group, as in Go (case folding through JS's `(?i:...)` modifiers,
 *   the others by the translation itself; `U` swaps greedy and lazy quantifiers);
 * - named groups `(?P<name>re)` / `(?<name>re)` become plain groups (nothing here reads names;
 *   RE2 has no backreferences); POSIX classes `[[:alpha:]]`, `\pN`, `\p{Greek}`, `\Q...\E`,
 *   `\x{10FFFF}`, octal `\123`, `\a`, escaped punctuation, and `{`, `}`, `]` as literals where Go
 *   reads them so.
 *
 * What Go rejects is a CelError here too (lookarounds, backreferences, `\C`, `\Z`, unknown
 * escapes, repeat counts over 1000, unbalanced parentheses or brackets). Not translated, and a
 * CelError rather than a guess: a negated `\P{C}` inside a bracket class. Remaining differences:
 * JS rejects a few patterns Go accepts (a quantifier on an empty-width assertion such as `^*`),
 * Go's "expression too large" limit on nested repeats is not applied, and under `(?i)` JS's `\b`
 * counts U+017F and U+212A as word characters where Go's ASCII `\b` does not.
 */
import { CelError } from "../values.ts";

type Range = readonly [number, number];
const MAX = 0x10ffff;

const PERL: Record<string, readonly Range[]> = {
  d: [[0x30, 0x39]],
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
};

const POSIX: Record<string, readonly Range[]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

const esc = (cp: number) => `\\u{${cp.toString(16)}}`;
/** A literal code point, safe both inside and outside a bracket class in `u` mode. */
const lit = (cp: number) => (/[0-9A-Za-z]/.test(String.fromCodePoint(cp)) ? String.fromCodePoint(cp) : esc(cp));
const rangesBody = (ranges: readonly Range[]) => ranges.map(([lo, hi]) => (lo === hi ? esc(lo) : `${esc(lo)}-${esc(hi)}`)).join("");

function complement(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX) out.push([next, MAX]);
  return out;
}

/** The body of a bracket class for a Go Unicode class name (`L`, `Lu`, `Greek`, `Any`). */
function unicodeBody(name: string, negated: boolean, inClass: boolean): { body: string; negated: boolean } {
  if (!/^[A-Za-z_]+$/.test(name)) throw new CelError(`invalid character class range: \\p{${name}}`);
  if (name === "Any") return negated ? { body: inClass ? "" : rangesBody([[0, MAX]]), negated: !inClass } : { body: rangesBody([[0, MAX]]), negated: false };
  // Go's C is Cc|Cf|Co|Cs; JS's \p{C} also has the unassigned code points (Cn).
  if (name === "C") {
    if (negated && inClass) throw new CelError("unsupported in this RE2 translation: \\P{C} inside a character class");
    return { body: "\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}", negated };
  }
  const prop = /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
  return { body: negated ? `\\P{${prop}}` : `\\p{${prop}}`, negated: false };
}

type Group = { flags: Flags; entryI: boolean; wrapped: boolean };
type Flags = { i: boolean; m: boolean; s: boolean; U: boolean };

class Translator {
  private pos = 0;
  private out = "";
  private readonly cps: number[];
  private readonly names = new Set<string>();
  private readonly stack: Group[] = [];

  constructor(private readonly src: string) {
    this.cps = [...src].map((c) => c.codePointAt(0)!);
  }

  private fail(msg: string): never {
    throw new CelError(`error parsing regexp: ${msg}: \`${this.src}\``);
  }

  private peek(k = 0): string {
    const cp = this.cps[this.pos + k];
    return cp === undefined ? "" : String.fromCodePoint(cp);
  }

  private rest(): string {
    return this.cps.slice(this.pos).map((c) => String.fromCodePoint(c)).join("");
  }

  private get top(): Group {
    return this.stack[this.stack.length - 1]!;
  }

  /** Opens or closes the `(?i:` / `(?-i:` wrapper so that what follows has the group's current `i`. */
  private syncCase(): void {
    const g = this.top;
    if (g.wrapped) { this.out += ")"; g.wrapped = false; }
    if (g.flags.i !== g.entryI) { this.out += g.flags.i ? "(?i:" : "(?-i:"; g.wrapped = true; }
  }

  translate(): string {
    this.stack.push({ flags: { i: false, m: false, s: false, U: false }, entryI: false, wrapped: false });
    while (this.pos < this.cps.length) this.step();
    if (this.stack.length > 1) this.fail("missing closing )");
    if (this.top.wrapped) this.out += ")";
    return this.out;
  }

  private step(): void {
    const c = this.peek();
    const flags = this.top.flags;
    switch (c) {
      case "\\": return this.escape();
      case "[": return this.klass();
      case "(": return this.open();
      case ")": {
        if (this.stack.length === 1) this.fail("unexpected )");
        if (this.top.wrapped) this.out += ")";
        this.stack.pop();
        this.out += ")";
        this.pos++;
        return;
      }
      case "|": {
        const g = this.top;
        if (g.wrapped) { this.out += ")"; g.wrapped = false; }
        this.out += "|";
        this.pos++;
        this.syncCase();
        return;
      }
      case ".": this.out += flags.s ? "[\\s\\S]" : "[^\\n]"; this.pos++; return;
      case "^": this.out += flags.m ? "(?<![^\\n])" : "^"; this.pos++; return;
      case "$": this.out += flags.m ? "(?![^\\n])" : "$"; this.pos++; return;
      case "*": case "+": case "?": return this.quantifier(c, 1);
      case "{": {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.rest());
        if (!m) { this.out += lit(0x7b); this.pos++; return; }
        const min = Number(m[1]);
        const max = m[3] === undefined || m[3] === "" ? undefined : Number(m[3]);
        if (min > 1000 || (max !== undefined && (max > 1000 || max < min))) this.fail(`invalid repeat count: ${m[0]}`);
        return this.quantifier(m[0], m[0].length);
      }
      default: this.out += lit(this.cps[this.pos]!); this.pos++;
    }
  }

  private quantifier(q: string, length: number): void {
    this.pos += length;
    let lazy = false;
    if (this.peek() === "?") { lazy = true; this.pos++; }
    if (this.top.flags.U) lazy = !lazy;
    if (/^[*+?]$/.test(this.peek()) || /^\{\d+(,\d*)?\}/.test(this.rest())) this.fail("invalid nested repetition operator");
    this.out += q + (lazy ? "?" : "");
  }

  private open(): void {
    const rest = this.rest();
    const named = /^\(\?P?<([^>]*)>/.exec(rest);
    if (named) {
      const name = named[1]!;
      if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail(`invalid named capture: ${named[0]}`);
      if (this.names.has(name)) this.fail(`duplicate capture group name: ${name}`);
      this.names.add(name);
      return this.push(named[0].length, "(", this.top.flags);
    }
    const flagged = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
    if (rest.startsWith("(?") && !flagged) this.fail(`invalid or unsupported Perl syntax: ${rest.slice(0, 3)}`);
    if (!flagged) return this.push(1, "(", this.top.flags);
    const [, on = "", off, end] = flagged;
    // `(?:` is a plain non-capturing group; `(?)` and a dangling `-` carry no flags at all.
    if ((on === "" && off === undefined && end === ")") || off === "") this.fail(`missing argument to repetition operator: ${flagged[0]}`);
    const flags = { ...this.top.flags };
    for (const f of on) flags[f as keyof Flags] = true;
    for (const f of off ?? "") flags[f as keyof Flags] = false;
    if (end === ":") return this.push(flagged[0].length, "(?:", flags);
    this.pos += flagged[0].length;
    this.top.flags = flags;
    this.syncCase();
  }

  private push(length: number, text: string, flags: Flags): void {
    this.pos += length;
    const outer = this.top.flags.i;
    this.out += flags.i === outer ? text : `${text}${flags.i ? "(?i:" : "(?-i:"}`;
    // A case change at the group's start is a wrapper closed with the group.
    this.stack.push({ flags, entryI: flags.i, wrapped: false });
    if (flags.i !== outer) { this.top.entryI = outer; this.top.wrapped = true; }
  }

  /** An escape outside a class. */
  private escape(): void {
    const e = this.peek(1);
    if (e === "") this.fail("trailing backslash at end of expression");
    if (e === "Q") {
      this.pos += 2;
      while (this.pos < this.cps.length && !(this.peek() === "\\" && this.peek(1) === "E")) this.out += lit(this.cps[this.pos++]!);
      if (this.pos < this.cps.length) this.pos += 2;
      return;
    }
    const simple: Record<string, string> = { A: "(?<![\\s\\S])", z: "(?![\\s\\S])", b: "\\b", B: "\\B" };
    if (simple[e]) { this.out += simple[e]; this.pos += 2; return; }
    const cls = this.classEscape(false);
    if (cls) { this.out += cls.negated ? `[^${cls.body}]` : `[${cls.body}]`; return; }
    this.out += lit(this.charEscape());
  }

  /** `\d \D \s \S \w \W \pX \p{X} \PX \P{X}` at pos: a class body, or undefined for other escapes. */
  private classEscape(inClass: boolean): { body: string; negated: boolean } | undefined {
    const e = this.peek(1);
    const perl = PERL[e.toLowerCase()];
    if (perl && /[dswDSW]/.test(e)) {
      this.pos += 2;
      const negated = e !== e.toLowerCase();
      return negated && inClass ? { body: rangesBody(complement(perl)), negated: false } : { body: rangesBody(perl), negated };
    }
    if (e !== "p" && e !== "P") return undefined;
    let name: string;
    if (this.peek(2) === "{") {
      const m = /^\\[pP]\{([^}]*)\}/.exec(this.rest());
      if (!m) this.fail("invalid character class range");
      name = m[1]!;
      this.pos += m[0].length;
    } else {
      name = this.peek(2);
      if (name === "") this.fail("invalid character class range");
      this.pos += 3;
    }
    let negated = e === "P";
    if (name.startsWith("^")) { negated = !negated; name = name.slice(1); }
    return unicodeBody(name, negated, inClass);
  }

  /** A single-character escape at pos (`\n`, `\x{41}`, `\101`, `\.`): its code point. */
  private charEscape(): number {
    const e = this.peek(1);
    const named: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (named[e] !== undefined) { this.pos += 2; return named[e]; }
    const rest = this.rest();
    const octal = /^\\(0[0-7]{0,2}|[1-7][0-7]{1,2})/.exec(rest);
    if (octal) { this.pos += octal[0].length; return Number.parseInt(octal[1]!, 8); }
    if (e === "x") {
      const hex = /^\\x(?:\{([0-9A-Fa-f]+)\}|([0-9A-Fa-f]{2}))/.exec(rest);
      const cp = hex ? Number.parseInt(hex[1] ?? hex[2]!, 16) : Number.NaN;
      if (!hex || cp > MAX) this.fail(`invalid escape sequence: ${rest.slice(0, 4)}`);
      this.pos += hex[0].length;
      return cp;
    }
    const cp = this.cps[this.pos + 1]!;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(e)) { this.pos += 2; return cp; }
    return this.fail(`invalid escape sequence: \\${e}`);
  }

  /** A bracket class `[...]`. */
  private klass(): void {
    this.pos++;
    let out = "[";
    if (this.peek() === "^") { out += "^"; this.pos++; }
    let first = true;
    for (;;) {
      if (this.pos >= this.cps.length) this.fail("missing closing ]");
      const c = this.peek();
      if (c === "]" && !first) { this.pos++; break; }
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.rest());
      if (posix) {
        const ranges = POSIX[posix[2]!];
        if (!ranges) this.fail(`invalid character class range: ${posix[0]}`);
        out += rangesBody(posix[1] ? complement(ranges) : ranges);
        this.pos += posix[0].length;
        continue;
      }
      if (c === "\\") {
        const cls = this.classEscape(true);
        if (cls) {
          if (cls.negated) this.fail("unsupported in this RE2 translation: a negated class inside a character class");
          out += cls.body;
          continue;
        }
      }
      const lo = this.classChar();
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== "") {
        this.pos++;
        const hi = this.classChar();
        if (hi < lo) this.fail(`invalid character class range: ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`);
        out += `${esc(lo)}-${esc(hi)}`;
      } else out += esc(lo);
    }
    this.out += `${out}]`;
  }

  private classChar(): number {
    if (this.peek() === "\\") return this.charEscape();
    return this.cps[this.pos++]!;
  }
}

const cache = new Map<string, RegExp>();

/**
 * The JS RegExp (flags `gu`) matching what RE2 `pattern` matches; CelError for a pattern Go's
 * regexp rejects or that this translation does not cover. Use `lastIndex` to search from a point.
 */
export function compileRe2(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return new RegExp(hit);
  const source = new Translator(pattern).translate();
  let re: RegExp;
  try {
    re = new RegExp(source, "gu");
  } catch (err) {
    throw new CelError(`error parsing regexp: ${(err as Error).message}: \`${pattern}\``);
  }
  if (cache.size >= 256) cache.delete(cache.keys().next().value!);
  cache.set(pattern, re);
  return new RegExp(re);
}
