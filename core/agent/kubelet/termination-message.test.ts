import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { ContainerStatus } from "../cri/types.ts";
import { TERMINATION_MESSAGE_PATH_ANNOTATION, TERMINATION_MESSAGE_POLICY_ANNOTATION } from "./spec/labels.ts";
import { terminationMessage } from "./termination-message.ts";

const dir = mkdtempSync(`${tmpdir()}/lite-term-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const status = (over: { exitCode: number; policy?: string; file?: string; log?: string }): ContainerStatus => {
  const file = `${dir}/msg-${Math.random()}`;
  const log = `${dir}/log-${Math.random()}`;
  writeFileSync(file, over.file ?? "");
  writeFileSync(log, over.log ?? "");
  return {
    id: "c", metadata: { name: "c", attempt: 0 }, state: "CONTAINER_EXITED", createdAt: 1, startedAt: 1, finishedAt: 2, exitCode: over.exitCode,
    image: { image: "busybox" }, imageRef: "", reason: "Error", message: "", labels: {}, logPath: log,
    annotations: { [TERMINATION_MESSAGE_PATH_ANNOTATION]: "/dev/termination-log", [TERMINATION_MESSAGE_POLICY_ANNOTATION]: over.policy ?? "File" },
    mounts: [{ containerPath: "/dev/termination-log", hostPath: file }],
  };
};

test("[sig-node] Container Runtime blackbox test on terminated container should report termination message from file when pod succeeds and TerminationMessagePolicy FallbackToLogsOnError is set [NodeConformance] [Conformance]", () => {
  expect(terminationMessage(status({ exitCode: 0, policy: "FallbackToLogsOnError", file: "OK" }))).toBe("OK");
});

test("[sig-node] Container Runtime blackbox test on terminated container should report termination message from log output if TerminationMessagePolicy FallbackToLogsOnError is set [NodeConformance] [Conformance]", () => {
  const log = "2026-11-28T00:00:00.1Z stdout F first\n2026-11-28T00:00:00.2Z stderr P DONE\n2026-11-28T00:00:00.3Z stderr F !\n";
  expect(terminationMessage(status({ exitCode: 1, policy: "FallbackToLogsOnError", log }))).toBe("first\nDONE!\n");
  // `printf DONE; exit 1` (upstream's case): containerd tags the unterminated last line P; the message is exactly "DONE".
  expect(terminationMessage(status({ exitCode: 1, policy: "FallbackToLogsOnError", log: "2026-11-28T00:00:00.1Z stdout P DONE\n" }))).toBe("DONE");
});

test("[sig-node] Container Runtime blackbox test on terminated container should report termination message as empty when pod succeeds and TerminationMessagePolicy FallbackToLogsOnError is set [NodeConformance] [Conformance]", () => {
  expect(terminationMessage(status({ exitCode: 0, policy: "FallbackToLogsOnError", log: "2026-11-28T00:00:00.1Z stdout F DONE\n" }))).toBe("");
});

test("policy File never falls back to the logs; the fallback keeps the last 80 lines", () => {
  expect(terminationMessage(status({ exitCode: 1, log: "2026-11-28T00:00:00.1Z stdout F DONE\n" }))).toBe("");
  const many = Array.from({ length: 100 }, (_, i) => `2026-11-28T00:00:00.1Z stdout F l${i}`).join("\n") + "\n";
  const msg = terminationMessage(status({ exitCode: 2, policy: "FallbackToLogsOnError", log: many }));
  expect(msg.split("\n").filter(Boolean)).toEqual(Array.from({ length: 80 }, (_, i) => `l${i + 20}`));
});
