import { expect, test } from "bun:test";
import { FrameReader } from "./frame-reader.ts";
import { RstStatus, decodeFrame, encodeFrame, type Frame } from "./frames.ts";
import { HeaderCompressor, HeaderDecompressor } from "./header-compression.ts";
import { SpdySession, type SpdySessionOptions } from "./session.ts";
import type { SpdyStream, StreamEnd } from "./stream.ts";

const tick = () => new Promise((r) => setTimeout(r, 5));
/** Waits (up to 2 s) for a condition that async header compression makes eventually true. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await tick();
  expect(cond()).toBe(true);
}
const bytes = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Two sessions wired back to back; `split` feeds the server one byte at a time. */
function pair(server: Partial<SpdySessionOptions> = {}, opts: { split?: boolean } = {}) {
  const box: { client?: SpdySession; server?: SpdySession } = {};
  const clientBytes: Uint8Array[] = [];
  const c = new SpdySession({
    role: "client",
    transport: {
      write: (b) => {
        clientBytes.push(b);
        queueMicrotask(() => {
          if (opts.split) for (let i = 0; i < b.length; i++) box.server!.receive(b.subarray(i, i + 1));
          else box.server!.receive(b);
        });
      },
      close: () => queueMicrotask(() => box.server!.transportEnded()),
    },
  });
  const s = new SpdySession({
    role: "server",
    ...server,
    transport: { write: (b) => queueMicrotask(() => c.receive(b)), close: () => queueMicrotask(() => c.transportEnded()) },
  });
  box.client = c;
  box.server = s;
  return { client: c, server: s, clientBytes };
}

/** Collects what one stream receives. */
function sink(stream: SpdyStream) {
  const got = { data: [] as Uint8Array[], end: undefined as StreamEnd | undefined, text: () => Buffer.concat(got.data).toString() };
  stream.ondata = (d) => got.data.push(d);
  stream.onend = (how) => (got.end = how);
  return got;
}

/** A session's output decoded back into frames (headers inflated), for wire-level assertions. */
function wireLog() {
  const reader = new FrameReader();
  const inflater = new HeaderDecompressor();
  const frames: Frame[] = [];
  let chain = Promise.resolve();
  return {
    frames,
    write(b: Uint8Array) {
      for (const raw of reader.push(b)) {
        const { frame, compressedHeaders } = decodeFrame(raw);
        chain = chain.then(async () => {
          if (compressedHeaders) (frame as { headers: object }).headers = await inflater.decompress(compressedHeaders);
          frames.push(frame);
        });
      }
    },
    settle: () => chain,
  };
}

test("streams carry headers, replies, data and FIN both ways, then are forgotten", async () => {
  const serverSide: { stream?: SpdyStream; got?: ReturnType<typeof sink> } = {};
  const { client, server } = pair({
    onStream: (stream) => {
      serverSide.stream = stream;
      serverSide.got = sink(stream);
      stream.reply({ "X-Answer": "yes" });
    },
  });
  const stream = client.openStream({ streamType: "data", port: "80" });
  expect(stream.id).toBe(1);
  const got = sink(stream);
  let reply: Record<string, string> | undefined;
  stream.onreply = (h) => (reply = h);
  stream.write(new TextEncoder().encode("ping"));
  stream.end();
  await until(() => serverSide.got?.end !== undefined && reply !== undefined);
  expect(serverSide.stream!.headers).toEqual({ streamtype: "data", port: "80" });
  expect(serverSide.stream!.header("streamType")).toBe("data");
  expect(reply).toEqual({ "x-answer": "yes" });
  expect(serverSide.got!.text()).toBe("ping");
  expect(serverSide.got!.end).toBe("fin");
  serverSide.stream!.write(new TextEncoder().encode("pong"));
  serverSide.stream!.end();
  await until(() => got.end !== undefined);
  expect(got.text()).toBe("pong");
  expect(got.end).toBe("fin");
  expect(client.openStreams).toBe(0);
  expect(server.openStreams).toBe(0);
  expect(client.openStream({}).id).toBe(3);
  client.close();
  await until(() => server.closed);
});

