/**
 * Volume sources of PersistentVolumes and pod volumes, validated as upstream 1.32
 * (pkg/apis/core/validation: the PersistentVolumeSource part of ValidatePersistentVolumeSpec,
 * validateVolumeSource, and the per-source validators), with upstream's field paths (quirks
 * included: `persistentDisk` for gcePersistentDisk, `cephFS`/`cephfs`, `downwarAPI`) and messages;
 * plus the v1 defaults those checks depend on (SetDefaults_AzureDiskVolumeSource & co).
 */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { checkDns1123Label, checkDns1123Subdomain } from "../../validation/names.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/** PersistentVolumeSource's members, in upstream's order of checking. */
export const PV_SOURCES = [
  "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "glusterfs", "flocker", "nfs", "rbd", "quobyte", "cephfs", "iscsi",
  "cinder", "fc", "flexVolume", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume", "azureDisk", "scaleIO",
  "local", "storageos", "csi",
] as const;

/** VolumeSource's members, in upstream's order of checking. */
const POD_SOURCES = [
  "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi", "glusterfs", "flocker",
  "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI", "fc", "flexVolume", "configMap", "azureFile",
  "vsphereVolume", "photonPersistentDisk", "portworxVolume", "azureDisk", "storageos", "projected", "scaleIO", "csi", "ephemeral", "image",
] as const;

/** Where upstream reports "more than 1 volume type" when it differs from the member's name. */
const FORBIDDEN_PATH: Record<string, string> = { cephfs: "cephFS", downwardAPI: "downwarAPI" };
/** Where upstream validates a member when it differs from the member's name. */
const CHILD_PATH: Record<string, string> = { gcePersistentDisk: "persistentDisk" };

const HOST_PATH_TYPES = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"];
const AZURE_CACHING_MODES = ["None", "ReadOnly", "ReadWrite"];
const AZURE_DISK_KINDS = ["Dedicated", "Managed", "Shared"];
const ISCSI_IQN = /iqn\.\d{4}-\d{2}\.([A-Za-z0-9.-]+)(:[^,;*&$|\s]+)$/;
const ISCSI_EUI = /^eui.[A-Za-z0-9]{16}$/;
const ISCSI_NAA = /^naa.[A-Za-z0-9]{32}$/;
const ISCSI_TOO_LONG = "Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.";
const PARTITION_RANGE = "must be between 1 and 255, inclusive"; // upstream pdPartitionErrorMsg (the check itself is 0..255)
const LUN_RANGE = "must be between 0 and 255, inclusive";

const str = (v: unknown): string => (typeof v === "string" ? v : v == null ? "" : String(v));
const len = (v: unknown): number => (Array.isArray(v) ? v.length : typeof v === "string" ? v.length : 0);
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const goQuote = (s: string) => JSON.stringify(s);
/** field.Invalid with a []string bad value, shown as Go's %#v. */
const invalidStrings = (path: string, values: unknown[], detail: string): FieldError => ({
  type: "FieldValueInvalid", field: path, body: `Invalid value: []string{${values.map((v) => goQuote(str(v))).join(", ")}}: ${detail}`,
});

// ---- defaults (pkg/apis/core/v1/defaults.go) ----

/** The v1 defaults of one volume source member, in place (PV and pod volumes alike). */
export function defaultVolumeSource(key: string, src: unknown): void {
  if (!src || typeof src !== "object") return;
  const s = src as Json;
  switch (key) {
    case "hostPath": s.type ??= ""; break;
    case "iscsi": if (!s.iscsiInterface) s.iscsiInterface = "default"; break;
    case "rbd":
      if (!s.pool) s.pool = "rbd";
      if (!s.user) s.user = "admin";
      if (!s.keyring) s.keyring = "/etc/ceph/keyring";
      break;
    case "azureDisk":
      s.cachingMode ??= "ReadWrite"; s.kind ??= "Shared"; s.fsType ??= "ext4"; s.readOnly ??= false;
      break;
    case "scaleIO":
      if (!s.storageMode) s.storageMode = "ThinProvisioned";
      if (!s.fsType) s.fsType = "xfs";
      break;
  }
}

/** SetDefaults for a PersistentVolume spec's source. */
export function defaultPersistentVolumeSource(spec: Json | undefined): void {
  if (!spec || typeof spec !== "object") return;
  for (const key of PV_SOURCES) defaultVolumeSource(key, spec[key]);
}

