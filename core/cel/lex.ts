/**
 * CEL's lexical grammar (cel-spec langdef.md "Syntax", cel-go's CEL.g4): the tokens parse.ts reads.
 * Literals carry their CEL value: int `bigint` (decimal or `0x` hex, range-checked by the parser,
 * which knows about a leading `-`), uint `CelUint` (`1u`, `0xFFu`), double `number` (`1.5`, `.5`,
 * `1e3`), string (quotes `'` `"`, triple quotes, `r`/`R` raw prefix) and bytes (`b`/`B` prefix,
 * then optionally `r`). Whitespace is space, tab, CR, LF and form feed; `//` starts a comment.
 * Escapes: `\a \b \f \n \r \t \v \\ \' \" \` \?`, `\xHH`, `\uHHHH`, `\UHHHHHHHH` and octal `\ooo`
 * (first digit 0-3); in strings `\x` and octal name code points, in bytes they name octets and
 * `\u`/`\U` are not allowed; a surrogate code point becomes U+FFFD (as cel-go's UTF-8 encoding).
 * Raw literals keep backslashes. Newlines in literals are normalized to `\n`. Malformed literals
 * are CelSyntaxError; a character no CEL token starts with (`$`, a backtick) is UnsupportedCel.
 */
import { CelSyntaxError, UnsupportedCel } from "./errors.ts";
import { CelUint } from "./values.ts";

export type Token = {
  readonly type: "int" | "uint" | "double" | "str" | "bytes" | "ident" | "op" | "eof";
  readonly text: string;
  readonly value?: unknown;
  readonly pos: number;
};

const OPERATORS = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}"];
const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, "'": 39, '"': 34, "`": 96, "?": 63 };
const NUMBER = /^(?:0x([0-9a-fA-F]+)(u|U)?|([0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)|([0-9]+)(u|U)?)/;
const UINT_MAX = 0xffffffffffffffffn;

const utf8 = new TextEncoder();

/** The value of a quoted literal starting at `start` (at its prefix); returns it and the offset after it. */
function readQuoted(src: string, start: number): { value: string | Uint8Array; end: number } {
  let i = start;
  let raw = false;
  let bytes = false;
  if (/[bB]/.test(src[i]!)) { bytes = true; i++; }
  if (/[rR]/.test(src[i]!)) { raw = true; i++; }
  const q = src[i]!;
  const close = src.startsWith(q.repeat(3), i) ? q.repeat(3) : q;
  i += close.length;
  const out: number[] = []; // code points (strings) or octets (bytes)
  const pushText = (s: string) => {
    if (bytes) out.push(...utf8.encode(s));
    else for (const ch of s) out.push(ch.codePointAt(0)!);
  };
  for (;;) {
    if (i >= src.length) throw new CelSyntaxError("token recognition error: unterminated string literal", start);
    if (src.startsWith(close, i)) { i += close.length; break; }
    const ch = src[i]!;
    if ((ch === "\n" || ch === "\r") && close.length === 1) throw new CelSyntaxError("token recognition error: newline in string literal", i);
    if (ch === "\r") { pushText("\n"); i += src[i + 1] === "\n" ? 2 : 1; continue; }
    if (ch !== "\\" || raw) {
      const cp = src.codePointAt(i)!;
      pushText(String.fromCodePoint(cp));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = src[i + 1];
    if (e === undefined) throw new CelSyntaxError("token recognition error: unterminated string literal", start);
    if (e in SIMPLE_ESCAPES) { out.push(SIMPLE_ESCAPES[e]!); i += 2; continue; }
    const hexLen = e === "x" || e === "X" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (hexLen > 0) {
      const digits = src.slice(i + 2, i + 2 + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(digits)) throw new CelSyntaxError(`invalid escape sequence \\${e}`, i);
      if (bytes && hexLen > 2) throw new CelSyntaxError(`\\${e} escapes are not allowed in bytes literals`, i);
      const cp = Number.parseInt(digits, 16);
      if (cp > 0x10ffff) throw new CelSyntaxError(`invalid code point \\${e}${digits}`, i);
      out.push(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp); // a surrogate encodes as U+FFFD, as Go's utf8.EncodeRune
      i += 2 + hexLen;
      continue;
    }
    if (/[0-3]/.test(e) && /^[0-7]{2}$/.test(src.slice(i + 2, i + 4))) {
      out.push(Number.parseInt(src.slice(i + 1, i + 4), 8));
      i += 4;
      continue;
    }
    throw new CelSyntaxError(`invalid escape sequence \\${e}`, i);
  }
  if (bytes) return { value: Uint8Array.from(out), end: i };
  let value = "";
  for (const cp of out) value += String.fromCodePoint(cp);
  return { value, end: i };
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") { i++; continue; }
    if (c === "/" && src[i + 1] === "/") { while (i < src.length && src[i] !== "\n") i++; continue; }
    const start = i;
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = NUMBER.exec(src.slice(i))!;
      i += m[0].length;
      if (m[3] !== undefined) {
        if (/[uU]/.test(src[i] ?? "")) throw new CelSyntaxError("a double literal cannot have a 'u' suffix", start);
        out.push({ type: "double", text: m[0], value: Number(m[3]), pos: start });
        continue;
      }
      const int = m[1] !== undefined ? BigInt(`0x${m[1]}`) : BigInt(m[4]!);
      if (m[2] ?? m[5]) {
        if (int > UINT_MAX) throw new CelSyntaxError(`invalid uint literal: ${m[0]}`, start);
        out.push({ type: "uint", text: m[0], value: new CelUint(int), pos: start });
      } else {
        out.push({ type: "int", text: m[0], value: int, pos: start });
      }
      continue;
    }
    if (/[rRbB]/.test(c)) {
      // b (bytes) then r (raw): `br'...'`; `rb'...'` is the name `rb` before a string.
      const prefix = /^[bB]?[rR]?(?=['"])/.exec(src.slice(i));
      if (prefix) {
        const { value, end } = readQuoted(src, i);
        i = end;
        out.push({ type: value instanceof Uint8Array ? "bytes" : "str", text: src.slice(start, i), value, pos: start });
        continue;
      }
    }
    if (c === "'" || c === '"') {
      const { value, end } = readQuoted(src, i);
      i = end;
      out.push({ type: "str", text: src.slice(start, i), value, pos: start });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      i += m[0].length;
      out.push({ type: "ident", text: m[0], pos: start });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new UnsupportedCel(`unexpected ${JSON.stringify(c)} at ${i}`);
    i += op.length;
    out.push({ type: "op", text: op, pos: start });
  }
  out.push({ type: "eof", text: "", pos: src.length });
  return out;
}
