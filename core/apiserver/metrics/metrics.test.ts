import { afterAll, beforeAll, expect, test } from "bun:test";
import { createAuthorization } from "../../auth/authz/index.ts";
import { parseRequestInfo } from "../request/request-info.ts";
import { readEvents, startHarness, type Harness } from "../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const scrape = async (hh: Harness = h, path = "/metrics") => {
  const r = await hh.call("GET", path);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return r.text;
};
const line = (labels: string) => `{${labels},component="apiserver"`;
const counter = (verb: string, dryRun: string, group: string, resource: string, subresource: string, scope: string, code: number) =>
  `apiserver_request_total{verb="${verb}",dry_run="${dryRun}",group="${group}",version="v1",resource="${resource}",subresource="${subresource}",scope="${scope}",component="apiserver",code="${code}"}`;
const valueOf = (text: string, series: string): number | undefined => {
  const l = text.split("\n").find((x) => x.startsWith(`${series} `));
  return l === undefined ? undefined : Number(l.slice(series.length + 1));
};

test("apiserver_request_total: upstream verbs, scopes, dry_run and codes per request", async () => {
  await h.call("POST", "/api/v1/namespaces", { metadata: { name: "m1" } });
  const cm = { metadata: { name: "a" }, data: { k: "v" } };
  expect((await h.call("POST", "/api/v1/namespaces/m1/configmaps", cm)).status).toBe(201);
  expect((await h.call("POST", "/api/v1/namespaces/m1/configmaps", cm)).status).toBe(409);
  expect((await h.call("POST", "/api/v1/namespaces/m1/configmaps?dryRun=All", { metadata: { name: "b" } })).status).toBe(201);
  await h.call("GET", "/api/v1/namespaces/m1/configmaps/a");
  await h.call("GET", "/api/v1/namespaces/m1/configmaps/a");
  expect((await h.call("GET", "/api/v1/namespaces/m1/configmaps/nope")).status).toBe(404);
  await h.call("GET", "/api/v1/namespaces/m1/configmaps");
  await h.call("GET", "/api/v1/configmaps");
  await h.call("PUT", "/api/v1/namespaces/m1/configmaps/a", { ...cm, data: { k: "w" } });
  await h.call("PATCH", "/api/v1/namespaces/m1/configmaps/a", { data: { k: "x" } }, { "content-type": "application/merge-patch+json" });
  const applied = await h.call("PATCH", "/api/v1/namespaces/m1/configmaps/c?fieldManager=test", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }, { "content-type": "application/apply-patch+yaml" });
  expect(applied.status).toBe(201);
  await h.call("DELETE", "/api/v1/namespaces/m1/configmaps/a");
  await h.call("DELETE", "/api/v1/namespaces/m1/configmaps");
  await h.call("GET", "/apis/apps/v1/namespaces/m1/deployments");
  await h.call("GET", "/api/v1/namespaces/m1");
  await h.call("PUT", "/api/v1/namespaces/m1/pods/p/status", { metadata: { name: "p" } });
  // Not instrumented, as upstream: non-resource paths, unknown resources, denied requests.
  await h.call("GET", "/version");
  await h.call("GET", "/api/v1/nothings");
  await h.call("GET", "/api/v1/secrets", undefined, {}, null);

  const text = await scrape();
  expect(text).toContain("# TYPE apiserver_request_total counter\n");
  const expected: [string, number][] = [
    [counter("POST", "", "", "configmaps", "", "resource", 201), 1],
    [counter("POST", "", "", "configmaps", "", "resource", 409), 1],
    [counter("POST", "All", "", "configmaps", "", "resource", 201), 1],
    [counter("GET", "", "", "configmaps", "", "resource", 200), 2],
    [counter("GET", "", "", "configmaps", "", "resource", 404), 1],
    [counter("LIST", "", "", "configmaps", "", "namespace", 200), 1],
    [counter("LIST", "", "", "configmaps", "", "cluster", 200), 1],
    [counter("PUT", "", "", "configmaps", "", "resource", 200), 1],
    [counter("PATCH", "", "", "configmaps", "", "resource", 200), 1],
    [counter("APPLY", "", "", "configmaps", "", "resource", 201), 1],
    [counter("DELETE", "", "", "configmaps", "", "resource", 200), 1],
    [counter("DELETE", "", "", "configmaps", "", "namespace", 200), 1],
    [counter("LIST", "", "apps", "deployments", "", "namespace", 200), 1],
    [counter("GET", "", "", "namespaces", "", "resource", 200), 1],
    [counter("POST", "", "", "namespaces", "", "resource", 201), 1],
    [counter("PUT", "", "", "pods", "status", "resource", 404), 1],
  ];
  for (const [series, v] of expected) expect(`${series} ${valueOf(text, series)}`).toBe(`${series} ${v}`);
  const requestLines = text.split("\n").filter((l) => l.startsWith("apiserver_request_total{"));
  expect(requestLines.filter((l) => /resource="(nothings|secrets)"|subresource="\/version"/.test(l))).toEqual([]);

  // The latency histogram: upstream's buckets, cumulative, with _sum and _count.
  const h1 = `verb="POST",dry_run="",group="",version="v1",resource="configmaps",subresource="",scope="resource"`;
  expect(text).toContain("# TYPE apiserver_request_duration_seconds histogram\n");
  for (const le of ["0.005", "0.025", "0.05", "0.1", "0.2", "0.4", "0.6", "0.8", "1", "1.25", "1.5", "2", "3", "4", "5", "6", "8", "10", "15", "20", "30", "45", "60", "+Inf"]) {
    expect(text).toContain(`apiserver_request_duration_seconds_bucket${line(h1)},le="${le}"}`);
  }
  expect(valueOf(text, `apiserver_request_duration_seconds_bucket${line(h1)},le="+Inf"}`)).toBe(2);
  expect(valueOf(text, `apiserver_request_duration_seconds_count${line(h1)}}`)).toBe(2);
  expect(valueOf(text, `apiserver_request_duration_seconds_sum${line(h1)}}`)).toBeGreaterThan(0);

  // Process families and the in-flight gauge (no max-inflight filter in front here: 0).
  expect(valueOf(text, "process_start_time_seconds")).toBeGreaterThan(Date.now() / 1000 - 3600);
  expect(valueOf(text, "process_cpu_seconds_total")).toBeGreaterThan(0);
  expect(valueOf(text, "process_resident_memory_bytes")).toBeGreaterThan(1e6);
  expect(valueOf(text, "process_open_fds")).toBeGreaterThan(0);
  expect(valueOf(text, "process_max_fds")).toBeGreaterThan(0);
  expect(valueOf(text, 'apiserver_current_inflight_requests{request_kind="readOnly"}')).toBe(0);
  expect(valueOf(text, 'apiserver_current_inflight_requests{request_kind="mutating"}')).toBe(0);
});

