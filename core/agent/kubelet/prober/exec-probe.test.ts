import { describe, expect, test } from "bun:test";
import { CriError, GrpcCode, type CriClient } from "../../cri/types.ts";
import { execProbe, expandStatic } from "./exec-probe.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** A CRI client whose ExecSync is `fn` (real exec through containerd is covered end to end). */
function fakeCri(fn: (id: string, cmd: string[], timeout: number) => Promise<{ stdout: Uint8Array; stderr: Uint8Array; exitCode: number }>): CriClient {
  return { execSync: fn } as unknown as CriClient;
}

describe("exec probe", () => {
  test("exit 0 succeeds, other codes fail; the output is stdout then stderr", async () => {
    const calls: unknown[] = [];
    const cri = fakeCri(async (id, cmd, timeout) => {
      calls.push([id, cmd, timeout]);
      return { stdout: text("out "), stderr: text("err"), exitCode: cmd[0] === "ok" ? 0 : 3 };
    });
    expect(await execProbe(cri, "c1", ["ok"], 5)).toEqual({ result: "success", output: "out err" });
    expect(await execProbe(cri, "c1", ["bad"], 5)).toEqual({ result: "failure", output: "out err" });
    expect(calls[0]).toEqual(["c1", ["ok"], 5]);
  });

  test("a runtime deadline is a timed-out failure; other runtime errors are prober errors", async () => {
    const timedOut = fakeCri(async () => { throw new CriError("ExecSync", GrpcCode.DEADLINE_EXCEEDED, "timeout 1s exceeded: context deadline exceeded"); });
    expect(await execProbe(timedOut, "c1", ["sh", "-c", "sleep 5"], 1)).toEqual({ result: "failure", output: 'command "sh -c sleep 5" timed out' });
    const gone = fakeCri(async () => { throw new CriError("ExecSync", GrpcCode.NOT_FOUND, "container is not created or running"); });
    expect(await execProbe(gone, "c1", ["true"], 1)).toEqual({ result: "unknown", output: "", error: "rpc error: code = NotFound desc = container is not created or running" });
  });

  test("output is cut at 10 KiB", async () => {
    const cri = fakeCri(async () => ({ stdout: text("a".repeat(8000)), stderr: text("b".repeat(8000)), exitCode: 1 }));
    const out = await execProbe(cri, "c1", ["x"], 1);
    expect(out.output.length).toBe(10 * 1024);
    expect(out.output.endsWith("b")).toBe(true);
  });

  test("command expansion uses literal env values only", () => {
    const env = [{ name: "A", value: "1" }, { name: "S", valueFrom: {} } as { name: string; value?: string }];
    expect(expandStatic("$(A)-$(S)-$(NONE)", env)).toBe("1--$(NONE)");
    expect(expandStatic("$$(A) $$ $x $( $", env)).toBe("$(A) $ $x $( $");
    expect(expandStatic("a$(A)b$(A)", env)).toBe("a1b1");
  });
});
