/**
 * How the kubelet answers: errors are plain text with an HTTP code (go-restful's WriteError, as
 * upstream's kubelet server writes them), streams are chunked bodies.
 */

export function textError(status: number, message: string): Response {
  return new Response(message, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

/**
 * A response body pulling from `chunks`. Cancelling the body (the client went away) fires
 * `abort` first, so that a generator waiting for input notices, then ends the generator.
 */
export function streamBody(chunks: AsyncGenerator<Uint8Array>, abort: AbortController): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() {
      abort.abort();
      await chunks.return(undefined);
    },
  });
}
