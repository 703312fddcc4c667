import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { SpecWarning } from "./errors.ts";
import { SandboxConfigError } from "./errors.ts";
import { buildSandboxConfig, portMappings } from "./sandbox.ts";
import type { Pod } from "./types.ts";

let dir: string;
let resolv: string;
beforeAll(() => {
  dir = mkdtempSync(`${tmpdir()}/lite-sandbox-`);
  resolv = `${dir}/resolv.conf`;
  writeFileSync(resolv, "nameserver 192.168.1.1\nsearch corp.example\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cluster = { clusterDNS: "10.43.0.10", clusterDomain: "cluster.local" };
const base = (spec: Partial<Pod["spec"]> = {}): Pod => ({
  metadata: { name: "web-0", namespace: "ns1", uid: "uid-1", labels: { app: "web" }, annotations: { note: "x" } },
  spec: { containers: [{ name: "c", ports: [{ name: "http", containerPort: 80, protocol: "TCP", hostPort: 8080 }] }], ...spec },
});

describe("buildSandboxConfig", () => {
  test("a plain pod", () => {
    const config = buildSandboxConfig(base({ securityContext: { sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }] } }), {
      attempt: 2, logDirectory: "/data/agent/logs/pods/ns1_web-0_uid-1", cluster, hostResolvConf: resolv,
    });
    expect(config).toEqual({
      metadata: { name: "web-0", uid: "uid-1", namespace: "ns1", attempt: 2 },
      hostname: "web-0",
      logDirectory: "/data/agent/logs/pods/ns1_web-0_uid-1",
      dnsConfig: { servers: ["10.43.0.10"], searches: ["ns1.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"], options: ["ndots:5"] },
      portMappings: [{ protocol: "TCP", containerPort: 80, hostPort: 8080 }],
      labels: { app: "web", "io.kubernetes.pod.name": "web-0", "io.kubernetes.pod.namespace": "ns1", "io.kubernetes.pod.uid": "uid-1", "io.lite.kubelet": "true" },
      annotations: { note: "x" },
      linux: {
        securityContext: { namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" }, privileged: false, seccomp: { profileType: "RuntimeDefault" } },
        sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" },
      },
    });
    expect(config.linux?.cgroupParent).toBeUndefined();
  });

  test("hostNetwork: no hostname, NODE network, host DNS", () => {
    const config = buildSandboxConfig(base({ hostNetwork: true }), { attempt: 0, logDirectory: "/l", cluster, hostResolvConf: resolv });
    expect(config.hostname).toBeUndefined();
    expect(config.linux?.securityContext?.namespaceOptions?.network).toBe("NODE");
    expect(config.dnsConfig).toEqual({ servers: ["192.168.1.1"], searches: ["corp.example"], options: [] });
  });

  test("hostname/subdomain with setHostnameAsFQDN", () => {
    const config = buildSandboxConfig(base({ hostname: "db", subdomain: "s", setHostnameAsFQDN: true }), { attempt: 0, logDirectory: "/l", cluster, hostResolvConf: null });
    expect(config.hostname).toBe("db.s.ns1.svc.cluster.local");
  });

  test("no ports: no portMappings", () => {
    expect(buildSandboxConfig(base({ containers: [{ name: "c" }] }), { attempt: 0, logDirectory: "/l", cluster, hostResolvConf: null }).portMappings).toBeUndefined();
  });

  test("DNS warnings reach the caller", () => {
    const warnings: SpecWarning[] = [];
    buildSandboxConfig(base({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"] } }), { attempt: 0, logDirectory: "/l", cluster, hostResolvConf: null, warnings });
    expect(warnings.map((w) => w.reason)).toEqual(["DNSConfigForming"]);
  });

  test("errors are SandboxConfigError with upstream's message", () => {
    const bad = () => buildSandboxConfig(base({ hostname: "Not_Valid" }), { attempt: 0, logDirectory: "/l", cluster, hostResolvConf: null });
    expect(bad).toThrow(SandboxConfigError);
    expect(bad).toThrow(/^pod Hostname "Not_Valid" is not a valid DNS label/);
    expect(() => buildSandboxConfig(base(), { attempt: 0, logDirectory: "/l", cluster, hostResolvConf: `${dir}/missing` })).toThrow(SandboxConfigError);
  });
});

describe("portMappings (upstream MakePortMappings)", () => {
  test("every port, hostPort or not; protocols; duplicates by name dropped", () => {
    expect(portMappings({
      name: "c",
      ports: [
        { name: "http", containerPort: 80, protocol: "TCP" },
        { name: "http", containerPort: 81, protocol: "TCP" },
        { containerPort: 53, protocol: "UDP", hostPort: 53, hostIP: "127.0.0.1" },
        { containerPort: 53, protocol: "UDP", hostPort: 53, hostIP: "127.0.0.1" },
        { containerPort: 53, protocol: "UDP", hostPort: 53, hostIP: "::1" },
        { containerPort: 9, protocol: "SCTP" },
      ],
    })).toEqual([
      { protocol: "TCP", containerPort: 80, hostPort: 0 },
      { protocol: "UDP", containerPort: 53, hostPort: 53, hostIp: "127.0.0.1" },
      { protocol: "UDP", containerPort: 53, hostPort: 53, hostIp: "::1" },
      { protocol: "SCTP", containerPort: 9, hostPort: 0 },
    ]);
  });
  test("only app containers contribute", () => {
    const p = base({ initContainers: [{ name: "side", restartPolicy: "Always", ports: [{ containerPort: 9000, hostPort: 9000 }] }] });
    expect(buildSandboxConfig(p, { attempt: 0, logDirectory: "/l", cluster, hostResolvConf: null }).portMappings).toEqual([{ protocol: "TCP", containerPort: 80, hostPort: 8080 }]);
  });
});
