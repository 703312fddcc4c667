import { expect, test } from "bun:test";
import { chooseLogProtocol, logStreamRelay } from "./log-websocket.ts";

test("subprotocols: the first supported offer wins; no offer is the empty protocol; only unsupported offers are refused", () => {
  expect(chooseLogProtocol(["binary.k8s.io"])).toBe("binary.k8s.io");
  expect(chooseLogProtocol(["v4.channel.k8s.io", "base64.binary.k8s.io", "binary.k8s.io"])).toBe("base64.binary.k8s.io");
  expect(chooseLogProtocol([])).toBe("");
  expect(chooseLogProtocol(["v4.channel.k8s.io"])).toBeUndefined();
});

const streamOf = (...chunks: string[]) => new ReadableStream<Uint8Array>({
  start(c) { for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk)); c.close(); },
});

test("before the client side opens, chunks wait in the backlog (binary, or base64 text) and the end is remembered as a normal close", async () => {
  const bin = logStreamRelay(streamOf("a\n", "b\n"), new AbortController(), "binary.k8s.io");
  await Bun.sleep(10);
  expect(bin.backlog.map((m) => new TextDecoder().decode(m as Uint8Array))).toEqual(["a\n", "b\n"]);
  expect(bin.upstreamClosed).toEqual({ code: 1000, reason: "" });
  const b64 = logStreamRelay(streamOf("hello"), new AbortController(), "base64.binary.k8s.io");
  await Bun.sleep(10);
  expect(b64.backlog).toEqual([Buffer.from("hello").toString("base64")]);
});

test("the client closing aborts the kubelet request", () => {
  const abort = new AbortController();
  const relay = logStreamRelay(new ReadableStream<Uint8Array>({ start() {} }), abort, "");
  relay.upstream.close();
  expect(abort.signal.aborted).toBe(true);
});
