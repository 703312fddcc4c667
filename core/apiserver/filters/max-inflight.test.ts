import { expect, test } from "bun:test";
import { parseRequestInfo } from "../request/request-info.ts";
import { createMaxInflight } from "./max-inflight.ts";

const info = (method: string, path: string) => parseRequestInfo(method, new URL(`https://x${path}`));
const alice = { username: "alice", groups: ["system:authenticated"] };
const admin = { username: "system:admin", groups: ["system:masters", "system:authenticated"] };

/** A handler that blocks until released. */
function blocker() {
  const releases: (() => void)[] = [];
  const next = () => new Promise<Response>((resolve) => releases.push(() => resolve(new Response("ok"))));
  return { next, releaseAll: () => releases.splice(0).forEach((r) => r()) };
}

test("read-only and mutating requests have separate limits; 429 with Retry-After beyond them", async () => {
  const limits = createMaxInflight({ maxReadOnly: 2, maxMutating: 1 });
  const b = blocker();
  const get = info("GET", "/api/v1/namespaces/default/configmaps/x");
  const post = info("POST", "/api/v1/namespaces/default/configmaps");
  const held = [limits.run(get, alice, b.next), limits.run(get, alice, b.next), limits.run(post, alice, b.next)];
  expect(limits.inflight()).toEqual({ readOnly: 2, mutating: 1 });
  const rejected = await limits.run(get, alice, b.next);
  expect(rejected.status).toBe(429);
  expect(rejected.headers.get("Retry-After")).toBe("1");
  expect(await rejected.json()).toMatchObject({
    kind: "Status", status: "Failure", reason: "TooManyRequests", code: 429,
    message: "Too many requests, please try again later.", details: { retryAfterSeconds: 1 },
  });
  expect((await limits.run(post, alice, b.next)).status).toBe(429);
  // system:masters always gets an answer.
  const privileged = limits.run(post, admin, b.next);
  // Watches and other long-running requests are not counted.
  const longRunning = [
    "/api/v1/namespaces/default/pods?watch=true", "/api/v1/watch/pods", "/api/v1/namespaces/default/pods/p/log",
    "/api/v1/namespaces/default/pods/p/exec", "/api/v1/namespaces/default/pods/p/attach", "/api/v1/namespaces/default/pods/p/portforward",
    "/api/v1/namespaces/default/services/s/proxy/x",
  ].map((p) => limits.run(info("GET", p), alice, b.next));
  expect(limits.inflight()).toEqual({ readOnly: 2, mutating: 1 });
  b.releaseAll();
  for (const r of await Promise.all([...held, privileged, ...longRunning])) expect(r.status).toBe(200);
  expect(limits.inflight()).toEqual({ readOnly: 0, mutating: 0 });
  expect((await limits.run(get, alice, async () => new Response("again"))).status).toBe(200);
});

test("a slot is released when the handler throws; 0 means no limit", async () => {
  const limits = createMaxInflight({ maxReadOnly: 1, maxMutating: 0 });
  const get = info("GET", "/version");
  await expect(limits.run(get, alice, async () => { throw new Error("boom"); })).rejects.toThrow("boom");
  expect(limits.inflight().readOnly).toBe(0);
  const b = blocker();
  const many = Array.from({ length: 50 }, () => limits.run(info("DELETE", "/api/v1/namespaces/a"), alice, b.next));
  expect(limits.inflight().mutating).toBe(0);
  b.releaseAll();
  await Promise.all(many);
});

test("onReject is told of each request answered 429 (apiserver_request_total code 429)", async () => {
  const rejected: string[] = [];
  const limits = createMaxInflight({ maxReadOnly: 1, maxMutating: 1, onReject: (i, req, url) => rejected.push(`${i.verb} ${i.resource} ${req?.method} ${url?.search}`) });
  const b = blocker();
  const url = new URL("https://x/api/v1/namespaces/default/configmaps?dryRun=All");
  const req = new Request(url.href, { method: "POST" });
  const held = limits.run(info("POST", "/api/v1/namespaces/default/configmaps"), alice, b.next, req, url);
  expect((await limits.run(info("POST", "/api/v1/namespaces/default/configmaps"), alice, b.next, req, url)).status).toBe(429);
  b.releaseAll();
  await held;
  expect(rejected).toEqual(["create configmaps POST ?dryRun=All"]);
});
