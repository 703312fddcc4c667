import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Logger } from "@lite/sdk";
import { buildContainerMounts, expandSubPathExpr, translatePropagation } from "./container-mounts.ts";
import { isMountPoint, mountsUnder, unmountAllUnder } from "./host-mounts.ts";
import { safeOpen } from "./subpath.ts";
import type { ContainerSpec, MountedVolume, PodVolumes } from "./types.ts";

const warnings: string[] = [];
const log: Logger = { debug() {}, info() {}, warn: (m, f) => { warnings.push(`${m} ${JSON.stringify(f)}`); }, error() {}, child: () => log };

let root: string;
let vol: string;
let outside: string;
let volumes: PodVolumes;
const target = (v: string, c: string, i: number) => `${root}/pod/volume-subpaths/${v}/${c}/${i}`;
const mounts = (container: ContainerSpec, env: Record<string, string> = {}) =>
  buildContainerMounts({ container, volumes, env: new Map(Object.entries(env)), subPathTarget: target, log });

beforeAll(() => {
  root = mkdtempSync(`${tmpdir()}/cm-`);
  vol = `${root}/vol`;
  outside = `${root}/outside`;
  mkdirSync(`${vol}/data/nested`, { recursive: true });
  mkdirSync(outside);
  writeFileSync(`${vol}/data/file.txt`, "hello");
  writeFileSync(`${outside}/secret`, "host secret");
  symlinkSync(outside, `${vol}/escape`);
  symlinkSync("data", `${vol}/inner`);
  chmodSync(vol, 0o2775);
  const m = (hostPath: string, readOnly: boolean): MountedVolume => ({ name: "", plugin: "kubernetes.io/empty-dir", hostPath, readOnly });
  volumes = new Map([["work", m(vol, false)], ["cfg", m(`${root}/cfg`, true)]]);
});
afterAll(() => {
  unmountAllUnder(root);
  rmSync(root, { recursive: true, force: true });
});

describe("subPathExpr expansion", () => {
  test("$(VAR), $$ escape, incomplete references kept, missing/empty values fail", () => {
    const env = new Map([["POD", "p-1"], ["NS", "default"], ["EMPTY", ""]]);
    expect(expandSubPathExpr("$(NS)/$(POD)", env)).toBe("default/p-1");
    expect(expandSubPathExpr("a$$(POD)b$xc$(", env)).toBe("a$(POD)b$xc$(");
    expect(() => expandSubPathExpr("$(B)/$(A)/$(EMPTY)/$(POD)", env)).toThrow("missing value for A, B, EMPTY");
  });
});

describe("propagation", () => {
  test("upstream's mapping", () => {
    expect(translatePropagation(undefined)).toBe("PROPAGATION_PRIVATE");
    expect(translatePropagation("None")).toBe("PROPAGATION_PRIVATE");
    expect(translatePropagation("HostToContainer")).toBe("PROPAGATION_HOST_TO_CONTAINER");
    expect(translatePropagation("Bidirectional")).toBe("PROPAGATION_BIDIRECTIONAL");
    expect(() => translatePropagation("Sideways")).toThrow('invalid MountPropagation mode: "Sideways"');
  });
});

