import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { checkHostPathType } from "./host-path.ts";

let dir: string;
let server: ReturnType<typeof Bun.listen> | undefined;
beforeAll(() => {
  dir = mkdtempSync(`${tmpdir()}/hp-`);
  mkdirSync(`${dir}/d`);
  writeFileSync(`${dir}/f`, "x");
  symlinkSync(`${dir}/d`, `${dir}/link-to-dir`);
  server = Bun.listen({ unix: `${dir}/sock`, socket: { data() {} } });
  Bun.spawnSync(["mknod", `${dir}/blk`, "b", "7", "200"]);
});
afterAll(() => {
  server?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

describe("hostPath type checks", () => {
  test("no type checks nothing, not even existence", () => {
    expect(() => checkHostPathType(`${dir}/missing`, undefined)).not.toThrow();
    expect(() => checkHostPathType(`${dir}/missing`, "")).not.toThrow();
  });

  test("DirectoryOrCreate creates with 0755 (parents too); a file there fails", () => {
    checkHostPathType(`${dir}/new/deep`, "DirectoryOrCreate");
    expect(statSync(`${dir}/new/deep`).isDirectory()).toBe(true);
    expect(statSync(`${dir}/new/deep`).mode & 0o777).toBe(0o755 & ~process.umask());
    expect(() => checkHostPathType(`${dir}/f`, "DirectoryOrCreate")).toThrow(`hostPath type check failed: ${dir}/f is not a directory`);
  });

  test("Directory: must exist and be one (symlinks followed)", () => {
    checkHostPathType(`${dir}/d`, "Directory");
    checkHostPathType(`${dir}/link-to-dir`, "Directory");
    expect(() => checkHostPathType(`${dir}/nope`, "Directory")).toThrow(`hostPath type check failed: ${dir}/nope is not a directory`);
  });

  test("FileOrCreate creates an empty file; its parent must exist", () => {
    checkHostPathType(`${dir}/created`, "FileOrCreate");
    expect(statSync(`${dir}/created`).size).toBe(0);
    expect(statSync(`${dir}/created`).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(() => checkHostPathType(`${dir}/no-parent/file`, "FileOrCreate")).toThrow(`open ${dir}/no-parent/file: no such file or directory`);
    expect(() => checkHostPathType(`${dir}/d`, "FileOrCreate")).toThrow(`hostPath type check failed: ${dir}/d is not a file`);
  });

  test("File: anything but a directory", () => {
    checkHostPathType(`${dir}/f`, "File");
    checkHostPathType("/dev/null", "File");
    expect(() => checkHostPathType(`${dir}/missing`, "File")).toThrow(`hostPath type check failed: ${dir}/missing is not a file`);
  });

  test("Socket, CharDevice, BlockDevice", () => {
    checkHostPathType(`${dir}/sock`, "Socket");
    expect(() => checkHostPathType(`${dir}/f`, "Socket")).toThrow(`hostPath type check failed: ${dir}/f is not a socket file`);
    checkHostPathType("/dev/null", "CharDevice");
    expect(() => checkHostPathType(`${dir}/f`, "CharDevice")).toThrow(`hostPath type check failed: ${dir}/f is not a character device`);
    checkHostPathType(`${dir}/blk`, "BlockDevice");
    expect(() => checkHostPathType("/dev/null", "BlockDevice")).toThrow("hostPath type check failed: /dev/null is not a block device");
  });

  test("unknown types and backsteps", () => {
    expect(() => checkHostPathType(`${dir}/f`, "Fifo")).toThrow("Fifo is an invalid volume type");
    expect(() => checkHostPathType("/tmp/../etc", "Directory")).toThrow("invalid HostPath `/tmp/../etc`: must not contain '..'");
  });
});