test("a byte stream split at every byte (compressed headers over several frames) is parsed the same", async () => {
  const seen: { headers: Record<string, string>; text: string; end?: StreamEnd }[] = [];
  const { client } = pair(
    {
      onStream: (stream) => {
        const entry: (typeof seen)[number] = { headers: stream.headers, text: "" };
        seen.push(entry);
        stream.ondata = (d) => (entry.text += Buffer.from(d).toString());
        stream.onend = (how) => (entry.end = how);
        stream.reply();
      },
    },
    { split: true },
  );
  for (let i = 0; i < 4; i++) {
    const s = client.openStream({ streamtype: i % 2 ? "data" : "error", port: "8080", requestid: String(i >> 1) });
    s.write(new TextEncoder().encode(`payload-${i}`));
    if (i % 2) s.end();
  }
  await until(() => seen.length === 4 && seen[3]!.end !== undefined);
  expect(seen.map((s) => s.headers)).toEqual([
    { streamtype: "error", port: "8080", requestid: "0" },
    { streamtype: "data", port: "8080", requestid: "0" },
    { streamtype: "error", port: "8080", requestid: "1" },
    { streamtype: "data", port: "8080", requestid: "1" },
  ]);
  expect(seen.map((s) => s.text)).toEqual(["payload-0", "payload-1", "payload-2", "payload-3"]);
  expect(seen.map((s) => s.end)).toEqual([undefined, "fin", undefined, "fin"]);
  client.close();
});

test("RST_STREAM ends the peer's stream as reset; session end ends the rest", async () => {
  const serverStreams: ReturnType<typeof sink>[] = [];
  let closedWith: Error | undefined | null = null;
  const { client } = pair({
    onStream: (stream) => {
      serverStreams.push(sink(stream));
      stream.reply();
    },
    onClose: (e) => (closedWith = e),
  });
  const a = client.openStream({ n: "a" });
  const b = client.openStream({ n: "b" });
  const bGot = sink(b);
  await until(() => serverStreams.length === 2);
  a.reset();
  await until(() => serverStreams[0]!.end !== undefined);
  expect(serverStreams[0]!.end).toBe("reset");
  expect(serverStreams[1]!.end).toBeUndefined();
  client.close();
  await until(() => serverStreams[1]!.end !== undefined);
  expect(serverStreams[1]!.end).toBe("session");
  expect(bGot.end).toBe("session");
  expect(closedWith).toBeUndefined();
});

test("pings from the peer are echoed; ids of the wrong parity or going backwards are refused", async () => {
  const log = wireLog();
  const server = new SpdySession({ role: "server", transport: { write: (b) => log.write(b), close() {} }, onStream: (s) => s.reply() });
  const compressor = new HeaderCompressor();
  server.receive(encodeFrame({ kind: "ping", id: 7 }));
  server.receive(encodeFrame({ kind: "ping", id: 8 })); // an answer to a ping of ours: not echoed
  const syn = async (id: number) =>
    server.receive(encodeFrame({ kind: "syn_stream", streamId: id, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers: {} }, await compressor.compress({ k: "v" })));
  await syn(3);
  await syn(2); // even: a server's id
  await syn(1); // not increasing
  await until(() => log.frames.length >= 4);
  expect(log.frames).toEqual([
    { kind: "ping", id: 7 },
    { kind: "syn_reply", streamId: 3, fin: false, headers: {} },
    { kind: "rst_stream", streamId: 2, status: RstStatus.PROTOCOL_ERROR },
    { kind: "rst_stream", streamId: 1, status: RstStatus.PROTOCOL_ERROR },
  ]);
  compressor.close();
  server.close();
});

test("flow control: a spdystream-like peer (no updates) is not throttled", async () => {
  const serverGot: ReturnType<typeof sink>[] = [];
  const { client, server, clientBytes } = pair({ onStream: (s) => (serverGot.push(sink(s)), s.reply()) });
  const serverLog = wireLog();
  const stream = client.openStream({ big: "1" });
  const big = bytes(200 * 1024);
  stream.write(big);
  stream.end();
  await until(() => serverGot[0]?.end !== undefined);
  expect(Buffer.compare(Buffer.concat(serverGot[0]!.data), Buffer.from(big))).toBe(0);
  for (const b of clientBytes) serverLog.write(b);
  await serverLog.settle();
  const dataFrames = serverLog.frames.filter((f) => f.kind === "data");
  expect(dataFrames.every((f) => f.kind === "data" && f.data.length <= 32 * 1024)).toBe(true);
  client.close();
  server.close();
});

test("flow control: the receiver acknowledges in half-window steps, per stream and per session", async () => {
  const log = wireLog();
  const got: ReturnType<typeof sink>[] = [];
  const server = new SpdySession({ role: "server", transport: { write: (b) => log.write(b), close() {} }, onStream: (s) => (got.push(sink(s)), s.reply()) });
  server.receive(encodeFrame({ kind: "window_update", streamId: 0, delta: 1 })); // the peer does flow control
  const compressor = new HeaderCompressor();
  server.receive(encodeFrame({ kind: "syn_stream", streamId: 1, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers: {} }, await compressor.compress({})));
  await until(() => got.length === 1);
  for (let i = 0; i < 5; i++) server.receive(encodeFrame({ kind: "data", streamId: 1, fin: false, data: bytes(10_000, i) }));
  await until(() => log.frames.filter((f) => f.kind === "window_update").length >= 2);
  expect(log.frames.filter((f) => f.kind === "window_update")).toEqual([
    { kind: "window_update", streamId: 1, delta: 40_000 },
    { kind: "window_update", streamId: 0, delta: 40_000 },
  ]);
  expect(got[0]!.data.length).toBe(5);
  compressor.close();
  server.close();
});

