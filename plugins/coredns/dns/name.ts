/**
 * Domain names between presentation form ("a.b.c", escapes `\.` `\\` `\DDD`) and wire labels.
 * Limits (RFC 1035 §2.3.4): labels of 1..63 bytes, names of at most 255 bytes on the wire.
 */

export const MAX_LABEL = 63;
export const MAX_NAME_WIRE = 255;

export class NameError extends Error {}

/** Labels of a presentation-form name (root: none). Throws NameError on an empty or overlong label or name. */
export function nameToLabels(name: string): Uint8Array[] {
  if (name === "" || name === ".") return [];
  if (name.endsWith(".") && !name.endsWith("\\.")) name = name.slice(0, -1);
  const labels: Uint8Array[] = [];
  let wire = 1;
  if (!name.includes("\\")) {
    for (const part of name.split(".")) labels.push(asciiLabel(part));
  } else {
    let cur: number[] = [];
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c === 92 /* \ */) {
        const d = name.slice(i + 1, i + 4);
        if (/^[0-9]{3}$/.test(d)) {
          const v = Number(d);
          if (v > 255) throw new NameError(`bad escape \\${d} in ${JSON.stringify(name)}`);
          cur.push(v);
          i += 3;
        } else if (i + 1 < name.length) {
          cur.push(name.charCodeAt(++i) & 0xff);
        } else {
          throw new NameError(`trailing backslash in ${JSON.stringify(name)}`);
        }
      } else if (c === 46 /* . */) {
        labels.push(checkLabel(Uint8Array.from(cur), name));
        cur = [];
      } else {
        cur.push(c & 0xff);
      }
    }
    labels.push(checkLabel(Uint8Array.from(cur), name));
  }
  for (const l of labels) wire += l.length + 1;
  if (wire > MAX_NAME_WIRE) throw new NameError(`name ${JSON.stringify(name.slice(0, 40))}... is longer than 255 bytes`);
  return labels;

  function asciiLabel(part: string): Uint8Array {
    const out = new Uint8Array(part.length);
    for (let i = 0; i < part.length; i++) out[i] = part.charCodeAt(i) & 0xff;
    return checkLabel(out, name);
  }
}

function checkLabel(label: Uint8Array, name: string): Uint8Array {
  if (label.length === 0) throw new NameError(`empty label in ${JSON.stringify(name)}`);
  if (label.length > MAX_LABEL) throw new NameError(`label longer than 63 bytes in ${JSON.stringify(name.slice(0, 80))}`);
  return label;
}

/** Presentation form of one wire label, escaping `.`, `\`, and bytes outside printable ASCII. */
export function labelToString(bytes: Uint8Array, start: number, length: number): string {
  let s = "";
  for (let i = start; i < start + length; i++) {
    const b = bytes[i]!;
    if (b === 46 || b === 92) s += `\\${String.fromCharCode(b)}`;
    else if (b <= 32 || b >= 127) s += `\\${String(b).padStart(3, "0")}`;
    else s += String.fromCharCode(b);
  }
  return s;
}
