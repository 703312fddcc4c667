/**
 * The JSON of a shared, immutable object as UTF-8 bytes, computed once and remembered for as long
 * as the object lives (a WeakMap keyed by identity: nothing is held for objects that are gone, and
 * two servers in one process never see each other's entries).
 *
 * The watch cache hands out frozen objects that every reader shares (see watch-cache.ts). Serving
 * a `resourceVersion=0` LIST then costs a memory copy per object instead of a JSON.stringify and a
 * UTF-8 encoding per object per request, and one event fanned out to N watchers is serialized and
 * encoded once instead of N times. Only frozen objects are remembered; any other object is simply
 * encoded (it could change later). Contract: `sharedJsonBytes(o)` decodes to `JSON.stringify(o)`;
 * callers must not modify the returned bytes.
 */
const encoded = new WeakMap<object, Uint8Array>();
const encoder = new TextEncoder();

export function sharedJsonBytes(obj: object): Uint8Array {
  let bytes = encoded.get(obj);
  if (bytes === undefined) {
    bytes = encoder.encode(JSON.stringify(obj));
    if (Object.isFrozen(obj)) encoded.set(obj, bytes);
  }
  return bytes;
}

/** `parts` joined into one new buffer. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
