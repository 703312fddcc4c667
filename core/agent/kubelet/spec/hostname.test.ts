import { describe, expect, test } from "bun:test";
import { kernelHostname, podHostnameAndDomain } from "./hostname.ts";
import type { Pod } from "./types.ts";

const pod = (name: string, spec: Partial<Pod["spec"]> = {}): Pod => ({ metadata: { name, namespace: "ns", uid: "u" }, spec: { containers: [], ...spec } });

describe("podHostnameAndDomain", () => {
  test("pod name, or spec.hostname", () => {
    expect(podHostnameAndDomain(pod("web-0"), "cluster.local")).toEqual({ hostname: "web-0", domain: "" });
    expect(podHostnameAndDomain(pod("web-0", { hostname: "db" }), "cluster.local")).toEqual({ hostname: "db", domain: "" });
  });
  test("subdomain gives <sub>.<ns>.svc.<domain>", () => {
    expect(podHostnameAndDomain(pod("web-0", { subdomain: "web" }), "cluster.local")).toEqual({ hostname: "web-0", domain: "web.ns.svc.cluster.local" });
  });
  test("a long pod name is cut to 63 without trailing '-' or '.'", () => {
    const name = `${"a".repeat(61)}--.bcd`;
    expect(podHostnameAndDomain(pod(name), "cluster.local").hostname).toBe("a".repeat(61));
    expect(podHostnameAndDomain(pod("b".repeat(70)), "x").hostname).toBe("b".repeat(63));
  });
  test("invalid hostname and subdomain: upstream messages", () => {
    expect(() => podHostnameAndDomain(pod("p", { hostname: "Bad_Name" }), "d")).toThrow(/^pod Hostname "Bad_Name" is not a valid DNS label: a lowercase RFC 1123 label must consist of/);
    expect(() => podHostnameAndDomain(pod("p", { subdomain: "x".repeat(64) }), "d")).toThrow(`pod Subdomain "${"x".repeat(64)}" is not a valid DNS label: must be no more than 63 characters`);
  });
});

describe("kernelHostname", () => {
  test("short name unless setHostnameAsFQDN with a subdomain", () => {
    expect(kernelHostname(pod("p", { subdomain: "s" }), "cluster.local")).toBe("p");
    expect(kernelHostname(pod("p", { setHostnameAsFQDN: true }), "cluster.local")).toBe("p");
    expect(kernelHostname(pod("p", { subdomain: "s", setHostnameAsFQDN: true }), "cluster.local")).toBe("p.s.ns.svc.cluster.local");
  });
  test("FQDN over 64 characters is an error; 64 is fine", () => {
    const ok = pod("a".repeat(41), { subdomain: "s", setHostnameAsFQDN: true });
    expect(kernelHostname(ok, "cluster.local")).toHaveLength(64);
    const long = pod("a".repeat(45), { subdomain: "s", setHostnameAsFQDN: true });
    expect(() => kernelHostname(long, "cluster.local")).toThrow(
      `failed to construct FQDN from pod hostname and cluster domain, FQDN ${"a".repeat(45)}.s.ns.svc.cluster.local is too long (64 characters is the max, 68 characters requested)`,
    );
  });
});
