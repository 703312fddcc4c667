/**
 * Read-side kubectl (the dispatcher's default 1.32) against the compiled dist/lite: version,
 * discovery, get in every output format, describe, get all, paging, selectors, watch, explain.
 * One server for the file; each case works in its own namespace.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { configMap, deploymentYaml, freshNamespace, kubectlStream, ok, podYaml } from "./harness/kube.ts";
import { connect as tlsConnect } from "node:tls";
import { kubeconfigTransportOptions } from "../core/client/kubeconfig.ts";

setDefaultTimeout(60_000);

let server: LiteServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server?.stop(); });

const k = (args: string[], stdin?: string) => kubectl(server, args, { stdin });

/** A namespace with one of each core kind. */
async function populated(): Promise<string> {
  const ns = await freshNamespace(server, "read");
  const svc = JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "svc" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } });
  const secret = JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "sec" }, stringData: { a: "b" } });
  for (const doc of [podYaml("p1", { app: "web" }), deploymentYaml("web", 0), svc, secret, configMap("cm", { k: "v" })]) {
    ok(await k(["-n", ns, "create", "-f", "-"], doc));
  }
  return ns;
}

describe("version and discovery", () => {
  test("Kubectl, version: the server reports 1.32, so the dispatcher runs the real kubectl 1.32", async () => {
    const v = JSON.parse(ok(await k(["version", "-o", "json"]))) as { serverVersion: { major: string; minor: string; gitVersion: string; gitCommit: string; platform: string } };
    expect(v.serverVersion.major).toBe("1");
    expect(v.serverVersion.minor).toBe("32");
    expect(v.serverVersion.gitVersion).toMatch(/^v1\.32\.\d+\+lite1$/);
    expect(v.serverVersion.platform).toBe("linux/amd64");
    // At -v=7 kubectl logs its request headers; the User-Agent names the binary that really ran.
    const verbose = await k(["get", "namespaces", "-v=7"]);
    expect(verbose.code).toBe(0);
    expect(verbose.stderr).toMatch(/User-Agent: kubectl\/v1\.32\.\d+ \(linux\/amd64\)/);
    expect(verbose.stderr).not.toMatch(/User-Agent: kubectl\/v1\.(2\d|3[013])\./);
  });

  test("Kubectl, check version v1: api-versions lists v1 and every served group", async () => {
    const out = ok(await k(["api-versions"])).split("\n");
    for (const gv of ["v1", "apps/v1", "batch/v1", "autoscaling/v2", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "coordination.k8s.io/v1", "apiextensions.k8s.io/v1"]) {
      expect(out).toContain(gv);
    }
  });

  test("api-resources: names, short names, versions, scope and kind as upstream", async () => {
    const r = await k(["api-resources"]);
    expect(r.stderr).toBe("");
    const rows = ok(r).split("\n").map((l) => l.trim().split(/\s+/));
    const find = (name: string) => rows.find((cells) => cells[0] === name);
    expect(find("pods")).toEqual(["pods", "po", "v1", "true", "Pod"]);
    expect(find("deployments")).toEqual(["deployments", "deploy", "apps/v1", "true", "Deployment"]);
    expect(find("namespaces")).toEqual(["namespaces", "ns", "v1", "false", "Namespace"]);
    expect(find("configmaps")).toEqual(["configmaps", "cm", "v1", "true", "ConfigMap"]);
    const apps = ok(await k(["api-resources", "--api-group=apps", "-o", "name"])).trim().split("\n").sort();
    expect(apps).toEqual(["controllerrevisions.apps", "daemonsets.apps", "deployments.apps", "replicasets.apps", "statefulsets.apps"]);
    const namespaced = ok(await k(["api-resources", "--namespaced=false", "-o", "name"]));
    expect(namespaced).toContain("nodes\n");
    expect(namespaced).not.toContain("pods\n");
  });
});