/** SetDefaults_Volume (a volume with no source is an emptyDir) and the source's own defaults. */
export function defaultPodVolume(v: Json): void {
  if (POD_SOURCES.every((k) => v[k] == null)) v.emptyDir = {};
  for (const key of POD_SOURCES) defaultVolumeSource(key, v[key]);
}

// ---- shared validators ----

function pathNoBacksteps(p: string, path: string): FieldError[] {
  return p.replaceAll("\\", "/").split("/").includes("..") ? [fieldErrors.invalid(path, p, "must not contain '..'")] : [];
}

function hostPathErrors(s: Json, path: string): FieldError[] {
  if (!s.path) return [fieldErrors.required(`${path}.path`)];
  const errs = pathNoBacksteps(str(s.path), `${path}.path`);
  if (s.type != null && !HOST_PATH_TYPES.includes(s.type)) errs.push(fieldErrors.notSupported(`${path}.type`, s.type, HOST_PATH_TYPES));
  return errs;
}

function localErrors(s: Json, path: string): FieldError[] {
  if (!s.path) return [fieldErrors.required(`${path}.path`)];
  return pathNoBacksteps(str(s.path), `${path}.path`);
}

/** gcePersistentDisk (`pdName`) and awsElasticBlockStore (`volumeID`): the disk's id, and a partition in 0..255. */
function partitionedDiskErrors(s: Json, path: string, idField: "pdName" | "volumeID"): FieldError[] {
  const errs: FieldError[] = [];
  if (!s[idField]) errs.push(fieldErrors.required(`${path}.${idField}`));
  if (num(s.partition) < 0 || num(s.partition) > 255) errs.push(fieldErrors.invalid(`${path}.partition`, s.partition, PARTITION_RANGE));
  return errs;
}

function glusterfsErrors(s: Json, path: string, pv: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.endpoints) errs.push(fieldErrors.required(`${path}.endpoints`));
  if (!s.path) errs.push(fieldErrors.required(`${path}.path`));
  if (pv && s.endpointsNamespace != null) {
    const ns = str(s.endpointsNamespace);
    if (ns === "") errs.push(fieldErrors.invalid(`${path}.endpointsNamespace`, ns, "if the endpointnamespace is set, it must be a valid namespace name"));
    else for (const m of checkDns1123Label(ns)) errs.push(fieldErrors.invalid(`${path}.endpointsNamespace`, ns, m));
  }
  return errs;
}

function flockerErrors(s: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s.datasetName);
  const uuid = str(s.datasetUUID);
  if (!name && !uuid) errs.push(fieldErrors.required(path, "one of datasetName and datasetUUID is required"));
  if (name && uuid) errs.push(fieldErrors.invalid(path, "resource", "datasetName and datasetUUID can not be specified simultaneously"));
  if (name.includes("/")) errs.push(fieldErrors.invalid(`${path}.datasetName`, name, "must not contain '/'"));
  return errs;
}

function nfsErrors(s: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.server) errs.push(fieldErrors.required(`${path}.server`));
  if (!s.path) errs.push(fieldErrors.required(`${path}.path`));
  if (!str(s.path).startsWith("/")) errs.push(fieldErrors.invalid(`${path}.path`, str(s.path), "must be an absolute path"));
  return errs;
}

function rbdErrors(s: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (len(s.monitors) === 0) errs.push(fieldErrors.required(`${path}.monitors`));
  if (!s.image) errs.push(fieldErrors.required(`${path}.image`));
  return errs;
}

/** net.SplitHostPort's acceptance (the port may be empty, an IPv6 host must be bracketed). */
function isHostPort(hp: string): boolean {
  const i = hp.lastIndexOf(":");
  if (i < 0) return false;
  if (hp.startsWith("[")) {
    const end = hp.indexOf("]");
    if (end < 0 || end + 1 !== i) return false;
    if (hp.slice(1, end).includes("[") || hp.slice(end + 1).includes("[") || hp.slice(end + 1).includes("]")) return false;
    return true;
  }
  const host = hp.slice(0, i);
  if (host.includes(":") || host.includes("[") || host.includes("]")) return false;
  return !hp.slice(i + 1).includes("[") && !hp.slice(i + 1).includes("]");
}

function quobyteErrors(s: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const registry = str(s.registry);
  const hostPorts = "must be a host:port pair or multiple pairs separated by commas";
  if (!registry) errs.push(fieldErrors.required(`${path}.registry`, hostPorts));
  else if (str(s.tenant).length >= 65) errs.push(fieldErrors.required(`${path}.tenant`, "must be a UUID and may not exceed a length of 64 characters"));
  else for (const pair of registry.split(",")) if (!isHostPort(pair)) errs.push(fieldErrors.invalid(`${path}.registry`, registry, hostPorts));
  if (!s.volume) errs.push(fieldErrors.required(`${path}.volume`));
  return errs;
}

