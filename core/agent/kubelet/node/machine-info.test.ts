import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { goArch, osReleaseField, readMachineInfo } from "./machine-info.ts";

const dir = mkdtempSync(`${tmpdir()}/lite-machine-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("machine info", () => {
  test("reads memory, identities and OS image; systemUUID falls back to the machine ID without DMI", () => {
    const f = (name: string, text: string) => { writeFileSync(`${dir}/${name}`, text); return `${dir}/${name}`; };
    const info = readMachineInfo({
      meminfo: f("meminfo", "MemTotal:        8148060 kB\n"), machineId: f("machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n"),
      productUuid: `${dir}/absent`, bootId: f("boot_id", "cfa5f730-4a64-40a3-aec6-7af90a191daf\n"),
      osRelease: f("os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'),
    });
    expect(info).toMatchObject({
      numCores: cpus().length, memoryCapacityBytes: 8148060 * 1024, machineID: "3d1219c7c4c5404aaa1f6d2a48adfda4",
      systemUUID: "3d1219c7c4c5404aaa1f6d2a48adfda4", bootID: "cfa5f730-4a64-40a3-aec6-7af90a191daf",
      osImage: "Debian GNU/Linux 12 (bookworm)", operatingSystem: "linux",
    });
    expect(osReleaseField("PRETTY_NAME=Alpine\n", "PRETTY_NAME")).toBe("Alpine");
    expect(goArch("x64")).toBe("amd64");
  });

  test("this machine", () => {
    const info = readMachineInfo();
    expect(info.memoryCapacityBytes).toBeGreaterThan(0);
    expect(info.bootID).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.osImage.length).toBeGreaterThan(0);
  });
});
