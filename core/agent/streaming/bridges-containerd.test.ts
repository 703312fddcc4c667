/**
 * The streaming bridges against a REAL containerd (see test-pod.ts): exec and attach through the
 * v5 and v4 WebSocket protocols, and port-forward to `busybox httpd` in the pod through the SPDY
 * tunnel and the client-node WebSocket protocol. Clients are in-memory WsPeers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startExecBridge, startPortForwardBridge, startWebSocketPortForward, type BridgeSession, type WsPeer } from "./index.ts";
import { SpdySession } from "./spdy/session.ts";
import type { SpdyStream } from "./spdy/stream.ts";
import { startTestPod, type TestPod } from "./test-pod.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

let pod: TestPod;
beforeAll(async () => {
  pod = await startTestPod();
}, 60_000);
afterAll(() => pod?.stop(), 60_000);

/** An in-memory WebSocket client: records what the bridge sends, resolves `closed` with the code. */
function fakePeer(protocol: string) {
  const messages: Uint8Array[] = [];
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => (resolveClosed = r));
  const peer: WsPeer = {
    protocol,
    send: (data) => messages.push(data.slice()),
    close: (code) => resolveClosed(code ?? 1005),
  };
  /** Concatenated payloads of one channel (channel byte stripped). */
  const channel = (n: number) => decoder.decode(Buffer.concat(messages.filter((m) => m[0] === n).map((m) => m.subarray(1))));
  return { peer, messages, closed, channel };
}

const msg = (channel: number, text: string) => Uint8Array.of(channel, ...encoder.encode(text));

async function exec(cmd: string[], o: { stdin?: boolean; tty?: boolean; protocol?: string; input?: (s: BridgeSession) => void } = {}) {
  const opts = { stdin: o.stdin ?? false, stdout: true, stderr: !o.tty, tty: o.tty ?? false };
  const url = await pod.cri.exec({ containerId: pod.containerId, cmd, ...opts });
  const client = fakePeer(o.protocol ?? "v5.channel.k8s.io");
  const session = startExecBridge(client.peer, url, opts);
  o.input?.(session);
  const code = await withTimeout(client.closed, 15_000, "exec did not finish");
  return { code, client, status: JSON.parse(client.channel(3)) as Record<string, unknown> };
}

