/**
 * The `local-path` StorageClass as K3s ships it (manifests/local-storage.yaml): default class,
 * provisioner rancher.io/local-path, WaitForFirstConsumer, reclaim Delete. Created when missing and
 * otherwise left alone (an operator may have taken the default annotation off it).
 */
import { isAlreadyExists, type ApiClient } from "@lite/sdk";
import { ANN, PLUGIN_ID, PLUGIN_LABEL, PROVISIONER, STORAGE_CLASS, STORAGE_CLASSES, type StorageClassObject } from "./names.ts";

export function localPathStorageClass(): StorageClassObject {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: STORAGE_CLASS, labels: { [PLUGIN_LABEL]: PLUGIN_ID }, annotations: { [ANN.isDefaultClass]: "true" } },
    provisioner: PROVISIONER,
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
  };
}

/** Creates the class unless it exists. Returns what is there now. */
export async function ensureStorageClass(client: ApiClient, signal: AbortSignal): Promise<{ created: boolean; storageClass: StorageClassObject }> {
  try {
    const created = await client.create<StorageClassObject>(STORAGE_CLASSES, localPathStorageClass(), { signal });
    return { created: true, storageClass: created };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return { created: false, storageClass: await client.get<StorageClassObject>({ ...STORAGE_CLASSES, name: STORAGE_CLASS }, { signal }) };
  }
}
