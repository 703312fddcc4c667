/**
 * Duplicate keys in request bodies, which JSON.parse and Bun.YAML.parse silently resolve (last
 * wins) but upstream's strict decoders report (fieldValidation Strict/Warn):
 * - JSON (sigs.k8s.io/json): `duplicate field "spec.replicas"`, paths as upstream's field paths
 *   (`a.b`, `a[0].b`), reported in document order with the unknown fields;
 * - YAML (yaml.v2 UnmarshalStrict): `line 9: key "foo" already set in map`.
 * Objects decoded by request/body.ts remember their text, scanned on demand (`duplicateFieldsOf`).
 */

/** A duplicate JSON field: its path and the offset of the repeated key in the text. */
export interface JsonDuplicate { readonly path: string; readonly offset: number }

export interface JsonFieldScan {
  readonly duplicates: readonly JsonDuplicate[];
  /** Offset of every field's first occurrence, by path (to order unknown fields as the text does). */
  readonly offsets: ReadonlyMap<string, number>;
}

/** What a decoded body's text repeated. */
export type DuplicateFields =
  | { readonly format: "json"; readonly scan: JsonFieldScan }
  | { readonly format: "yaml"; readonly lines: readonly string[] };

const sources = new WeakMap<object, { readonly format: "json" | "yaml"; readonly text: string }>();

/** Remembers the text `body` was decoded from (scanned later, only if fieldValidation asks). */
export function rememberSource(body: unknown, format: "json" | "yaml", text: string): void {
  if (body && typeof body === "object") sources.set(body, { format, text });
}

/** The duplicates the text of `body` had, when request/body.ts decoded it; undefined when none. */
export function duplicateFieldsOf(body: unknown): DuplicateFields | undefined {
  const source = body && typeof body === "object" ? sources.get(body) : undefined;
  if (!source) return undefined;
  if (source.format === "json") {
    if (isCompactJsonOf(body, source.text)) return undefined;
    const scan = scanJsonDuplicates(source.text);
    return scan ? { format: "json", scan } : undefined;
  }
  const lines = scanYamlDuplicates(source.text);
  return lines.length > 0 ? { format: "yaml", lines } : undefined;
}

/**
 * True when `text` is exactly JSON.stringify(body), give or take trailing whitespace: what clients
 * that encode compactly send (client-go, kubectl, @kubernetes/client-node). Such a text holds every
 * key once (a repeated key would make it longer than the parsed object's encoding), so the scan
 * below, ~10x the cost of JSON.parse, is needed only for other texts.
 */
function isCompactJsonOf(body: unknown, text: string): boolean {
  const compact = JSON.stringify(body);
  if (text.length < compact.length || !text.startsWith(compact)) return false;
  for (let i = compact.length; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return false;
  }
  return true;
}

/**
 * Scans valid JSON text (JSON.parse already accepted it) for repeated object keys. Returns
 * undefined when no key repeats.
 */
