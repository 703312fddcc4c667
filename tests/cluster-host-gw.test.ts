/**
 * `lite cluster` with the host-gw flannel backend (`--server-arg=--flannel-backend=host-gw`, handed
 * to the agents at join): a server and two agents, no vxlan device anywhere, each node routes the
 * other nodes' pod CIDRs through their node IPs, and pod-to-pod and pod-to-Service traffic crosses
 * between the agents. Traffic goes only to addresses of the namespaces the cluster created.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { clusterHarness, type ClusterHarness } from "./harness/lite-cluster.ts";
import { ok, within } from "./harness/kube.ts";
import { busyboxPod } from "./harness/pods.ts";

setDefaultTimeout(240_000);

const NAME = `hg${Math.random().toString(16).slice(2, 8)}`;
let h: ClusterHarness;

const inNode = (node: string, argv: string[]) => {
  const r = spawnSync("ip", ["netns", "exec", `lc-${NAME}-${node}`, ...argv], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} in ${node}: ${r.stderr}`);
  return r.stdout;
};
const httpGet = (target: string) => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${target} | tail -n 1`;

beforeAll(() => {
  h = clusterHarness();
});
afterAll(async () => {
  await h?.destroy();
});

describe("lite cluster with the host-gw backend", () => {
  test("create: all three Nodes Ready; no vxlan device, the other nodes' pod CIDRs routed via their node IPs", async () => {
    const r = await h.cluster(["create", NAME, "--agents", "2", "--kubeconfig", h.kubeconfig, "--server-arg=--flannel-backend=host-gw"], {}, 240_000);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await h.nodeReady()).toEqual({ "server-0": "True", "agent-0": "True", "agent-1": "True" });
    const ips = await h.nodeIPs();
    const cidrs = Object.fromEntries(ok(await h.kubectl(["get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR}{\"\\n\"}{end}"]))
      .trim().split("\n").map((l) => l.split("=") as [string, string]));
    for (const node of ["server-0", "agent-0", "agent-1"]) {
      expect(inNode(node, ["ip", "-o", "link", "show"])).not.toContain("flannel.1");
      const routes = inNode(node, ["ip", "-4", "route", "show", "proto", "108"]);
      for (const peer of ["server-0", "agent-0", "agent-1"].filter((n) => n !== node)) {
        expect(routes).toContain(`${cidrs[peer]} via ${ips[peer]} dev `);
      }
    }
  });

  test("pod to pod and pod to Service between the two agents", async () => {
    const httpd = (name: string, node: string) => busyboxPod(name, {
      nodeName: node,
      containers: [{ name: "c", command: ["sh", "-c", `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p 8080 -h /www`], ports: [{ containerPort: 8080 }] }],
    }, { labels: { app: "hgweb" } });
    ok(await h.kubectl(["apply", "-f", "-"], httpd("web-a1", "agent-1")));
    ok(await h.kubectl(["apply", "-f", "-"], busyboxPod("client-a0", { nodeName: "agent-0", containers: [{ name: "c", command: ["sleep", "3600"] }] })));
    ok(await h.kubectl(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Service", metadata: { name: "hgweb" }, spec: { selector: { app: "hgweb" }, ports: [{ port: 80, targetPort: 8080 }] },
    })));
    ok(await h.kubectl(["wait", "--for=condition=Ready", "pod/web-a1", "pod/client-a0", "--timeout=150s"]));
    const ip = ok(await h.kubectl(["get", "pod", "web-a1", "-o", "jsonpath={.status.podIP}"]));
    for (const target of [`${ip} 8080`, "hgweb 80"]) {
      const body = await within(30_000, async () => {
        const r = await h.kubectl(["exec", "client-a0", "--", "sh", "-c", httpGet(target)]);
        return r.stdout.includes("web-a1") ? r.stdout : undefined;
      }, 1000);
      expect({ target, body: body.trim() }).toEqual({ target, body: "web-a1" });
    }
  });

  test("delete removes the cluster and its host-gw routes with it", async () => {
    const r = await h.cluster(["delete", NAME], {}, 120_000);
    // stderr first: it names what teardown could not remove when the exit code is 1.
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(h.netnses(NAME)).toEqual([]);
    expect(h.processes()).toEqual([]);
    expect(h.mounts()).toEqual([]);
  });
});
