/**
 * connectSpdy against a fake streaming server in a child process (so that this thread can stall
 * while the peer goes on): the way containerd ends an exec (all output written, then the
 * connection closed) must reach the streams in full, whatever this side writes meanwhile.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { connectSpdy } from "./connect.ts";
import type { StreamEnd } from "./stream.ts";

const TOTAL = 96 * 1024;

/**
 * Answers the upgrade, waits for the client's two SYN_STREAMs (stdout = 1, stdin = 3), then writes
 * TOTAL bytes of DATA on stream 1 (8 KiB frames, FIN on the last) and closes once they are handed
 * to the kernel: a later client write is answered with a TCP reset.
 */
const FAKE_UPSTREAM = `
const net = require("node:net");
const TOTAL = ${TOTAL}, FRAME = 8 * 1024;
const server = net.createServer((sock) => {
  let buf = Buffer.alloc(0), upgraded = false, frames = 0, sent = false;
  sock.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    if (!upgraded) {
      const end = buf.indexOf("\\r\\n\\r\\n");
      if (end < 0) return;
      upgraded = true;
      buf = buf.subarray(end + 4);
      sock.write("HTTP/1.1 101 Switching Protocols\\r\\nConnection: Upgrade\\r\\nUpgrade: SPDY/3.1\\r\\nX-Stream-Protocol-Version: v4.channel.k8s.io\\r\\n\\r\\n");
    }
    while (buf.length >= 8 && buf.length >= 8 + buf.readUIntBE(5, 3)) {
      frames++;
      buf = buf.subarray(8 + buf.readUIntBE(5, 3));
    }
    if (sent || frames < 2) return;
    sent = true;
    const out = [];
    for (let off = 0; off < TOTAL; off += FRAME) {
      const n = Math.min(FRAME, TOTAL - off);
      const head = Buffer.alloc(8);
      head.writeUInt32BE(1, 0);
      head[4] = off + n === TOTAL ? 1 : 0;
      head.writeUIntBE(n, 5, 3);
      out.push(head, Buffer.alloc(n, off / FRAME));
    }
    sock.end(Buffer.concat(out), () => sock.destroy());
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

let upstream: Subprocess<"ignore", "pipe", "inherit">;
let url: string;

beforeAll(async () => {
  upstream = Bun.spawn([process.execPath, "-e", FAKE_UPSTREAM], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const reader = upstream.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("fake upstream exited");
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  url = `http://127.0.0.1:${text.trim()}/exec/token`;
});

afterAll(async () => {
  upstream?.kill();
  await upstream?.exited;
});

test("all the peer sent before closing reaches the stream, though our writes after its close fail (the end of an exec's output is not cut)", async () => {
  for (let round = 0; round < 3; round++) {
    const session = await connectSpdy(url, "v4.channel.k8s.io");
    const out = session.openStream({ streamtype: "stdout" });
    const stdin = session.openStream({ streamtype: "stdin" });
    let got = 0;
    let end: StreamEnd | undefined;
    out.ondata = (d) => {
      // A loaded machine: this thread stalls while the peer writes everything and closes. Input
      // this side then sends is refused (a reset, then EPIPE) while output is still unread.
      if (got === 0) Bun.sleepSync(300);
      else stdin.write(new Uint8Array(1024));
      got += d.length;
    };
    out.onend = (how) => (end = how);
    for (let i = 0; i < 400 && end === undefined; i++) await Bun.sleep(5);
    expect({ round, got, end }).toEqual({ round, got: TOTAL, end: "fin" });
    session.close();
  }
});
