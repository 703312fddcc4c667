// storage/v1: declarations of the storage.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const storageV1 = defineApiPackage({
  id: "storage/v1",
  group: "storage.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.storage.v1",
  kinds: { StorageClass: {}, CSIDriver: {}, CSINode: {}, VolumeAttachment: {} },
  types: {
    StorageClass: object("A class of dynamically provisioned storage.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      provisioner: f(2, "string", "Name of the volume provisioner.", { required: true }),
      parameters: f(3, "map<string>", "Provisioner-specific parameters."),
      reclaimPolicy: f(4, "*string", "Delete or Retain for provisioned volumes.", { enum: ["Recycle","Delete","Retain"] }),
      mountOptions: f(5, "[]string", { listType: "atomic" }),
      allowVolumeExpansion: f(6, "*bool"),
      volumeBindingMode: f(7, "*string", "Immediate or WaitForFirstConsumer.", { enum: ["Immediate","WaitForFirstConsumer"] }),
      allowedTopologies: f(8, "[]core/v1.TopologySelectorTerm", { listType: "atomic" }),
    }),
    CSIDriver: object("Information about an installed CSI driver.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "CSIDriverSpec", { required: true }),
    }),
    CSINode: object("CSI drivers installed on a node.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "CSINodeSpec", { required: true }),
    }),
    VolumeAttachment: object("A request to attach a volume to a node.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "VolumeAttachmentSpec", { required: true }),
      status: f(3, "VolumeAttachmentStatus"),
    }),
    CSIDriverSpec: object("Capabilities of the driver.", {
      attachRequired: f(1, "*bool"),
      podInfoOnMount: f(2, "*bool"),
      volumeLifecycleModes: f(3, "[]string", { listType: "set" }),
      storageCapacity: f(4, "*bool"),
      fsGroupPolicy: f(5, "*string"),
      tokenRequests: f(6, "[]TokenRequest", { listType: "atomic" }),
      requiresRepublish: f(7, "*bool"),
      seLinuxMount: f(8, "*bool"),
    }),
    CSINodeSpec: object("The node's drivers.", {
      drivers: f(1, "[]CSINodeDriver", { required: true, patch: "merge", mergeKey: "name", listType: "map", mapKeys: ["name"] }),
    }),
    VolumeAttachmentSpec: object("Attacher, volume and node.", {
      attacher: f(1, "string", { required: true }),
      source: f(2, "VolumeAttachmentSource", { required: true }),
      nodeName: f(3, "string", { required: true }),
    }),
    VolumeAttachmentStatus: object("Attach result.", {
      attached: f(1, "bool", { required: true }),
      attachmentMetadata: f(2, "map<string>"),
      attachError: f(3, "*VolumeError"),
      detachError: f(4, "*VolumeError"),
    }),
    TokenRequest: object("A token the driver wants for pods.", {
      audience: f(1, "string", { required: true }),
      expirationSeconds: f(2, "*int64"),
    }),
    CSINodeDriver: object("A driver on a node.", {
      name: f(1, "string", { required: true }),
      nodeID: f(2, "string", { required: true }),
      topologyKeys: f(3, "[]string", { listType: "atomic" }),
      allocatable: f(4, "*VolumeNodeResources"),
    }),
    VolumeAttachmentSource: object("The volume to attach.", {
      persistentVolumeName: f(1, "*string"),
      inlineVolumeSpec: f(2, "*core/v1.PersistentVolumeSpec"),
    }),
    VolumeError: object("An error from an attach or detach.", {
      time: f(1, "Time"),
      message: f(2, "string"),
    }),
    VolumeNodeResources: object("Volume limits of a node.", {
      count: f(1, "*int32"),
    }),
  },
});