export function scanJsonDuplicates(text: string): JsonFieldScan | undefined {
  const duplicates: JsonDuplicate[] = [];
  const offsets = new Map<string, number>();
  const len = text.length;
  let at = 0;
  const ws = () => {
    for (let c = text.charCodeAt(at); c === 32 || c === 10 || c === 13 || c === 9; c = text.charCodeAt(++at));
  };
  /** Skips the string starting at `at` (a quote), leaving `at` after its closing quote; returns it for a key. */
  const str = (key: boolean): string => {
    const start = at + 1;
    let end = text.indexOf('"', start);
    for (;;) {
      let backslashes = 0;
      while (text.charCodeAt(end - 1 - backslashes) === 92) backslashes++;
      if (backslashes % 2 === 0) break;
      end = text.indexOf('"', end + 1);
    }
    at = end + 1;
    if (!key) return "";
    const raw = text.slice(start, end);
    return raw.includes("\\") ? JSON.parse(`"${raw}"`) as string : raw;
  };
  // `path` null: only find out whether any key repeats (the common answer is no; no paths built).
  let found = false;
  const value = (path: string | null): void => {
    ws();
    const c = text.charCodeAt(at);
    if (c === 123) { // {
      at++;
      ws();
      if (text.charCodeAt(at) === 125) { at++; return; }
      const seen = new Set<string>();
      for (;;) {
        ws();
        const keyAt = at;
        const key = str(true);
        const child = path === null ? null : path ? `${path}.${key}` : key;
        if (seen.has(key)) {
          found = true;
          if (child !== null) duplicates.push({ path: child, offset: keyAt });
        } else {
          seen.add(key);
          if (child !== null && !offsets.has(child)) offsets.set(child, keyAt);
        }
        ws();
        at++; // colon
        value(child);
        ws();
        if (text.charCodeAt(at++) === 125) return;
      }
    } else if (c === 91) { // [
      at++;
      ws();
      if (text.charCodeAt(at) === 93) { at++; return; }
      for (let i = 0; ; i++) {
        value(path === null ? null : `${path}[${i}]`);
        ws();
        if (text.charCodeAt(at++) === 93) return;
      }
    } else if (c === 34) { // "
      str(false);
    } else {
      for (let d = text.charCodeAt(at); at < len && d !== 44 && d !== 125 && d !== 93 && d !== 32 && d !== 10 && d !== 13 && d !== 9; d = text.charCodeAt(++at));
    }
  };
  value(null);
  if (!found) return undefined;
  at = 0;
  value("");
  return { duplicates, offsets };
}

/**
 * Repeated keys of block mappings in YAML text, as yaml.v2 reports them
 * (`line N: key "k" already set in map`, N 1-based). Covers block mappings, also inside block
 * sequence items; flow collections (`{...}`, `[...]`) and block scalars are not looked into.
 */
export function scanYamlDuplicates(text: string): string[] {
  // JSON is YAML (kubectl sends apply configurations as JSON): its keys are found exactly.
  if (text.trimStart().startsWith("{")) return jsonDuplicatesAsYamlErrors(text);
  const out: string[] = [];
  // Open mappings, innermost last: the column of their keys and the keys seen.
  const open: { indent: number; keys: Set<string> }[] = [];
  let blockScalarIndent = -1; // inside `key: |` text: lines indented deeper than this
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (blockScalarIndent >= 0) {
      if (body === "" || indent > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    if (body === "" || body.startsWith("#") || body === "---" || body === "...") {
      if (body === "---") open.length = 0;
      continue;
    }
    // `- key: v` starts a new mapping whose keys sit after the dash.
    let col = indent;
    line = line.slice(indent);
    let newItem = false;
    while (line.startsWith("- ") || line === "-") {
      const rest = line.slice(1);
      const pad = rest.length - rest.trimStart().length;
      col += 1 + pad;
      line = rest.trimStart();
      newItem = true;
      while (open.length > 0 && open[open.length - 1]!.indent >= col) open.pop();
    }
    const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[][^:#]*?)\s*:(?:\s|$)/.exec(line);
    if (!m) continue;
    let key = m[1]!;
    if (key.startsWith('"')) key = JSON.parse(key) as string;
    else if (key.startsWith("'")) key = key.slice(1, -1).replace(/''/g, "'");
    while (open.length > 0 && open[open.length - 1]!.indent > col) open.pop();
    let map = open[open.length - 1];
    if (newItem || !map || map.indent < col) {
      map = { indent: col, keys: new Set() };
      open.push(map);
    }
    if (map.keys.has(key)) out.push(`line ${n + 1}: key ${JSON.stringify(key)} already set in map`);
    else map.keys.add(key);
    const rest = line.slice(m[0].length).trim();
    if (/^[|>][-+0-9]*(\s+#.*)?$/.test(rest)) blockScalarIndent = col;
  }
  return out;
}

/** JSON text's duplicate keys in the YAML decoder's words (the line of the repeated key). */
function jsonDuplicatesAsYamlErrors(text: string): string[] {
  let scan: JsonFieldScan | undefined;
  try { scan = scanJsonDuplicates(text); } catch { return []; }
  return (scan?.duplicates ?? []).map((d) => {
    const line = text.slice(0, d.offset).split("\n").length;
    const key = /[^.[\]]+$/.exec(d.path)?.[0] ?? d.path;
    return `line ${line}: key ${JSON.stringify(key)} already set in map`;
  });
}