function cephfsErrors(s: Json, path: string): FieldError[] {
  return len(s.monitors) === 0 ? [fieldErrors.required(`${path}.monitors`)] : [];
}

/** The iqn/eui/naa formats shared by iqn and initiatorName; `prefixMsg` differs between pod and PV. */
function iscsiNameErrors(value: string, path: string, prefixMsg: string, prefixThenElse: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const known = value.startsWith("iqn") || value.startsWith("eui") || value.startsWith("naa");
  if (!known) {
    errs.push(fieldErrors.invalid(path, value, prefixMsg));
    if (prefixThenElse) return errs;
  }
  if ((value.startsWith("iqn") && !ISCSI_IQN.test(value)) || (value.startsWith("eui") && !ISCSI_EUI.test(value)) ||
    (value.startsWith("naa") && !ISCSI_NAA.test(value))) {
    errs.push(fieldErrors.invalid(path, value, "must be valid format"));
  }
  return errs;
}

function iscsiErrors(s: Json, path: string, pvName: string | undefined): FieldError[] {
  const pv = pvName !== undefined;
  const errs: FieldError[] = [];
  const portal = str(s.targetPortal);
  const nameFormat = pv ? "must be valid format" : "must be valid format starting with iqn, eui, or naa";
  if (!portal) errs.push(fieldErrors.required(`${path}.targetPortal`));
  if (pv && s.initiatorName != null && `${pvName}:${portal}`.length > 64) errs.push(fieldErrors.invalid(`${path}.targetportal`, portal, ISCSI_TOO_LONG));
  if (!s.iqn) errs.push(fieldErrors.required(`${path}.iqn`));
  else errs.push(...iscsiNameErrors(str(s.iqn), `${path}.iqn`, nameFormat, true));
  if (num(s.lun) < 0 || num(s.lun) > 255) errs.push(fieldErrors.invalid(`${path}.lun`, s.lun, LUN_RANGE));
  if ((s.chapAuthDiscovery || s.chapAuthSession) && s.secretRef == null) errs.push(fieldErrors.required(`${path}.secretRef`));
  if (pv && s.secretRef != null && !s.secretRef.name) errs.push(fieldErrors.required(`${path}.secretRef.name`));
  if (s.initiatorName != null) {
    errs.push(...iscsiNameErrors(str(s.initiatorName), `${path}.initiatorname`, nameFormat, false));
  }
  return errs;
}

function cinderErrors(s: Json, path: string, pv: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.volumeID) errs.push(fieldErrors.required(`${path}.volumeID`));
  if (s.secretRef != null) {
    if (!s.secretRef.name) errs.push(fieldErrors.required(`${path}.secretRef.name`));
    if (pv && !s.secretRef.namespace) errs.push(fieldErrors.required(`${path}.secretRef.namespace`));
  }
  return errs;
}

function fcErrors(s: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const wwns: unknown[] = Array.isArray(s.targetWWNs) ? s.targetWWNs : [];
  const wwids: unknown[] = Array.isArray(s.wwids) ? s.wwids : [];
  if (wwns.length < 1 && wwids.length < 1) errs.push(fieldErrors.required(`${path}.targetWWNs`, "must specify either targetWWNs or wwids, but not both"));
  if (wwns.length !== 0 && wwids.length !== 0) errs.push(invalidStrings(`${path}.targetWWNs`, wwns, "targetWWNs and wwids can not be specified simultaneously"));
  if (wwns.length !== 0) {
    if (s.lun == null) errs.push(fieldErrors.required(`${path}.lun`, "lun is required if targetWWNs is specified"));
    else if (num(s.lun) < 0 || num(s.lun) > 255) errs.push(fieldErrors.invalid(`${path}.lun`, s.lun, LUN_RANGE));
  }
  return errs;
}

function flexVolumeErrors(s: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.driver) errs.push(fieldErrors.required(`${path}.driver`));
  for (const k of Object.keys(s.options && typeof s.options === "object" ? s.options : {})) {
    const slash = k.indexOf("/");
    const normalized = `.${(slash >= 0 ? k.slice(0, slash) : k).toLowerCase()}`;
    if (normalized.endsWith(".kubernetes.io") || normalized.endsWith(".k8s.io")) {
      errs.push(fieldErrors.invalid(`${path}.options[${k}]`, k, "kubernetes.io and k8s.io namespaces are reserved"));
    }
  }
  return errs;
}

