import { describe, expect, test } from "bun:test";
import type { ApiClient, KubeObject } from "@lite/sdk";
import { quietLog } from "../testing/in-process.ts";
import { createEventRecorder } from "./event-recorder.ts";
import { createFakeClock } from "./fake-clock.ts";

/** Records the writes the recorder makes; creates succeed, patches of known Events succeed. */
function recordingClient() {
  const writes: { op: "create" | "patch"; name: string; count: number }[] = [];
  const client = {
    async create(_target: unknown, body: KubeObject & { count: number }) {
      writes.push({ op: "create", name: body.metadata.name!, count: body.count });
      return body;
    },
    async patch(target: { name: string }, _type: string, body: { count: number }) {
      writes.push({ op: "patch", name: target.name, count: body.count });
      return {};
    },
  } as unknown as ApiClient;
  return { client, writes };
}

const node = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Node", metadata: { name, uid: `uid-${name}` } });

describe("event recorder", () => {
  test("repeats patch the first Event's count; past the burst an object's Events are dropped until the bucket refills (upstream's spam filter)", async () => {
    const clock = createFakeClock(1_000_000);
    const { client, writes } = recordingClient();
    const recorder = createEventRecorder({ client, component: "c", clock, log: quietLog, spamFilter: { burst: 3, refillMs: 60_000 } });
    for (let i = 0; i < 5; i++) recorder.event(node("n1"), "Normal", "CIDRNotAvailable", "Node n1 status is now: CIDRNotAvailable");
    recorder.event(node("n2"), "Normal", "CIDRNotAvailable", "Node n2 status is now: CIDRNotAvailable");
    await recorder.flush();
    expect(writes.map((w) => [w.op, w.count])).toEqual([["create", 1], ["patch", 2], ["patch", 3], ["create", 1]]);
    clock.advance(60_000);
    recorder.event(node("n1"), "Normal", "CIDRNotAvailable", "Node n1 status is now: CIDRNotAvailable");
    recorder.event(node("n1"), "Normal", "CIDRNotAvailable", "Node n1 status is now: CIDRNotAvailable");
    await recorder.flush();
    expect(writes.slice(4).map((w) => [w.op, w.name === writes[0]!.name, w.count])).toEqual([["patch", true, 4]]);
  });
});
