import { describe, expect, test } from "bun:test";
import { authenticateKubeletRequest, forbiddenMessage, kubeletRequestAttributes, kubeletSubresource } from "./request-auth.ts";

describe("kubelet authorization attributes", () => {
  test("subresources by path, as upstream", () => {
    expect(kubeletSubresource("/stats/summary")).toBe("stats");
    expect(kubeletSubresource("/stats")).toBe("stats");
    expect(kubeletSubresource("/metrics/cadvisor")).toBe("metrics");
    expect(kubeletSubresource("/logs/syslog")).toBe("log");
    expect(kubeletSubresource("/containerLogs/ns/p/c")).toBe("proxy");
    expect(kubeletSubresource("/exec/ns/p/c")).toBe("proxy");
    expect(kubeletSubresource("/pods")).toBe("proxy");
    expect(kubeletSubresource("/statsX")).toBe("proxy");
  });
  test("verbs from methods, resource nodes named after the node", () => {
    const user = { username: "u", groups: [] };
    const a = kubeletRequestAttributes(user, "POST", "/exec/ns/p/c", "node-1");
    expect(a).toMatchObject({ verb: "create", resource: "nodes", subresource: "proxy", name: "node-1", apiGroup: "", apiVersion: "v1", isResourceRequest: true });
    expect(kubeletRequestAttributes(user, "GET", "/stats/summary", "n").verb).toBe("get");
    expect(kubeletRequestAttributes(user, "HEAD", "/healthz", "n").verb).toBe("get");
    expect(kubeletRequestAttributes(user, "DELETE", "/x", "n").verb).toBe("delete");
    expect(forbiddenMessage(a)).toBe("Forbidden (user=u, verb=create, resource=nodes, subresource=proxy)");
  });
});

describe("kubelet authentication", () => {
  const req = (auth?: string) => new Request("https://k/pods", { headers: auth ? { authorization: auth } : {} });
  test("client certificate", async () => {
    const r = await authenticateKubeletRequest(req(), { kind: "verified", identity: { user: "system:apiserver", groups: ["system:masters"] } });
    expect(r).toEqual({ ok: true, user: { username: "system:apiserver", groups: ["system:masters", "system:authenticated"] } });
    expect((await authenticateKubeletRequest(req(), { kind: "rejected", reason: "x509: expired" })).ok).toBe(false);
  });
  test("bearer token through the callback; nothing is anonymous-allowed", async () => {
    const tokens = async (t: string) => (t === "good" ? { username: "system:serviceaccount:kube-system:metrics", groups: ["system:authenticated"] } : undefined);
    expect(await authenticateKubeletRequest(req("Bearer good"), { kind: "none" }, tokens)).toMatchObject({ ok: true, user: { username: "system:serviceaccount:kube-system:metrics" } });
    expect((await authenticateKubeletRequest(req("Bearer bad"), { kind: "none" }, tokens)).ok).toBe(false);
    expect((await authenticateKubeletRequest(req("Bearer good"), { kind: "none" })).ok).toBe(false);
    expect((await authenticateKubeletRequest(req(), { kind: "none" }, tokens)).ok).toBe(false);
  });
});