function azureFileErrors(s: Json, path: string, pv: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.secretName) errs.push(fieldErrors.required(`${path}.secretName`));
  if (!s.shareName) errs.push(fieldErrors.required(`${path}.shareName`));
  if (pv && s.secretNamespace != null && str(s.secretNamespace) === "") errs.push(fieldErrors.required(`${path}.secretNamespace`));
  return errs;
}

function azureDiskErrors(s: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const uri = str(s.diskURI);
  if (!s.diskName) errs.push(fieldErrors.required(`${path}.diskName`));
  if (!uri) errs.push(fieldErrors.required(`${path}.diskURI`));
  if (s.cachingMode != null && !AZURE_CACHING_MODES.includes(s.cachingMode)) errs.push(fieldErrors.notSupported(`${path}.cachingMode`, s.cachingMode, AZURE_CACHING_MODES));
  if (s.kind != null && !AZURE_DISK_KINDS.includes(s.kind)) errs.push(fieldErrors.notSupported(`${path}.kind`, s.kind, AZURE_DISK_KINDS));
  if (s.kind != null && s.kind === "Managed" && !uri.startsWith("/subscriptions/")) {
    errs.push(fieldErrors.notSupported(`${path}.diskURI`, uri, ["/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}"]));
  }
  if (s.kind != null && s.kind !== "Managed" && !uri.startsWith("https://")) {
    errs.push(fieldErrors.notSupported(`${path}.diskURI`, uri, ["https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd"]));
  }
  return errs;
}

const requiredField = (field: string) => (s: Json, path: string): FieldError[] => (s[field] ? [] : [fieldErrors.required(`${path}.${field}`)]);

function scaleIOErrors(s: Json, path: string): FieldError[] {
  return ["gateway", "system", "volumeName"].flatMap((f) => requiredField(f)(s, path));
}

function storageOSErrors(s: Json, path: string, pv: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.volumeName) errs.push(fieldErrors.required(`${path}.volumeName`));
  else for (const m of checkDns1123Label(str(s.volumeName))) errs.push(fieldErrors.invalid(`${path}.volumeName`, s.volumeName, m));
  if (str(s.volumeNamespace).length > 0) for (const m of checkDns1123Label(str(s.volumeNamespace))) errs.push(fieldErrors.invalid(`${path}.volumeNamespace`, s.volumeNamespace, m));
  if (s.secretRef != null) {
    if (!s.secretRef.name) errs.push(fieldErrors.required(`${path}.secretRef.name`));
    if (pv && !s.secretRef.namespace) errs.push(fieldErrors.required(`${path}.secretRef.namespace`));
  }
  return errs;
}

/** ValidateCSIDriverName. */
function csiDriverErrors(driver: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (driver.length === 0) errs.push(fieldErrors.required(path));
  if (driver.length > 63) errs.push(fieldErrors.tooLong(path, 63));
  for (const m of checkDns1123Subdomain(driver.toLowerCase())) errs.push(fieldErrors.invalid(path, driver, m));
  return errs;
}

/** validatePVSecretReference. */
function pvSecretRefErrors(ref: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!ref.name) errs.push(fieldErrors.required(`${path}.name`));
  else for (const m of checkDns1123Subdomain(str(ref.name))) errs.push(fieldErrors.invalid(`${path}.name`, ref.name, m));
  if (!ref.namespace) errs.push(fieldErrors.required(`${path}.namespace`));
  else for (const m of checkDns1123Label(str(ref.namespace))) errs.push(fieldErrors.invalid(`${path}.namespace`, ref.namespace, m));
  return errs;
}

function csiPVErrors(s: Json, path: string): FieldError[] {
  const errs = csiDriverErrors(str(s.driver), `${path}.driver`);
  if (!s.volumeHandle) errs.push(fieldErrors.required(`${path}.volumeHandle`));
  for (const ref of ["controllerPublishSecretRef", "controllerExpandSecretRef", "nodePublishSecretRef", "nodeExpandSecretRef"]) {
    if (s[ref] != null) errs.push(...pvSecretRefErrors(s[ref], `${path}.${ref}`));
  }
  return errs;
}

function csiInlineErrors(s: Json, path: string): FieldError[] {
  const errs = csiDriverErrors(str(s.driver), `${path}.driver`);
  const ref = s.nodePublishSecretRef;
  if (ref != null) {
    if (!ref.name) errs.push(fieldErrors.required(`${path}.nodePublishSecretRef.name`));
    // Upstream reports a malformed name at `<csi>.name`.
    else for (const m of checkDns1123Subdomain(str(ref.name))) errs.push(fieldErrors.invalid(`${path}.name`, ref.name, m));
  }
  return errs;
}

