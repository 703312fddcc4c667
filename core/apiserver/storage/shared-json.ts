/**
 * The JSON text of a shared, immutable object, computed once and remembered for as long as the
 * object lives (a WeakMap keyed by identity: nothing is held for objects that are gone, and two
 * servers in one process never see each other's entries).
 *
 * The watch cache hands out frozen objects that every reader shares (see watch-cache.ts). Serving
 * a `resourceVersion=0` LIST then costs a string concatenation per object instead of a
 * JSON.stringify per object per request, and one event fanned out to N watchers is serialized
 * once instead of N times. Only frozen objects are remembered; any other object is simply
 * stringified (it could change later). Contract: `sharedJson(o) === JSON.stringify(o)`.
 */
const texts = new WeakMap<object, string>();

export function sharedJson(obj: object): string {
  let text = texts.get(obj);
  if (text === undefined) {
    text = JSON.stringify(obj);
    if (Object.isFrozen(obj)) texts.set(obj, text);
  }
  return text;
}
