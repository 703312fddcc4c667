/**
 * A small reader of Corefile syntax (as the coredns-custom ConfigMap's values use it): lines of
 * whitespace-separated tokens, `#` comments, double-quoted tokens, and `{ ... }` blocks opened at
 * the end of a line (or opened and closed on one line). It builds a tree of directives; what the
 * directives mean is custom-config.ts' business. Unbalanced braces are reported, never thrown.
 */

export interface Directive {
  name: string;
  args: string[];
  /** The directives (or entry lines) inside `{ }`, if the directive has a block. */
  block?: Directive[];
  line: number;
}

export interface ParsedCorefile {
  directives: Directive[];
  errors: string[];
}

export function parseCorefile(text: string): ParsedCorefile {
  const lines: { tokens: string[]; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const tokens = tokenize(raw);
    if (tokens.length) lines.push({ tokens, line: i + 1 });
  });
  const errors: string[] = [];
  let i = 0;

  function body(depth: number): Directive[] {
    const out: Directive[] = [];
    while (i < lines.length) {
      const { tokens, line } = lines[i]!;
      if (tokens[0] === "}") {
        if (depth === 0) errors.push(`line ${line}: unexpected "}"`);
        else { i++; if (tokens.length > 1) errors.push(`line ${line}: text after "}"`); return out; }
        i++;
        continue;
      }
      i++;
      const open = tokens.indexOf("{");
      if (open < 0) {
        out.push({ name: tokens[0]!, args: tokens.slice(1), line });
        continue;
      }
      const head = tokens.slice(0, open);
      const rest = tokens.slice(open + 1);
      if (head.length === 0) { errors.push(`line ${line}: "{" without a directive`); continue; }
      const d: Directive = { name: head[0]!, args: head.slice(1), line, block: [] };
      if (rest.length > 0) {
        // One-line block: `name args { entry } `
        const close = rest.indexOf("}");
        if (close < 0) { errors.push(`line ${line}: a block opened on a line must end on it or at the line's end`); continue; }
        const inner = rest.slice(0, close);
        if (inner.length) d.block!.push({ name: inner[0]!, args: inner.slice(1), line });
        if (close !== rest.length - 1) errors.push(`line ${line}: text after "}"`);
      } else {
        d.block = body(depth + 1);
      }
      out.push(d);
    }
    if (depth > 0) errors.push(`a "{" block is not closed before the end`);
    return out;
  }

  const directives = body(0);
  return { directives, errors };
}

function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let cur = "";
  let quoted = false;
  let inToken = false;
  for (let k = 0; k < line.length; k++) {
    const c = line[k]!;
    if (quoted) {
      if (c === "\\" && k + 1 < line.length) cur += line[++k];
      else if (c === '"') quoted = false;
      else cur += c;
      continue;
    }
    if (c === "#") break;
    if (c === '"') { quoted = true; inToken = true; continue; }
    if (c === " " || c === "\t") {
      if (inToken) { tokens.push(cur); cur = ""; inToken = false; }
      continue;
    }
    if ((c === "{" || c === "}") && !inToken) { tokens.push(c); continue; }
    if (c === "{" && inToken && (k + 1 === line.length || line[k + 1] === " " || line[k + 1] === "\t")) {
      tokens.push(cur, "{"); cur = ""; inToken = false; continue;
    }
    cur += c;
    inToken = true;
  }
  if (inToken) tokens.push(cur);
  return tokens;
}
