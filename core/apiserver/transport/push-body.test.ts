import { describe, expect, test } from "bun:test";
import { PushBody, pushBodyOf, pushResponse } from "./push-body.ts";

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);
const text = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c)).join("");

describe("PushBody", () => {
  test("chunks written before a consumer attaches are handed over first, in order, then later ones and the end", () => {
    const body = new PushBody();
    body.write(bytes("a"));
    body.write(bytes("b"));
    const got: Uint8Array[] = [];
    let ended = false;
    body.attach({ write: (c) => got.push(c), end: () => (ended = true) });
    body.write(bytes("c"));
    expect(ended).toBe(false);
    body.end();
    body.write(bytes("dropped"));
    expect(text(got)).toBe("abc");
    expect(ended).toBe(true);
  });

  test("a body that ended before anyone attached ends its consumer on attach", () => {
    const body = new PushBody();
    body.write(bytes("x"));
    body.end();
    const got: Uint8Array[] = [];
    let ended = false;
    body.attach({ write: (c) => got.push(c), end: () => (ended = true) });
    expect(text(got)).toBe("x");
    expect(ended).toBe(true);
  });

  test("cancel runs the onCancel hooks once, then onClose; writes after it are dropped", () => {
    const body = new PushBody();
    const calls: string[] = [];
    body.onCancel(() => calls.push("cancel"));
    body.onClose(() => calls.push("close"));
    const got: Uint8Array[] = [];
    body.attach({ write: (c) => got.push(c), end: () => calls.push("end") });
    body.cancel();
    body.cancel();
    body.write(bytes("late"));
    body.end(); // the producer's end after a cancel is a no-op
    expect(calls).toEqual(["cancel", "close"]);
    expect(got).toEqual([]);
    const late: string[] = [];
    body.onCancel(() => late.push("cancel"));
    body.onClose(() => late.push("close"));
    expect(late).toEqual(["cancel", "close"]); // hooks added afterwards run at once
  });

  test("onClose runs once when the producer ends; onCancel never does", () => {
    const body = new PushBody();
    const calls: string[] = [];
    body.onCancel(() => calls.push("cancel"));
    body.onClose(() => calls.push("close"));
    body.end();
    body.cancel();
    expect(calls).toEqual(["close"]);
  });

  test("a second consumer is refused", () => {
    const body = new PushBody();
    body.attach({ write() {}, end() {} });
    expect(() => body.attach({ write() {}, end() {} })).toThrow("already attached");
  });

  test("readable(): a stream that attaches on its first read; cancelling it cancels the body", async () => {
    const body = new PushBody();
    body.write(bytes("1"));
    const stream = body.readable();
    expect(body.unclaimed).toBe(true); // nothing read yet: still takeable
    setTimeout(() => { body.write(bytes("2")); body.end(); }, 5);
    expect(await new Response(stream).text()).toBe("12");

    const other = new PushBody();
    let cancelled = false;
    other.onCancel(() => (cancelled = true));
    const reader = other.readable().getReader();
    other.write(bytes("first"));
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first");
    await reader.cancel();
    expect(cancelled).toBe(true);
  });
});

describe("pushResponse / pushBodyOf", () => {
  test("a transport can take the body over until someone reads the Response", async () => {
    const body = new PushBody();
    const res = pushResponse(body, { status: 200, headers: { "content-type": "application/json" } });
    expect(pushBodyOf(res)).toBe(body);
    body.write(bytes("z"));
    body.end();
    expect(await res.text()).toBe("z");
    expect(pushBodyOf(res)).toBeUndefined();
  });

  test("a cancelled body is not takeable", () => {
    const body = new PushBody();
    const res = pushResponse(body, { status: 200 });
    body.cancel();
    expect(body.cancelled).toBe(true);
    expect(pushBodyOf(res)).toBeUndefined();
  });

  test("a plain Response has no push body", () => {
    expect(pushBodyOf(new Response("x"))).toBeUndefined();
  });
});
