/**
 * The DNS listeners: one UDP socket and one TCP listener on the same address and port (port 0:
 * the OS picks a port free for both). TCP messages are framed by a 2-byte length (RFC 1035
 * §4.2.2, RFC 7766): several queries may be pipelined on one connection and are answered as
 * they complete; a connection idle for `tcpIdleMs` is closed. Binding errors reject `start`
 * with the address in the message; nothing a peer sends can throw out of the listeners.
 */
import type { Socket, TCPSocketListener, udp } from "bun";
import type { Proto } from "./handler.ts";

export interface DnsListenerOptions {
  hostname: string;
  /** 0: an OS-assigned port (the same one for UDP and TCP). */
  port: number;
  handle(query: Uint8Array, proto: Proto): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  tcpIdleMs?: number;
  /** Called with socket-level errors (not per query). */
  onError?(err: Error): void;
}

export interface DnsListeners {
  readonly hostname: string;
  readonly port: number;
  close(): void;
}

interface Conn {
  buf: Uint8Array;
  out: Uint8Array[];
  idle?: Timer;
}

export class AddressInUseError extends Error {}

export async function startDnsListeners(opts: DnsListenerOptions): Promise<DnsListeners> {
  const idleMs = opts.tcpIdleMs ?? 10_000;
  for (let attempt = 0; ; attempt++) {
    let udpSock: udp.Socket<"uint8array">;
    try {
      udpSock = await Bun.udpSocket({
        hostname: opts.hostname, port: opts.port, binaryType: "uint8array",
        socket: {
          data(sock, data, port, address, flags) {
            if (flags?.truncated) return;
            const r = safeHandle(data, "udp");
            if (r instanceof Promise) void r.then((bytes) => { if (bytes && !sock.closed) sock.send(bytes, port, address); });
            else if (r) sock.send(r, port, address);
          },
          // ICMP errors (a client gone away: ECONNREFUSED) arrive here; without a handler they would be uncaught.
          error(...args: unknown[]) { opts.onError?.(udpError(args)); },
        },
      });
    } catch (err) {
      throw bindError(err, "UDP", opts.hostname, opts.port);
    }
    try {
      const tcp = Bun.listen<Conn>({
        hostname: opts.hostname, port: udpSock.port,
        socket: {
          open(s) { s.data = { buf: new Uint8Array(0), out: [] }; touch(s); },
          data(s, chunk) { touch(s); onTcpData(s, chunk); },
          drain(s) { flush(s); },
          close(s) { clearTimeout(s.data?.idle); },
          error(_s, err) { opts.onError?.(err); },
        },
      });
      return {
        hostname: opts.hostname, port: udpSock.port,
        close() { udpSock.close(); tcp.stop(true); },
      };
    } catch (err) {
      udpSock.close();
      // With an OS-assigned UDP port the same TCP port may be taken: try another pair.
      if (opts.port === 0 && attempt < 10) continue;
      throw bindError(err, "TCP", opts.hostname, udpSock.port);
    }
  }

  function safeHandle(query: Uint8Array, proto: Proto): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    try {
      const r = opts.handle(query, proto);
      return r instanceof Promise ? r.catch((err: Error) => { opts.onError?.(err); return undefined; }) : r;
    } catch (err) {
      opts.onError?.(err as Error);
      return undefined;
    }
  }

  function touch(s: Socket<Conn>): void {
    clearTimeout(s.data.idle);
    s.data.idle = setTimeout(() => s.end(), idleMs);
  }

  function onTcpData(s: Socket<Conn>, chunk: Uint8Array): void {
    const c = s.data;
    let buf = c.buf.length ? concat(c.buf, chunk) : chunk;
    while (buf.length >= 2) {
      const len = (buf[0]! << 8) | buf[1]!;
      if (buf.length < 2 + len) break;
      const query = buf.slice(2, 2 + len);
      buf = buf.subarray(2 + len);
      const r = safeHandle(query, "tcp");
      if (r instanceof Promise) void r.then((bytes) => { if (bytes) send(s, bytes); });
      else if (r) send(s, r);
    }
    c.buf = buf.length ? buf.slice() : new Uint8Array(0);
  }

  function send(s: Socket<Conn>, bytes: Uint8Array): void {
    if (s.readyState <= 0) return;
    const framed = new Uint8Array(bytes.length + 2);
    framed[0] = bytes.length >> 8;
    framed[1] = bytes.length & 0xff;
    framed.set(bytes, 2);
    s.data.out.push(framed);
    flush(s);
  }

  function flush(s: Socket<Conn>): void {
    const out = s.data.out;
    while (out.length) {
      const head = out[0]!;
      const n = s.write(head);
      if (n < 0) { out.length = 0; return; }
      if (n < head.length) { out[0] = head.subarray(n); return; }
      out.shift();
    }
  }
}

/** Bun 1.4 calls a UDP socket's `error` handler with the error alone (its types say socket, error): accept both. */
export function udpError(args: readonly unknown[]): Error {
  const e = args.find((a) => a instanceof Error);
  return e instanceof Error ? e : new Error(String(args[args.length - 1]));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function bindError(err: unknown, proto: string, hostname: string, port: number): Error {
  const e = err as { code?: string; message?: string };
  const where = `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  if (e?.code === "EADDRINUSE" || /in use|EADDRINUSE/i.test(e?.message ?? "")) {
    return new AddressInUseError(`${proto} ${where} is already in use by another process`);
  }
  return new Error(`cannot listen on ${proto} ${where}: ${e?.message ?? String(err)}`);
}
