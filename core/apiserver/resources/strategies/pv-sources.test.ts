/** Volume-source validation of PersistentVolumes and pod volumes (upstream 1.32 validation.go, paths and messages). */
import { describe, expect, test } from "bun:test";
import { formatFieldError } from "../../errors/index.ts";
import { validateVolumeSpec } from "./persistent-volume-validation.ts";
import { validatePodSpec } from "./pod-spec.ts";
import { defaultPersistentVolumeSource, defaultPodVolume, podVolumeSourceErrors } from "./pv-sources.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

const AFFINITY = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "k", operator: "In", values: ["v"] }] }] } };
/** A PV spec around one source, defaulted as the strategy does, and its errors as `field: body`. */
const pvErrors = (source: Json, name = "pv") => {
  const spec: Json = { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], nodeAffinity: AFFINITY, ...structuredClone(source) };
  defaultPersistentVolumeSource(spec);
  return validateVolumeSpec(spec, name).map(formatFieldError);
};
const podErrors = (volume: Json) => {
  const v = structuredClone(volume);
  defaultPodVolume(v);
  return podVolumeSourceErrors(v, "spec.volumes[0]").map(formatFieldError);
};

const SECRET = { name: "s", namespace: "ns" };
/** Each source: a valid spec, and the same with a required field removed with upstream's error. */
const CASES: [string, Json, Json, string][] = [
  ["gcePersistentDisk", { pdName: "pd", partition: 1 }, { partition: 1 }, "spec.persistentDisk.pdName: Required value"],
  ["awsElasticBlockStore", { volumeID: "vol-1" }, {}, "spec.awsElasticBlockStore.volumeID: Required value"],
  ["glusterfs", { endpoints: "ep", path: "vol", endpointsNamespace: "default" }, { path: "vol" }, "spec.glusterfs.endpoints: Required value"],
  ["flocker", { datasetName: "ds" }, {}, "spec.flocker: Required value: one of datasetName and datasetUUID is required"],
  ["nfs", { server: "srv", path: "/export" }, { path: "/export" }, "spec.nfs.server: Required value"],
  ["rbd", { monitors: ["m:6789"], image: "img" }, { image: "img" }, "spec.rbd.monitors: Required value"],
  ["quobyte", { registry: "reg:7861", volume: "v" }, { volume: "v" }, "spec.quobyte.registry: Required value: must be a host:port pair or multiple pairs separated by commas"],
  ["cephfs", { monitors: ["m"] }, {}, "spec.cephfs.monitors: Required value"],
  ["iscsi", { targetPortal: "127.0.0.1", iqn: "iqn.2015-02.example.com:test", lun: 1 }, { iqn: "iqn.2015-02.example.com:test" }, "spec.iscsi.targetPortal: Required value"],
  ["cinder", { volumeID: "v", secretRef: SECRET }, { secretRef: SECRET }, "spec.cinder.volumeID: Required value"],
  ["fc", { targetWWNs: ["500a0982991b8dc5"], lun: 0 }, {}, "spec.fc.targetWWNs: Required value: must specify either targetWWNs or wwids, but not both"],
  ["flexVolume", { driver: "kubernetes.io/blue", options: { "example.com/k": "v" } }, {}, "spec.flexVolume.driver: Required value"],
  ["azureFile", { secretName: "s", shareName: "share" }, { secretName: "s" }, "spec.azureFile.shareName: Required value"],
  ["vsphereVolume", { volumePath: "[ds] vol.vmdk" }, {}, "spec.vsphereVolume.volumePath: Required value"],
  ["photonPersistentDisk", { pdID: "pd" }, {}, "spec.photonPersistentDisk.pdID: Required value"],
  ["portworxVolume", { volumeID: "v" }, {}, "spec.portworxVolume.volumeID: Required value"],
  ["azureDisk", { diskName: "d", diskURI: "https://acct.blob.core.windows.net/c/d.vhd" }, { diskURI: "https://acct.blob.core.windows.net/c/d.vhd" }, "spec.azureDisk.diskName: Required value"],
  ["scaleIO", { gateway: "gw", system: "sys", volumeName: "v", secretRef: { name: "s" } }, { system: "sys", volumeName: "v" }, "spec.scaleIO.gateway: Required value"],
  ["storageos", { volumeName: "vol", volumeNamespace: "ns", secretRef: SECRET }, { volumeNamespace: "ns" }, "spec.storageos.volumeName: Required value"],
  ["csi", { driver: "csi.example.com", volumeHandle: "h", nodePublishSecretRef: SECRET }, { driver: "csi.example.com" }, "spec.csi.volumeHandle: Required value"],
  ["hostPath", { path: "/data", type: "Directory" }, {}, "spec.hostPath.path: Required value"],
  ["local", { path: "/mnt/disk" }, {}, "spec.local.path: Required value"],
];