test("flow control: a peer that does none (spdystream, containerd) is sent no WINDOW_UPDATE, which after its close would reset the connection and cut its output", async () => {
  const log = wireLog();
  const client = new SpdySession({ role: "client", transport: { write: (b) => log.write(b), close() {} } });
  const got = sink(client.openStream({ streamtype: "stdout" }));
  for (let i = 0; i < 10; i++) client.receive(encodeFrame({ kind: "data", streamId: 1, fin: i === 9, data: bytes(32 * 1024, i) }));
  await until(() => log.frames.length > 0); // the SYN_STREAM, after its async header compression
  await tick();
  await log.settle();
  expect(got.data.length).toBe(10);
  expect(got.end).toBe("fin");
  expect(log.frames.map((f) => f.kind)).toEqual(["syn_stream"]);
  client.close();
});

test("flow control: once the peer does flow control, sends stop at its window and resume on WINDOW_UPDATE", async () => {
  const log = wireLog();
  const client = new SpdySession({ role: "client", transport: { write: (b) => log.write(b), close() {} } });
  const stream = client.openStream({});
  // The peer announces flow control with a session-window top-up of 0-ish (1 byte).
  client.receive(encodeFrame({ kind: "window_update", streamId: 0, delta: 1 }));
  const compressor = new HeaderCompressor();
  client.receive(encodeFrame({ kind: "syn_reply", streamId: 1, fin: false, headers: {} }, await compressor.compress({})));
  compressor.close();
  const payload = bytes(100 * 1024);
  stream.write(payload);
  stream.end();
  const sent = () => log.frames.reduce((n, f) => n + (f.kind === "data" ? f.data.length : 0), 0);
  const finSent = () => log.frames.some((f) => f.kind === "data" && f.fin);
  await until(() => sent() >= 64 * 1024);
  await tick();
  expect(sent()).toBe(64 * 1024); // the stream window (the session window is 64 KiB + 1)
  expect(finSent()).toBe(false);
  client.receive(encodeFrame({ kind: "window_update", streamId: 1, delta: 64 * 1024 }));
  await until(() => sent() > 64 * 1024);
  await tick();
  expect(sent()).toBe(64 * 1024 + 1); // now the session window is the limit
  client.receive(encodeFrame({ kind: "window_update", streamId: 0, delta: 64 * 1024 }));
  await until(() => finSent());
  expect(sent()).toBe(100 * 1024);
  expect(finSent()).toBe(true);
  const received = concat(log.frames.flatMap((f) => (f.kind === "data" ? [f.data] : [])));
  expect(Buffer.compare(Buffer.from(received), Buffer.from(payload))).toBe(0);
  client.close();
});

test("a corrupt header block is a protocol error: GOAWAY, transport closed, onClose(error)", async () => {
  const log = wireLog();
  let closed = false;
  let error: Error | undefined;
  const server = new SpdySession({
    role: "server",
    transport: { write: (b) => log.write(b), close: () => (closed = true) },
    onStream: (s) => s.reply(),
    onClose: (e) => (error = e),
  });
  server.receive(encodeFrame({ kind: "syn_stream", streamId: 1, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers: {} }, new Uint8Array([1, 2, 3])));
  await until(() => closed && log.frames.length >= 1);
  expect(error?.name).toBe("SpdyProtocolError");
  expect(closed).toBe(true);
  expect(log.frames).toEqual([{ kind: "goaway", lastGoodStreamId: 0, status: 1 }]);
});

test("frames received before the transport ended reach their streams, even behind a header block still being inflated", async () => {
  let closedAfter: string | undefined;
  const client = new SpdySession({ role: "client", transport: { write: () => {}, close: () => {} }, onClose: () => (closedAfter = got.text()) });
  const stream = client.openStream({ streamtype: "stdout" });
  const got = sink(stream);
  // The peer's reply (a compressed header block), the command's output with FIN, then the connection closes at once.
  const block = await new HeaderCompressor().compress({ "x-reply": "1" });
  client.receive(encodeFrame({ kind: "syn_reply", streamId: stream.id, fin: false, headers: {} }, block));
  client.receive(encodeFrame({ kind: "data", streamId: stream.id, fin: true, data: new TextEncoder().encode("out\n") }));
  client.transportEnded();
  await until(() => client.closed && closedAfter !== undefined);
  expect(got.text()).toBe("out\n");
  expect(got.end).toBe("fin");
  expect(closedAfter).toBe("out\n");
});
