import { expect, test } from "bun:test";
import type { WatchEvent } from "./types.ts";
import { WatchHub } from "./watch-hub.ts";

const event = (key: string, rev: number): WatchEvent => ({ type: "create", kv: { key, value: "{}", createRevision: rev, modRevision: rev, lease: 0 } });

function hub(): WatchHub {
  return new WatchHub({ startRevision: 0, ringSize: 64, readOlder: () => [], compactRevision: () => 0 });
}

/** Collects a watch's events and progress reports; counts how often its iterator resumed. */
function watcher(h: WatchHub, prefix: string, signal: AbortSignal) {
  const seen: number[] = [];
  const progress: number[] = [];
  const done = (async () => {
    for await (const ev of h.watch(prefix, { afterRevision: 0, signal, progress: (r) => progress.push(r) })) seen.push(ev.kv.modRevision);
  })();
  return { seen, progress, done };
}

const turn = () => new Promise((r) => setImmediate(r));

test("a publish resumes only the idle watchers it has events for; the others only hear progress past it", async () => {
  const h = hub();
  const stop = new AbortController();
  const a = watcher(h, "/a/", stop.signal);
  const b = watcher(h, "/b/", stop.signal);
  await turn();
  h.publish([event("/a/1", 1), event("/a/2", 2)]);
  // /b/ was not resumed: its progress comes from publish itself, at once.
  expect(b.progress).toEqual([2]);
  await turn();
  expect(a.seen).toEqual([1, 2]);
  expect(a.progress).toEqual([2]);
  h.publish([event("/b/1", 3)]);
  expect(a.progress).toEqual([2, 3]);
  await turn();
  // /b/ resumes after the revisions it skipped, and sees only its own event.
  expect(b.seen).toEqual([3]);
  expect(b.progress).toEqual([2, 3]);
  h.publish([event("/a/3", 4), event("/b/2", 5)]);
  await turn();
  expect(a.seen).toEqual([1, 2, 4]);
  expect(b.seen).toEqual([3, 5]);
  stop.abort();
  await Promise.all([a.done, b.done]);
});

test("an idle watcher ends when its signal fires and when the hub closes", async () => {
  const h = hub();
  const stop = new AbortController();
  const a = watcher(h, "/a/", stop.signal);
  const other = new AbortController();
  const b = watcher(h, "/b/", other.signal);
  await turn();
  h.publish([event("/a/1", 1)]); // b skipped past it while idle
  await turn();
  stop.abort();
  await a.done;
  h.close();
  await b.done;
  expect(a.seen).toEqual([1]);
  expect(b.seen).toEqual([]);
});