describe("exec bridge (WebSocket v5/v4 → SPDY v4 → containerd)", () => {
  test("echo hi: ready message, stdout, Success, close 1000", async () => {
    const { code, client, status } = await exec(["echo", "hi"]);
    expect([...client.messages[0]!]).toEqual([1]);
    expect(client.channel(1)).toBe("hi\n");
    expect(client.channel(2)).toBe("");
    expect(status).toEqual({ metadata: {}, status: "Success" });
    expect(code).toBe(1000);
    expect(client.messages.at(-1)![0]).toBe(3);
  });

  test("stderr goes to channel 2", async () => {
    const { client, status } = await exec(["sh", "-c", "echo oops >&2"]);
    expect(client.channel(2)).toBe("oops\n");
    expect(status.status).toBe("Success");
  });

  test("exit 3 becomes NonZeroExitCode 3, as the API server's translator writes it", async () => {
    const { status } = await exec(["sh", "-c", "exit 3"]);
    expect(status).toEqual({
      metadata: {},
      status: "Failure",
      message: "command terminated with non-zero exit code: command terminated with exit code 3",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
  });

  test("cat with stdin: data is echoed and the v5 close [255,0] ends the process", async () => {
    const { client, status } = await exec(["cat"], {
      stdin: true,
      input: (s) => {
        s.message(msg(0, "hello\n"));
        s.message(msg(0, "world\n"));
        s.message(Uint8Array.of(255, 0));
      },
    });
    expect(client.channel(1)).toBe("hello\nworld\n");
    expect(status.status).toBe("Success");
  });

  test("stdin larger than a SPDY window reaches the process (spdystream sends no WINDOW_UPDATE)", async () => {
    const big = "x".repeat(300 * 1024);
    const { client, status } = await exec(["wc", "-c"], { stdin: true, input: (s) => (s.message(msg(0, big)), s.message(Uint8Array.of(255, 0))) });
    expect(client.channel(1).trim()).toBe(String(big.length));
    expect(status.status).toBe("Success");
  });

  test("tty exec with resize: the terminal gets the size sent on channel 4", async () => {
    const { client, status } = await exec(["sh", "-c", "sleep 0.5; stty size"], {
      stdin: true,
      tty: true,
      input: (s) => s.message(msg(4, '{"Width":123,"Height":45}\n')),
    });
    expect(client.channel(1)).toContain("45 123");
    expect(status.status).toBe("Success");
  });

  test("a v4 client gets containerd's own Status JSON", async () => {
    const { status, code } = await exec(["sh", "-c", "exit 7"], { protocol: "v4.channel.k8s.io" });
    expect(status).toMatchObject({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "7" }] } });
    expect(code).toBe(1000);
  });

  test("a spent token: the refusal arrives as a Failure status", async () => {
    const opts = { stdin: false, stdout: true, stderr: true, tty: false };
    const url = await pod.cri.exec({ containerId: pod.containerId, cmd: ["true"], ...opts });
    const first = fakePeer("v5.channel.k8s.io");
    startExecBridge(first.peer, url, opts);
    await withTimeout(first.closed, 15_000, "first exec");
    const second = fakePeer("v5.channel.k8s.io");
    startExecBridge(second.peer, url, opts);
    expect(await withTimeout(second.closed, 15_000, "second exec")).toBe(1000);
    const status = JSON.parse(second.channel(3));
    expect(status.status).toBe("Failure");
    expect(String(status.message)).toContain("unable to upgrade connection");
  });

  test("attach to a container's stdin/stdout: echoed, and stdin EOF ends the container (stdinOnce)", async () => {
    const opts = { stdin: true, stdout: true, stderr: true, tty: false };
    const url = await pod.cri.attach({ containerId: pod.catId, ...opts });
    const client = fakePeer("v5.channel.k8s.io");
    const session = startExecBridge(client.peer, url, opts);
    session.message(msg(0, "attached\n"));
    for (let i = 0; i < 100 && client.channel(1) !== "attached\n"; i++) await Bun.sleep(50);
    expect(client.channel(1)).toBe("attached\n");
    session.message(Uint8Array.of(255, 0));
    expect(await withTimeout(client.closed, 15_000, "attach")).toBe(1000);
    expect(JSON.parse(client.channel(3)).status).toBe("Success");
    let state = (await pod.cri.containerStatus(pod.catId)).state;
    for (let i = 0; i < 50 && state !== "CONTAINER_EXITED"; i++) state = (await Bun.sleep(100), await pod.cri.containerStatus(pod.catId)).state;
    expect(state).toBe("CONTAINER_EXITED");
  });

  test("the client going away mid-exec closes the upstream connection; nothing more is sent", async () => {
    const opts = { stdin: true, stdout: true, stderr: true, tty: false };
    const url = await pod.cri.exec({ containerId: pod.containerId, cmd: ["sh", "-c", "echo started; cat; echo after"], ...opts });
    const client = fakePeer("v5.channel.k8s.io");
    const session = startExecBridge(client.peer, url, opts);
    for (let i = 0; i < 100 && client.channel(1) !== "started\n"; i++) await Bun.sleep(50);
    expect(client.channel(1)).toBe("started\n");
    const before = client.messages.length;
    session.closed();
    await Bun.sleep(300);
    // containerd closes the process's stdin with the connection: `cat` ends, but no one hears of it.
    expect(client.messages.length).toBe(before);
    const ps = await pod.cri.execSync(pod.containerId, ["sh", "-c", "ps | grep -c '[c]at$' || true"], 5);
    expect(new TextDecoder().decode(ps.stdout).trim()).toBe("0");
  });
});

/** kubectl's side of the tunnelled port-forward: a client SPDY session whose bytes go to the bridge in small random pieces. */
function tunnelClient() {
  const server = fakePeer("SPDY/3.1+portforward.k8s.io");
  const box: { bridge?: BridgeSession } = {};
  const client = new SpdySession({
    role: "client",
    transport: {
      write: (bytes) => {
        for (let at = 0; at < bytes.length; ) {
          const n = 1 + Math.floor(Math.random() * 7);
          box.bridge!.message(bytes.subarray(at, at + n));
          at += n;
        }
      },
      close: () => box.bridge!.closed(),
    },
  });
  const bridge = startPortForwardBridge(
    { ...server.peer, send: (data) => client.receive(data.slice()) },
    (port) => pod.cri.portForward({ podSandboxId: pod.sandboxId, port: [port] }),
  );
  box.bridge = bridge;
  return { client, server };
}

