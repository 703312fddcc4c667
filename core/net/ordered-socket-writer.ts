/**
 * An ordered writer for a Bun socket, shared by the kubelet's stream to containerd and the API
 * server's WebSocket client to kubelets.
 */
import type { Socket } from "bun";

/**
 * Writes to a Bun socket in order. Bun's `write` is unbuffered (it returns how much the kernel
 * took), so the rest waits here until the owner calls `drain()` from the socket's drain handler;
 * `end` closes the write side once the queue is out. Writes on a closed socket (a reset peer) are
 * dropped: they never destroy what is still to be read.
 */
export class OrderedSocketWriter {
  private queue: Uint8Array[] = [];
  private ending = false;

  constructor(private readonly socket: Socket) {}

  write(bytes: Uint8Array): void {
    if (this.ending || bytes.length === 0) return;
    if (this.queue.length > 0) this.queue.push(bytes);
    else this.send(bytes);
  }

  drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue.shift()!;
      if (!this.send(head)) return;
    }
    if (this.ending) this.socket.end();
  }

  /** Half-closes after the queue; the peer answers our FIN by closing, but not waited for forever. */
  end(): void {
    if (this.ending) return;
    this.ending = true;
    if (this.queue.length === 0) this.socket.end();
    setTimeout(() => this.socket.terminate(), 5_000).unref();
  }

  /** Writes what the kernel takes, queueing the rest at the front; false while backpressured. */
  private send(bytes: Uint8Array): boolean {
    const n = this.socket.write(bytes);
    if (n < 0) {
      this.queue = []; // closed
      return true;
    }
    if (n < bytes.length) {
      this.queue.unshift(bytes.subarray(n));
      return false;
    }
    return true;
  }
}
