import { expect, test } from "bun:test";
import { FrameReader } from "./frame-reader.ts";
import { decodeFrame, encodeFrame, type Frame } from "./frames.ts";

const plain: Frame[] = [
  { kind: "data", streamId: 5, fin: false, data: new Uint8Array([1, 2, 3]) },
  { kind: "data", streamId: 0x7fffffff, fin: true, data: new Uint8Array(0) },
  { kind: "rst_stream", streamId: 3, status: 5 },
  { kind: "settings", clear: true, entries: [{ id: 7, flags: 1, value: 1 << 20 }, { id: 4, flags: 0, value: 100 }] },
  { kind: "ping", id: 0xfffffffe },
  { kind: "goaway", lastGoodStreamId: 9, status: 2 },
  { kind: "window_update", streamId: 0, delta: 0x7fffffff },
  { kind: "window_update", streamId: 11, delta: 32768 },
];

function roundTrip(bytes: Uint8Array) {
  const raws = new FrameReader().push(bytes);
  expect(raws).toHaveLength(1);
  return decodeFrame(raws[0]!);
}

test("frames without header blocks round-trip", () => {
  for (const frame of plain) expect(roundTrip(encodeFrame(frame)).frame).toEqual(frame);
});

test("header frames carry their compressed block and fixed fields", () => {
  const block = new Uint8Array([9, 8, 7, 6]);
  const syn = roundTrip(
    encodeFrame({ kind: "syn_stream", streamId: 3, associatedId: 1, priority: 6, fin: true, unidirectional: true, headers: {} }, block),
  );
  expect(syn.frame).toEqual({ kind: "syn_stream", streamId: 3, associatedId: 1, priority: 6, fin: true, unidirectional: true, headers: {} });
  expect([...syn.compressedHeaders!]).toEqual([9, 8, 7, 6]);
  const reply = roundTrip(encodeFrame({ kind: "syn_reply", streamId: 2, fin: false, headers: {} }, block));
  expect(reply.frame).toEqual({ kind: "syn_reply", streamId: 2, fin: false, headers: {} });
  const headers = roundTrip(encodeFrame({ kind: "headers", streamId: 2, fin: true, headers: {} }, block));
  expect(headers.frame).toEqual({ kind: "headers", streamId: 2, fin: true, headers: {} });
});

test("control frame wire layout matches the spec (version 3, type, flags, 24-bit length)", () => {
  const bytes = encodeFrame({ kind: "ping", id: 1 });
  expect([...bytes]).toEqual([0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1]);
  const data = encodeFrame({ kind: "data", streamId: 1, fin: true, data: new Uint8Array([0xaa]) });
  expect([...data]).toEqual([0, 0, 0, 1, 0x01, 0, 0, 1, 0xaa]);
});

test("the reader reassembles frames split at every byte and several per chunk", () => {
  const all = plain.map((f) => encodeFrame(f));
  const stream = new Uint8Array(all.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of all) {
    stream.set(b, at);
    at += b.length;
  }
  const byteByByte = new FrameReader();
  const got: Frame[] = [];
  for (let i = 0; i < stream.length; i++) for (const raw of byteByByte.push(stream.subarray(i, i + 1))) got.push(decodeFrame(raw).frame);
  expect(got).toEqual(plain);
  expect(byteByByte.buffered).toBe(0);
  expect(new FrameReader().push(stream).map((r) => decodeFrame(r).frame)).toEqual(plain);
});

test("unknown control frames decode as unknown and wrong versions are refused", () => {
  const bytes = encodeFrame({ kind: "ping", id: 1 });
  bytes[3] = 0x0a; // an unassigned control type
  expect(roundTrip(bytes).frame).toEqual({ kind: "unknown", type: 10 });
  const v2 = encodeFrame({ kind: "ping", id: 1 });
  v2[1] = 2;
  expect(() => roundTrip(v2)).toThrow("unsupported SPDY version 2");
});
