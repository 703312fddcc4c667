/**
 * A response body its producer pushes chunk by chunk (a watch's events), which the transport either
 * reads as a ReadableStream (Bun.serve, in-process callers) or takes over and writes itself (the
 * HTTPS front's direct streams, direct-streams.ts), without a stream and a socket write per chunk
 * on the main thread.
 *
 * Contract:
 * - Exactly one consumer attaches: `readable()` (on its first read) or `attach(sink)`. Chunks
 *   written before that wait, in order, and are handed to the consumer when it attaches.
 * - The producer calls `end()` when it is done; after `end()` or `cancel()` writes are dropped.
 * - `cancel()` is the consumer's: the client went away. The `onCancel` hooks run once, so the
 *   producer can release what it holds.
 * - `onClose` hooks run once when the body is over either way (ended or cancelled).
 * - Chunks are shared, not copied: neither side may modify one after it is written.
 */
export interface PushSink {
  write(chunk: Uint8Array): void;
  end(): void;
}

const PUSH_BODY: unique symbol = Symbol.for("lite.push-body") as never;

export class PushBody {
  #pending: Uint8Array[] = [];
  #sink: PushSink | undefined;
  #ended = false;
  #cancelled = false;
  #onCancel: (() => void)[] = [];
  #onClose: (() => void)[] = [];

  /** True once the body is over (ended by the producer or cancelled by the consumer). */
  get closed(): boolean {
    return this.#ended || this.#cancelled;
  }

  /** True once the consumer side gave up (cancel()). */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** True while no consumer has attached. */
  get unclaimed(): boolean {
    return this.#sink === undefined;
  }

  write(chunk: Uint8Array): void {
    if (this.closed) return;
    if (this.#sink) this.#sink.write(chunk);
    else this.#pending.push(chunk);
  }

  end(): void {
    if (this.closed) return;
    this.#ended = true;
    this.#sink?.end();
    this.#runClose();
  }

  cancel(): void {
    if (this.closed) return;
    this.#cancelled = true;
    this.#pending = [];
    const hooks = this.#onCancel;
    this.#onCancel = [];
    for (const h of hooks) h();
    this.#runClose();
  }

  onCancel(hook: () => void): void {
    if (this.#cancelled) hook();
    else if (!this.#ended) this.#onCancel.push(hook);
  }

  onClose(hook: () => void): void {
    if (this.closed) hook();
    else this.#onClose.push(hook);
  }

  /** Hands the body to `sink`: what was written so far first, then every later write and the end. */
  attach(sink: PushSink): void {
    if (this.#sink) throw new Error("push body: a consumer is already attached");
    this.#sink = sink;
    const pending = this.#pending;
    this.#pending = [];
    for (const chunk of pending) sink.write(chunk);
    if (this.#ended) sink.end();
  }

  /** The body as a ReadableStream; it attaches on the stream's first read. */
  readable(): ReadableStream<Uint8Array> {
    let attached = false;
    return new ReadableStream<Uint8Array>(
      {
        pull: (controller) => {
          if (attached) return;
          attached = true;
          if (this.#cancelled) return controller.close();
          this.attach({
            write: (chunk) => controller.enqueue(chunk),
            end: () => { try { controller.close(); } catch { /* already closed */ } },
          });
        },
        cancel: () => this.cancel(),
      },
      { highWaterMark: 0 },
    );
  }

  #runClose(): void {
    const hooks = this.#onClose;
    this.#onClose = [];
    for (const h of hooks) h();
  }
}

/** A Response whose body is `body` (readable by anyone) and which a transport can take over (pushBodyOf). */
export function pushResponse(body: PushBody, init: ResponseInit): Response {
  const res = new Response(body.readable(), init);
  (res as Response & { [PUSH_BODY]?: PushBody })[PUSH_BODY] = body;
  return res;
}

/** The push body of a Response made by pushResponse whose body nobody has read or cancelled yet. */
export function pushBodyOf(res: Response): PushBody | undefined {
  const body = (res as Response & { [PUSH_BODY]?: PushBody })[PUSH_BODY];
  return body && body.unclaimed && !body.cancelled && !res.bodyUsed ? body : undefined;
}
