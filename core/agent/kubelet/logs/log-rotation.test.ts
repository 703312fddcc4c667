import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gunzipSync } from "node:zlib";
import { quietLog } from "../../../controllers/testing/in-process.ts";
import { rotatedFiles, startLogRotation } from "./log-rotation.ts";

let dir = "";
afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** A stand-in runtime with one running container writing `log`; reopen starts a fresh file, as containerd does. */
function runtime(log: string, reopenFails = false) {
  const reopened: string[] = [];
  return {
    reopened,
    cri: {
      listContainers: async () => [{ id: "c1" }] as never,
      containerStatus: async () => ({ logPath: log }) as never,
      reopenContainerLog: async (id: string) => {
        if (reopenFails) throw new Error("reopen refused");
        reopened.push(id);
        writeFileSync(log, "");
      },
    },
  };
}

test("a log over the size limit is renamed with a timestamp and reopened; older rotations are compressed, the oldest deleted", async () => {
  dir = mkdtempSync(`${tmpdir()}/lite-logrot-`);
  const log = `${dir}/0.log`;
  const rt = runtime(log);
  let t = Date.UTC(2026, 10, 28, 4, 0, 0);
  const rotation = startLogRotation({ cri: rt.cri, log: quietLog, maxSizeBytes: 100, maxFiles: 3, now: () => new Date(t) }, 3_600_000);
  try {
    writeFileSync(log, "small\n");
    await rotation.rotateOnce();
    expect(rt.reopened).toEqual([]); // under the limit: untouched

    for (let i = 0; i < 4; i++) {
      appendFileSync(log, `round ${i} `.padEnd(150, "x") + "\n");
      await rotation.rotateOnce();
      t += 1000;
    }
    expect(rt.reopened).toHaveLength(4);
    expect(readFileSync(log, "utf8")).toBe("");
    // The rotation just made is compressed on the next pass (the runtime may still have been writing it).
    expect(rotatedFiles(log).map((f) => f.slice(dir.length + 1))).toEqual(["0.log.20261128-040002", "0.log.20261128-040003"]);
    await rotation.rotateOnce();
    // maxFiles 3: the current file and two rotated ones; all but the newest rotated one compressed.
    const rotated = rotatedFiles(log).map((f) => f.slice(dir.length + 1));
    expect(rotated).toEqual(["0.log.20261128-040002.gz", "0.log.20261128-040003"]);
    expect(readdirSync(dir).sort()).toEqual(["0.log", ...rotated]);
    expect(gunzipSync(readFileSync(`${log}.20261128-040002.gz`)).toString()).toStartWith("round 2 ");
    expect(readFileSync(`${log}.20261128-040003`, "utf8")).toStartWith("round 3 ");
  } finally {
    rotation.stop();
  }
});

test("when the runtime cannot reopen, the file is put back so no line is lost", async () => {
  dir = mkdtempSync(`${tmpdir()}/lite-logrot-`);
  const log = `${dir}/0.log`;
  const rt = runtime(log, true);
  const rotation = startLogRotation({ cri: rt.cri, log: quietLog, maxSizeBytes: 10, maxFiles: 5 }, 3_600_000);
  try {
    writeFileSync(log, "a line longer than ten bytes\n");
    await rotation.rotateOnce();
    expect(readdirSync(dir)).toEqual(["0.log"]);
    expect(readFileSync(log, "utf8")).toBe("a line longer than ten bytes\n");
  } finally {
    rotation.stop();
  }
});
