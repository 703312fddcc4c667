/**
 * The TLS relay against an internal server in a child process that writes a response and closes
 * the connection for good while the TLS client is not reading: the client's next bytes are
 * relayed into a reset (the upstream socket fails), and what the relay already took from the
 * upstream must still reach the client, in order, before the client sees the end.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { makeKubeletPki, type KubeletTestPki } from "../../agent/kubelet-server/test-fixtures.ts";
import { listenTls, type TlsListener } from "./tls-relay.ts";

const TOTAL = 256 * 1024;

/** On a connection's first bytes: writes TOTAL bytes (byte i = i % 251), half-closes, closes for good 300 ms later. */
const FAKE_INTERNAL = `
const net = require("node:net");
const server = net.createServer((sock) => {
  let started = false;
  sock.on("error", () => {});
  sock.on("data", () => {
    if (started) return;
    started = true;
    const out = Buffer.alloc(${TOTAL});
    for (let i = 0; i < out.length; i++) out[i] = i % 251;
    sock.end(out, () => setTimeout(() => { sock.destroy(); console.log("closed"); }, 300));
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

let pki: KubeletTestPki;
let internal: Subprocess<"ignore", "pipe", "inherit">;
let lines: { read(): Promise<{ value?: Uint8Array; done?: boolean }> };
let listener: TlsListener;
const unregistered: number[] = [];

async function nextLine(): Promise<string> {
  const { value, done } = await lines.read();
  if (done) throw new Error("fake internal server exited");
  return new TextDecoder().decode(value).trim();
}

beforeAll(async () => {
  pki = await makeKubeletPki();
  internal = Bun.spawn([process.execPath, "-e", FAKE_INTERNAL], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  lines = internal.stdout.getReader();
  const internalPort = Number(await nextLine());
  listener = await listenTls(
    { host: "127.0.0.1", port: 0, cert: pki.serving.cert, key: pki.serving.key, clientCA: pki.clientCA, internalPort },
    { register() {}, unregister: (port) => void unregistered.push(port) },
  );
});

afterAll(async () => {
  await listener?.close();
  internal?.kill();
  await internal?.exited;
});

test("an upstream that closes while the client is not reading: all it sent reaches the client, then the end; both sockets close", async () => {
  const chunks: Buffer[] = [];
  const events: string[] = [];
  let handshake!: () => void;
  const handshaken = new Promise<void>((resolve) => (handshake = resolve));
  // Bun's socket as the client: node:tls would itself drop what it holds when its write fails.
  const client = await Bun.connect({
    hostname: "127.0.0.1",
    port: listener.port,
    tls: { ...pki.apiserver, ca: pki.serverCA },
    socket: {
      handshake: () => handshake(),
      data: (_s, chunk) => void chunks.push(Buffer.from(chunk)),
      end: () => void events.push(`end at ${Buffer.concat(chunks).length}`),
      close: (_s, error) => void events.push(`close${error ? ` ${(error as NodeJS.ErrnoException).code}` : ""}`),
    },
  });
  await handshaken;
  client.pause(); // a slow client
  client.write("go");
  expect(await nextLine()).toBe("closed");
  await Bun.sleep(50);
  client.write("more input"); // relayed into a reset
  await Bun.sleep(50);
  client.write("more input"); // the relay's write to the upstream fails
  await Bun.sleep(50);
  client.resume();
  for (let i = 0; i < 300 && !events.some((e) => e.startsWith("close")); i++) await Bun.sleep(10);
  const got = Buffer.concat(chunks);
  let firstWrong = -1;
  for (let i = 0; i < got.length && firstWrong < 0; i++) if (got[i] !== i % 251) firstWrong = i;
  expect({ got: got.length, firstWrong }).toEqual({ got: TOTAL, firstWrong: -1 });
  expect(events).toEqual([`end at ${TOTAL}`, "close"]);
  expect(unregistered.length).toBe(1); // the upstream socket closed
  client.terminate();
});
