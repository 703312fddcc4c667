import { describe, expect, test } from "bun:test";
import type { ServerWebSocket } from "bun";
import { relayWebSocketHandler, sendableCloseCode, type RelayData } from "./websocket-relay.ts";

/** A relay record with a recording kubelet side and a client side whose send status the test sets. */
function relay(sendStatus: number, buffered = { bytes: 0 }) {
  const log: string[] = [];
  const data: RelayData = {
    upstream: {
      protocol: "v5.channel.k8s.io",
      send: (m) => void log.push(`up:send:${typeof m === "string" ? m : [...m].join(",")}`),
      close: (code, reason) => void log.push(`up:close:${code}:${reason}`),
      pause: () => void log.push("up:pause"),
      resume: () => void log.push("up:resume"),
    },
    protocol: "v5.channel.k8s.io",
    backlog: [Uint8Array.from([1, 7]), "text"],
  };
  const ws = {
    data,
    sendBinary: (m: Uint8Array) => (log.push(`client:binary:${[...m].join(",")}`), sendStatus),
    sendText: (m: string) => (log.push(`client:text:${m}`), sendStatus),
    close: (code?: number, reason?: string) => void log.push(`client:close:${code}:${reason}`),
    readyState: 1,
    getBufferedAmount: () => buffered.bytes,
  } as unknown as ServerWebSocket<RelayData>;
  return { data, ws, log };
}

describe("relay", () => {
  test("the backlog is delivered in order when the client side opens; messages and closes cross", () => {
    const { ws, log } = relay(10);
    relayWebSocketHandler.open!(ws);
    relayWebSocketHandler.message!(ws, Buffer.from([0, 65]));
    relayWebSocketHandler.close!(ws, 1000, "bye");
    expect(log).toEqual(["client:binary:1,7", "client:text:text", "up:send:0,65", "up:close:1000:bye"]);
  });
  test("an early kubelet close is passed on once the client side opens", () => {
    const { data, ws, log } = relay(10);
    data.upstreamClosed = { code: 1006, reason: "" };
    relayWebSocketHandler.open!(ws);
    expect(log.at(-1)).toBe("client:close:1011:");
  });
  test("a kubelet close waits until what the client side still buffers has been sent (the tail of a stream is not lost)", async () => {
    const buffered = { bytes: 4096 };
    const { data, ws, log } = relay(-1, buffered);
    data.upstreamClosed = { code: 1000, reason: "" };
    relayWebSocketHandler.open!(ws);
    await Bun.sleep(30);
    expect(log.some((l) => l.startsWith("client:close"))).toBe(false);
    buffered.bytes = 0;
    await Bun.sleep(30);
    expect(log.at(-1)).toBe("client:close:1000:");
  });
  test("backpressure on the client side pauses the kubelet side until drained", () => {
    const { ws, log } = relay(-1);
    relayWebSocketHandler.open!(ws);
    expect(log).toContain("up:pause");
    relayWebSocketHandler.drain!(ws);
    expect(log.at(-1)).toBe("up:resume");
  });
  test("close codes that may be sent", () => {
    expect(sendableCloseCode(1000)).toBe(1000);
    expect(sendableCloseCode(1005)).toBe(1000);
    expect(sendableCloseCode(1006)).toBe(1011);
    expect(sendableCloseCode(4001)).toBe(4001);
    expect(sendableCloseCode(2000)).toBe(1000);
  });
});
