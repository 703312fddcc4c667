/**
 * Bridge behaviour that needs no containerd: refusals, failures of `open()` and of the upstream
 * connection. (The happy paths run against real containerd in bridges-containerd.test.ts.)
 */
import { expect, test } from "bun:test";
import net from "node:net";
import { startExecBridge, startPortForwardBridge, startWebSocketPortForward, type WsPeer } from "./index.ts";
import { SpdySession } from "./spdy/session.ts";
import type { SpdyStream, StreamEnd } from "./spdy/stream.ts";

const decoder = new TextDecoder();

function fakePeer(protocol: string) {
  const messages: Uint8Array[] = [];
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => (resolveClosed = r));
  const peer: WsPeer = { protocol, send: (d) => messages.push(d.slice()), close: (code) => resolveClosed(code ?? 1005) };
  const channel = (n: number) => decoder.decode(Buffer.concat(messages.filter((m) => m[0] === n).map((m) => m.subarray(1))));
  return { peer, messages, closed, channel };
}

/** A port on loopback that refuses connections (bound, then closed). */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A one-shot HTTP server answering every request with `status` and `body`. */
async function answering(status: number, body: string) {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body, { status }) });
  return { url: `http://127.0.0.1:${server.port}/exec/token`, stop: () => server.stop(true) };
}

test("exec: an unreachable upstream ends with an InternalError status and close 1000", async () => {
  const client = fakePeer("v5.channel.k8s.io");
  startExecBridge(client.peer, `http://127.0.0.1:${await refusedPort()}/exec/x`, { stdin: false, stdout: true, stderr: true, tty: false });
  expect(await client.closed).toBe(1000);
  expect([...client.messages[0]!]).toEqual([1]);
  const status = JSON.parse(client.channel(3));
  expect(status).toMatchObject({ status: "Failure", reason: "InternalError", code: 500 });
});

test("exec: a refused upgrade passes a Status body through, else reports the body text", async () => {
  const statusBody = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "pod gone", reason: "NotFound", code: 404 };
  const withStatus = await answering(404, JSON.stringify(statusBody));
  const a = fakePeer("v5.channel.k8s.io");
  startExecBridge(a.peer, withStatus.url, { stdin: false, stdout: false, stderr: true, tty: false });
  await a.closed;
  expect([...a.messages[0]!]).toEqual([2]); // no stdout: the ready message goes on stderr
  expect(JSON.parse(a.channel(3))).toEqual(statusBody);
  withStatus.stop();
  const plain = await answering(400, "bad token\n");
  const b = fakePeer("v5.channel.k8s.io");
  startExecBridge(b.peer, plain.url, { stdin: true, stdout: false, stderr: false, tty: false });
  await b.closed;
  expect([...b.messages[0]!]).toEqual([3]);
  expect(JSON.parse(b.channel(3)).message).toBe("Internal error occurred: unable to upgrade connection: bad token");
  plain.stop();
});

/** kubectl's side of the tunnel, wired straight to a port-forward bridge. */
function tunnel(open: (port: number) => Promise<string>) {
  const server = fakePeer("SPDY/3.1+portforward.k8s.io");
  const box: { bridge?: ReturnType<typeof startPortForwardBridge> } = {};
  const client = new SpdySession({ role: "client", transport: { write: (b) => box.bridge!.message(b), close: () => box.bridge!.closed() } });
  box.bridge = startPortForwardBridge({ ...server.peer, send: (d) => client.receive(d.slice()) }, open);
  return client;
}

function watch(stream: SpdyStream) {
  const got = { text: "", end: undefined as StreamEnd | undefined };
  stream.ondata = (d) => (got.text += decoder.decode(d));
  stream.onend = (how) => (got.end = how);
  return got;
}

async function until(cond: () => boolean) {
  for (let i = 0; i < 400 && !cond(); i++) await Bun.sleep(5);
  expect(cond()).toBe(true);
}

test("port-forward tunnel: bad headers and duplicate stream types are reset", async () => {
  const client = tunnel(() => new Promise(() => {}));
  const noPort = watch(client.openStream({ streamType: "data" }));
  const badType = watch(client.openStream({ streamType: "stdin", port: "80" }));
  const first = watch(client.openStream({ streamType: "data", port: "80", requestID: "7" }));
  const dup = watch(client.openStream({ streamType: "data", port: "80", requestID: "7" }));
  await until(() => noPort.end !== undefined && badType.end !== undefined && dup.end !== undefined);
  expect([noPort.end, badType.end, dup.end]).toEqual(["reset", "reset", "reset"]);
  expect(first.end).toBeUndefined();
  client.close();
});

test("port-forward tunnel: open() failing is written on the error stream, then both streams end", async () => {
  const client = tunnel(async (port) => {
    throw new Error(`pod has no port ${port} today`);
  });
  const error = client.openStream({ streamType: "error", port: "80", requestID: "0" });
  error.end();
  const errorGot = watch(error);
  const dataGot = watch(client.openStream({ streamType: "data", port: "80", requestID: "0" }));
  await until(() => errorGot.end !== undefined && dataGot.end !== undefined);
  expect(errorGot).toEqual({ text: "error forwarding port 80: pod has no port 80 today", end: "fin" });
  expect(dataGot.end).toBe("fin");
  client.close();
});

test("WebSocket port-forward: a failing port reports on its error channel; all ports done closes 1000", async () => {
  const client = fakePeer("v4.channel.k8s.io");
  startWebSocketPortForward(client.peer, [80, 443], async (port) => {
    throw new Error(`no ${port}`);
  });
  expect(await client.closed).toBe(1000);
  expect(client.messages.slice(0, 4).map((m) => [...m])).toEqual([[0, 80, 0], [1, 80, 0], [2, 443 & 0xff, 443 >> 8], [3, 443 & 0xff, 443 >> 8]]);
  expect(decoder.decode(client.messages.find((m) => m[0] === 1 && m.length > 3)!.subarray(1))).toBe("error forwarding port 80: no 80");
  expect(decoder.decode(client.messages.find((m) => m[0] === 3 && m.length > 3)!.subarray(1))).toBe("error forwarding port 443: no 443");
});
