/**
 * ConfigMap and Secret contents as volume payloads (upstream configmap.MakePayload and
 * secret.MakePayload): every key, or only the listed items with their paths and modes; a missing
 * key fails unless the source is optional. Errors carry upstream's text.
 */
import type { KubeObject } from "@lite/sdk";
import type { Payload } from "./atomic-writer.ts";
import { SetUpError } from "./errors.ts";
import type { KeyToPath } from "./types.ts";

export const DEFAULT_MODE = 0o644;

type ConfigMap = KubeObject & { data?: Record<string, string>; binaryData?: Record<string, string> };
type Secret = KubeObject & { data?: Record<string, string> };

function base64(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, "base64"));
}

/** A missing config map (optional) projects as an empty one. */
export function configMapPayload(cm: KubeObject | undefined, items: readonly KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  const data = (cm as ConfigMap | undefined)?.data ?? {};
  const binary = (cm as ConfigMap | undefined)?.binaryData ?? {};
  const payload: Payload = new Map();
  if (!items || items.length === 0) {
    for (const [key, value] of Object.entries(data)) payload.set(key, { data: value, mode: defaultMode });
    for (const [key, value] of Object.entries(binary)) payload.set(key, { data: base64(value), mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const mode = item.mode ?? defaultMode;
    if (Object.hasOwn(data, item.key)) payload.set(item.path, { data: data[item.key]!, mode });
    else if (Object.hasOwn(binary, item.key)) payload.set(item.path, { data: base64(binary[item.key]!), mode });
    else if (!optional) throw new SetUpError(`configmap references non-existent config key: ${item.key}`);
  }
  return payload;
}

/** Secret data is base64 in JSON; files hold the decoded bytes. */
export function secretPayload(secret: KubeObject | undefined, items: readonly KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  const data = (secret as Secret | undefined)?.data ?? {};
  const payload: Payload = new Map();
  if (!items || items.length === 0) {
    for (const [key, value] of Object.entries(data)) payload.set(key, { data: base64(value), mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    if (Object.hasOwn(data, item.key)) payload.set(item.path, { data: base64(data[item.key]!), mode: item.mode ?? defaultMode });
    else if (!optional) throw new SetUpError(`references non-existent secret key: ${item.key}`);
  }
  return payload;
}
