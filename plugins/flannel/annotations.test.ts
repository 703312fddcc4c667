import { describe, expect, test } from "bun:test";
import { annotationsToPatch, leaseOf, nodeAnnotations, podCIDROf, publishedVtepMAC, type FlannelNode } from "./annotations.ts";

const node = (name: string, annotations: Record<string, string>, podCIDR?: string): FlannelNode => Object.freeze({
  apiVersion: "v1", kind: "Node", metadata: { name, annotations }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
});

describe("flannel node annotations", () => {
  test("vxlan publishes upstream's four annotations, VNI 1 and the VtepMAC in backend-data", () => {
    expect(nodeAnnotations({ backend: "vxlan", publicIP: "10.99.0.1", vtepMAC: "6a:1b:2c:3d:4e:5f" })).toEqual({
      "flannel.alpha.coreos.com/backend-data": '{"VNI":1,"VtepMAC":"6a:1b:2c:3d:4e:5f"}',
      "flannel.alpha.coreos.com/backend-type": "vxlan",
      "flannel.alpha.coreos.com/kube-subnet-manager": "true",
      "flannel.alpha.coreos.com/public-ip": "10.99.0.1",
    });
  });

  test("host-gw's backend-data is null", () => {
    expect(nodeAnnotations({ backend: "host-gw", publicIP: "10.99.0.2" })).toEqual({
      "flannel.alpha.coreos.com/backend-data": "null",
      "flannel.alpha.coreos.com/backend-type": "host-gw",
      "flannel.alpha.coreos.com/kube-subnet-manager": "true",
      "flannel.alpha.coreos.com/public-ip": "10.99.0.2",
    });
  });

  test("only missing or different annotations are patched; others' annotations are left alone", () => {
    const wanted = nodeAnnotations({ backend: "host-gw", publicIP: "10.99.0.2" });
    expect(annotationsToPatch(node("a", { other: "x", ...wanted }), wanted)).toBeUndefined();
    expect(annotationsToPatch(node("a", { ...wanted, "flannel.alpha.coreos.com/public-ip": "10.99.0.9" }), wanted)).toEqual({ "flannel.alpha.coreos.com/public-ip": "10.99.0.2" });
    expect(annotationsToPatch(node("a", {}), wanted)).toEqual(wanted);
  });

  test("a node's lease: vxlan with its MAC, host-gw without; nodes not yet in the network have none", () => {
    const vx = nodeAnnotations({ backend: "vxlan", publicIP: "10.99.0.1", vtepMAC: "6A:1B:2C:3D:4E:5F" });
    expect(leaseOf(node("a", vx, "10.42.0.0/24"))).toEqual({ nodeName: "a", podCIDR: "10.42.0.0/24", backendType: "vxlan", publicIP: "10.99.0.1", vtepMAC: "6a:1b:2c:3d:4e:5f", vni: 1 });
    expect(leaseOf(node("b", nodeAnnotations({ backend: "host-gw", publicIP: "10.99.0.2" }), "10.42.1.0/24"))).toEqual({ nodeName: "b", podCIDR: "10.42.1.0/24", backendType: "host-gw", publicIP: "10.99.0.2" });
    expect(leaseOf(node("c", vx))).toBeUndefined(); // no pod CIDR
    expect(leaseOf(node("d", { ...vx, "flannel.alpha.coreos.com/kube-subnet-manager": "false" }, "10.42.2.0/24"))).toBeUndefined();
    expect(leaseOf(node("e", { ...vx, "flannel.alpha.coreos.com/public-ip": "nope" }, "10.42.2.0/24"))).toBeUndefined();
    expect(leaseOf(node("f", { ...vx, "flannel.alpha.coreos.com/backend-data": "{bad" }, "10.42.2.0/24"))).toBeUndefined();
    expect(leaseOf(node("g", { ...vx, "flannel.alpha.coreos.com/backend-data": "null" }, "10.42.2.0/24"))).toBeUndefined();
  });

  test("the published VtepMAC is read back (a recreated flannel.1 keeps it); the IPv4 pod CIDR of a dual-stack node", () => {
    expect(publishedVtepMAC(node("a", nodeAnnotations({ backend: "vxlan", publicIP: "10.99.0.1", vtepMAC: "6a:1b:2c:3d:4e:5f" })))).toBe("6a:1b:2c:3d:4e:5f");
    expect(publishedVtepMAC(node("a", nodeAnnotations({ backend: "host-gw", publicIP: "10.99.0.1" })))).toBeUndefined();
    expect(publishedVtepMAC(undefined)).toBeUndefined();
    expect(podCIDROf({ apiVersion: "v1", kind: "Node", metadata: { name: "a" }, spec: { podCIDRs: ["fd00:42::/64", "10.42.3.0/24"] } })).toBe("10.42.3.0/24");
  });
});
