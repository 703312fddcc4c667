/**
 * Where pod volumes live, as upstream's kubelet lays them out under its root dir:
 * `pods/<uid>/volumes/<escaped plugin>/<volume>` and `pods/<uid>/volume-subpaths/<volume>/<container>/<index>`.
 */
import type { AgentPaths } from "../../paths.ts";

/** Upstream plugin names (the `/` becomes `~` on disk, as utilstrings.EscapeQualifiedName does). */
export const PLUGINS = {
  emptyDir: "kubernetes.io/empty-dir",
  hostPath: "kubernetes.io/host-path",
  configMap: "kubernetes.io/configmap",
  secret: "kubernetes.io/secret",
  downwardAPI: "kubernetes.io/downward-api",
  projected: "kubernetes.io/projected",
  local: "kubernetes.io/local-volume",
} as const;

export function podDir(paths: AgentPaths, podUid: string): string {
  return `${paths.podsDir}/${podUid}`;
}

export function podVolumesDir(paths: AgentPaths, podUid: string): string {
  return `${podDir(paths, podUid)}/volumes`;
}

export function volumeDir(paths: AgentPaths, podUid: string, plugin: string, volumeName: string): string {
  return `${podVolumesDir(paths, podUid)}/${plugin.replace("/", "~")}/${volumeName}`;
}

export function subPathsDir(paths: AgentPaths, podUid: string): string {
  return `${podDir(paths, podUid)}/volume-subpaths`;
}

/** The bind target of one subPath mount (upstream getSubpathBindTarget). */
export function subPathTarget(paths: AgentPaths, podUid: string, volumeName: string, containerName: string, index: number): string {
  return `${subPathsDir(paths, podUid)}/${volumeName}/${containerName}/${index}`;
}
