/** Test fixtures for authn unit tests: a service key, an in-memory ObjectReader. */
import { generateKeyPairSync } from "node:crypto";
import type { KObject } from "../../apiserver/resources/index.ts";
import { loadServiceAccountKey, type ServiceAccountKey } from "./service-account-key.ts";
import type { BoundKind, ObjectReader } from "./types.ts";

export function testKey(type: "ec" | "rsa" = "ec"): ServiceAccountKey {
  const { privateKey } = type === "ec"
    ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : generateKeyPairSync("rsa", { modulusLength: 2048 });
  return loadServiceAccountKey(privateKey.export({ format: "pem", type: "pkcs8" }) as string);
}

/** A mutable object set keyed by kind/namespace/name. */
export function memoryObjects(): { reader: ObjectReader; put(kind: BoundKind, obj: KObject): KObject; remove(kind: BoundKind, ns: string, name: string): void } {
  const m = new Map<string, KObject>();
  const key = (k: BoundKind, ns: string, n: string) => `${k}/${ns}/${n}`;
  return {
    reader: async (kind, ns, name) => m.get(key(kind, ns, name)),
    put(kind, obj) { m.set(key(kind, obj.metadata.namespace ?? "", obj.metadata.name ?? ""), obj); return obj; },
    remove(kind, ns, name) { m.delete(key(kind, ns, name)); },
  };
}

export function sa(namespace: string, name: string, uid: string = crypto.randomUUID()): KObject {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: { namespace, name, uid } };
}