describe("get and describe", () => {
  let ns: string;
  beforeAll(async () => { ns = await populated(); });

  test("default tables carry the upstream columns", async () => {
    const pods = ok(await k(["-n", ns, "get", "pods"]));
    expect(pods.split("\n")[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(pods).toMatch(/p1\s+0\/1\s+Pending\s+0\s+\d+s/);
    const deploy = ok(await k(["-n", ns, "get", "deploy"]));
    expect(deploy).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/0\s+0\s+0\s+\d+s/); // replicas 0: the controllers create no pods here
    const svc = ok(await k(["-n", ns, "get", "svc"]));
    expect(svc).toMatch(/NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nsvc\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s/);
    const cm = ok(await k(["-n", ns, "get", "cm", "cm"]));
    expect(cm).toMatch(/NAME\s+DATA\s+AGE\ncm\s+1\s+\d+s/);
    const sec = ok(await k(["-n", ns, "get", "secret", "sec"]));
    expect(sec).toMatch(/NAME\s+TYPE\s+DATA\s+AGE\nsec\s+Opaque\s+1\s+\d+s/);
    const nsRow = ok(await k(["get", "ns", ns]));
    expect(nsRow).toMatch(new RegExp(`NAME\\s+STATUS\\s+AGE\\n${ns}\\s+Active\\s+\\d+s`));
  });

  test("-o wide adds the priority-1 columns", async () => {
    expect(ok(await k(["-n", ns, "get", "pods", "-o", "wide"])).split("\n")[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    expect(ok(await k(["-n", ns, "get", "deploy", "-o", "wide"]))).toMatch(/CONTAINERS\s+IMAGES\s+SELECTOR\nweb\s+0\/0\s+0\s+0\s+\d+s\s+c\s+nginx:1\.25\s+app=web/);
    expect(ok(await k(["-n", ns, "get", "svc", "-o", "wide"]))).toMatch(/AGE\s+SELECTOR\nsvc\s+.*app=web/);
  });

  test("-o yaml, -o json, -o name and -o jsonpath", async () => {
    const yaml = Bun.YAML.parse(ok(await k(["-n", ns, "get", "deploy", "web", "-o", "yaml"]))) as { kind: string; apiVersion: string; spec: { strategy: { type: string } }; metadata: { uid: string } };
    expect(yaml.kind).toBe("Deployment");
    expect(yaml.apiVersion).toBe("apps/v1");
    expect(yaml.spec.strategy.type).toBe("RollingUpdate");
    const list = JSON.parse(ok(await k(["-n", ns, "get", "pods", "-o", "json"]))) as { kind: string; apiVersion: string; items: { kind?: string; metadata: { name: string } }[] };
    expect(list.kind).toBe("List");
    expect(list.items.map((i) => [i.kind, i.metadata.name])).toEqual([["Pod", "p1"]]);
    expect(ok(await k(["-n", ns, "get", "deploy,svc,cm", "-o", "name"])).trim().split("\n")).toEqual(["deployment.apps/web", "service/svc", "configmap/cm", "configmap/kube-root-ca.crt"]);
    expect(ok(await k(["-n", ns, "get", "pod", "p1", "-o", "jsonpath={.metadata.labels.app} {.spec.restartPolicy} {.spec.containers[0].terminationMessagePath}"]))).toBe("web Always /dev/termination-log");
    expect(ok(await k(["-n", ns, "get", "svc", "svc", "-o", "jsonpath={.spec.clusterIP}"]))).toMatch(/^10\.43\.\d+\.\d+$/);
  });

  test("--show-labels, -L and -A are built client-side from the table rows' metadata", async () => {
    expect(ok(await k(["-n", ns, "get", "pods", "--show-labels"]))).toMatch(/LABELS\np1\s+.*app=web/);
    expect(ok(await k(["-n", ns, "get", "pods", "-L", "app"]))).toMatch(/APP\np1\s+.*\s+web/);
    expect(ok(await k(["get", "pods", "-A"]))).toMatch(new RegExp(`NAMESPACE\\s+NAME[^\\n]*\\n(.*\\n)*${ns}\\s+p1\\s`));
  });

  test("Kubectl, describe pod or rc: describe pod, deployment, service, namespace", async () => {
    const pod = await k(["-n", ns, "describe", "pod", "p1"]);
    expect(pod.stderr).toBe("");
    expect(ok(pod)).toMatch(/Name:\s+p1\nNamespace:\s+/);
    expect(pod.stdout).toMatch(/Labels:\s+app=web/);
    expect(pod.stdout).toMatch(/Image:\s+busybox:1\.36/);
    const dep = ok(await k(["-n", ns, "describe", "deploy", "web"]));
    expect(dep).toMatch(/Selector:\s+app=web/);
    expect(dep).toMatch(/StrategyType:\s+RollingUpdate/);
    expect(dep).toMatch(/Replicas:\s+0 desired/);
    const svc = ok(await k(["-n", ns, "describe", "svc", "svc"]));
    expect(svc).toMatch(/Type:\s+ClusterIP/);
    expect(svc).toMatch(/TargetPort:\s+8080\/TCP/);
    expect(ok(await k(["describe", "ns", ns]))).toMatch(/Status:\s+Active/);
  });

  test("get all lists the category 'all' kinds that have objects, prefixed by kind", async () => {
    const out = ok(await k(["-n", ns, "get", "all"]));
    expect(out).toMatch(/pod\/p1\s/);
    expect(out).toMatch(/service\/svc\s/);
    expect(out).toMatch(/deployment\.apps\/web\s/);
    expect(out).not.toContain("configmap");
  });

  test("NotFound as kubectl prints it", async () => {
    const r = await k(["-n", ns, "get", "pod", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
  });
});

describe("lists", () => {
  test("API Chunking, server should return chunks of results for list calls: --chunk-size pages with continue", async () => {
    const ns = await freshNamespace(server, "chunk");
    ok(await k(["-n", ns, "create", "-f", "-"], Array.from({ length: 7 }, (_, i) => configMap(`c${i}`)).join("\n")));
    const r = await k(["-n", ns, "get", "cm", "--chunk-size=3", "-o", "name", "-v=6"]);
    expect(ok(r).trim().split("\n")).toEqual(["c0", "c1", "c2", "c3", "c4", "c5", "c6", "kube-root-ca.crt"].map((n) => `configmap/${n}`));
    const gets = r.stderr.split("\n").filter((l) => /GET https:\S+\/configmaps\?/.test(l));
    expect(gets).toHaveLength(3);
    expect(gets[0]).toContain("limit=3");
    expect(gets[1]).toMatch(/continue=[^&\s]+&limit=3/);
    // Tables page too.
    const table = ok(await k(["-n", ns, "get", "cm", "--chunk-size=2"]));
    expect(table.trim().split("\n")).toHaveLength(1 + 8); // one header, then every row (7 + kube-root-ca.crt)
  });

  test("label selectors: =, ==, !=, in, notin, exists, !exists, > and <", async () => {
    const ns = await freshNamespace(server, "labels");
    const cms = [
      configMap("a1", {}, { tier: "front", n: "1" }),
      configMap("a2", {}, { tier: "back", n: "2" }),
      configMap("a3", {}, { tier: "cache", n: "5" }),
      configMap("a4", {}, { other: "x" }),
    ];
    ok(await k(["-n", ns, "create", "-f", "-"], cms.join("\n")));
    const names = async (sel: string) => ok(await k(["-n", ns, "get", "cm", "-l", sel, "-o", "jsonpath={.items[*].metadata.name}"])).trim();
    expect(await names("tier=front")).toBe("a1");
    expect(await names("tier==back")).toBe("a2");
    expect(await names("tier!=front")).toBe("a2 a3 a4 kube-root-ca.crt"); // != matches objects without the key
    expect(await names("tier in (front, back)")).toBe("a1 a2");
    expect(await names("tier notin (front,back)")).toBe("a3 a4 kube-root-ca.crt");
    expect(await names("tier")).toBe("a1 a2 a3");
    expect(await names("!tier")).toBe("a4 kube-root-ca.crt");
    expect(await names("n>1")).toBe("a2 a3");
    expect(await names("n<2")).toBe("a1");
    expect(await names("tier,n>1,tier notin (cache)")).toBe("a2");
    const bad = await k(["-n", ns, "get", "cm", "-l", "tier in front"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("unable to parse requirement");
  });

  test("field selectors: metadata.name/namespace, per-kind fields, and 400 for unsupported fields", async () => {
    const ns = await populated();
    expect(ok(await k(["-n", ns, "get", "cm", "--field-selector", "metadata.name=cm", "-o", "name"])).trim()).toBe("configmap/cm");
    expect(ok(await k(["-n", ns, "get", "cm", "--field-selector", "metadata.name!=cm", "-o", "name"])).trim()).not.toContain("configmap/cm");
    expect(ok(await k(["-n", ns, "get", "pods", "--field-selector", "status.phase=Pending,spec.restartPolicy=Always", "-o", "name"])).trim()).toBe("pod/p1");
    expect(ok(await k(["-n", ns, "get", "secrets", "--field-selector", "type=Opaque", "-o", "name"])).trim()).toBe("secret/sec");
    expect(ok(await k(["get", "pods", "-A", "--field-selector", `metadata.namespace=${ns}`, "-o", "name"])).trim()).toBe("pod/p1");
    const bad = await k(["-n", ns, "get", "cm", "--field-selector", "data.k=v"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that match label selector "", field selector "data.k=v": field label not supported: data.k');
  });
});

describe("watch", () => {
  test("watch-configmaps-with-multiple-watchers: get -w sees ADDED, MODIFIED and DELETED", async () => {
    const ns = await freshNamespace(server, "watch");
    ok(await k(["-n", ns, "create", "-f", "-"], configMap("w1", { a: "1" })));
    const w = kubectlStream(server, ["-n", ns, "get", "cm", "-w", "--output-watch-events"]);
    const one = kubectlStream(server, ["-n", ns, "get", "cm", "w1", "-w", "-o", "name"]);
    try {
      await w.waitFor(/ADDED\s+w1/);
      ok(await k(["-n", ns, "create", "-f", "-"], configMap("w2")));
      await w.waitFor(/ADDED\s+w2\s+0/);
      ok(await k(["-n", ns, "label", "cm", "w1", "x=y"]));
      await w.waitFor(/MODIFIED\s+w1\s+1/);
      ok(await k(["-n", ns, "delete", "cm", "w2"]));
      await w.waitFor(/DELETED\s+w2/);
      await one.waitFor(/configmap\/w1\n/);
      const lines = w.output().trim().split("\n").map((l) => l.split(/\s+/).slice(0, 2).join(" "));
      expect(lines).toEqual(["EVENT NAME", "ADDED kube-root-ca.crt", "ADDED w1", "ADDED w2", "MODIFIED w1", "DELETED w2"]);
      // The single-object watch shows the object once, then only its changes (w2 never appears).
      expect(one.output()).not.toContain("w2");
    } finally {
      await w.stop();
      await one.stop();
    }
  });
});

describe("watch transport (events written by the HTTPS front's Worker, core/apiserver/transport/direct-streams.ts)", () => {
  /** One raw HTTP/1.1 exchange over TLS with the admin certificate; `onText` sees everything read so far. */
  function rawWatch(path: string, onText: (text: string, close: () => void) => void): Promise<string> {
    const t = kubeconfigTransportOptions(server.kubeconfig);
    const url = new URL(t.server);
    return new Promise((resolve, reject) => {
      const sock = tlsConnect({ host: url.hostname, port: Number(url.port), ca: t.caPem, cert: t.clientCertPem, key: t.clientKeyPem, servername: "localhost" }, () =>
        sock.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n`));
      let text = "";
      sock.setEncoding("latin1");
      sock.on("data", (d) => { text += d; onText(text, () => sock.destroy()); });
      sock.on("error", reject);
      sock.on("close", () => resolve(text));
    });
  }
  const openWatches = async () => {
    const metrics = ok(await k(["get", "--raw", "/metrics"]));
    const line = metrics.split("\n").find((l) => l.startsWith('apiserver_longrunning_requests{verb="WATCH",group="",version="v1",resource="configmaps"') && l.includes('scope="namespace"'));
    return Number(line?.split(" ").at(-1) ?? 0);
  };

  test("a watch with timeoutSeconds: chunked events, then the last chunk at the timeout and the connection closes", async () => {
    const ns = await freshNamespace(server, "wt");
    ok(await k(["-n", ns, "create", "-f", "-"], configMap("first")));
    const started = performance.now();
    const text = await rawWatch(`/api/v1/namespaces/${ns}/configmaps?watch=1&timeoutSeconds=2`, () => {});
    const [head, body] = [text.slice(0, text.indexOf("\r\n\r\n")), text.slice(text.indexOf("\r\n\r\n") + 4)];
    expect(head).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(head.toLowerCase()).toContain("transfer-encoding: chunked");
    expect(head.toLowerCase()).toContain("content-type: application/json");
    expect(head.toLowerCase()).toContain("connection: close"); // the Worker's head, not Bun.serve's
    expect(body).toEndWith("\r\n0\r\n\r\n");
    expect(performance.now() - started).toBeGreaterThan(1500);
    // Decode the chunks: the events are whole JSON lines.
    let rest = body, decoded = "";
    for (;;) {
      const eol = rest.indexOf("\r\n");
      const size = parseInt(rest.slice(0, eol), 16);
      if (size === 0) break;
      decoded += rest.slice(eol + 2, eol + 2 + size);
      rest = rest.slice(eol + 2 + size + 2);
    }
    const events = decoded.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toContain("ADDED first");
  });

  test("a client that hangs up ends its watch on the server", async () => {
    const ns = await freshNamespace(server, "wt");
    const before = await openWatches();
    let sawOpen = false;
    await rawWatch(`/api/v1/namespaces/${ns}/configmaps?watch=1`, (text, close) => {
      if (!sawOpen && text.includes("\r\n\r\n")) { sawOpen = true; close(); }
    });
    expect(sawOpen).toBe(true);
    let now = await openWatches();
    for (let i = 0; i < 50 && now > before; i++) { await Bun.sleep(100); now = await openWatches(); }
    expect(now).toBeLessThanOrEqual(before);
  });
});

describe("explain", () => {
  test("explain prints kind, version and field documentation from the OpenAPI v3 schemas", async () => {
    const top = await k(["explain", "deployments"]);
    expect(top.stderr).toBe("");
    expect(ok(top)).toMatch(/^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/);
    expect(top.stdout).toMatch(/FIELDS:\n/);
    expect(top.stdout).toMatch(/\n  spec\t<DeploymentSpec>/);
    const field = ok(await k(["explain", "pods.spec.containers.image"]));
    expect(field).toMatch(/KIND:\s+Pod\nVERSION:\s+v1\n\nFIELD: image <string>/);
    expect(field).toMatch(/DESCRIPTION:\n\s+\S/);
  });
});

describe("metrics", () => {
  test("kubectl get --raw /metrics: upstream's apiserver request, storage and process families", async () => {
    ok(await k(["get", "namespaces"]));
    const text = ok(await k(["get", "--raw", "/metrics"]));
    expect(text).toContain("# TYPE apiserver_request_total counter\n");
    expect(text).toMatch(/^apiserver_request_total\{verb="LIST",dry_run="",group="",version="v1",resource="namespaces",subresource="",scope="cluster",component="apiserver",code="200"\} [1-9]\d*$/m);
    expect(text).toContain('apiserver_request_duration_seconds_bucket{verb="LIST",dry_run="",group="",version="v1",resource="namespaces",subresource="",scope="cluster",component="apiserver",le="0.005"}');
    // The four built-in namespaces at least (other cases of this file add theirs).
    expect(Number(/^apiserver_storage_objects\{resource="namespaces"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(4);
    expect(text).toMatch(/^apiserver_current_inflight_requests\{request_kind="readOnly"\} [1-9]\d*$/m); // this scrape itself
    expect(text).toMatch(/^process_start_time_seconds \d+(\.\d+)?$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(ok(await k(["get", "--raw", "/metrics/slis"]))).toContain("# TYPE kubernetes_healthchecks_total counter\n");
  });
});

describe("API Priority and Fairness", () => {
  const uid = async (kind: string, name: string) => ok(await k(["get", kind, name, "-o", "jsonpath={.metadata.uid}"])).trim();

  test("kubectl get --raw -v=8 shows the X-Kubernetes-PF-* headers: admin (system:masters) is exempt", async () => {
    const r = await k(["get", "--raw", "/api/v1/namespaces", "-v=8"]);
    ok(r);
    const fsUID = await uid("flowschemas.flowcontrol.apiserver.k8s.io", "exempt");
    const plUID = await uid("prioritylevelconfigurations.flowcontrol.apiserver.k8s.io", "exempt");
    expect(fsUID).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.stderr).toMatch(new RegExp(`X-Kubernetes-Pf-Flowschema-Uid: ${fsUID}`, "i"));
    expect(r.stderr).toMatch(new RegExp(`X-Kubernetes-Pf-Prioritylevel-Uid: ${plUID}`, "i"));
    const levels = ok(await k(["get", "--raw", "/debug/api_priority_and_fairness/dump_priority_levels"]));
    expect(levels).toMatch(/^PriorityLevelName,\s+ActiveQueues,\s+IsIdle,\s+IsQuiescing,\s+WaitingRequests,\s+ExecutingRequests,/);
    expect(levels).toMatch(/^workload-low,\s+0,\s+true,\s+false,\s+0,\s+0,/m);
    expect(ok(await k(["get", "--raw", "/debug/api_priority_and_fairness/dump_queues"]))).toMatch(/^global-default,\s+127,\s+0,/m);
    expect(ok(await k(["get", "--raw", "/metrics"]))).toMatch(/^apiserver_flowcontrol_dispatched_requests_total\{priority_level="exempt",flow_schema="exempt"\} [1-9]\d*$/m);
  });

  test("a Reject level with a tiny share answers part of a burst 429 with Retry-After", async () => {
    const ns = await freshNamespace(server, "apf");
    ok(await k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [
      { apiVersion: "flowcontrol.apiserver.k8s.io/v1", kind: "PriorityLevelConfiguration", metadata: { name: "apf-e2e" },
        spec: { type: "Limited", limited: { nominalConcurrencyShares: 1, lendablePercent: 0, limitResponse: { type: "Reject" } } } },
      { apiVersion: "flowcontrol.apiserver.k8s.io/v1", kind: "FlowSchema", metadata: { name: "apf-e2e" },
        spec: { priorityLevelConfiguration: { name: "apf-e2e" }, matchingPrecedence: 500, distinguisherMethod: { type: "ByUser" },
          rules: [{ subjects: [{ kind: "User", user: { name: "apf-burst" } }],
            resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true }] }] } },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "apf-burst" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "apf-burst" }] },
    ] })));
    const fsUID = await uid("flowschemas.flowcontrol.apiserver.k8s.io", "apf-e2e");
    const plUID = await uid("prioritylevelconfigurations.flowcontrol.apiserver.k8s.io", "apf-e2e");
    const t = kubeconfigTransportOptions(server.kubeconfig);
    const post = (i: number) => fetch(`${t.server}/api/v1/namespaces/${ns}/configmaps`, {
      method: "POST", body: configMap(`burst-${i}`, { i: String(i) }),
      headers: { "content-type": "application/json", "Impersonate-User": "apf-burst" },
      tls: { cert: t.clientCertPem, key: t.clientKeyPem, ca: t.caPem },
    } as RequestInit);
    // The FlowSchema is in use once the server's watch caches have it.
    for (let i = 0; ; i++) {
      const res = await post(-1 - i);
      if (res.headers.get("X-Kubernetes-PF-FlowSchema-UID") === fsUID) break;
      if (i > 50) throw new Error("the FlowSchema apf-e2e is not used");
      await Bun.sleep(100);
    }
    const responses = await Promise.all(Array.from({ length: 150 }, (_, i) => post(i)));
    const statuses = responses.map((r) => r.status);
    const rejected = responses.filter((r) => r.status === 429);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(0);
    expect(rejected.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 201 || s === 429)).toBe(true);
    for (const r of [...rejected, responses.find((x) => x.status === 201)!]) {
      expect(r.headers.get("X-Kubernetes-PF-FlowSchema-UID")).toBe(fsUID);
      expect(r.headers.get("X-Kubernetes-PF-PriorityLevel-UID")).toBe(plUID);
    }
    expect(rejected[0]!.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await rejected[0]!.text()).toBe("Too many requests, please try again later.\n");
    const metrics = ok(await k(["get", "--raw", "/metrics"]));
    expect(metrics).toMatch(/^apiserver_flowcontrol_rejected_requests_total\{priority_level="apf-e2e",flow_schema="apf-e2e",reason="concurrency-limit"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^apiserver_flowcontrol_nominal_limit_seats\{priority_level="apf-e2e"\} [1-9]$/m);
    ok(await k(["delete", "flowschemas.flowcontrol.apiserver.k8s.io/apf-e2e", "prioritylevelconfigurations.flowcontrol.apiserver.k8s.io/apf-e2e", "clusterrolebinding/apf-burst"]));
  });
});
