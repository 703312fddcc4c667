/**
 * Reads the regular files of an uncompressed tar archive (ustar, with its 155-byte name prefix,
 * PAX `path` records and GNU long names) into memory: path -> bytes. Directories, links and
 * other entry types are skipped; a leading "./" is dropped from names. The returned arrays are
 * views into `archive` (no copy). Throws on a truncated archive or a bad header checksum.
 */
export function readTarFiles(archive: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const dec = new TextDecoder();
  let nextName: string | undefined; // from a PAX or GNU long-name record, for the next entry
  for (let off = 0; off + BLOCK <= archive.length;) {
    const h = archive.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break; // end of archive
    if (checksum(h) !== octal(h, 148, 8)) throw new Error(`tar: bad header checksum at offset ${off}`);
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    const start = off + BLOCK;
    if (start + size > archive.length) throw new Error(`tar: entry at offset ${off} is truncated`);
    const data = archive.subarray(start, start + size);
    off = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      nextName = paxPath(dec, data) ?? nextName;
      continue;
    }
    if (type === "L") {
      nextName = cString(dec, data, 0, data.length);
      continue;
    }
    const ustar = cString(dec, h, 257, 5) === "ustar";
    const prefix = ustar ? cString(dec, h, 345, 155) : "";
    const name = nextName ?? (prefix ? `${prefix}/${cString(dec, h, 0, 100)}` : cString(dec, h, 0, 100));
    nextName = undefined;
    if (type === "0" || type === "\0" || type === "7") files.set(name.replace(/^(\.\/)+/, ""), data);
  }
  return files;
}

const BLOCK = 512;

function cString(dec: TextDecoder, bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return dec.decode(end >= 0 ? field.subarray(0, end) : field);
}

function octal(bytes: Uint8Array, start: number, length: number): number {
  const text = String.fromCharCode(...bytes.subarray(start, start + length)).replace(/[\0 ]+$/g, "").trim();
  return text ? parseInt(text, 8) : 0;
}

/** The unsigned header sum with the checksum field counted as spaces. */
function checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

/** The `path` of PAX extended-header records ("LEN key=value\n" …; LEN counts bytes). */
function paxPath(dec: TextDecoder, records: Uint8Array): string | undefined {
  let path: string | undefined;
  for (let off = 0; off < records.length;) {
    const space = records.indexOf(0x20, off);
    const len = parseInt(dec.decode(records.subarray(off, space)), 10);
    if (space < 0 || !(len > 0)) break;
    const record = dec.decode(records.subarray(space + 1, off + len - 1));
    const eq = record.indexOf("=");
    if (record.slice(0, eq) === "path") path = record.slice(eq + 1);
    off += len;
  }
  return path;
}
