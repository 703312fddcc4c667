import { expect, test } from "bun:test";
import zlib from "node:zlib";
import { SPDY3_DICTIONARY } from "./dictionary.ts";

test("the SPDY/3 dictionary is the published 1423 bytes", () => {
  expect(SPDY3_DICTIONARY.length).toBe(1423);
  const hash = new Bun.CryptoHasher("sha256").update(SPDY3_DICTIONARY).digest("hex");
  expect(hash).toBe("51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02");
  // zlib puts the dictionary's Adler-32 in the stream header (FDICT); peers check it.
  const z = zlib.deflateSync(Buffer.from("x"), { dictionary: SPDY3_DICTIONARY });
  expect(z.readUInt32BE(2)).toBe(0xe3c6a7c2);
});
