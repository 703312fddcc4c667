/**
 * A minimal POSIX ustar writer for building image layers and OCI layout archives in memory.
 * Entries are written in the order given, owned by 0:0, with the mtime given (default 0) so the
 * output is byte-for-byte deterministic. Names longer than 100 bytes are split into ustar's
 * prefix (155) + name (100) at a '/'; a name that cannot be split is an error.
 */
export type TarEntry =
  | { readonly type: "file"; readonly name: string; readonly data: Uint8Array; readonly mode?: number }
  | { readonly type: "dir"; readonly name: string; readonly mode?: number }
  | { readonly type: "symlink"; readonly name: string; readonly target: string };

const BLOCK = 512;
const encoder = new TextEncoder();

export function writeTar(entries: readonly TarEntry[], mtime = 0): Uint8Array {
  let total = 2 * BLOCK; // two zero blocks end the archive
  for (const e of entries) total += BLOCK + (e.type === "file" ? Math.ceil(e.data.length / BLOCK) * BLOCK : 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const entry of entries) {
    const size = entry.type === "file" ? entry.data.length : 0;
    writeHeader(out.subarray(offset, offset + BLOCK), entry, size, mtime);
    offset += BLOCK;
    if (entry.type === "file") {
      out.set(entry.data, offset);
      offset += Math.ceil(size / BLOCK) * BLOCK;
    }
  }
  return out;
}

function writeHeader(h: Uint8Array, entry: TarEntry, size: number, mtime: number): void {
  const name = entry.type === "dir" && !entry.name.endsWith("/") ? `${entry.name}/` : entry.name;
  const [prefix, base] = splitName(name);
  const mode = entry.type === "symlink" ? 0o777 : (entry.mode ?? (entry.type === "dir" ? 0o755 : 0o644));
  putString(h, 0, 100, base);
  putOctal(h, 100, 8, mode);
  putOctal(h, 108, 8, 0); // uid
  putOctal(h, 116, 8, 0); // gid
  putOctal(h, 124, 12, size);
  putOctal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  h[156] = (entry.type === "file" ? "0" : entry.type === "dir" ? "5" : "2").charCodeAt(0);
  if (entry.type === "symlink") putString(h, 157, 100, entry.target);
  putString(h, 257, 6, "ustar"); // magic "ustar\0"
  putString(h, 263, 2, "00");
  putString(h, 265, 32, "root");
  putString(h, 297, 32, "root");
  putString(h, 345, 155, prefix);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  putString(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
}

function splitName(name: string): [string, string] {
  if (encoder.encode(name).length <= 100) return ["", name];
  for (let i = name.lastIndexOf("/", name.length - 2); i > 0; i = name.lastIndexOf("/", i - 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(base).length <= 100) return [prefix, base];
  }
  throw new Error(`tar: name too long for ustar: ${name}`);
}

function putString(h: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new Error(`tar: field too long: ${value}`);
  h.set(bytes, offset);
}

function putOctal(h: Uint8Array, offset: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, "0");
  if (text.length > length - 1) throw new Error(`tar: value ${value} does not fit ${length} bytes`);
  putString(h, offset, length, `${text}\0`);
}