describe("PersistentVolume sources", () => {
  for (const [key, valid, missing, error] of CASES) {
    test(`${key}: a valid source passes, a missing required field is upstream's error`, () => {
      expect(pvErrors({ [key]: valid })).toEqual([]);
      expect(pvErrors({ [key]: missing })).toEqual([error]);
    });
  }

  test("exactly one source: none is Required, a second is Forbidden at upstream's path (flexVolume never is)", () => {
    expect(pvErrors({})).toEqual(["spec: Required value: must specify a volume type"]);
    expect(pvErrors({ nfs: { server: "s", path: "/p" }, cephfs: { monitors: ["m"] } })).toEqual(["spec.cephFS: Forbidden: may not specify more than 1 volume type"]);
    expect(pvErrors({ hostPath: { path: "/p" }, gcePersistentDisk: { pdName: "x" }, csi: { driver: "d", volumeHandle: "h" } })).toEqual([
      "spec.gcePersistentDisk: Forbidden: may not specify more than 1 volume type",
      "spec.csi: Forbidden: may not specify more than 1 volume type",
    ]);
    expect(pvErrors({ nfs: { server: "s", path: "/p" }, flexVolume: { driver: "d" } })).toEqual([]);
    expect(pvErrors({ local: { path: "/p" }, nodeAffinity: undefined })).toEqual(["spec.nodeAffinity: Required value: Local volume requires node affinity"]);
  });

  test("formats and ranges", () => {
    expect(pvErrors({ gcePersistentDisk: { pdName: "pd", partition: 256 } })).toEqual(["spec.persistentDisk.partition: Invalid value: 256: must be between 1 and 255, inclusive"]);
    expect(pvErrors({ awsElasticBlockStore: { volumeID: "v", partition: -1 } })).toEqual(["spec.awsElasticBlockStore.partition: Invalid value: -1: must be between 1 and 255, inclusive"]);
    expect(pvErrors({ nfs: { server: "s", path: "rel" } })).toEqual(['spec.nfs.path: Invalid value: "rel": must be an absolute path']);
    expect(pvErrors({ nfs: { server: "s" } })).toEqual(["spec.nfs.path: Required value", 'spec.nfs.path: Invalid value: "": must be an absolute path']);
    expect(pvErrors({ hostPath: { path: "/a/../b", type: "Dir" } })).toEqual([
      `spec.hostPath.path: Invalid value: "/a/../b": must not contain '..'`,
      'spec.hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
    ]);
    expect(pvErrors({ glusterfs: { endpoints: "e", path: "p", endpointsNamespace: "" } })).toEqual(['spec.glusterfs.endpointsNamespace: Invalid value: "": if the endpointnamespace is set, it must be a valid namespace name']);
    expect(pvErrors({ flocker: { datasetName: "a/b", datasetUUID: "u" } })).toEqual([
      'spec.flocker: Invalid value: "resource": datasetName and datasetUUID can not be specified simultaneously',
      `spec.flocker.datasetName: Invalid value: "a/b": must not contain '/'`,
    ]);
    expect(pvErrors({ quobyte: { registry: "reg,other:1", volume: "v" } })).toEqual(['spec.quobyte.registry: Invalid value: "reg,other:1": must be a host:port pair or multiple pairs separated by commas']);
    expect(pvErrors({ quobyte: { registry: "r:1", volume: "v", tenant: "x".repeat(65) } })).toEqual(["spec.quobyte.tenant: Required value: must be a UUID and may not exceed a length of 64 characters"]);
    expect(pvErrors({ fc: { targetWWNs: ["a"], wwids: ["b"], lun: 300 } })).toEqual([
      'spec.fc.targetWWNs: Invalid value: []string{"a"}: targetWWNs and wwids can not be specified simultaneously',
      "spec.fc.lun: Invalid value: 300: must be between 0 and 255, inclusive",
    ]);
    expect(pvErrors({ fc: { targetWWNs: ["a"] } })).toEqual(["spec.fc.lun: Required value: lun is required if targetWWNs is specified"]);
    expect(pvErrors({ fc: { wwids: ["id"] } })).toEqual([]);
    expect(pvErrors({ flexVolume: { driver: "d", options: { "kubernetes.io/x": "1", "foo.k8s.io": "2" } } })).toEqual([
      'spec.flexVolume.options[kubernetes.io/x]: Invalid value: "kubernetes.io/x": kubernetes.io and k8s.io namespaces are reserved',
      'spec.flexVolume.options[foo.k8s.io]: Invalid value: "foo.k8s.io": kubernetes.io and k8s.io namespaces are reserved',
    ]);
    expect(pvErrors({ azureFile: { secretName: "s", shareName: "x", secretNamespace: "" } })).toEqual(["spec.azureFile.secretNamespace: Required value"]);
    expect(pvErrors({ storageos: { volumeName: "Bad_Name", secretRef: { name: "s" } } })).toEqual([
      expect.stringMatching(/^spec\.storageos\.volumeName: Invalid value: "Bad_Name": a lowercase RFC 1123 label/),
      "spec.storageos.secretRef.namespace: Required value",
    ]);
    expect(pvErrors({ cinder: { volumeID: "v", secretRef: {} } })).toEqual(["spec.cinder.secretRef.name: Required value", "spec.cinder.secretRef.namespace: Required value"]);
  });

  test("iscsi: iqn and initiator formats, lun range, CHAP secret, the name:portal length", () => {
    const base = { targetPortal: "127.0.0.1:3260", iqn: "iqn.2015-02.example.com:test", lun: 1 };
    expect(pvErrors({ iscsi: { ...base, iqn: "foo" } })).toEqual(['spec.iscsi.iqn: Invalid value: "foo": must be valid format']);
    expect(pvErrors({ iscsi: { ...base, iqn: "iqn.2015-02.example.com" } })).toEqual(['spec.iscsi.iqn: Invalid value: "iqn.2015-02.example.com": must be valid format']);
    expect(pvErrors({ iscsi: { ...base, iqn: "eui.0123456789ABCDEF" } })).toEqual([]);
    expect(pvErrors({ iscsi: { ...base, iqn: "naa.62004567BA64678D0123456789ABCDEF" } })).toEqual([]);
    expect(pvErrors({ iscsi: { ...base, lun: 256 } })).toEqual(["spec.iscsi.lun: Invalid value: 256: must be between 0 and 255, inclusive"]);
    expect(pvErrors({ iscsi: { ...base, chapAuthSession: true } })).toEqual(["spec.iscsi.secretRef: Required value"]);
    expect(pvErrors({ iscsi: { ...base, chapAuthSession: true, secretRef: {} } })).toEqual(["spec.iscsi.secretRef.name: Required value"]);
    expect(pvErrors({ iscsi: { ...base, initiatorName: "eui.123" } })).toEqual(['spec.iscsi.initiatorname: Invalid value: "eui.123": must be valid format']);
    expect(pvErrors({ iscsi: { ...base, initiatorName: "iqn.2015-02.example.com:init" } }, "x".repeat(60))).toEqual([
      'spec.iscsi.targetportal: Invalid value: "127.0.0.1:3260": Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.',
    ]);
  });

  test("azureDisk: defaults (kind Shared, cachingMode ReadWrite) and the disk URI format of the kind", () => {
    const spec: Json = { azureDisk: { diskName: "d", diskURI: "https://a/b.vhd" } };
    defaultPersistentVolumeSource(spec);
    expect(spec.azureDisk).toEqual({ diskName: "d", diskURI: "https://a/b.vhd", cachingMode: "ReadWrite", kind: "Shared", fsType: "ext4", readOnly: false });
    expect(pvErrors({ azureDisk: { diskName: "d", diskURI: "/subscriptions/x", kind: "Managed" } })).toEqual([]);
    expect(pvErrors({ azureDisk: { diskName: "d", diskURI: "/subscriptions/x" } })).toEqual([
      'spec.azureDisk.diskURI: Unsupported value: "/subscriptions/x": supported values: "https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd"',
    ]);
    expect(pvErrors({ azureDisk: { diskName: "d", diskURI: "https://x", kind: "Managed", cachingMode: "All" } })).toEqual([
      'spec.azureDisk.cachingMode: Unsupported value: "All": supported values: "None", "ReadOnly", "ReadWrite"',
      'spec.azureDisk.diskURI: Unsupported value: "https://x": supported values: "/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}"',
    ]);
    expect(pvErrors({ azureDisk: { diskName: "d", diskURI: "https://x", kind: "Big" } })).toEqual(['spec.azureDisk.kind: Unsupported value: "Big": supported values: "Dedicated", "Managed", "Shared"']);
  });

  test("csi: the driver name's length and format, secret references name and namespace", () => {
    expect(pvErrors({ csi: { volumeHandle: "h" } })).toEqual([
      "spec.csi.driver: Required value",
      expect.stringMatching(/^spec\.csi\.driver: Invalid value: "": a lowercase RFC 1123 subdomain/),
    ]);
    expect(pvErrors({ csi: { driver: "CSI.Example.com", volumeHandle: "h" } })).toEqual([]);
    expect(pvErrors({ csi: { driver: `${"a".repeat(64)}`, volumeHandle: "h" } })).toEqual(["spec.csi.driver: Too long: may not be more than 63 bytes"]);
    expect(pvErrors({ csi: { driver: "d", volumeHandle: "h", controllerPublishSecretRef: { name: "s" }, nodeExpandSecretRef: { namespace: "Bad" } } })).toEqual([
      "spec.csi.controllerPublishSecretRef.namespace: Required value",
      "spec.csi.nodeExpandSecretRef.name: Required value",
      expect.stringMatching(/^spec\.csi\.nodeExpandSecretRef\.namespace: Invalid value: "Bad": a lowercase RFC 1123 label/),
    ]);
  });

  test("defaults of rbd, iscsi, scaleIO and hostPath", () => {
    const spec: Json = { rbd: { monitors: ["m"], image: "i" }, iscsi: {}, scaleIO: {}, hostPath: { path: "/p" } };
    defaultPersistentVolumeSource(spec);
    expect(spec.rbd).toEqual({ monitors: ["m"], image: "i", pool: "rbd", user: "admin", keyring: "/etc/ceph/keyring" });
    expect(spec.iscsi).toEqual({ iscsiInterface: "default" });
    expect(spec.scaleIO).toEqual({ storageMode: "ThinProvisioned", fsType: "xfs" });
    expect(spec.hostPath).toEqual({ path: "/p", type: "" });
  });
});

