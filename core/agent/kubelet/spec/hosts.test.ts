import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { hostNetworkHostsFile, hostsFileContent, managedHostsFile, mountsHostsFile, writeHostsFile } from "./hosts.ts";
import type { Pod } from "./types.ts";

const pod = (spec: Partial<Pod["spec"]> = {}): Pod => ({ metadata: { name: "web-0", namespace: "ns", uid: "u" }, spec: { containers: [{ name: "c" }], ...spec } });

const HEADER = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";

describe("managedHostsFile (upstream format)", () => {
  test("pod name per pod IP", () => {
    expect(managedHostsFile(pod(), ["10.42.0.7"], "cluster.local")).toBe(`${HEADER}10.42.0.7\tweb-0\n`);
  });
  test("hostname + subdomain: FQDN then short name, for every IP", () => {
    expect(managedHostsFile(pod({ hostname: "db", subdomain: "svc1" }), ["10.42.0.7", "fd42::7"], "cluster.local")).toBe(
      `${HEADER}10.42.0.7\tdb.svc1.ns.svc.cluster.local\tdb\nfd42::7\tdb.svc1.ns.svc.cluster.local\tdb\n`,
    );
  });
  test("hostAliases appended, one line per IP with tab-separated names", () => {
    const text = managedHostsFile(pod({ hostAliases: [{ ip: "127.0.0.1", hostnames: ["foo.local", "bar.local"] }, { ip: "10.1.2.3", hostnames: ["foo.remote"] }] }), ["10.42.0.7"], "cluster.local");
    expect(text).toBe(`${HEADER}10.42.0.7\tweb-0\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n`);
  });
});

describe("hostNetwork and files", () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(`${tmpdir()}/lite-hosts-`); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("hostNetwork: the node's file under its own header, plus aliases", () => {
    expect(hostNetworkHostsFile(pod({ hostAliases: [{ ip: "1.1.1.1", hostnames: ["one"] }] }), "127.0.0.1 localhost\n")).toBe(
      "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n\n# Entries added by HostAliases.\n1.1.1.1\tone\n",
    );
    writeFileSync(`${dir}/node-hosts`, "10.0.0.5 node-a\n");
    expect(hostsFileContent(pod({ hostNetwork: true }), ["10.0.0.5"], "cluster.local", `${dir}/node-hosts`)).toBe("# Kubernetes-managed hosts file (host network).\n10.0.0.5 node-a\n");
  });

  test("writeHostsFile writes <podDir>/etc-hosts with mode 0644", () => {
    const path = writeHostsFile(dir, pod(), ["10.42.0.7"], "cluster.local");
    expect(path).toBe(`${dir}/etc-hosts`);
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}10.42.0.7\tweb-0\n`);
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  test("mountsHostsFile: needs pod IPs or host network, and no volume at /etc/hosts", () => {
    const c = { name: "c" };
    expect(mountsHostsFile(pod(), c, ["10.42.0.7"])).toBe(true);
    expect(mountsHostsFile(pod(), c, [])).toBe(false);
    expect(mountsHostsFile(pod({ hostNetwork: true }), c, [])).toBe(true);
    expect(mountsHostsFile(pod(), { name: "c", volumeMounts: [{ name: "h", mountPath: "/etc/hosts" }] }, ["10.42.0.7"])).toBe(false);
  });
});
