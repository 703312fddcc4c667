// Watch responses written by the HTTPS front's Worker straight to the client's TLS socket.
//
// Through the relay, every event to every watcher costs the main thread a write to the loopback
// socket (and the Worker a read): ~9 µs of main-thread CPU per delivery on this VM, so 1,000
// watchers at 100 events/s need a whole core. Instead, once a watch's response is ready the main
// thread takes its connection over: the Worker writes the response head and, from then on, gets
// the event lines in one message per turn of the event loop (each distinct line once, however many
// watchers it goes to), frames them as HTTP chunks and writes them to the TLS sockets itself.
//
// Contract:
// - Taken over are 200 responses to GET whose body is an unread PushBody (push-body.ts), on
//   connections the Worker relays (registration id > 0) and that are still the ones the request
//   came on when its response is ready. The head says `Connection: close`: when the stream
//   ends the Worker writes the last chunk, closes the connection and drops whatever the internal
//   server writes to it. The pending Bun.serve request is answered only once the connection has
//   closed (`gone`): answered earlier, its response could reach the Worker before the take-over
//   and be relayed to the client (a watch that ends at once, e.g. 410 Expired, did exactly that).
//   A connection whose first request was HTTP/1.0 gets the head without chunked framing and the
//   bytes unframed, the close ending the body (tls-relay.ts), as Bun.serve answers such clients.
// - Order: heads, then chunks in write order, then ends, all in one ordered channel (postMessage).
//   Everything the internal server wrote on the connection before the take-over was relayed first:
//   HTTP/1.1 clients (Go's net/http, Node's, Bun's) send a request only after reading the previous
//   response whole. A client that pipelined requests ahead of a watch is not supported.
// - When the connection closes (client gone, front stopping) `gone(id)` cancels the body.
// - One batch in flight: while the Worker has not reported the last one written (`written()`),
//   later chunks wait here and go in the next batch, each connection's consecutive chunks joined
//   into one write. A Worker that keeps up gets every turn's chunks at once; one that falls behind
//   (1,000 watchers on a small machine) gets fewer, larger writes instead of a growing queue.
import type { DirectOpen, ToWorker } from "./front-protocol.ts";
import type { PushBody } from "./push-body.ts";
import { concatBytes } from "../storage/shared-json.ts";

/** What the pending internal request is answered with once its connection has closed (nobody reads it). */
const TAKEN_OVER = () => new Response(null, { status: 204 });

interface Batch {
  opens: DirectOpen[];
  /** Per connection, in first-write order: the chunks it gets, as indexes into `chunks`. */
  writes: Map<number, number[]>;
  /** Each distinct chunk of the batch once (unframed). */
  chunks: Uint8Array[];
  /** Index in `chunks` of each distinct chunk. */
  index: Map<Uint8Array, number>;
  ends: number[];
}

export class DirectStreams {
  /** Taken-over connections until they close: the body and the pending internal request's answer. */
  readonly #open = new Map<number, { body: PushBody; answer: (res: Response) => void }>();
  #batch: Batch | undefined;
  /** A batch was posted and the Worker has not reported it written yet. */
  #inFlight = false;
  #scheduled = false;

  constructor(private readonly post: (msg: ToWorker) => void) {}

  /** Takes connection `id` over for `res` (whose body is `body`); resolves once the connection has closed. */
  serve(id: number, res: Response, body: PushBody): Promise<Response> {
    const { promise, resolve } = Promise.withResolvers<Response>();
    this.#open.set(id, { body, answer: resolve });
    this.#queue().opens.push({ id, head: responseHead(res) });
    body.attach({ write: (chunk) => this.#write(id, chunk), end: () => this.#queue().ends.push(id) });
    return promise;
  }

  /** Connection `id` closed: its stream, if still running, is cancelled and its internal request answered. */
  gone(id: number): void {
    const open = this.#open.get(id);
    if (!open) return;
    this.#open.delete(id);
    open.body.cancel();
    open.answer(TAKEN_OVER());
  }

  /** The Worker is gone, and every connection with it. */
  closeAll(): void {
    for (const id of [...this.#open.keys()]) this.gone(id);
    this.#batch = undefined;
  }

  /** Connections currently taken over (diagnostics, tests). */
  get size(): number {
    return this.#open.size;
  }

  #write(id: number, chunk: Uint8Array): void {
    if (chunk.length === 0) return; // an empty chunk would end the chunked body
    const b = this.#queue();
    let k = b.index.get(chunk);
    if (k === undefined) {
      k = b.chunks.length;
      b.chunks.push(chunk);
      b.index.set(chunk, k);
    }
    const list = b.writes.get(id);
    if (list) list.push(k);
    else b.writes.set(id, [k]);
  }

  /** The Worker wrote the batch in flight: the next one may go. */
  written(): void {
    this.#inFlight = false;
    this.#schedule();
  }

  /** The batch being filled (opened by the first write after a post). */
  #queue(): Batch {
    if (!this.#batch) {
      this.#batch = { opens: [], writes: new Map(), chunks: [], index: new Map(), ends: [] };
      this.#schedule();
    }
    return this.#batch;
  }

  /** Posts the batch at the end of this turn, unless one is in flight (then written() does). */
  #schedule(): void {
    if (this.#scheduled || this.#inFlight || !this.#batch) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const b = this.#batch;
    if (!b || this.#inFlight) return;
    this.#batch = undefined;
    this.#inFlight = true;
    // Each connection's chunks become one framed write; connections getting the same sequence share it.
    const framed: Uint8Array[] = [];
    const bySequence = new Map<string, number>();
    const ids = new Int32Array(b.writes.size);
    const which = new Int32Array(b.writes.size);
    let n = 0;
    for (const [id, list] of b.writes) {
      const key = list.join(",");
      let k = bySequence.get(key);
      if (k === undefined) {
        const frames = list.map((i) => chunkFrame(b.chunks[i]!));
        bySequence.set(key, (k = framed.push(frames.length === 1 ? frames[0]! : concatBytes(frames)) - 1));
      }
      ids[n] = id;
      which[n++] = k;
    }
    this.post({ type: "direct", opens: b.opens, ids, which, chunks: framed, ends: b.ends });
  }
}

const utf8 = new TextEncoder();
/** Headers the take-over sets itself. */
const FRAMING = new Set(["content-length", "transfer-encoding", "connection", "date"]);

/** The HTTP/1.1 response head for a taken-over stream: `res`'s status and headers, chunked, closing. */
export function responseHead(res: Response): Uint8Array {
  let head = `HTTP/1.1 ${res.status} ${res.statusText || "OK"}\r\n`;
  for (const [name, value] of res.headers) if (!FRAMING.has(name)) head += `${name}: ${value}\r\n`;
  head += `date: ${new Date().toUTCString()}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n`;
  return utf8.encode(head);
}

/** `chunk` as one HTTP/1.1 chunk: size in hex, CRLF, the bytes, CRLF. */
export function chunkFrame(chunk: Uint8Array): Uint8Array {
  return concatBytes([utf8.encode(`${chunk.length.toString(16)}\r\n`), chunk, CRLF]);
}

const CRLF = utf8.encode("\r\n");

/** The last chunk of a chunked body (no trailers). */
export const LAST_CHUNK: Uint8Array = utf8.encode("0\r\n\r\n");
