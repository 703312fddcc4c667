import { expect, test } from "bun:test";
import { clientFrame, rewriteSpdyUpgrade, ServerFrameReader, spdyResponseFor } from "./spdy-upgrade.ts";

const spdyExec = [
  "POST /api/v1/namespaces/default/pods/p/exec?command=sh&stdin=true&stdout=true HTTP/1.1",
  "Host: 127.0.0.1:6443",
  "User-Agent: kubectl/v1.29.0",
  "Content-Length: 0",
  "Authorization: Bearer abc",
  "Connection: Upgrade",
  "Upgrade: SPDY/3.1",
  "X-Stream-Protocol-Version: v4.channel.k8s.io",
  "X-Stream-Protocol-Version: v3.channel.k8s.io",
  "X-Stream-Protocol-Version: v2.channel.k8s.io",
  "X-Stream-Protocol-Version: channel.k8s.io",
  "", "",
].join("\r\n");

test("an SPDY upgrade request becomes a WebSocket upgrade offering SPDY/3.1+<stream protocol>, in the client's order", () => {
  const ws = rewriteSpdyUpgrade(spdyExec)!;
  const lines = ws.split("\r\n");
  expect(lines[0]).toBe("GET /api/v1/namespaces/default/pods/p/exec?command=sh&stdin=true&stdout=true HTTP/1.1");
  expect(lines).toContain("Authorization: Bearer abc");
  expect(lines).toContain("Upgrade: websocket");
  expect(lines).toContain("Sec-WebSocket-Version: 13");
  expect(lines).toContain("Sec-WebSocket-Protocol: SPDY/3.1+v4.channel.k8s.io, SPDY/3.1+v3.channel.k8s.io, SPDY/3.1+v2.channel.k8s.io, SPDY/3.1+channel.k8s.io");
  expect(lines.find((l) => l.startsWith("Sec-WebSocket-Key: "))).toMatch(/^Sec-WebSocket-Key: [A-Za-z0-9+/]{22}==$/);
  expect(ws.toLowerCase()).not.toContain("spdy/3.1\r\n");
  expect(ws.toLowerCase()).not.toContain("content-length");
  expect(ws.endsWith("\r\n\r\n")).toBe(true);
  // Anything else is not rewritten.
  expect(rewriteSpdyUpgrade("GET /api HTTP/1.1\r\nHost: x\r\n\r\n")).toBeUndefined();
  expect(rewriteSpdyUpgrade("GET /x HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")).toBeUndefined();
  expect(rewriteSpdyUpgrade("POST /x HTTP/1.1\r\nUpgrade: SPDY/3.1\r\n\r\n")).toBeUndefined(); // no stream protocol
});

test("the server's WebSocket 101 reaches the client as an SPDY 101 with the chosen stream protocol; other answers pass", () => {
  const ws101 = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\nSec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n\r\n";
  expect(spdyResponseFor(ws101)).toBe("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n");
  expect(spdyResponseFor("HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\n")).toBeUndefined();
});

test("client frames are masked binary frames the reader (and any WebSocket server) decodes back", () => {
  const reader = new ServerFrameReader();
  for (const size of [0, 5, 125, 126, 70_000]) {
    const payload = Buffer.from(Array.from({ length: size }, (_, i) => i & 0xff));
    const frame = clientFrame(0x2, payload);
    expect(frame[0]).toBe(0x82);
    expect(frame[1]! & 0x80).toBe(0x80);
    // Split anywhere: frames come out whole.
    const cut = Math.floor(frame.length / 2);
    const out = [...reader.push(frame.subarray(0, cut)), ...reader.push(frame.subarray(cut))];
    expect(out.length).toBe(1);
    expect(out[0]!.opcode).toBe(2);
    expect(Buffer.compare(out[0]!.payload, payload)).toBe(0);
  }
  // Unmasked server frames, two in one chunk.
  const two = Buffer.from([0x82, 0x02, 1, 2, 0x88, 0x02, 0x03, 0xe8]);
  expect(reader.push(two).map((f) => [f.opcode, [...f.payload]])).toEqual([[2, [1, 2]], [8, [3, 232]]]);
});
