/**
 * The rendered rules in a real kernel: a node network namespace of this test with a bridge and pod
 * namespaces on it (core/proxy/testing/netns-lab.ts), so pod-to-pod traffic is bridged as on cni0,
 * and an "outside" namespace whose traffic is routed. Then the controller end to end on an
 * in-process API server: Pods, Namespaces and NetworkPolicies to rules in the node namespace.
 * Traffic stays inside these namespaces.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { quietLog, startTestCluster, type TestCluster } from "../controllers/testing/in-process.ts";
import { nftExecutor } from "../proxy/nft-exec.ts";
import { createNetnsLab, type NetnsLab } from "../proxy/testing/netns-lab.ts";
import { removeNetpolRules } from "./apply.ts";
import { cidrRange } from "./ip-ranges.ts";
import { NETWORK_POLICIES, startNetpolController, type NetpolController } from "./netpol-controller.ts";
import { renderNetpolRuleset } from "./nft-ruleset.ts";
import type { NetpolState } from "./policy-model.ts";

type Probe = { reply?: string; error?: string; ms: number };
const SERVER = "10.42.0.10", ALLOWED = "10.42.0.20", DENIED = "10.42.0.21";
const canRun = process.getuid?.() === 0;

let lab: NetnsLab;
let allowed: string, denied: string, server: string;
const prefix = () => ["ip", "netns", "exec", lab.node];
const apply = (state: NetpolState) => nftExecutor(prefix()).apply(renderNetpolRuleset(state).text);
/** True when a TCP connection from `ns` to the server's 8080 gets an answer. */
const reaches = async (ns: string, host = SERVER, port = 8080) => {
  const [p] = await lab.fixture<Probe[]>(ns, ["probe", host, String(port), "1", "600"]);
  return !!p!.reply;
};
const setBridgeNf = (v: 0 | 1) => lab.run(lab.node, ["sh", "-c", `echo ${v} > /proc/sys/net/bridge/bridge-nf-call-iptables`]);

beforeAll(async () => {
  if (!canRun) return;
  lab = createNetnsLab();
  server = lab.addPod(SERVER);
  allowed = lab.addPod(ALLOWED);
  denied = lab.addPod(DENIED);
  await Promise.all([lab.startFixture(server, ["serve", "8080", "srv"]), lab.startFixture(server, ["serve", "9090", "srv9"]), lab.startFixture(denied, ["serve", "8080", "denied"])]);
  setBridgeNf(1);
});

afterAll(() => lab?.destroy());

describe.skipIf(!canRun)("network policy rules in a kernel", () => {
  test("bridged pod-to-pod traffic, routed traffic from outside and the node's own traffic", async () => {
    await apply({ pods: [], policies: 0 });
    expect(await Promise.all([reaches(allowed), reaches(denied), reaches(lab.outside), reaches(lab.node)])).toEqual([true, true, true, true]);

    // The server accepts only ALLOWED on 8080: bridged DENIED and routed outside are dropped, the node still connects.
    await apply({ pods: [{ pod: "a/server", ips: [SERVER], ingress: [{ peers: [cidrRange(`${ALLOWED}/32`)!], ports: [{ protocol: "TCP", port: 8080 }] }] }], policies: 1 });
    expect(await Promise.all([reaches(allowed), reaches(denied), reaches(lab.outside), reaches(lab.node), reaches(allowed, SERVER, 9090), reaches(lab.node, SERVER, 9090)]))
      .toEqual([true, false, false, true, false, true]);

    // Without bridge-nf-call-iptables bridged traffic never meets the IP hooks: why the controller turns it on.
    setBridgeNf(0);
    try {
      expect(await reaches(denied)).toBe(true);
    } finally {
      setBridgeNf(1);
    }

    // Egress: DENIED may send only to the server's 9090; the server's replies pass (established).
    await apply({ pods: [{ pod: "a/denied", ips: [DENIED], egress: [{ peers: [cidrRange(`${SERVER}/32`)!], ports: [{ protocol: "TCP", port: 9090 }] }] }], policies: 1 });
    expect(await Promise.all([reaches(denied), reaches(denied, SERVER, 9090), reaches(allowed), reaches(allowed, DENIED), reaches(lab.node, DENIED)]))
      .toEqual([false, true, true, true, true]);

    await apply({ pods: [], policies: 0 });
    expect(await Promise.all([reaches(denied), reaches(lab.outside)])).toEqual([true, true]);
  });
});

