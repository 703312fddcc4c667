/**
 * Closes a server WebSocket once what was sent on it has left: Bun's close() does not wait for
 * messages still buffered by backpressure, so the tail of a stream (the end of an exec's output,
 * the last bytes of a `kubectl cp` tar) could be lost when the other side ends first. Waits at
 * most `maxWaitMs` (a client that stopped reading must not hold the connection forever).
 */
import type { ServerWebSocket } from "bun";

export function closeWhenDrained<T>(ws: ServerWebSocket<T>, code?: number, reason?: string, maxWaitMs = 10_000): void {
  const deadline = Date.now() + maxWaitMs;
  const attempt = () => {
    if (ws.readyState !== 1) return; // already closing or closed
    if (ws.getBufferedAmount() > 0 && Date.now() < deadline) {
      setTimeout(attempt, 5);
      return;
    }
    ws.close(code, reason);
  };
  attempt();
}
