/** HorizontalPodAutoscalers: one storage in autoscaling/v2, served as v2 and v1. */
import { defineStorageVersion } from "../define.ts";
import type { StorageVersion } from "../types.ts";
import { hpaV1Converter, hpaV2Converter } from "./hpa-v1.ts";

export function hpaStorageVersion(): StorageVersion {
  return defineStorageVersion({
    group: "autoscaling", resource: "horizontalpodautoscalers", apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler",
    converters: { "autoscaling/v1": hpaV1Converter, "autoscaling/v2": hpaV2Converter },
  });
}
