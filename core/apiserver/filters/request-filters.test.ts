import { afterEach, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { statSync } from "node:fs";
import { openAuditLog } from "./audit-log.ts";
import { createMaxInflight } from "./max-inflight.ts";
import { createRequestFilters } from "./request-filters.ts";
import { PushBody, pushBodyOf, pushResponse } from "../transport/push-body.ts";

let dir: string | undefined;
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

const alice = { username: "alice", groups: ["devs", "system:authenticated"] };

test("one Metadata-level audit.k8s.io/v1 event per request; 429s recorded; watches get started+complete", async () => {
  dir = await mkdtemp(join(tmpdir(), "lite-audit-"));
  const path = join(dir, "audit", "audit.log");
  const audit = await openAuditLog({ path });
  const filters = createRequestFilters({ audit, inflight: createMaxInflight({ maxReadOnly: 1, maxMutating: 1 }) });
  const req = new Request("https://x/apis/apps/v1/namespaces/ns1/deployments/web/scale?pretty=1", { headers: { "user-agent": "kubectl/v1.32.4" } });
  const res = await filters.handle(req, alice, "10.1.2.3", async () => new Response("{}", { status: 200 }));
  expect(res.headers.get("Audit-Id")).toMatch(/^[0-9a-f-]{36}$/);
  let release!: () => void;
  const blocked = filters.handle(new Request("https://x/api/v1/pods"), alice, "10.1.2.3", () => new Promise((r) => { release = () => r(new Response("[]")); }));
  const rejected = await filters.handle(new Request("https://x/api/v1/pods"), alice, "10.1.2.3", async () => new Response("never"));
  expect(rejected.status).toBe(429);
  release();
  await blocked;
  const watch = await filters.handle(new Request("https://x/api/v1/namespaces/ns1/pods?watch=1"), alice, "10.1.2.3", async () => new Response("a\nb\n"));
  expect(await watch.text()).toBe("a\nb\n");
  await audit.close();
  expect(statSync(path).mode & 0o777).toBe(0o600);
  const events = (await Bun.file(path).text()).trim().split("\n").map((l) => JSON.parse(l));
  expect(events.map((e) => `${e.stage}:${e.verb}:${e.responseStatus.code}`)).toEqual([
    "ResponseComplete:get:200", "ResponseComplete:list:429", "ResponseComplete:list:200", "ResponseStarted:watch:200", "ResponseComplete:watch:200",
  ]);
  const first = events[0];
  expect(first).toMatchObject({
    kind: "Event", apiVersion: "audit.k8s.io/v1", level: "Metadata", stage: "ResponseComplete",
    requestURI: "/apis/apps/v1/namespaces/ns1/deployments/web/scale?pretty=1", verb: "get",
    user: { username: "alice", groups: ["devs", "system:authenticated"] }, sourceIPs: ["10.1.2.3"], userAgent: "kubectl/v1.32.4",
    objectRef: { resource: "deployments", namespace: "ns1", name: "web", apiGroup: "apps", apiVersion: "v1", subresource: "scale" },
    responseStatus: { metadata: {}, code: 200 },
  });
  expect(first.auditID).toBe(res.headers.get("Audit-Id"));
  expect(first.requestReceivedTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  expect(Date.parse(first.stageTimestamp)).toBeGreaterThanOrEqual(Date.parse(first.requestReceivedTimestamp));
  expect(events[3].auditID).toBe(events[4].auditID);
});

test("a watch answered with a pushed body stays takeable by the transport; ResponseComplete when it ends", async () => {
  dir = await mkdtemp(join(tmpdir(), "lite-audit-"));
  const path = join(dir, "audit.log");
  const audit = await openAuditLog({ path });
  const filters = createRequestFilters({ audit });
  const body = new PushBody();
  const res = await filters.handle(new Request("https://x/api/v1/namespaces/ns1/pods?watch=1"), alice, "10.1.2.3", async () => pushResponse(body, { status: 200 }));
  expect(pushBodyOf(res)).toBe(body); // not wrapped: the HTTPS front can still write it directly
  const stages = async () => (await Bun.file(path).text()).trim().split("\n").filter(Boolean).map((l) => JSON.parse(l).stage);
  body.write(new TextEncoder().encode("x\n"));
  body.end();
  await audit.close();
  expect(await stages()).toEqual(["ResponseStarted", "ResponseComplete"]);
});

test("the audit buffer is bounded: events beyond it are dropped, not queued", async () => {
  dir = await mkdtemp(join(tmpdir(), "lite-audit-"));
  let told = 0;
  const audit = await openAuditLog({ path: join(dir, "a.log"), maxPendingBytes: 1000, flushIntervalMs: 60_000, onDrop: () => told++ });
  for (let i = 0; i < 100; i++) audit.write({ i, pad: "x".repeat(80) });
  expect(audit.dropped()).toBeGreaterThan(80);
  expect(told).toBe(1);
  await audit.close();
  const lines = (await Bun.file(join(dir, "a.log")).text()).trim().split("\n");
  expect(lines.length).toBe(100 - audit.dropped());
});
