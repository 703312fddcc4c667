import { expect, test } from "bun:test";
import zlib from "node:zlib";
import { SPDY3_DICTIONARY } from "./dictionary.ts";
import { HeaderCompressor, HeaderDecompressor, decodeHeaderBlock, encodeHeaderBlock } from "./header-compression.ts";
import type { SpdyHeaders } from "./frames.ts";

test("name/value blocks encode as count + length-prefixed pairs, names lower-cased", () => {
  const block = encodeHeaderBlock({ StreamType: "error", port: "80" });
  expect([...block.subarray(0, 8)]).toEqual([0, 0, 0, 2, 0, 0, 0, 10]);
  expect(new TextDecoder().decode(block.subarray(8, 18))).toBe("streamtype");
  expect(decodeHeaderBlock(block)).toEqual({ streamtype: "error", port: "80" });
  expect(() => decodeHeaderBlock(block.subarray(0, block.length - 1))).toThrow("bad header value length");
});

test("blocks compressed over one stream inflate in order, each sync-flushed", async () => {
  const compressor = new HeaderCompressor();
  const decompressor = new HeaderDecompressor();
  const blocks: SpdyHeaders[] = [
    { streamtype: "error", port: "8080", requestid: "0" },
    { streamtype: "data", port: "8080", requestid: "0" },
    { streamtype: "data", port: "8080", requestid: "1", "x-multi": "a\0b" },
  ];
  const compressed = await Promise.all(blocks.map((b) => compressor.compress(b)));
  // Later blocks reuse the window of earlier ones: they are much smaller than the first.
  expect(compressed[1]!.length).toBeLessThan(compressed[0]!.length);
  // A plain zlib inflater seeded with the dictionary reads the concatenation (what a peer sees).
  const all = Buffer.concat(compressed);
  const inflated = zlib.inflateSync(all, { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  expect(inflated.equals(Buffer.concat(blocks.map(encodeHeaderBlock)))).toBe(true);
  const decoded = [];
  for (const c of compressed) decoded.push(await decompressor.decompress(c));
  expect(decoded).toEqual(blocks);
  compressor.close();
  decompressor.close();
});

test("a block compressed by a foreign zlib with the dictionary decodes, and garbage is a protocol error", async () => {
  const deflate = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
  const chunks: Buffer[] = [];
  deflate.on("data", (c: Buffer) => chunks.push(c));
  deflate.write(encodeHeaderBlock({ ":status": "101" }));
  await new Promise<void>((r) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
  const decompressor = new HeaderDecompressor();
  expect(await decompressor.decompress(Buffer.concat(chunks))).toEqual({ ":status": "101" });
  deflate.close();
  const bad = new HeaderDecompressor();
  await expect(bad.decompress(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toThrow("header compression");
  bad.close();
  decompressor.close();
});
