import { describe, expect, test } from "bun:test";
import type { UserInfo } from "../authz/types.ts";
import { parseRequestInfo } from "../request/request-info.ts";
import { MetricsRegistry } from "../../metrics/registry.ts";
import { suggestedFlowSchemas, suggestedPriorityLevelConfigurations } from "../resources/strategies/flow-control-configuration.ts";
import { createFlowControl, HEADER_FLOW_SCHEMA_UID, HEADER_PRIORITY_LEVEL_UID, type FlowControlConfig } from "./apf.ts";
import { dealHand, DroppedRequests, hashFlowID } from "./levels.ts";
import { dumpPriorityLevels, dumpQueues, dumpRequests, tabwrite } from "./debug.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

const info = (method: string, path: string) => parseRequestInfo(method, new URL(`https://x${path}`));
const user = (username: string, ...groups: string[]): UserInfo => ({ username, groups: [...groups, "system:authenticated"] });
const ADMIN = user("admin", "system:masters");

function fs(name: string, pl: string, precedence: number, rules: Json[], distinguisher?: string): Json {
  return {
    metadata: { name, uid: `uid-fs-${name}` },
    spec: { priorityLevelConfiguration: { name: pl }, matchingPrecedence: precedence, rules, ...(distinguisher ? { distinguisherMethod: { type: distinguisher } } : {}) },
  };
}
function limited(name: string, shares: number, limitResponse: Json): Json {
  return { metadata: { name, uid: `uid-pl-${name}` }, spec: { type: "Limited", limited: { nominalConcurrencyShares: shares, lendablePercent: 0, limitResponse } } };
}
const exemptPL = { metadata: { name: "exempt", uid: "uid-pl-exempt" }, spec: { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } } };
const catchAllPL = limited("catch-all", 5, { type: "Reject" });
const everything = (subjects: Json[]): Json => ({
  subjects,
  resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"], clusterScope: true, namespaces: ["*"] }],
  nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
});
const mandatoryFS = [
  fs("exempt", "exempt", 1, [everything([{ kind: "Group", group: { name: "system:masters" } }])]),
  fs("catch-all", "catch-all", 10000, [everything([{ kind: "Group", group: { name: "system:authenticated" } }, { kind: "Group", group: { name: "system:unauthenticated" } }])], "ByUser"),
];

