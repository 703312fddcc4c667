/** The kubelet's volumes: set-up, container mounts, refresh and teardown of pod volumes. */
export { VolumeManager, type VolumeManagerDeps } from "./volume-manager.ts";
export { VolumeError } from "./errors.ts";
export type { MountedVolume, PodVolumes } from "./types.ts";
export { PLUGINS, podDir, podVolumesDir, volumeDir } from "./layout.ts";