describe("pod volume sources", () => {
  test("a volume without a source is an emptyDir; two sources are refused", () => {
    const v: Json = { name: "v" };
    defaultPodVolume(v);
    expect(v).toEqual({ name: "v", emptyDir: {} });
    expect(podErrors({ name: "v", emptyDir: {}, secret: { secretName: "s" }, downwardAPI: {} })).toEqual([
      "spec.volumes[0].secret: Forbidden: may not specify more than 1 volume type",
      "spec.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type",
    ]);
  });

  test("in-tree sources use their inline variants (no PV-only checks), at spec.volumes[i]", () => {
    expect(podErrors({ name: "v", nfs: { path: "/x" } })).toEqual(["spec.volumes[0].nfs.server: Required value"]);
    expect(podErrors({ name: "v", gcePersistentDisk: {} })).toEqual(["spec.volumes[0].persistentDisk.pdName: Required value"]);
    expect(podErrors({ name: "v", cephfs: { monitors: ["m"] } })).toEqual([]);
    expect(podErrors({ name: "v", cinder: { volumeID: "v", secretRef: { name: "s" } } })).toEqual([]);
    expect(podErrors({ name: "v", iscsi: { targetPortal: "p", iqn: "foo" } })).toEqual(['spec.volumes[0].iscsi.iqn: Invalid value: "foo": must be valid format starting with iqn, eui, or naa']);
    expect(podErrors({ name: "x".repeat(60), iscsi: { targetPortal: "127.0.0.1:3260", iqn: "iqn.2015-02.example.com:t", initiatorName: "iqn.2015-02.example.com:i" } })).toEqual([
      `spec.volumes[0].name: Invalid value: "${"x".repeat(60)}": Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.`,
    ]);
    expect(podErrors({ name: "v", csi: { driver: "d", nodePublishSecretRef: { name: "Bad" } } })).toEqual([expect.stringMatching(/^spec\.volumes\[0\]\.csi\.name: Invalid value: "Bad": a lowercase RFC 1123 subdomain/)]);
    expect(podErrors({ name: "v", persistentVolumeClaim: {} })).toEqual(["spec.volumes[0].persistentVolumeClaim.claimName: Required value"]);
    expect(podErrors({ name: "v", secret: {} })).toEqual(["spec.volumes[0].secret.secretName: Required value"]);
  });

  test("validatePodSpec reports them at the template's path", () => {
    const spec: Json = { containers: [{ name: "c", image: "i" }], volumes: [{ name: "a", configMap: { name: "cm" } }, { name: "b", rbd: { image: "i" } }] };
    expect(validatePodSpec(spec, "spec.template.spec").map(formatFieldError)).toEqual(["spec.template.spec.volumes[1].rbd.monitors: Required value"]);
  });
});
