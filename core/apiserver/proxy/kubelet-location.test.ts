import { describe, expect, test } from "bun:test";
import { ApiError } from "../errors/index.ts";
import type { KObject } from "../resources/index.ts";
import { chooseContainer, kubeletBaseUrl, kubeletPathFor } from "./kubelet-location.ts";

const node = (addresses: { type: string; address: string }[], port?: number): KObject => ({
  metadata: { name: "n1" },
  status: { addresses, ...(port === undefined ? {} : { daemonEndpoints: { kubeletEndpoint: { Port: port } } }) },
});

const pod = (containers: string[], init: string[] = [], ephemeral: string[] = []): KObject => ({
  metadata: { namespace: "ns", name: "web" },
  spec: {
    nodeName: "n1",
    containers: containers.map((name) => ({ name })),
    ...(init.length ? { initContainers: init.map((name) => ({ name })) } : {}),
    ...(ephemeral.length ? { ephemeralContainers: ephemeral.map((name) => ({ name })) } : {}),
  },
});

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("kubeletBaseUrl", () => {
  test("InternalIP first, then ExternalIP, then Hostname; the daemon endpoint port", () => {
    expect(kubeletBaseUrl(node([{ type: "Hostname", address: "h1" }, { type: "InternalIP", address: "10.0.0.5" }], 10250))).toBe("https://10.0.0.5:10250");
    expect(kubeletBaseUrl(node([{ type: "Hostname", address: "h1" }, { type: "ExternalIP", address: "1.2.3.4" }], 12345))).toBe("https://1.2.3.4:12345");
    expect(kubeletBaseUrl(node([{ type: "Hostname", address: "h1" }]))).toBe("https://h1:10250");
    expect(kubeletBaseUrl(node([{ type: "InternalIP", address: "fd00::5" }], 0))).toBe("https://[fd00::5]:10250");
  });
  test("no usable address: 500", () => {
    const e = thrown(() => kubeletBaseUrl(node([{ type: "InternalDNS", address: "x.local" }])));
    expect(e.code).toBe(500);
    expect(e.message).toBe("Internal error occurred: no preferred addresses found; known addresses: [{InternalDNS x.local}]");
  });
});

describe("chooseContainer", () => {
  test("the named container (any kind) or the only one", () => {
    expect(chooseContainer(pod(["a"]), "", true)).toBe("a");
    expect(chooseContainer(pod(["a", "b"], ["i"]), "i", false)).toBe("i");
    expect(chooseContainer(pod(["a"], [], ["dbg"]), "dbg", true)).toBe("dbg");
  });
  test("upstream's messages", () => {
    expect(thrown(() => chooseContainer(pod(["a", "b"]), "", true)).toStatus()).toMatchObject({
      code: 400, reason: "BadRequest", message: "a container name must be specified for pod web, choose one of: [a b]",
    });
    expect(thrown(() => chooseContainer(pod(["a", "b"], ["i"], ["e"]), "", true)).message).toBe("a container name must be specified for pod web, choose one of: [i a b e]");
    expect(thrown(() => chooseContainer(pod(["a", "b"], ["i"]), "", false)).message).toBe(
      "a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [i]",
    );
    expect(thrown(() => chooseContainer(pod(["a"]), "x", false)).message).toBe("container x is not valid for pod web");
  });
});

describe("kubeletPathFor", () => {
  const q = (s: string) => new URLSearchParams(s);
  test("exec: stdin/stdout/stderr/tty become input/output/error/tty, commands kept in order", () => {
    expect(kubeletPathFor("exec", pod(["c"]), q("command=ls&command=-l&command=%2F&container=c&stderr=true&stdout=true&stdin=true&tty=true"))).toBe(
      "/exec/ns/web/c?command=ls&command=-l&command=%2F&error=1&input=1&output=1&tty=1",
    );
    expect(kubeletPathFor("exec", pod(["c"]), q("command=date&stdout=1&stderr=false"))).toBe("/exec/ns/web/c?command=date&output=1");
  });
  test("attach drops commands", () => {
    expect(kubeletPathFor("attach", pod(["c"]), q("container=c&stdin=true&stdout=true&command=x"))).toBe("/attach/ns/web/c?input=1&output=1");
  });
  test("portforward: ports become port", () => {
    expect(kubeletPathFor("portforward", pod(["c"]), q(""))).toBe("/portforward/ns/web");
    expect(kubeletPathFor("portforward", pod(["c"]), q("ports=80&ports=8080"))).toBe("/portforward/ns/web?port=80&port=8080");
  });
  test("log options", () => {
    expect(kubeletPathFor("log", pod(["c"]), q(""))).toBe("/containerLogs/ns/web/c");
    expect(kubeletPathFor("log", pod(["a", "b"]), q("container=b&follow=true&tailLines=5&timestamps=true&previous=false&limitBytes=100&sinceSeconds=3600"))).toBe(
      "/containerLogs/ns/web/b?follow=true&limitBytes=100&sinceSeconds=3600&tailLines=5&timestamps=true",
    );
    expect(kubeletPathFor("log", pod(["c"]), q("sinceTime=2024-05-01T10:00:00.5Z&previous=1"))).toBe(
      "/containerLogs/ns/web/c?previous=true&sinceTime=2024-05-01T10%3A00%3A00Z",
    );
  });
  test("invalid log options: 422 PodLogOptions, 400 for unparsable numbers", () => {
    const e = thrown(() => kubeletPathFor("log", pod(["c"]), q("tailLines=-1&limitBytes=0")));
    expect(e.toStatus()).toMatchObject({
      code: 422, reason: "Invalid",
      message: 'PodLogOptions "web" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]',
    });
    expect(thrown(() => kubeletPathFor("log", pod(["c"]), q("sinceSeconds=1&sinceTime=2024-05-01T10:00:00Z"))).message).toBe(
      'PodLogOptions "web" is invalid: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
    );
    expect(thrown(() => kubeletPathFor("log", pod(["c"]), q("tailLines=ten"))).code).toBe(400);
  });
});
