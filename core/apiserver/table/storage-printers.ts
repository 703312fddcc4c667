/**
 * Printers for PersistentVolumes, PersistentVolumeClaims, StorageClasses, CSINodes,
 * ResourceQuotas and LimitRanges (upstream printers.go, 1.32).
 */
import { formatQuantity, parseQuantity } from "../machinery/quantity.ts";
import { AGE_COLUMN, NAME_COLUMN, age, col, type Json } from "./cells.ts";
import type { TablePrinter } from "./types.ts";
import { formatTime } from "../../kube-time.ts";

const BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";

/** resource.Quantity.String(): the canonical form; a missing quantity is the zero value "0". */
export function quantityString(v: unknown): string {
  if (v === undefined || v === null || v === "") return "0";
  const s = String(v);
  try {
    return formatQuantity(parseQuantity(s));
  } catch {
    return s;
  }
}

/** upstream helper.GetAccessModesAsString: deduplicated, in the fixed order RWO, ROX, RWX, RWOP. */
export function accessModesText(modes: unknown): string {
  const set = new Set(Array.isArray(modes) ? modes : []);
  const out: string[] = [];
  if (set.has("ReadWriteOnce")) out.push("RWO");
  if (set.has("ReadOnlyMany")) out.push("ROX");
  if (set.has("ReadWriteMany")) out.push("RWX");
  if (set.has("ReadWriteOncePod")) out.push("RWOP");
  return out.join(",");
}

/** helper.GetPersistentVolume(Claim)Class: the beta annotation wins over spec.storageClassName. */
function storageClassOf(obj: Json): string {
  const ann = obj.metadata?.annotations ?? {};
  if (Object.hasOwn(ann, BETA_STORAGE_CLASS)) return ann[BETA_STORAGE_CLASS];
  return obj.spec?.storageClassName ?? "";
}

function phaseOf(obj: Json): string {
  return obj.metadata?.deletionTimestamp ? "Terminating" : obj.status?.phase ?? "";
}

const unset = (v: unknown): string => (v === undefined || v === null ? "<unset>" : String(v));

