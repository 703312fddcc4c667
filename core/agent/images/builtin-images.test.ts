import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { agentPaths } from "../paths.ts";
import { BUSYBOX_IMAGE, DEFAULT_BUSYBOX, ensureBuiltinLayout, SANDBOX_IMAGE } from "./builtin-images.ts";

const dir = mkdtempSync(`${tmpdir()}/lite-builtin-test-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.skipIf(!existsSync(DEFAULT_BUSYBOX))("built-in layout: busybox layer with applets, users, tmp; cached by busybox digest", () => {
  const paths = agentPaths(dir);
  const first = ensureBuiltinLayout(paths);
  expect(first.images).toEqual([BUSYBOX_IMAGE, SANDBOX_IMAGE]);
  const mtime = statSync(first.file).mtimeMs;
  const again = ensureBuiltinLayout(paths);
  expect(again.file).toBe(first.file);
  expect(statSync(again.file).mtimeMs).toBe(mtime); // cached, not rebuilt

  const out = `${dir}/x`;
  spawnSync("mkdir", ["-p", `${out}/rootfs`]);
  expect(spawnSync("tar", ["-xf", first.file, "-C", out]).status).toBe(0);
  const index = JSON.parse(readFileSync(`${out}/index.json`, "utf8"));
  expect(index.manifests).toHaveLength(2);
  const blob = (d: string) => readFileSync(`${out}/blobs/sha256/${d.slice(7)}`);
  const [busybox, pause] = index.manifests.map((m: { digest: string }) => JSON.parse(blob(m.digest).toString()));
  expect(busybox.layers[0].digest).toBe(pause.layers[0].digest); // one shared layer
  const pauseConfig = JSON.parse(blob(pause.config.digest).toString());
  expect(pauseConfig.config.Entrypoint).toEqual(["/bin/sh", "-c", `trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done`]);
  expect(JSON.parse(blob(busybox.config.digest).toString()).config.Cmd).toEqual(["sh"]);

  writeLayer(blob(busybox.layers[0].digest), `${out}/rootfs`);
  const root = `${out}/rootfs`;
  expect(readFileSync(`${root}/bin/busybox`)).toEqual(readFileSync(DEFAULT_BUSYBOX));
  expect(readlinkSync(`${root}/bin/sh`)).toBe("/bin/busybox");
  expect(readlinkSync(`${root}/usr/bin/wget`)).toBe("/bin/busybox");
  expect(statSync(`${root}/tmp`).mode & 0o7777).toBe(0o1777);
  expect(readFileSync(`${root}/etc/passwd`, "utf8")).toContain("nobody:x:65534:65534:");
  expect(readFileSync(`${root}/etc/group`, "utf8")).toContain("nobody:x:65534:");
  for (const p of ["etc/hosts", "etc/resolv.conf"]) expect(statSync(`${root}/${p}`).size).toBe(0);
  for (const p of ["root", "home", "var"]) expect(statSync(`${root}/${p}`).isDirectory()).toBe(true);
});

function writeLayer(gz: Buffer, into: string): void {
  const r = spawnSync("tar", ["-xzpf", "-", "-C", into], { input: gz });
  if (r.status !== 0) throw new Error(String(r.stderr));
}