/** One source member's errors; `pvName` is set for PersistentVolumes (their variants differ a little). */
function sourceErrors(key: string, src: unknown, path: string, pvName: string | undefined): FieldError[] {
  const s: Json = src && typeof src === "object" ? (src as Json) : {};
  const pv = pvName !== undefined;
  switch (key) {
    case "hostPath": return hostPathErrors(s, path);
    case "local": return localErrors(s, path);
    case "gcePersistentDisk": return partitionedDiskErrors(s, path, "pdName");
    case "awsElasticBlockStore": return partitionedDiskErrors(s, path, "volumeID");
    case "glusterfs": return glusterfsErrors(s, path, pv);
    case "flocker": return flockerErrors(s, path);
    case "nfs": return nfsErrors(s, path);
    case "rbd": return rbdErrors(s, path);
    case "quobyte": return quobyteErrors(s, path);
    case "cephfs": return cephfsErrors(s, path);
    case "iscsi": return iscsiErrors(s, path, pvName);
    case "cinder": return cinderErrors(s, path, pv);
    case "fc": return fcErrors(s, path);
    case "flexVolume": return flexVolumeErrors(s, path);
    case "azureFile": return azureFileErrors(s, path, pv);
    case "vsphereVolume": return requiredField("volumePath")(s, path);
    case "photonPersistentDisk": return requiredField("pdID")(s, path);
    case "portworxVolume": return requiredField("volumeID")(s, path);
    case "azureDisk": return azureDiskErrors(s, path);
    case "scaleIO": return scaleIOErrors(s, path);
    case "storageos": return storageOSErrors(s, path, pv);
    case "csi": return pv ? csiPVErrors(s, path) : csiInlineErrors(s, path);
    // Pod-only sources: the required names (their items, projections and modes are not looked into).
    case "gitRepo": return requiredField("repository")(s, path);
    case "secret": return requiredField("secretName")(s, path);
    case "configMap": return requiredField("name")(s, path);
    case "persistentVolumeClaim": return requiredField("claimName")(s, path);
    default: return [];
  }
}

/**
 * The PersistentVolumeSource part of ValidatePersistentVolumeSpec: exactly one source (flexVolume is
 * counted but never refused as a second one, as upstream), each validated; `local` needs node affinity.
 */
export function persistentVolumeSourceErrors(spec: Json, pvName: string, nodeAffinitySpecified: boolean, path = "spec"): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const key of PV_SOURCES) {
    if (spec[key] == null) continue;
    if (count > 0 && key !== "flexVolume") {
      errs.push(fieldErrors.forbidden(`${path}.${FORBIDDEN_PATH[key] ?? key}`, "may not specify more than 1 volume type"));
      continue;
    }
    count++;
    errs.push(...sourceErrors(key, spec[key], `${path}.${CHILD_PATH[key] ?? key}`, pvName));
    if (key === "local" && !nodeAffinitySpecified) errs.push(fieldErrors.required(`${path}.nodeAffinity`, "Local volume requires node affinity"));
  }
  if (count === 0) errs.push(fieldErrors.required(path, "must specify a volume type"));
  return errs;
}

/**
 * validateVolumeSource for one pod volume at `path` (`spec.volumes[0]`): exactly one source, the
 * in-tree sources as for PersistentVolumes (their inline variants), the required names of secret,
 * configMap, gitRepo and persistentVolumeClaim volumes. Ephemeral volumes are validated by the caller.
 */
export function podVolumeSourceErrors(volume: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const key of POD_SOURCES) {
    if (volume[key] == null) continue;
    if (count > 0) errs.push(fieldErrors.forbidden(`${path}.${FORBIDDEN_PATH[key] ?? key}`, "may not specify more than 1 volume type"));
    else {
      count++;
      errs.push(...sourceErrors(key, volume[key], `${path}.${CHILD_PATH[key] ?? key}`, undefined));
    }
    if (key === "iscsi" && volume.iscsi?.initiatorName != null && `${str(volume.name)}:${str(volume.iscsi.targetPortal)}`.length > 64) {
      errs.push(fieldErrors.invalid(`${path}.name`, str(volume.name), ISCSI_TOO_LONG));
    }
  }
  if (count === 0) errs.push(fieldErrors.required(path, "must specify a volume type"));
  return errs;
}