test("apiserver_storage_objects / apiserver_resource_objects count the stored objects at scrape time", async () => {
  await h.call("POST", "/api/v1/namespaces", { metadata: { name: "m2" } });
  for (const name of ["x", "y", "z"]) await h.call("POST", "/api/v1/namespaces/m2/configmaps", { metadata: { name } });
  await h.call("POST", "/apis/apps/v1/namespaces/m2/deployments", {
    metadata: { name: "d" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
  });
  const configMaps = (await h.call("GET", "/api/v1/configmaps")).body.items.length;
  const namespaces = (await h.call("GET", "/api/v1/namespaces")).body.items.length;
  const deployments = (await h.call("GET", "/apis/apps/v1/deployments")).body.items.length;
  expect(deployments).toBe(1);
  const text = await scrape();
  expect(text).toContain("# TYPE apiserver_storage_objects gauge\n");
  expect(valueOf(text, 'apiserver_storage_objects{resource="configmaps"}')).toBe(configMaps);
  expect(valueOf(text, 'apiserver_storage_objects{resource="namespaces"}')).toBe(namespaces);
  expect(valueOf(text, 'apiserver_storage_objects{resource="deployments.apps"}')).toBe(1);
  expect(valueOf(text, 'apiserver_storage_objects{resource="roles.rbac.authorization.k8s.io"}')).toBeGreaterThanOrEqual(0);
  expect(valueOf(text, 'apiserver_resource_objects{group="apps",resource="deployments"}')).toBe(1);
});

test("watches: counted, open in apiserver_longrunning_requests until they end, no latency observed, events counted", async () => {
  await h.call("POST", "/api/v1/namespaces", { metadata: { name: "m3" } });
  await h.call("POST", "/api/v1/namespaces/m3/configmaps", { metadata: { name: "w" } });
  const ctrl = new AbortController();
  const res = await h.server.handle(new Request("https://lite.test/api/v1/namespaces/m3/configmaps?watch=true", { signal: ctrl.signal }), { username: "admin", groups: ["system:masters"] });
  expect((await readEvents(res, 1)).length).toBe(1); // cancels the body when done
  const open = `apiserver_longrunning_requests{verb="WATCH",group="",version="v1",resource="configmaps",subresource="",scope="namespace",component="apiserver"}`;
  const res2 = await h.server.handle(new Request("https://lite.test/api/v1/namespaces/m3/configmaps?watch=true"), { username: "admin", groups: ["system:masters"] });
  let text = await scrape();
  expect(valueOf(text, open)).toBe(1);
  expect(valueOf(text, counter("WATCH", "", "", "configmaps", "", "namespace", 200))).toBe(2);
  expect(valueOf(text, 'apiserver_watch_events_total{group="",version="v1",kind="ConfigMap"}')).toBeGreaterThanOrEqual(2);
  expect(text).not.toContain('apiserver_request_duration_seconds_count{verb="WATCH"');
  await res2.body!.cancel();
  text = await scrape();
  expect(valueOf(text, open)).toBe(0);
  // A watch refused before it streams is not left open.
  expect((await h.call("GET", "/api/v1/namespaces/m3/configmaps?watch=true&resourceVersionMatch=NotOlderThan")).status).toBe(400);
  expect(valueOf(await scrape(), open)).toBe(0);
});

test("429s of the max-inflight filter are counted as upstream's RecordDroppedRequest", async () => {
  const s = await startHarness();
  const url = new URL("https://lite.test/api/v1/namespaces/m4/configmaps?dryRun=All");
  s.server.metrics.recordDropped(parseRequestInfo("POST", url), new Request(url.href, { method: "POST" }), url);
  const list = new URL("https://lite.test/api/v1/pods");
  s.server.metrics.recordDropped(parseRequestInfo("GET", list), new Request(list.href), list);
  s.server.metrics.recordDropped(parseRequestInfo("GET", new URL("https://lite.test/openapi/v2")));
  s.server.metrics.setInflightSource(() => ({ readOnly: 3, mutating: 2 }));
  const text = await scrape(s);
  expect(valueOf(text, counter("POST", "All", "", "configmaps", "", "resource", 429))).toBe(1);
  expect(valueOf(text, counter("LIST", "", "", "pods", "", "cluster", 429))).toBe(1);
  expect(valueOf(text, 'apiserver_request_total{verb="GET",dry_run="",group="",version="",resource="",subresource="",scope="",component="apiserver",code="429"}')).toBe(1);
  expect(valueOf(text, 'apiserver_current_inflight_requests{request_kind="readOnly"}')).toBe(3);
  expect(valueOf(text, 'apiserver_current_inflight_requests{request_kind="mutating"}')).toBe(2);
  await s.close();
});

test("/metrics/slis: kubernetes_healthcheck and kubernetes_healthchecks_total per check run", async () => {
  const s = await startHarness();
  await s.call("GET", "/healthz");
  await s.call("GET", "/healthz");
  await s.call("GET", "/readyz?exclude=etcd");
  const text = await scrape(s, "/metrics/slis");
  expect(text).toContain("# TYPE kubernetes_healthcheck gauge\n");
  expect(text).toContain('kubernetes_healthcheck{name="ping",type="healthz"} 1\n');
  expect(text).toContain('kubernetes_healthchecks_total{name="ping",type="healthz",status="success"} 2\n');
  expect(text).toContain('kubernetes_healthchecks_total{name="informer-sync",type="readyz",status="success"} 1\n');
  expect(text).not.toContain('name="etcd",type="readyz"');
  await s.close();
});

test("authorization: a non-resource `get /metrics`; anonymous and unbound users are refused 403 as upstream", async () => {
  const anon = await h.call("GET", "/metrics", undefined, {}, null);
  expect(anon.status).toBe(403);
  expect(anon.body).toMatchObject({ kind: "Status", reason: "Forbidden", message: 'forbidden: User "system:anonymous" cannot get path "/metrics"' });

  const authz = createAuthorization();
  const r = await startHarness({ authorize: authz.authorize, extraResources: [...authz.resources], admission: [...authz.admission] });
  await authz.attach(r.server);
  try {
    const bob = { username: "bob", groups: ["system:authenticated"] };
    const denied = await r.call("GET", "/metrics", undefined, {}, bob);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe('forbidden: User "bob" cannot get path "/metrics"');
    expect((await r.call("GET", "/metrics/slis", undefined, {}, bob)).status).toBe(403);
    // kube-prometheus-stack: a ServiceAccount bound to a ClusterRole allowing get on /metrics.
    await r.call("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", { metadata: { name: "prom" }, rules: [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }] });
    await r.call("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      metadata: { name: "prom" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "prom" },
      subjects: [{ kind: "ServiceAccount", name: "prometheus", namespace: "monitoring" }],
    });
    const sa = { username: "system:serviceaccount:monitoring:prometheus", groups: ["system:serviceaccounts", "system:serviceaccounts:monitoring", "system:authenticated"] };
    let ok = await r.call("GET", "/metrics", undefined, {}, sa);
    for (let i = 0; i < 50 && ok.status !== 200; i++) { await Bun.sleep(20); ok = await r.call("GET", "/metrics", undefined, {}, sa); }
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("apiserver_request_total{");
    // The bootstrap system:monitoring group reaches both.
    const monitoring = { username: "m", groups: ["system:monitoring", "system:authenticated"] };
    expect((await r.call("GET", "/metrics", undefined, {}, monitoring)).status).toBe(200);
    expect((await r.call("GET", "/metrics/slis", undefined, {}, monitoring)).status).toBe(200);
  } finally {
    authz.stop();
    await r.close();
  }
});
