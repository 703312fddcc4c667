import { expect, test } from "bun:test";
import { formatMicroTime, formatTime } from "./kube-time.ts";

test("metav1.Time is RFC 3339 to the second, truncated; MicroTime keeps microseconds", () => {
  const at = Date.UTC(2026, 10, 28, 19, 4, 5, 987);
  expect(formatTime(at)).toBe("2026-11-28T19:04:05Z");
  expect(formatTime(new Date(at))).toBe("2026-11-28T19:04:05Z");
  expect(formatMicroTime(at)).toBe("2026-11-28T19:04:05.987000Z");
  expect(formatMicroTime(Date.UTC(2026, 0, 1))).toBe("2026-01-01T00:00:00.000000Z");
});
