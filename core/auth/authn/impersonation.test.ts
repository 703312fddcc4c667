import { describe, expect, test } from "bun:test";
import type { Attributes } from "../../apiserver/authz/types.ts";
import { ApiError } from "../../apiserver/errors/index.ts";
import { impersonate, parseImpersonation } from "./impersonation.ts";

const ADMIN = { username: "admin", groups: ["system:masters", "system:authenticated"] };
const h = (init: [string, string][]) => { const x = new Headers(); for (const [k, v] of init) x.append(k, v); return x; };

describe("impersonation headers", () => {
  test("user, service account, groups (repeated headers), extras (escaped keys), uid", () => {
    expect(parseImpersonation(new Headers())).toEqual([]);
    expect(parseImpersonation(h([["Impersonate-User", "system:serviceaccount:ns:bot"], ["Impersonate-Group", "a"], ["Impersonate-Group", "b"], ["Impersonate-Extra-Scopes%2Fx", "v1"], ["Impersonate-Uid", "42"]]))).toEqual([
      { kind: "ServiceAccount", namespace: "ns", name: "bot" },
      { kind: "Group", name: "a" }, { kind: "Group", name: "b" },
      { kind: "UserExtra", key: "scopes/x", value: "v1" },
      { kind: "UID", name: "42" },
    ]);
  });

  test("groups without a user is upstream's 500", () => {
    try {
      parseImpersonation(h([["Impersonate-Group", "system:masters"]]));
      throw new Error("expected a throw");
    } catch (err) {
      expect((err as ApiError).code).toBe(500);
      expect((err as ApiError).message).toBe("Internal error occurred: requested [{Group  system:masters    }] without impersonating a user");
    }
  });
});

describe("impersonate", () => {
  test("no headers: the requester", async () => {
    expect(await impersonate(new Headers(), ADMIN, () => ({ allowed: false, reason: "" }))).toBe(ADMIN);
  });

  test("allowed: the impersonated user with system:authenticated; service accounts get their groups", async () => {
    const checks: Attributes[] = [];
    const allow = (_u: unknown, a: Attributes) => { checks.push(a); return { allowed: true as const }; };
    expect(await impersonate(h([["Impersonate-User", "jane"], ["Impersonate-Group", "devs"]]), ADMIN, allow)).toEqual({ username: "jane", groups: ["devs", "system:authenticated"] });
    expect(checks.map((c) => [c.verb, c.resource, c.name, c.namespace])).toEqual([["impersonate", "users", "jane", ""], ["impersonate", "groups", "devs", ""]]);
    expect(await impersonate(h([["Impersonate-User", "system:serviceaccount:ns:bot"]]), ADMIN, allow)).toEqual({
      username: "system:serviceaccount:ns:bot", groups: ["system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"],
    });
    expect(await impersonate(h([["Impersonate-User", "system:anonymous"]]), ADMIN, allow)).toEqual({ username: "system:anonymous", groups: ["system:unauthenticated"] });
    expect(await impersonate(h([["Impersonate-User", "x"], ["Impersonate-Uid", "7"], ["Impersonate-Extra-Scope", "a"]]), ADMIN, allow)).toEqual({
      username: "x", uid: "7", groups: ["system:authenticated"], extra: { scope: ["a"] },
    });
  });

  test("denied: Forbidden with upstream's wording", async () => {
    const deny = () => ({ allowed: false as const, reason: "" });
    const user = { username: "system:serviceaccount:default:default", groups: [] };
    await expect(impersonate(h([["Impersonate-User", "someone"]]), user, deny)).rejects.toMatchObject({
      code: 403,
      message: 'users "someone" is forbidden: User "system:serviceaccount:default:default" cannot impersonate resource "users" in API group "" at the cluster scope',
    });
    await expect(impersonate(h([["Impersonate-User", "system:serviceaccount:kube-system:x"]]), user, deny)).rejects.toMatchObject({
      message: 'serviceaccounts "x" is forbidden: User "system:serviceaccount:default:default" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"',
    });
  });
});
