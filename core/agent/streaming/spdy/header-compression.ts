import zlib from "node:zlib";
import { SPDY3_DICTIONARY } from "./dictionary.ts";
import { SpdyProtocolError, type SpdyHeaders } from "./frames.ts";

/**
 * SPDY/3 name/value header blocks and their compression.
 *
 * Uncompressed block: `count(32)`, then per pair `len(32) name len(32) value` (values of one name
 * joined by NUL). Each direction of a connection compresses every block through ONE zlib stream,
 * seeded with the SPDY/3 dictionary and sync-flushed after each block, so blocks must be
 * compressed (and inflated) strictly in frame order. node:zlib offers only an asynchronous
 * streaming API; `ZlibPipe` serializes the calls so that order holds.
 */

/** Refuse header blocks that inflate beyond this (a zlib bomb guard; real blocks are tiny). */
const MAX_HEADER_BLOCK = 1 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeHeaderBlock(headers: SpdyHeaders): Uint8Array {
  const pairs = Object.entries(headers).map(([k, v]) => [encoder.encode(k.toLowerCase()), encoder.encode(v)] as const);
  let size = 4;
  for (const [k, v] of pairs) size += 8 + k.length + v.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, pairs.length);
  let at = 4;
  for (const [k, v] of pairs) {
    view.setUint32(at, k.length);
    out.set(k, at + 4);
    at += 4 + k.length;
    view.setUint32(at, v.length);
    out.set(v, at + 4);
    at += 4 + v.length;
  }
  return out;
}

export function decodeHeaderBlock(block: Uint8Array): SpdyHeaders {
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const read = (at: number) => {
    if (at + 4 > block.length) throw new SpdyProtocolError("truncated header block");
    return view.getUint32(at);
  };
  const count = read(0);
  const headers: SpdyHeaders = {};
  let at = 4;
  for (let i = 0; i < count; i++) {
    const nameLength = read(at);
    if (nameLength === 0 || at + 4 + nameLength > block.length) throw new SpdyProtocolError("bad header name length");
    const name = decoder.decode(block.subarray(at + 4, at + 4 + nameLength)).toLowerCase();
    at += 4 + nameLength;
    const valueLength = read(at);
    if (at + 4 + valueLength > block.length) throw new SpdyProtocolError("bad header value length");
    const value = decoder.decode(block.subarray(at + 4, at + 4 + valueLength));
    at += 4 + valueLength;
    headers[name] = name in headers ? `${headers[name]}\0${value}` : value;
  }
  return headers;
}

/** One zlib stream driven block by block: write, Z_SYNC_FLUSH, collect what came out. */
class ZlibPipe {
  private chunks: Buffer[] = [];
  private size = 0;
  private failure: Error | undefined;
  private rejectCurrent: ((e: Error) => void) | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly z: zlib.Deflate | zlib.Inflate, private readonly limit: number) {
    z.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      if (this.size > this.limit) this.fail(new SpdyProtocolError("header block too large"));
    });
    z.on("error", (e: Error) => this.fail(new SpdyProtocolError(`header compression: ${e.message}`)));
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.rejectCurrent?.(e);
  }

  run(input: Uint8Array): Promise<Uint8Array> {
    const step = this.tail.then(
      () =>
        new Promise<Uint8Array>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          this.rejectCurrent = reject;
          this.z.write(input);
          this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            this.rejectCurrent = undefined;
            if (this.failure) return reject(this.failure);
            const out = new Uint8Array(Buffer.concat(this.chunks, this.size));
            this.chunks = [];
            this.size = 0;
            resolve(out);
          });
        }),
    );
    this.tail = step.catch(() => undefined);
    return step;
  }

  close(): void {
    this.z.close();
  }
}

/** Compresses the header blocks one direction of a connection sends. Calls complete in call order. */
export class HeaderCompressor {
  private readonly pipe = new ZlibPipe(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }), Number.MAX_SAFE_INTEGER);
  compress(headers: SpdyHeaders): Promise<Uint8Array> {
    return this.pipe.run(encodeHeaderBlock(headers));
  }
  close(): void {
    this.pipe.close();
  }
}

/** Inflates the header blocks one direction of a connection receives. Feed blocks in frame order. */
export class HeaderDecompressor {
  private readonly pipe = new ZlibPipe(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }), MAX_HEADER_BLOCK);
  async decompress(compressed: Uint8Array): Promise<SpdyHeaders> {
    if (compressed.length === 0) return {};
    return decodeHeaderBlock(await this.pipe.run(compressed));
  }
  close(): void {
    this.pipe.close();
  }
}