/** One forwarded connection as client-go makes it: error stream (half-closed at once), then data. */
function forwardedRequest(client: SpdySession, port: number, requestId: number, request: string) {
  const headers = { port: String(port), requestID: String(requestId) };
  const error = client.openStream({ streamType: "error", ...headers });
  error.end();
  const data = client.openStream({ streamType: "data", ...headers });
  const collect = (s: SpdyStream) =>
    new Promise<string>((resolve) => {
      const parts: Uint8Array[] = [];
      s.ondata = (d) => parts.push(d);
      s.onend = () => resolve(decoder.decode(Buffer.concat(parts)));
    });
  const response = collect(data);
  const errorText = collect(error);
  data.write(encoder.encode(request));
  return { response, errorText, data };
}

describe("port-forward bridges (→ SPDY portforward.k8s.io → containerd → pod)", () => {
  test("SPDY tunnelled in WebSocket messages: concurrent connections, two ports, get their responses", async () => {
    const { client } = tunnelClient();
    const a = forwardedRequest(client, 8080, 0, "GET /index.html HTTP/1.0\r\n\r\n");
    const b = forwardedRequest(client, 8080, 1, "GET /missing HTTP/1.0\r\n\r\n");
    const c = forwardedRequest(client, 8081, 2, "GET /index.html HTTP/1.0\r\n\r\n");
    const [ra, rb, rc] = await withTimeout(Promise.all([a.response, b.response, c.response]), 15_000, "responses");
    expect(ra).toStartWith("HTTP/1.1 200 OK");
    expect(ra).toEndWith("hello-from-pod\n");
    expect(rb).toStartWith("HTTP/1.1 404");
    expect(rc).toEndWith("hello-from-pod\n");
    // client-go resets the data stream, then waits for the error stream to end: empty means no error.
    for (const r of [a, b, c]) r.data.reset();
    expect(await withTimeout(Promise.all([a.errorText, b.errorText, c.errorText]), 15_000, "error streams")).toEqual(["", "", ""]);
    client.close();
  });

  test("SPDY tunnel: a port nothing listens on reports the error on the error stream", async () => {
    const { client } = tunnelClient();
    const r = forwardedRequest(client, 9, 0, "hello");
    const text = await withTimeout(r.errorText, 15_000, "error stream");
    // containerd's words: "error forwarding port 9 to pod …: … connect: connection refused …"
    expect(text).toStartWith("error forwarding port 9 to pod");
    expect(text).toContain("connection refused");
    client.close();
  });

  test("client-node WebSocket port-forward: port prefixes, a data/error channel pair per port, close when the pod side ends", async () => {
    const client = fakePeer("v4.channel.k8s.io");
    const session = startWebSocketPortForward(client.peer, [8080, 8081], (port) => pod.cri.portForward({ podSandboxId: pod.sandboxId, port: [port] }));
    session.message(msg(0, "GET /index.html HTTP/1.0\r\n\r\n"));
    session.message(msg(2, "GET /missing HTTP/1.0\r\n\r\n"));
    expect(await withTimeout(client.closed, 15_000, "websocket port-forward")).toBe(1000);
    expect(client.messages.slice(0, 4).map((m) => [...m])).toEqual([
      [0, 8080 & 0xff, 8080 >> 8],
      [1, 8080 & 0xff, 8080 >> 8],
      [2, 8081 & 0xff, 8081 >> 8],
      [3, 8081 & 0xff, 8081 >> 8],
    ]);
    const channel = (n: number) => decoder.decode(Buffer.concat(client.messages.slice(4).filter((m) => m[0] === n).map((m) => m.subarray(1))));
    expect(channel(0)).toStartWith("HTTP/1.1 200 OK");
    expect(channel(0)).toEndWith("hello-from-pod\n");
    expect(channel(2)).toStartWith("HTTP/1.1 404");
    expect(channel(1) + channel(3)).toBe("");
  });

  test("client-node WebSocket port-forward: v5 close [255, 0] half-closes the upstream data stream", async () => {
    const client = fakePeer("v5.channel.k8s.io");
    const session = startWebSocketPortForward(client.peer, [8080], (port) => pod.cri.portForward({ podSandboxId: pod.sandboxId, port: [port] }));
    // No request at all: the client's EOF alone must end the forwarded connection.
    session.message(Uint8Array.of(255, 0));
    expect(await withTimeout(client.closed, 15_000, "websocket port-forward")).toBe(1000);
  });
});

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out`)), ms)))]).finally(() => clearTimeout(timer));
}
