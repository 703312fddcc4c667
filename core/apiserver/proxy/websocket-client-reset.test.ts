/**
 * connectWebSocket against a fake kubelet in a child process: the relay pauses this side while its
 * client is slow; a kubelet that writes its last messages and closes answers the next write of
 * this side with a TCP reset. Every message the kernel took in must still be delivered, in order,
 * before the close (with node:tls the failed write destroyed the socket and all it held: 0 of 10).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { makeKubeletPki, type KubeletTestPki } from "../../agent/kubelet-server/test-fixtures.ts";
import { connectWebSocket, type WebSocketConnection } from "./websocket-client.ts";

const COUNT = 10;
const SIZE = 4096;

/**
 * Upgrades, waits for the client's first frame, then writes COUNT binary messages of SIZE bytes
 * (message i filled with i) and a close frame (1000), and closes the connection for good 200 ms
 * later (so that all of it is in the client's kernel): a later client write is answered with a reset.
 */
const FAKE_KUBELET = `
const tls = require("node:tls"), crypto = require("node:crypto");
const { cert, key } = JSON.parse(process.env.CREDS);
const server = tls.createServer({ cert, key }, (sock) => {
  let head = Buffer.alloc(0), upgraded = false, sent = false;
  sock.on("error", () => {});
  sock.on("data", (chunk) => {
    if (!upgraded) {
      head = Buffer.concat([head, chunk]);
      if (head.indexOf("\\r\\n\\r\\n") < 0) return;
      upgraded = true;
      const k = /Sec-WebSocket-Key: (\\S+)/i.exec(head.toString())[1];
      const accept = crypto.createHash("sha1").update(k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
      sock.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: " + accept + "\\r\\n\\r\\n");
      return;
    }
    if (sent) return;
    sent = true;
    const out = [];
    for (let i = 0; i < ${COUNT}; i++) {
      const h = Buffer.from([0x82, 126, 0, 0]);
      h.writeUInt16BE(${SIZE}, 2);
      out.push(h, Buffer.alloc(${SIZE}, i));
    }
    out.push(Buffer.from([0x88, 2, 0x03, 0xe8]));
    sock.end(Buffer.concat(out), () => setTimeout(() => { sock.destroy(); console.log("closed"); }, 200));
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

let pki: KubeletTestPki;
let kubelet: Subprocess<"ignore", "pipe", "inherit">;
let lines: { read(): Promise<{ value?: Uint8Array; done?: boolean }> };
let port: number;

async function nextLine(): Promise<string> {
  const { value, done } = await lines.read();
  if (done) throw new Error("fake kubelet exited");
  return new TextDecoder().decode(value).trim();
}

beforeAll(async () => {
  pki = await makeKubeletPki();
  kubelet = Bun.spawn([process.execPath, "-e", FAKE_KUBELET], { env: { ...process.env, CREDS: JSON.stringify(pki.serving) }, stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  lines = kubelet.stdout.getReader();
  port = Number(await nextLine());
});

afterAll(async () => {
  kubelet?.kill();
  await kubelet?.exited;
});

test("a paused connection whose server closed delivers all it sent, in order, then the close, though writes meanwhile are reset", async () => {
  const events: string[] = [];
  let conn: WebSocketConnection | undefined;
  const hs = await connectWebSocket(`wss://127.0.0.1:${port}/exec`, { protocols: [], tls: { ...pki.apiserver, ca: pki.serverCA } }, {
    message: (m) => void events.push(typeof m === "string" ? `text:${m}` : `binary:${m.length}:${m[0]}:${m.every((b) => b === m[0])}`),
    close: (code) => void events.push(`close:${code}`),
  });
  if (!hs.ok) throw new Error(`refused: ${hs.status}`);
  conn = hs.connection;
  conn.pause(); // the relay's client is backpressured
  conn.send("go");
  expect(await nextLine()).toBe("closed"); // everything written, then the connection closed for good
  await Bun.sleep(50);
  conn.send("stdin 1"); // answered with a reset
  await Bun.sleep(50);
  conn.send("stdin 2"); // fails (EPIPE)
  await Bun.sleep(50);
  expect(events).toEqual([]); // nothing while paused
  conn.resume();
  for (let i = 0; i < 200 && !events.some((e) => e.startsWith("close")); i++) await Bun.sleep(10);
  expect(events).toEqual([...Array.from({ length: COUNT }, (_, i) => `binary:${SIZE}:${i}:true`), "close:1000"]);
});
