import { expect, test } from "bun:test";
import { allocatorReexecution } from "./allocator-environment.ts";

test("server and agent re-execute once with mimalloc's purge delay off, same arguments", () => {
  const compiled = allocatorReexecution(["bun", "/$bunfs/root/lite", "server", "--data-dir", "/d"], { PATH: "/bin" }, "/usr/local/bin/lite");
  expect(compiled).toEqual({ file: "/usr/local/bin/lite", args: ["/usr/local/bin/lite", "server", "--data-dir", "/d"], env: { PATH: "/bin", MIMALLOC_PURGE_DELAY: "-1" } });
  const source = allocatorReexecution(["/usr/bin/bun", "/repo/core/main.ts", "agent", "--server", "https://x"], {}, "/usr/bin/bun");
  expect(source?.args).toEqual(["/usr/bin/bun", "/repo/core/main.ts", "agent", "--server", "https://x"]);
});

test("no re-execution when the variable is set (also by the re-executed process) or for other commands", () => {
  expect(allocatorReexecution(["bun", "/$bunfs/root/lite", "server"], { MIMALLOC_PURGE_DELAY: "-1" }, "/lite")).toBeUndefined();
  expect(allocatorReexecution(["bun", "/$bunfs/root/lite", "server"], { MIMALLOC_PURGE_DELAY: "10" }, "/lite")).toBeUndefined();
  for (const cmd of ["kubectl", "version", "killall", "cluster", undefined]) {
    expect(allocatorReexecution(["bun", "/$bunfs/root/lite", ...(cmd ? [cmd] : [])], {}, "/lite")).toBeUndefined();
  }
});
