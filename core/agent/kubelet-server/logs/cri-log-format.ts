/**
 * The CRI container log format (one record per line), as containerd writes it and the kubelet
 * reads it (upstream kuberuntime/logs `parseCRILog`):
 *
 *   <RFC3339Nano timestamp> <stdout|stderr> <tags> <content>\n
 *
 * `tags` is `F` (a full line) or `P` (a partial line: a long line split by the runtime; the next
 * records continue it), possibly followed by `:`-separated extra tags. The content of a full record
 * keeps the line's newline; a partial record's content has none.
 */

export interface CriLogRecord {
  /** The timestamp as written (RFC3339Nano, kept verbatim for `timestamps=true`). */
  readonly timestamp: string;
  /** Milliseconds since the epoch, with the sub-millisecond fraction. */
  readonly time: number;
  readonly stream: "stdout" | "stderr";
  readonly partial: boolean;
  /** The content; a full record's ends with the line's "\n" (absent on an unfinished last line), a partial one's never does. */
  readonly content: Uint8Array;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch (sub-millisecond fraction kept) of an RFC3339 time; NaN if malformed. */
export function parseRfc3339(text: string): number {
  const m = RFC3339.exec(text);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (frac) ms += Number(`0${frac}`) * 1000;
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return ms;
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const decoder = new TextDecoder();

/**
 * Parses one raw line (with or without its trailing newline). Returns undefined for a line that is
 * not a CRI record (the kubelet skips such lines).
 */
export function parseCriLogLine(line: Uint8Array): CriLogRecord | undefined {
  const t = line.indexOf(SPACE);
  if (t <= 0) return undefined;
  const timestamp = decoder.decode(line.subarray(0, t));
  const time = parseRfc3339(timestamp);
  if (Number.isNaN(time)) return undefined;
  const s = line.indexOf(SPACE, t + 1);
  if (s < 0) return undefined;
  const stream = decoder.decode(line.subarray(t + 1, s));
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  let g = line.indexOf(SPACE, s + 1);
  const hasNewline = line[line.length - 1] === NEWLINE;
  // Tolerated: a record with no content and no space after the tags.
  if (g < 0) g = hasNewline ? line.length - 1 : line.length;
  const tags = decoder.decode(line.subarray(s + 1, g)).split(":");
  const partial = tags[0] === "P";
  if (!partial && tags[0] !== "F") return undefined;
  let content = g < line.length && line[g] === SPACE ? line.subarray(g + 1) : line.subarray(g);
  if (partial && hasNewline) content = content.subarray(0, content.length - 1);
  return { timestamp, time, stream, partial, content };
}

/** Whether a raw line is a record that ends a logical line (a full record, or not a record at all). */
export function endsLogicalLine(line: Uint8Array): boolean {
  return !(parseCriLogLine(line)?.partial ?? false);
}