export const persistentVolumePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Capacity", "string", 0, "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
    col("Access Modes", "string", 0, "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"),
    col("Reclaim Policy", "string", 0, "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"),
    col("Status", "string", 0, "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"),
    col("Claim", "string", 0, "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"),
    col("StorageClass", "string", 0, "StorageClass of the pv"),
    col("VolumeAttributesClass", "string", 0, "VolumeAttributesClass of the pv"),
    col("Reason", "string", 0, "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
    AGE_COLUMN,
    col("VolumeMode", "string", 1, "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec."),
  ],
  cells(pv, now) {
    const spec: Json = pv.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ""}/${spec.claimRef.name ?? ""}` : "";
    return [
      pv.metadata.name ?? "", quantityString(spec.capacity?.storage), accessModesText(spec.accessModes), spec.persistentVolumeReclaimPolicy ?? "",
      phaseOf(pv), claim, storageClassOf(pv), unset(spec.volumeAttributesClassName), pv.status?.reason ?? "", age(pv, now), unset(spec.volumeMode),
    ];
  },
};

export const persistentVolumeClaimPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Status", "string", 0, "phase represents the current phase of PersistentVolumeClaim."),
    col("Volume", "string", 0, "volumeName is the binding reference to the PersistentVolume backing this claim."),
    col("Capacity", "string", 0, "capacity represents the actual resources of the underlying volume."),
    col("Access Modes", "string", 0, "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"),
    col("StorageClass", "string", 0, "StorageClass of the pvc"),
    col("VolumeAttributesClass", "string", 0, "VolumeAttributesClass of the pvc"),
    AGE_COLUMN,
    col("VolumeMode", "string", 1, "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec."),
  ],
  cells(pvc, now) {
    const spec: Json = pvc.spec ?? {};
    let capacity = "";
    let modes = "";
    // Capacity and access modes come from status, and only once a volume is bound.
    if (spec.volumeName) {
      modes = accessModesText(pvc.status?.accessModes);
      capacity = quantityString(pvc.status?.capacity?.storage);
    }
    return [
      pvc.metadata.name ?? "", phaseOf(pvc), spec.volumeName ?? "", capacity, modes, storageClassOf(pvc),
      unset(pvc.status?.currentVolumeAttributesClassName), age(pvc, now), unset(spec.volumeMode),
    ];
  },
};

/** storageutil.IsDefaultAnnotation: the GA or the beta is-default-class annotation set to "true". */
export function isDefaultStorageClass(obj: Json): boolean {
  const ann = obj.metadata?.annotations ?? {};
  return ann["storageclass.kubernetes.io/is-default-class"] === "true" || ann["storageclass.beta.kubernetes.io/is-default-class"] === "true";
}

export const storageClassPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Provisioner", "string", 0, "provisioner indicates the type of the provisioner."),
    col("ReclaimPolicy", "string", 0, "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
    col("VolumeBindingMode", "string", 0, "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature."),
    col("AllowVolumeExpansion", "string", 0, "allowVolumeExpansion shows whether the storage class allow volume expand."),
    AGE_COLUMN,
  ],
  cells(sc, now) {
    const name = `${sc.metadata.name ?? ""}${isDefaultStorageClass(sc) ? " (default)" : ""}`;
    return [name, sc.provisioner ?? "", sc.reclaimPolicy ?? "Delete", sc.volumeBindingMode ?? "Immediate", sc.allowVolumeExpansion === true, age(sc, now)];
  },
};

export const csiNodePrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Drivers", "integer", 0, "Drivers indicates the number of CSI drivers registered on the node"), AGE_COLUMN],
  cells: (n, now) => [n.metadata.name ?? "", (n.spec?.drivers ?? []).length, age(n, now)],
};

export const csiDriverPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("AttachRequired", "boolean", 0, "attachRequired indicates this CSI volume driver requires an attach operation."),
    col("PodInfoOnMount", "boolean", 0, "podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations."),
    col("StorageCapacity", "boolean", 0, "storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report."),
    col("TokenRequests", "string", 0, "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication."),
    col("RequiresRepublish", "boolean", 0, "requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume."),
    col("Modes", "string", 0, "volumeLifecycleModes defines what kind of volumes this CSI volume driver supports."),
    AGE_COLUMN,
  ],
  cells(d, now) {
    const spec: Json = d.spec ?? {};
    const tokens: Json[] = spec.tokenRequests ?? [];
    const tokenText = tokens.length ? tokens.map((t) => t.audience ?? "").join(",") : "<unset>";
    const modes: string[] = spec.volumeLifecycleModes ?? [];
    return [
      d.metadata.name ?? "", spec.attachRequired ?? true, spec.podInfoOnMount ?? false, spec.storageCapacity ?? false, tokenText,
      spec.requiresRepublish ?? false, modes.length ? modes.join(",") : "<none>", age(d, now),
    ];
  },
};

export const volumeAttachmentPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Attacher", "string", 0, "attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName().", "name"),
    col("PV", "string", 0, "persistentVolumeName represents the name of the persistent volume to attach."),
    col("Node", "string", 0, "nodeName represents the node that the volume should be attached to."),
    col("Attached", "boolean", 0, "attached indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher."),
    AGE_COLUMN,
  ],
  cells: (va, now) => [
    va.metadata.name ?? "", va.spec?.attacher ?? "", va.spec?.source?.persistentVolumeName ?? "", va.spec?.nodeName ?? "", va.status?.attached === true, age(va, now),
  ],
};

/** upstream SortableResourceNames: plain string order of the resource names. */
export const resourceQuotaPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN, AGE_COLUMN,
    col("Request", "string", 0, "Request represents a minimum amount of cpu/memory that a container may consume."),
    col("Limit", "string", 0, "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
  ],
  cells(q, now) {
    const hard: Json = q.status?.hard ?? {};
    const used: Json = q.status?.used ?? {};
    const requests: string[] = [];
    const limits: string[] = [];
    for (const name of Object.keys(hard).sort()) {
      const pieces = name.split(".");
      const text = `${name}: ${quantityString(used[name])}/${quantityString(hard[name])}`;
      (pieces.length > 1 && pieces[0] === "limits" ? limits : requests).push(text);
    }
    return [q.metadata.name ?? "", age(q, now), requests.join(", "), limits.join(", ")];
  },
};

/** LimitRange: Name and Created At (RFC3339, UTC), as upstream. */
export const limitRangePrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Created At", "date", 0, "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")],
  cells(lr) {
    const t = lr.metadata.creationTimestamp;
    const ms = t ? Date.parse(t) : Number.NaN;
    return [lr.metadata.name ?? "", Number.isNaN(ms) ? "0001-01-01T00:00:00Z" : formatTime(ms)];
  },
};