/** A handler that finishes when told to. */
function gate() {
  const pending: (() => void)[] = [];
  return {
    next: () => new Promise<Response>((resolve) => pending.push(() => resolve(new Response("ok")))),
    release(n = pending.length) { for (const f of pending.splice(0, n)) f(); },
    get pending() { return pending.length; },
  };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("classification", () => {
  const config: FlowControlConfig = {
    priorityLevels: [exemptPL, catchAllPL, ...suggestedPriorityLevelConfigurations()],
    flowSchemas: [...mandatoryFS, ...suggestedFlowSchemas()],
  };
  const apf = createFlowControl({ serverConcurrencyLimit: 600 });
  apf.setConfig(config);
  const c = (u: UserInfo, method: string, path: string) => apf.classify(info(method, path), u);

  test("the suggested configuration as upstream's", () => {
    expect(c(ADMIN, "GET", "/api/v1/namespaces")).toEqual({ flowSchema: "exempt", priorityLevel: "exempt" });
    expect(c(user("system:kube-controller-manager"), "GET", "/api/v1/pods")).toEqual({ flowSchema: "kube-controller-manager", priorityLevel: "workload-high" });
    expect(c(user("system:kube-controller-manager"), "PUT", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager"))
      .toEqual({ flowSchema: "system-leader-election", priorityLevel: "leader-election" });
    expect(c(user("system:kube-scheduler"), "POST", "/api/v1/namespaces/a/pods/p/binding")).toEqual({ flowSchema: "kube-scheduler", priorityLevel: "workload-high" });
    expect(c(user("system:node:n1", "system:nodes"), "PATCH", "/api/v1/nodes/n1/status")).toEqual({ flowSchema: "system-node-high", priorityLevel: "node-high" });
    expect(c(user("system:node:n1", "system:nodes"), "GET", "/api/v1/namespaces/a/configmaps/x")).toEqual({ flowSchema: "system-nodes", priorityLevel: "system" });
    expect(c(user("system:serviceaccount:kube-system:foo", "system:serviceaccounts"), "GET", "/api/v1/pods"))
      .toEqual({ flowSchema: "kube-system-service-accounts", priorityLevel: "workload-high" });
    expect(c(user("system:serviceaccount:default:foo", "system:serviceaccounts"), "GET", "/api/v1/pods")).toEqual({ flowSchema: "service-accounts", priorityLevel: "workload-low" });
    expect(c(user("alice"), "GET", "/api/v1/pods")).toEqual({ flowSchema: "global-default", priorityLevel: "global-default" });
    // probes: /healthz, /readyz, /livez for everyone (system:unauthenticated included)
    expect(c({ username: "system:anonymous", groups: ["system:unauthenticated"] }, "GET", "/readyz")).toEqual({ flowSchema: "probes", priorityLevel: "exempt" });
    expect(c({ username: "system:anonymous", groups: ["system:unauthenticated"] }, "GET", "/version")).toEqual({ flowSchema: "global-default", priorityLevel: "global-default" });
  });

  test("precedence, then name; wildcards; subjects; dangling schemas skipped", () => {
    const apf2 = createFlowControl({ serverConcurrencyLimit: 100 });
    const rr = (verbs: string[], apiGroups: string[], resources: string[], namespaces: string[], clusterScope = false) => ({ verbs, apiGroups, resources, namespaces, clusterScope });
    apf2.setConfig({
      priorityLevels: [exemptPL, catchAllPL, limited("a", 10, { type: "Reject" }), limited("b", 10, { type: "Reject" })],
      flowSchemas: [...mandatoryFS,
        fs("zz", "a", 100, [{ subjects: [{ kind: "Group", group: { name: "*" } }], resourceRules: [rr(["get"], [""], ["pods"], ["*"])] }]),
        fs("aa", "b", 100, [{ subjects: [{ kind: "User", user: { name: "bob" } }], resourceRules: [rr(["get"], [""], ["pods"], ["ns1"])] }]),
        fs("dangling", "nope", 50, [everything([{ kind: "User", user: { name: "*" } }])]),
        fs("sa", "b", 60, [{ subjects: [{ kind: "ServiceAccount", serviceAccount: { namespace: "ns1", name: "*" } }], resourceRules: [rr(["*"], ["apps"], ["deployments/scale"], ["*"])] }]),
        fs("cluster", "a", 70, [{ subjects: [{ kind: "User", user: { name: "*" } }], resourceRules: [rr(["list"], ["*"], ["nodes"], [], true)],
          nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/metrics", "/debug/*"] }] }]),
      ],
    });
    const k = (u: UserInfo, m: string, p: string) => apf2.classify(info(m, p), u).flowSchema;
    expect(k(user("bob"), "GET", "/api/v1/namespaces/ns1/pods/p")).toBe("aa"); // same precedence: name order
    expect(k(user("bob"), "GET", "/api/v1/namespaces/ns2/pods/p")).toBe("zz");
    expect(k(user("carol"), "GET", "/api/v1/namespaces/ns1/pods/p")).toBe("zz"); // group "*"
    expect(k(user("carol"), "DELETE", "/api/v1/namespaces/ns1/pods/p")).toBe("catch-all");
    expect(k(user("system:serviceaccount:ns1:x"), "PUT", "/apis/apps/v1/namespaces/ns1/deployments/d/scale")).toBe("sa");
    expect(k(user("system:serviceaccount:ns10:x"), "PUT", "/apis/apps/v1/namespaces/ns1/deployments/d/scale")).toBe("catch-all");
    expect(k(user("system:serviceaccount:ns1:x"), "PUT", "/apis/apps/v1/namespaces/ns1/deployments/d")).toBe("catch-all"); // subresource not matched
    expect(k(user("x"), "GET", "/api/v1/nodes")).toBe("cluster");
    expect(k(user("x"), "GET", "/api/v1/namespaces/a/nodes")).toBe("catch-all"); // namespaced: no namespaces listed
    expect(k(user("x"), "GET", "/metrics")).toBe("cluster");
    expect(k(user("x"), "GET", "/metrics/slis")).toBe("cluster"); // upstream: a URL is also a prefix
    expect(k(user("x"), "GET", "/debug/api_priority_and_fairness/dump_queues")).toBe("cluster");
    expect(k(user("x"), "GET", "/debugging")).toBe("catch-all");
    // no schema matches (no groups at all): catch-all
    expect(apf2.classify(info("GET", "/api/v1/pods"), { username: "nobody", groups: [] }).flowSchema).toBe("catch-all");
  });
});

describe("shuffle sharding", () => {
  test("upstream's dealer: distinct cards, deterministic", () => {
    expect(dealHand(10n, 4, 2)).toEqual([2, 3]);
    const h = hashFlowID("service-accounts", "system:serviceaccount:a:b");
    expect(hashFlowID("service-accounts", "system:serviceaccount:a:b")).toBe(h);
    expect(hashFlowID("service-accounts", "system:serviceaccount:a:c")).not.toBe(h);
    const hand = dealHand(h, 64, 6);
    expect(dealHand(h, 64, 6)).toEqual(hand);
    expect(new Set(hand).size).toBe(6);
    for (const card of hand) expect(card >= 0 && card < 64).toBe(true);
    for (let i = 0n; i < 200n; i++) {
      const cards = dealHand(i * 7919n + 13n, 8, 8);
      expect([...cards].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
  });
});

describe("seats, queues and rejection", () => {
  // 2 levels × 10 shares of 4 server seats: 2 seats each.
  const setup = (limitResponse: Json, waitMs = 10_000) => {
    const registry = new MetricsRegistry();
    const apf = createFlowControl({ serverConcurrencyLimit: 4, requestWaitLimitMs: waitMs, registry });
    apf.setConfig({
      priorityLevels: [exemptPL, limited("catch-all", 10, { type: "Reject" }), limited("tiny", 10, limitResponse)],
      flowSchemas: [...mandatoryFS, fs("tiny", "tiny", 500, [everything([{ kind: "User", user: { name: "burst" } }])], "ByUser")],
    });
    return { apf, registry, level: () => apf.levels().get("tiny")! };
  };
  const burst = user("burst");
  const pods = info("GET", "/api/v1/namespaces/a/pods");

  test("limits from shares: ceil(server × shares / Σ shares)", () => {
    const { level, apf } = setup({ type: "Reject" });
    expect(level().spec.limit).toBe(2);
    expect(apf.levels().get("exempt")!.spec.limit).toBe(Infinity);
  });

  test("Reject: requests beyond the seats get 429 with upstream's body, Retry-After and the PF headers", async () => {
    const { apf, level, registry } = setup({ type: "Reject" });
    const g = gate();
    const running = [apf.handle(pods, burst, undefined, undefined, g.next), apf.handle(pods, burst, undefined, undefined, g.next)];
    await tick();
    expect(level().executing).toBe(2);
    const res = await apf.handle(pods, burst, undefined, undefined, g.next);
    expect(res.status).toBe(429);
    expect(await res.text()).toBe("Too many requests, please try again later.\n");
    expect(res.headers.get("Retry-After")).toBe("1");
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get(HEADER_FLOW_SCHEMA_UID)).toBe("uid-fs-tiny");
    expect(res.headers.get(HEADER_PRIORITY_LEVEL_UID)).toBe("uid-pl-tiny");
    g.release();
    const ok = await Promise.all(running);
    expect(ok.map((r) => r.status)).toEqual([200, 200]);
    expect(ok[0]!.headers.get(HEADER_FLOW_SCHEMA_UID)).toBe("uid-fs-tiny");
    expect(level().executing).toBe(0);
    const text = registry.render();
    expect(text).toContain('apiserver_flowcontrol_rejected_requests_total{priority_level="tiny",flow_schema="tiny",reason="concurrency-limit"} 1');
    expect(text).toContain('apiserver_flowcontrol_dispatched_requests_total{priority_level="tiny",flow_schema="tiny"} 2');
    expect(text).toContain('apiserver_flowcontrol_current_executing_requests{priority_level="tiny",flow_schema="tiny"} 0');
    expect(text).toContain('apiserver_flowcontrol_nominal_limit_seats{priority_level="tiny"} 2');
  });

  test("Queue: waiting requests run as seats free; a full queue rejects (queue-full)", async () => {
    const { apf, level, registry } = setup({ type: "Queue", queuing: { queues: 1, handSize: 1, queueLengthLimit: 2 } });
    const g = gate();
    const all = Array.from({ length: 5 }, () => apf.handle(pods, burst, undefined, undefined, g.next));
    await tick();
    expect(level().executing).toBe(2);
    expect(level().waiting).toBe(2);
    expect(registry.render()).toContain('apiserver_flowcontrol_current_inqueue_requests{priority_level="tiny",flow_schema="tiny"} 2');
    expect(dumpPriorityLevels(apf.levels())).toMatch(/tiny,\s+1,\s+false,\s+false,\s+2,\s+2,\s+2,\s+1,\s+0,\s+0\n/);
    expect(dumpQueues(apf.levels())).toMatch(/tiny,\s+0,\s+2,\s+0,/);
    const requests = dumpRequests(apf.levels(), true).split("\n");
    expect(requests[0]).toMatch(/^PriorityLevelName,\s+FlowSchemaName,\s+QueueIndex,.*StartTime,\s+UserName,.*SubResource$/);
    expect(requests.filter((l) => /^tiny,\s+tiny,\s+0,\s+[01],\s+burst,/.test(l))).toHaveLength(2); // waiting, by user
    expect(requests.filter((l) => /^tiny,\s+tiny,\s+-1,\s+-1,/.test(l))).toHaveLength(2); // executing, without waiting
    g.release(1);
    await tick();
    expect(level().executing).toBe(2);
    expect(level().waiting).toBe(1);
    g.release(); await tick(); g.release(); await tick(); g.release();
    const statuses = (await Promise.all(all)).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    expect(level().executing).toBe(0);
    expect(registry.render()).toContain('reason="queue-full"} 1');
  });

  test("a queued request times out (time-out) or is cancelled with its client (cancelled)", async () => {
    const { apf, level, registry } = setup({ type: "Queue", queuing: { queues: 4, handSize: 2, queueLengthLimit: 10 } }, 30);
    const g = gate();
    const first = [apf.handle(pods, burst, undefined, undefined, g.next), apf.handle(pods, burst, undefined, undefined, g.next)];
    const late = await apf.handle(pods, burst, undefined, undefined, g.next);
    expect(late.status).toBe(429);
    expect(level().waiting).toBe(0);
    const ac = new AbortController();
    const cancelled = apf.handle(pods, burst, new Request("https://x/", { signal: ac.signal }), undefined, g.next);
    await tick();
    expect(level().waiting).toBe(1);
    ac.abort();
    expect((await cancelled).status).toBe(429);
    g.release();
    await Promise.all(first);
    expect(level().timedout).toBe(1);
    expect(level().cancelled).toBe(1);
    const text = registry.render();
    expect(text).toContain('reason="time-out"} 1');
    expect(text).toContain('reason="cancelled"} 1');
    expect(text).toMatch(/apiserver_flowcontrol_request_wait_duration_seconds_count\{priority_level="tiny",flow_schema="tiny",execute="false"\} 2/);
  });

  test("exempt requests are never limited and carry the exempt UIDs", async () => {
    const { apf, level } = setup({ type: "Reject" });
    const g = gate();
    const all = Array.from({ length: 50 }, () => apf.handle(pods, ADMIN, undefined, undefined, g.next));
    await tick();
    expect(apf.levels().get("exempt")!.executing).toBe(50);
    g.release();
    const res = await Promise.all(all);
    expect(res.every((r) => r.status === 200)).toBe(true);
    expect(res[0]!.headers.get(HEADER_PRIORITY_LEVEL_UID)).toBe("uid-pl-exempt");
    expect(res[0]!.headers.get(HEADER_FLOW_SCHEMA_UID)).toBe("uid-fs-exempt");
    expect(level().executing).toBe(0);
  });

  test("long-running requests other than watches are not classified; watches are", async () => {
    const { apf } = setup({ type: "Reject" });
    const exec = await apf.handle(info("GET", "/api/v1/namespaces/a/pods/p/exec"), burst, undefined, undefined, async () => new Response("x"));
    expect(exec.headers.get(HEADER_FLOW_SCHEMA_UID)).toBeNull();
    const watch = await apf.handle(info("GET", "/api/v1/pods?watch=1"), burst, undefined, undefined, async () => new Response("x"));
    expect(watch.headers.get(HEADER_FLOW_SCHEMA_UID)).toBe("uid-fs-tiny");
  });

  test("a configuration change keeps the seat counts of running requests", async () => {
    const { apf, level } = setup({ type: "Reject" });
    const g = gate();
    const running = apf.handle(pods, burst, undefined, undefined, g.next);
    await tick();
    apf.setConfig({
      priorityLevels: [exemptPL, limited("catch-all", 10, { type: "Reject" }), limited("tiny", 30, { type: "Reject" })],
      flowSchemas: [...mandatoryFS, fs("tiny", "tiny", 500, [everything([{ kind: "User", user: { name: "burst" } }])])],
    });
    expect(level().spec.limit).toBe(3);
    expect(level().executing).toBe(1);
    g.release();
    await running;
    expect(level().executing).toBe(0);
  });
});

describe("Retry-After (upstream droppedRequestsTracker)", () => {
  test("doubles under sustained drops, then decays", () => {
    const d = new DroppedRequests();
    expect(d.get()).toBe(1);
    for (let i = 0; i < 5; i++) d.record(100);
    d.record(101); // 5 dropped in the last second ≥ 3 × 1
    expect(d.get()).toBe(2);
    for (let i = 0; i < 10; i++) d.record(102);
    d.record(104); // 11 in the last 2 s; but only 2 s since the last bump
    expect(d.get()).toBe(4);
    d.record(120);
    expect(d.get()).toBe(3);
  });
});

describe("debug dumps", () => {
  test("Go tabwriter layout", () => {
    expect(tabwrite(["a,\tbb,\tc", "long-name,\tx,\ty"])).toBe("a,         bb,     c\nlong-name, x,      y\n");
  });
});
