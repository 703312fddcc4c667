/**
 * A container's volumeMounts as CRI mounts (upstream kubelet_pods.go makeMounts): the volume's
 * host path, or a safely bind-mounted subPath / subPathExpr inside it, read-only when the mount
 * or the volume plugin says so, with the mount propagation translated. Errors carry upstream's
 * text (they surface as CreateContainerConfigError).
 */
import { statSync } from "node:fs";
import type { Logger } from "@lite/sdk";
import type { Mount } from "../../cri/types.ts";
import { safeMakeDir, bindSubPath } from "./subpath.ts";
import type { ContainerSpec, PodVolumes, VolumeMountSpec } from "./types.ts";

/**
 * expansion.Expand for subPathExpr: `$(VAR)` from the container's env, `$$` for a literal `$`;
 * a variable that is unset or empty fails (`missing value for A, B`).
 */
export function expandSubPathExpr(expr: string, env: ReadonlyMap<string, string>): string {
  const missing = new Set<string>();
  let out = "";
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i];
    if (ch !== "$" || i + 1 >= expr.length) { out += ch; continue; }
    const next = expr[i + 1];
    if (next === "$") { out += "$"; i++; continue; }
    if (next === "(") {
      const close = expr.indexOf(")", i + 2);
      if (close < 0) { out += "$("; i++; continue; }
      const name = expr.slice(i + 2, close);
      const value = env.get(name);
      if (!value) missing.add(name);
      out += value ?? "";
      i = close;
      continue;
    }
    out += `$${next}`;
    i++;
  }
  if (missing.size) throw new Error(`missing value for ${[...missing].sort().join(", ")}`);
  return out;
}

/** translateMountPropagation. */
export function translatePropagation(mode: string | undefined): NonNullable<Mount["propagation"]> {
  switch (mode) {
    case undefined: case null: case "": case "None": return "PROPAGATION_PRIVATE";
    case "HostToContainer": return "PROPAGATION_HOST_TO_CONTAINER";
    case "Bidirectional": return "PROPAGATION_BIDIRECTIONAL";
    default: throw new Error(`invalid MountPropagation mode: ${JSON.stringify(mode)}`);
  }
}

/** resolveRecursiveReadOnly with a runtime (containerd 1.6) that cannot do recursive read-only. */
function checkRecursiveReadOnly(m: VolumeMountSpec): void {
  const mode = m.recursiveReadOnly;
  if (!mode || mode === "Disabled") return;
  let err: string | undefined;
  if (!m.readOnly) err = `volume ${JSON.stringify(m.name)} requested recursive read-only mode, but it is not read-only`;
  else if (m.mountPropagation && m.mountPropagation !== "None") err = `volume ${JSON.stringify(m.name)} requested recursive read-only mode, but it is not compatible with propagation ${JSON.stringify(m.mountPropagation)}`;
  else if (mode === "Enabled") err = `volume ${JSON.stringify(m.name)} requested recursive read-only mode, but it is not supported by the runtime`;
  else if (mode !== "IfPossible") err = `unknown recursive read-only mode ${JSON.stringify(mode)}`;
  if (err) throw new Error(`failed to resolve recursive read-only mode: ${err}`);
}

export interface ContainerMountsInput {
  container: ContainerSpec;
  volumes: PodVolumes;
  env: ReadonlyMap<string, string>;
  /** Where subPath bind mounts go: index -> target path. */
  subPathTarget(volumeName: string, containerName: string, index: number): string;
  log: Logger;
}

export function buildContainerMounts(input: ContainerMountsInput): Mount[] {
  const { container, volumes, env, log } = input;
  const mounts: Mount[] = [];
  (container.volumeMounts ?? []).forEach((m, index) => {
    const vol = volumes.get(m.name);
    if (!vol) throw new Error(`cannot find volume ${JSON.stringify(m.name)} to mount into container ${JSON.stringify(container.name)}`);
    let hostPath = vol.hostPath;
    const subPath = m.subPathExpr ? expandSubPathExpr(m.subPathExpr, env) : (m.subPath ?? "");
    if (subPath) {
      if (subPath.startsWith("/")) throw new Error(`error SubPath \`${subPath}\` must not be an absolute path`);
      if (subPath.split("/").includes("..")) throw new Error(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
      const volumePath = hostPath;
      const full = `${volumePath}/${subPath}`;
      let exists = true;
      try { statSync(full); } catch { exists = false; }
      if (!exists) {
        try {
          safeMakeDir(subPath, volumePath, statSync(volumePath).mode & 0o7777);
        } catch (err) {
          // Details stay in the log: they describe the host's filesystem.
          log.warn("failed to create subPath directory", { container: container.name, volumeMount: m.name, error: String(err) });
          throw new Error(`failed to create subPath directory for volumeMount ${JSON.stringify(m.name)} of container ${JSON.stringify(container.name)}`);
        }
      }
      try {
        hostPath = bindSubPath(full, volumePath, input.subPathTarget(m.name, container.name, index));
      } catch (err) {
        log.warn("failed to prepare subPath", { container: container.name, volumeMount: m.name, error: String(err) });
        throw new Error(`failed to prepare subPath for volumeMount ${JSON.stringify(m.name)} of container ${JSON.stringify(container.name)}`);
      }
    }
    const propagation = translatePropagation(m.mountPropagation);
    checkRecursiveReadOnly(m);
    mounts.push({ containerPath: m.mountPath, hostPath, readonly: !!m.readOnly || vol.readOnly, propagation });
  });
  return mounts;
}
