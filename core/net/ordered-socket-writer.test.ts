import { expect, test } from "bun:test";
import type { Socket } from "bun";
import { OrderedSocketWriter } from "./ordered-socket-writer.ts";

/** A socket whose kernel takes at most `room` bytes until the test makes room again. */
function fakeSocket() {
  const f = { room: 4, taken: [] as string[], ended: false, closed: false };
  const socket = {
    write(b: Uint8Array) {
      if (f.closed) return -1;
      const n = Math.min(f.room, b.length);
      f.room -= n;
      f.taken.push(new TextDecoder().decode(b.subarray(0, n)));
      return n;
    },
    end() { f.ended = true; },
    terminate() {},
  };
  return { f, socket: socket as unknown as Socket };
}

test("bytes go out in order across partial writes, and end() waits for the queue", () => {
  const { f, socket } = fakeSocket();
  const w = new OrderedSocketWriter(socket);
  w.write(new TextEncoder().encode("abcdef"));
  w.write(new TextEncoder().encode("gh"));
  w.end();
  expect(f.taken.join("")).toBe("abcd");
  expect(f.ended).toBe(false);
  f.room = 100;
  w.drain();
  expect(f.taken.join("")).toBe("abcdefgh");
  expect(f.ended).toBe(true);
  w.write(new TextEncoder().encode("late"));
  expect(f.taken.join("")).toBe("abcdefgh");
});

test("writes on a closed socket are dropped, not thrown", () => {
  const { f, socket } = fakeSocket();
  f.closed = true;
  const w = new OrderedSocketWriter(socket);
  w.write(new TextEncoder().encode("x"));
  w.drain();
  expect(f.taken).toEqual([]);
});
