import type { SpdyStream, StreamEnd } from "./spdy/stream.ts";

/**
 * Holds what one SPDY stream receives until the stream it should be relayed to exists, then
 * relays: data is written on, the peer's FIN (or the end of its session) becomes `end()`, a
 * reset becomes `reset()`.
 */
export class Relay {
  /** Called once when the source's receiving half ends (settable after construction). */
  onEnd: ((how: StreamEnd) => void) | undefined;
  private target: SpdyStream | undefined;
  private held: Uint8Array[] = [];
  private ending: StreamEnd | undefined;

  constructor(readonly source: SpdyStream) {
    source.ondata = (data) => {
      if (this.target) this.target.write(data);
      else this.held.push(data);
    };
    source.onend = (how) => {
      this.ending = how;
      if (this.target) forwardEnd(this.target, how);
      this.onEnd?.(how);
    };
  }

  /** The source's receiving half has ended. */
  get ended(): boolean {
    return this.ending !== undefined;
  }

  /** Starts relaying to `target`, first replaying what was held. */
  to(target: SpdyStream): void {
    this.target = target;
    for (const data of this.held) target.write(data);
    this.held = [];
    if (this.ending) forwardEnd(target, this.ending);
  }
}

function forwardEnd(target: SpdyStream, how: StreamEnd): void {
  if (how === "reset") target.reset();
  else target.end();
}
