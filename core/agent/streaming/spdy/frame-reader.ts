import type { RawFrame } from "./frames.ts";

const u32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/**
 * Cuts frames out of a byte stream that arrives in arbitrary pieces (TCP reads, WebSocket
 * messages). `push` returns every frame completed by the new bytes, in order. Pieces are kept as
 * they come (the caller must not modify them afterwards) and each frame is copied out once.
 */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private size = 0;

  push(chunk: Uint8Array): RawFrame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    const frames: RawFrame[] = [];
    while (this.size >= 8) {
      const head = this.peek(8);
      const length = ((head[5]! << 16) | (head[6]! << 8) | head[7]!) >>> 0;
      if (this.size < 8 + length) break;
      const bytes = this.take(8 + length);
      const control = (bytes[0]! & 0x80) !== 0;
      const word = u32(bytes, 0);
      frames.push({
        control,
        version: control ? (word >>> 16) & 0x7fff : 0,
        type: control ? word & 0xffff : 0,
        streamId: control ? 0 : word & 0x7fffffff,
        flags: bytes[4]!,
        payload: bytes.subarray(8),
      });
    }
    return frames;
  }

  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.size;
  }

  /** The first n buffered bytes (n <= size), without consuming them. */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      const part = c.subarray(0, n - at);
      out.set(part, at);
      at += part.length;
      if (at === n) break;
    }
    return out;
  }

  /** Removes and returns (as a fresh copy) the first n buffered bytes. */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const need = n - at;
      if (c.length <= need) {
        out.set(c, at);
        at += c.length;
        this.chunks.shift();
      } else {
        out.set(c.subarray(0, need), at);
        at += need;
        this.chunks[0] = c.subarray(need);
      }
    }
    this.size -= n;
    return out;
  }
}
