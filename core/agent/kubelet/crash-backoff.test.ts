import { expect, test } from "bun:test";
import { createCrashBackoff } from "./crash-backoff.ts";

test("CrashLoopBackOff delays: 10 s doubling to 5 min, reset forgets (kubelet backOffPeriod/MaxContainerBackOff)", () => {
  const b = createCrashBackoff();
  const key = "uid/c";
  expect(b.remaining(key, 0)).toBe(0);
  const delays: number[] = [];
  let now = 0;
  for (let i = 0; i < 7; i++) {
    b.next(key, now);
    delays.push(b.delay(key));
    now += b.remaining(key, now);
  }
  expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  b.reset(key);
  expect(b.remaining(key, now)).toBe(0);
  b.next(key, now);
  expect(b.delay(key)).toBe(10_000);
  b.forgetPod("uid");
  expect(b.remaining(key, now)).toBe(0);
});
