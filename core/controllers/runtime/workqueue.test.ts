import { describe, expect, test } from "bun:test";
import { createFakeClock } from "./fake-clock.ts";
import { defaultControllerRateLimiter, itemExponentialRateLimiter, maxOfRateLimiter, tokenBucketRateLimiter } from "./rate-limiter.ts";
import { createWorkQueue } from "./workqueue.ts";

describe("work queue", () => {
  test("de-duplicates keys waiting to be processed and keeps FIFO order", async () => {
    const q = createWorkQueue<string>({ clock: createFakeClock() });
    q.add("a"); q.add("b"); q.add("a");
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
    expect(q.len()).toBe(0);
  });

  test("a key added while processing is re-queued once on done, never handed to a second worker", async () => {
    const q = createWorkQueue<string>({ clock: createFakeClock() });
    q.add("a");
    const k = await q.get();
    q.add("a"); q.add("a");
    expect(q.len()).toBe(0); // held back while a worker has it
    let second: string | undefined;
    const waiting = q.get().then((x) => { second = x; });
    await Bun.sleep(1);
    expect(second).toBeUndefined();
    q.done(k!);
    await waiting;
    expect(second).toBe("a");
    q.done("a");
    expect(q.len()).toBe(0);
  });

  test("addAfter waits on the clock; the earlier of two delays wins", async () => {
    const clock = createFakeClock();
    const q = createWorkQueue<string>({ clock });
    q.addAfter("a", 1000);
    q.addAfter("a", 300);
    q.addAfter("a", 2000);
    clock.advance(299);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    clock.advance(5000);
    expect(q.len()).toBe(1);
  });

  test("addRateLimited backs off exponentially per item from 5 ms; forget resets", async () => {
    const clock = createFakeClock();
    const q = createWorkQueue<string>({ clock });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = q.len();
      q.addRateLimited("a");
      let waited = 0;
      while (q.len() === before && waited < 1000) { clock.advance(1); waited++; }
      delays.push(waited);
      q.done((await q.get())!);
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(q.numRequeues("a")).toBe(4);
    q.forget("a");
    expect(q.numRequeues("a")).toBe(0);
  });

  test("get resolves undefined after shutDown or when its signal fires; adds are ignored", async () => {
    const q = createWorkQueue<string>({ clock: createFakeClock() });
    const pending = q.get();
    q.shutDown();
    expect(await pending).toBeUndefined();
    q.add("x");
    expect(await q.get()).toBeUndefined();
    const q2 = createWorkQueue<string>({ clock: createFakeClock() });
    const ac = new AbortController();
    const p2 = q2.get(ac.signal);
    ac.abort();
    expect(await p2).toBeUndefined();
    q2.add("y");
    expect(await q2.get()).toBe("y"); // the aborted getter did not swallow it
  });
});

describe("rate limiters (client-go defaults)", () => {
  test("item exponential: 5 ms doubling, capped at 1000 s", () => {
    const l = itemExponentialRateLimiter<string>(5, 1_000_000);
    const d = Array.from({ length: 30 }, () => l.when("k"));
    expect(d.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(d[29]).toBe(1_000_000);
    expect(l.when("other")).toBe(5);
  });

  test("token bucket: burst of 100 free, then 10 per second", () => {
    const clock = createFakeClock();
    const l = tokenBucketRateLimiter<string>(10, 100, clock);
    for (let i = 0; i < 100; i++) expect(l.when(`k${i}`)).toBe(0);
    expect(l.when("x")).toBe(100);
    expect(l.when("y")).toBe(200);
    clock.advance(1000);
    // 10 tokens refilled, 2 were borrowed
    for (let i = 0; i < 8; i++) expect(l.when(`z${i}`)).toBe(0);
    expect(l.when("w")).toBe(100);
  });

  test("default controller limiter is the max of both", () => {
    const clock = createFakeClock();
    const l = defaultControllerRateLimiter<string>(clock);
    expect(l.when("a")).toBe(5);
    expect(l.when("a")).toBe(10);
    for (let i = 0; i < 98; i++) l.when(`b${i}`);
    expect(l.when("c")).toBe(100); // bucket empty: 100 ms beats the 5 ms item delay
    const m = maxOfRateLimiter<string>(itemExponentialRateLimiter(1, 10), itemExponentialRateLimiter(3, 10));
    expect(m.when("k")).toBe(3);
    expect(m.numRequeues("k")).toBe(1);
  });
});