describe.skipIf(!canRun)("the controller on an API server", () => {
  let cluster: TestCluster;
  let controller: NetpolController;
  const PODS = (ns: string) => ({ ...builtinResources.pods, namespace: ns });

  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.client.create(builtinResources.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: "np" } } as KubeObject);
    for (const [name, ip, app] of [["server", SERVER, "server"], ["allowed", ALLOWED, "client"], ["denied", DENIED, "other"]] as const) {
      const created = await cluster.client.create<KubeObject & { status?: unknown }>(PODS("np"), {
        apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app } },
        spec: { nodeName: "node-a", containers: [{ name: "c", image: "busybox", ports: [{ name: "http", containerPort: 8080 }] }] },
      } as KubeObject);
      await cluster.client.updateStatus(PODS("np"), { ...created, status: { phase: "Running", podIP: ip, podIPs: [{ ip }] } } as KubeObject);
    }
    controller = startNetpolController({ client: cluster.client, log: quietLog, nodeName: "node-a", commandPrefix: prefix(), bridgeNetfilter: false, minSyncPeriodMs: 50 });
    expect(await controller.ready()).toBe(true);
  });

  afterAll(async () => {
    await controller?.stop();
    await cluster?.close();
  });

  /** Waits (at most 2 s) until the controller's status satisfies `done`. */
  const statusSettles = async (done: (st: ReturnType<NetpolController["status"]>) => boolean) => {
    const t0 = performance.now();
    while (!done(controller.status()) && performance.now() - t0 < 2000) await Bun.sleep(10);
  };

  test("a policy is enforced within a second of its creation and lifted within a second of its deletion", async () => {
    expect(await reaches(denied)).toBe(true);
    const target = { ...NETWORK_POLICIES, namespace: "np" };
    await cluster.client.create(target, {
      apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "from-clients" },
      spec: { podSelector: { matchLabels: { app: "server" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }], ports: [{ port: "http" }] }] },
    } as KubeObject);
    const t0 = performance.now();
    while (await reaches(denied)) {
      if (performance.now() - t0 > 3000) throw new Error("the policy was not enforced within 3 s");
    }
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(await reaches(allowed)).toBe(true);
    // The kernel has the rules as soon as `nft -f` ran, a moment before the controller sees it exit and records the sync.
    await statusSettles((st) => st.isolatedPods === 1);
    expect(controller.status()).toMatchObject({ ready: true, policies: 1, isolatedPods: 1 });

    await cluster.client.delete({ ...target, name: "from-clients" });
    const t1 = performance.now();
    while (!(await reaches(denied))) {
      if (performance.now() - t1 > 3000) throw new Error("the policy was not lifted within 3 s");
    }
    await statusSettles((st) => st.isolatedPods === 0);
    expect(controller.status().isolatedPods).toBe(0);
    expect(lab.run(lab.node, ["nft", "list", "chain", "inet", "lite-netpol", "forward"])).not.toContain("vmap");
  });

  test("removeNetpolRules deletes the table (and is fine when it is absent)", async () => {
    await controller.stop();
    await removeNetpolRules({ commandPrefix: prefix() });
    await removeNetpolRules({ commandPrefix: prefix() });
    expect(lab.run(lab.node, ["nft", "list", "tables"])).not.toContain("lite-netpol");
  });
});