describe("buildContainerMounts", () => {
  test("whole volumes: read-only from the mount or the plugin", () => {
    expect(mounts({ name: "c", volumeMounts: [
      { name: "work", mountPath: "/work", mountPropagation: "HostToContainer" },
      { name: "work", mountPath: "/ro", readOnly: true },
      { name: "cfg", mountPath: "/cfg" },
    ] })).toEqual([
      { containerPath: "/work", hostPath: vol, readonly: false, propagation: "PROPAGATION_HOST_TO_CONTAINER" },
      { containerPath: "/ro", hostPath: vol, readonly: true, propagation: "PROPAGATION_PRIVATE" },
      { containerPath: "/cfg", hostPath: `${root}/cfg`, readonly: true, propagation: "PROPAGATION_PRIVATE" },
    ]);
    expect(() => mounts({ name: "c", volumeMounts: [{ name: "ghost", mountPath: "/g" }] })).toThrow('cannot find volume "ghost" to mount into container "c"');
  });

  test("a subPath directory is bind-mounted from a safe descriptor; repeated calls reuse the mount", () => {
    const [m] = mounts({ name: "c", volumeMounts: [{ name: "work", mountPath: "/d", subPath: "data" }] });
    expect(m!.hostPath).toBe(target("work", "c", 0));
    expect(isMountPoint(m!.hostPath)).toBe(true);
    expect(readFileSync(`${m!.hostPath}/file.txt`, "utf8")).toBe("hello");
    writeFileSync(`${vol}/data/new.txt`, "live");
    expect(readFileSync(`${m!.hostPath}/new.txt`, "utf8")).toBe("live");
    mounts({ name: "c", volumeMounts: [{ name: "work", mountPath: "/d", subPath: "data" }] });
    expect(mountsUnder(m!.hostPath)).toHaveLength(1);
  });

  test("a file subPath, and a symlink that stays inside the volume", () => {
    const [f, s] = mounts({ name: "files", volumeMounts: [
      { name: "work", mountPath: "/f", subPath: "data/file.txt" },
      { name: "work", mountPath: "/s", subPath: "inner/nested" },
    ] });
    expect(statSync(f!.hostPath).isFile()).toBe(true);
    expect(readFileSync(f!.hostPath, "utf8")).toBe("hello");
    expect(isMountPoint(s!.hostPath)).toBe(true);
  });

  test("a missing subPath is created as a directory with the volume root's mode", () => {
    const [m] = mounts({ name: "mk", volumeMounts: [{ name: "work", mountPath: "/x", subPathExpr: "logs/$(POD)" }] }, { POD: "p-1" });
    expect(statSync(`${vol}/logs/p-1`).isDirectory()).toBe(true);
    expect(statSync(`${vol}/logs/p-1`).mode & 0o7777).toBe(0o2775);
    expect(isMountPoint(m!.hostPath)).toBe(true);
  });

  test("escapes are refused with upstream's messages and nothing is mounted", () => {
    const one = (subPath: string) => mounts({ name: "evil", volumeMounts: [{ name: "work", mountPath: "/e", subPath }] });
    expect(() => one("/etc")).toThrow("error SubPath `/etc` must not be an absolute path");
    expect(() => one("data/../../outside")).toThrow("unable to provision SubPath `data/../../outside`: must not contain '..'");
    expect(() => one("escape")).toThrow('failed to prepare subPath for volumeMount "work" of container "evil"');
    expect(() => one("escape/newdir")).toThrow('failed to create subPath directory for volumeMount "work" of container "evil"');
    expect(existsSync(`${outside}/newdir`)).toBe(false);
    expect(warnings.some((w) => w.includes("not within volume path"))).toBe(true);
    expect(mountsUnder(`${root}/pod/volume-subpaths/work/evil`)).toHaveLength(0);
    expect(() => mounts({ name: "e2", volumeMounts: [{ name: "work", mountPath: "/e", subPathExpr: "$(NOPE)" }] })).toThrow("missing value for NOPE");
  });

  test("the safe open refuses a symlink swapped in after resolution", () => {
    // The path was resolved earlier; meanwhile `escape` is a symlink: the walk must stop there.
    expect(() => safeOpen(`${vol}/escape/secret`, vol)).toThrow(`unexpected symlink found ${vol}/escape`);
    expect(() => safeOpen(outside, vol)).toThrow("not within volume path");
  });

  test("recursive read-only is refused: containerd 1.6 cannot do it", () => {
    expect(() => mounts({ name: "r", volumeMounts: [{ name: "work", mountPath: "/r", readOnly: true, recursiveReadOnly: "Enabled" }] }))
      .toThrow('failed to resolve recursive read-only mode: volume "work" requested recursive read-only mode, but it is not supported by the runtime');
    expect(mounts({ name: "r", volumeMounts: [{ name: "work", mountPath: "/r", readOnly: true, recursiveReadOnly: "IfPossible" }] })[0]!.readonly).toBe(true);
  });
});
