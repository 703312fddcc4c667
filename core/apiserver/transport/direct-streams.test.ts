import { describe, expect, test } from "bun:test";
import { chunkFrame, DirectStreams, responseHead } from "./direct-streams.ts";
import type { ToWorker } from "./front-protocol.ts";
import { PushBody, pushResponse } from "./push-body.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
type Direct = Extract<ToWorker, { type: "direct" }>;

/** A DirectStreams whose posts are collected. */
function collecting() {
  const posts: Direct[] = [];
  return { posts, streams: new DirectStreams((m) => posts.push(m as Direct)) };
}
const tick = () => new Promise<void>((r) => queueMicrotask(r));

describe("DirectStreams", () => {
  test("one post per turn: heads first, each connection's chunks as one framed write shared by connections with the same sequence, ends last", async () => {
    const { posts, streams } = collecting();
    const shared = enc.encode('{"type":"ADDED"}\n');
    const bodies = [new PushBody(), new PushBody(), new PushBody()];
    bodies[0]!.write(enc.encode("early\n")); // written before the take-over: goes first
    bodies.forEach((b, i) => void streams.serve(10 + i, pushResponse(b, { status: 200 }), b));
    for (const b of bodies) b.write(shared);
    bodies[2]!.end();
    expect(posts).toHaveLength(0); // nothing posted within the turn
    await tick();
    expect(posts).toHaveLength(1);
    const m = posts[0]!;
    expect(m.opens.map((o) => o.id)).toEqual([10, 11, 12]);
    expect([...m.ids]).toEqual([10, 11, 12]);
    expect(m.chunks.map((c) => dec.decode(c))).toEqual(["6\r\nearly\n\r\n11\r\n" + '{"type":"ADDED"}\n' + "\r\n", "11\r\n" + '{"type":"ADDED"}\n' + "\r\n"]);
    expect([...m.which]).toEqual([0, 1, 1]);
    expect(m.ends).toEqual([12]);
    expect(streams.size).toBe(3); // until their connections close
  });

  test("while a batch is in flight later chunks wait and are joined per connection; written() sends them", async () => {
    const { posts, streams } = collecting();
    const bodies = [new PushBody(), new PushBody()];
    bodies.forEach((b, i) => void streams.serve(1 + i, pushResponse(b, { status: 200 }), b));
    await tick();
    expect(posts).toHaveLength(1); // the heads: in flight now
    const e1 = enc.encode("e1\n"), e2 = enc.encode("e2\n");
    for (const b of bodies) b.write(e1);
    await tick();
    for (const b of bodies) b.write(e2);
    bodies[0]!.end();
    await tick();
    expect(posts).toHaveLength(1); // held back
    streams.written();
    await tick();
    expect(posts).toHaveLength(2);
    const m = posts[1]!;
    expect([...m.ids]).toEqual([1, 2]);
    expect([...m.which]).toEqual([0, 0]); // same sequence: one shared buffer
    expect(m.chunks.map((c) => dec.decode(c))).toEqual(["3\r\ne1\n\r\n3\r\ne2\n\r\n"]);
    expect(m.ends).toEqual([1]);
    streams.written();
    await tick();
    expect(posts).toHaveLength(2); // nothing left to send
  });

  test("the internal request is answered only once the connection has closed; gone() cancels a running stream", async () => {
    const { streams } = collecting();
    const ended = new PushBody();
    ended.end(); // a watch that ends at once (410 Expired): still answered only after the close
    let answered = false;
    const done = streams.serve(1, pushResponse(ended, { status: 200 }), ended).then((r) => { answered = true; return r; });
    await tick();
    await tick();
    expect(answered).toBe(false);
    streams.gone(1);
    expect((await done).status).toBe(204);

    const open = new PushBody();
    let cancelled = false;
    open.onCancel(() => (cancelled = true));
    const pending = streams.serve(2, pushResponse(open, { status: 200 }), open);
    streams.gone(2);
    expect(cancelled).toBe(true);
    await pending;
    expect(streams.size).toBe(0);
    streams.gone(99); // unknown ids are ignored
  });

  test("closeAll (the Worker died) cancels every open stream and answers its internal request", async () => {
    const { streams } = collecting();
    const bodies = [new PushBody(), new PushBody()];
    const answers = bodies.map((b, i) => streams.serve(20 + i, pushResponse(b, { status: 200 }), b));
    streams.closeAll();
    expect(bodies.map((b) => b.cancelled)).toEqual([true, true]);
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual([204, 204]);
    expect(streams.size).toBe(0);
  });

  test("an empty chunk is not written (it would end the chunked body)", async () => {
    const { posts, streams } = collecting();
    const b = new PushBody();
    void streams.serve(3, pushResponse(b, { status: 200 }), b);
    b.write(new Uint8Array(0));
    await tick();
    expect([...posts[0]!.ids]).toEqual([]);
  });
});

describe("framing", () => {
  test("responseHead keeps status and headers and sets chunked framing and close", () => {
    const res = new Response(null, { status: 200, headers: { "content-type": "application/json", "content-length": "5", warning: '299 - "x"' } });
    const head = dec.decode(responseHead(res));
    expect(head).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(head).toContain("content-type: application/json\r\n");
    expect(head).toContain('warning: 299 - "x"\r\n');
    expect(head).not.toContain("content-length");
    expect(head).toMatch(/\r\ndate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/);
    expect(head).toEndWith("transfer-encoding: chunked\r\nconnection: close\r\n\r\n");
  });
  test("chunkFrame: hex size, CRLF, bytes, CRLF", () => {
    expect(dec.decode(chunkFrame(enc.encode("x".repeat(26))))).toBe(`1a\r\n${"x".repeat(26)}\r\n`);
  });
});
