/**
 * Facts about the machine the kubelet reports in Node.status (cAdvisor's MachineInfo and
 * VersionInfo upstream): cores, memory, identities, kernel and OS image. Read once at start;
 * bootID changes only with a reboot, which restarts the kubelet anyway.
 */
import { readFileSync } from "node:fs";
import { cpus, release } from "node:os";

export interface MachineInfo {
  /** Logical CPUs. */
  numCores: number;
  /** /proc/meminfo MemTotal, in bytes. */
  memoryCapacityBytes: number;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  /** /etc/os-release PRETTY_NAME. */
  osImage: string;
  /** GOOS-style: "linux". */
  operatingSystem: string;
  /** GOARCH-style: "amd64", "arm64", … */
  architecture: string;
}

/** Where the facts live; tests point these at fixtures. */
export interface MachineFiles {
  meminfo: string;
  machineId: string;
  productUuid: string;
  bootId: string;
  osRelease: string;
}

export const HOST_MACHINE_FILES: MachineFiles = {
  meminfo: "/proc/meminfo",
  machineId: "/etc/machine-id",
  productUuid: "/sys/class/dmi/id/product_uuid",
  bootId: "/proc/sys/kernel/random/boot_id",
  osRelease: "/etc/os-release",
};

export function readMachineInfo(files: MachineFiles = HOST_MACHINE_FILES): MachineInfo {
  const machineID = readTrimmed(files.machineId);
  return {
    numCores: cpus().length,
    memoryCapacityBytes: meminfoBytes(readTrimmed(files.meminfo), "MemTotal") ?? 0,
    machineID,
    // cAdvisor reads the DMI product UUID; machines without DMI (VMs, containers) fall back to the machine ID.
    systemUUID: readTrimmed(files.productUuid) || machineID,
    bootID: readTrimmed(files.bootId),
    kernelVersion: release(),
    osImage: osReleaseField(readTrimmed(files.osRelease), "PRETTY_NAME") ?? "Linux",
    operatingSystem: "linux",
    architecture: goArch(process.arch),
  };
}

/** A /proc/meminfo field ("MemAvailable:  123 kB") in bytes; undefined when absent. */
export function meminfoBytes(meminfo: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s*kB$`, "m").exec(meminfo);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** A field of /etc/os-release, unquoted. */
export function osReleaseField(text: string, field: string): string | undefined {
  const m = new RegExp(`^${field}=(.*)$`, "m").exec(text);
  if (!m) return undefined;
  const raw = m[1]!.trim();
  return /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
}

/** Node's process.arch in Go's GOARCH spelling (what Kubernetes labels use). */
export function goArch(arch: string): string {
  const map: Record<string, string> = { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", loong64: "loong64" };
  return map[arch] ?? arch;
}

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}
