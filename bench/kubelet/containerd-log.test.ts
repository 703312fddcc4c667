import { expect, test } from "bun:test";
import { parseCriCalls, parseNanoTime } from "./containerd-log.ts";

// Lines as containerd 1.6.20 logged them for one pod (ids shortened), plus noise and a second attempt.
const LOG = String.raw`time="2026-11-28T01:18:01.700000000Z" level=info msg="loading plugin \"io.containerd.grpc.v1.cri\"..." type=io.containerd.grpc.v1
time="2026-11-28T01:18:01.766952993Z" level=info msg="RunPodSandbox for &PodSandboxMetadata{Name:t,Uid:a66a64ee-faa2,Namespace:default,Attempt:0,}"
time="2026-11-28T01:18:02.274841539Z" level=info msg="RunPodSandbox for &PodSandboxMetadata{Name:t,Uid:a66a64ee-faa2,Namespace:default,Attempt:0,} returns sandbox id \"dbe404\""
time="2026-11-28T01:18:02.350619278Z" level=info msg="CreateContainer within sandbox \"dbe404\" for container &ContainerMetadata{Name:t,Attempt:0,}"
time="2026-11-28T01:18:02.385371961Z" level=info msg="CreateContainer within sandbox \"dbe404\" for &ContainerMetadata{Name:t,Attempt:0,} returns container id \"527a62\""
time="2026-11-28T01:18:02.392258021Z" level=info msg="StartContainer for \"527a62\""
time="2026-11-28T01:18:02.626679129Z" level=info msg="StartContainer for \"527a62\" returns successfully"
time="2026-11-28T01:18:09.000000000Z" level=info msg="CreateContainer within sandbox \"dbe404\" for container &ContainerMetadata{Name:t,Attempt:1,}"
time="2026-11-28T01:18:09.100000000Z" level=info msg="StartContainer for \"ffff00\""`;

test("the CRI calls of each pod, keyed by pod uid, in wall ms", () => {
  const calls = parseCriCalls(LOG);
  expect([...calls.keys()]).toEqual(["a66a64ee-faa2"]);
  const t = (s: string) => parseNanoTime(`2026-11-28T01:18:${s}Z`);
  expect(calls.get("a66a64ee-faa2")).toEqual({
    sandboxStart: t("01.766952993"), sandboxEnd: t("02.274841539"),
    createStart: t("02.350619278"), createEnd: t("02.385371961"),
    startStart: t("02.392258021"), startEnd: t("02.626679129"),
  });
});

test("nanosecond time stamps keep their sub-millisecond part", () => {
  expect(parseNanoTime("2026-11-28T01:18:01.766952993Z") - Date.parse("2026-11-28T01:18:01Z")).toBeCloseTo(766.953, 2);
  expect(parseNanoTime("2026-11-28T01:18:01Z")).toBe(Date.parse("2026-11-28T01:18:01Z"));
  expect(parseNanoTime("garbage")).toBeNaN();
});
