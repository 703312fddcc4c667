/**
 * The clean check agrees with valibot: for generated objects of every built-in kind, valid ones
 * and ones with one field made unknown or mistyped, the check is true only when the valibot schema
 * reports no issue (so skipping valibot on a clean object changes nothing), and true for every
 * generated valid object (so the fast path is taken).
 */
import { expect, test } from "bun:test";
import * as v from "valibot";
import { BUILTIN_API } from "../builtin.ts";
import type { TypeExpr } from "../type-expr.ts";
import { createCleanChecks } from "./clean-check.ts";
import { createValibotSchemas } from "./valibot-schemas.ts";

/** Deterministic PRNG (mulberry32), so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCALAR_VALUES: Record<string, unknown[]> = {
  string: ["", "x"], Duration: ["1s"], int32: [0, 7, -3], int64: [0, 2 ** 40], bool: [true, false], double: [0.5, 3],
  bytes: ["", "aGk="], IntOrString: [80, "http"], Quantity: ["100m", 2], Time: ["2026-11-29T07:00:00Z"], MicroTime: ["2026-11-29T07:00:00.123456Z"],
  FieldsV1: [{ "f:a": {} }], RawExtension: [{ any: [1] }], JSON: [null, 3, "s", { a: 1 }],
};

function generate(t: TypeExpr, rand: () => number, depth: number): unknown {
  switch (t.k) {
    case "scalar": { const xs = SCALAR_VALUES[t.name]!; return xs[Math.floor(rand() * xs.length)]; }
    case "list": return depth > 4 ? [] : Array.from({ length: Math.floor(rand() * 3) }, () => generate(t.of, rand, depth + 1));
    case "map": return depth > 4 ? {} : Object.fromEntries(Array.from({ length: Math.floor(rand() * 3) }, (_, i) => [`k${i}`, generate(t.of, rand, depth + 1)]));
    case "ref": {
      const spec = BUILTIN_API.type(t.key);
      if (spec.kind === "wrappedList") return depth > 4 ? [] : [generate(spec.items, rand, depth + 1)];
      const out: Record<string, unknown> = {};
      if (depth > 5) return out;
      for (const [name, field] of BUILTIN_API.jsonFields(spec)) {
        const r = rand();
        if (r < 0.5) out[name] = generate(field.type, rand, depth + 1);
        else if (r < 0.55) out[name] = null;
      }
      return out;
    }
  }
}

/** Every container (object or array) inside `x`, with `x` itself. */
function containers(x: unknown, out: (Record<string, unknown> | unknown[])[] = []): (Record<string, unknown> | unknown[])[] {
  if (x !== null && typeof x === "object") {
    out.push(x as Record<string, unknown>);
    for (const e of Object.values(x)) containers(e, out);
  }
  return out;
}

const WRONG = [{}, [], "s", 1.5, 3, true, { nested: "x" }];

test("isClean agrees with valibot's safeParse on generated objects of every built-in kind", () => {
  const checks = createCleanChecks(BUILTIN_API);
  const schemas = createValibotSchemas(BUILTIN_API);
  const rand = prng(1129);
  let cleanSeen = 0, dirtySeen = 0;
  for (const { group, version } of BUILTIN_API.groupVersions()) {
    for (const kind of BUILTIN_API.kindsOf(group, version)) {
      for (let round = 0; round < 6; round++) {
        const obj = generate({ k: "ref", key: kind.key }, rand, 0) as Record<string, unknown>;
        if (round > 0) {
          // Make one place wrong: an unknown field, or a value of another type.
          const spots = containers(obj);
          const spot = spots[Math.floor(rand() * spots.length)]!;
          if (Array.isArray(spot)) spot.push(WRONG[Math.floor(rand() * WRONG.length)]);
          else {
            const keys = Object.keys(spot);
            if (keys.length > 0 && rand() < 0.6) spot[keys[Math.floor(rand() * keys.length)]!] = WRONG[Math.floor(rand() * WRONG.length)];
            else spot[`unknownField${round}`] = 1;
          }
        }
        const valibotClean = v.safeParse(schemas.forType(kind.key), obj, { abortEarly: false }).issues === undefined;
        const fastClean = checks.forType(kind.key)(obj);
        // Sound always: clean means valibot finds nothing. Exact on generated valid objects; a mutation
        // may be one valibot lets through but the check is unsure of (an array where an object belongs).
        const agrees = round === 0 ? fastClean === valibotClean : !fastClean || valibotClean;
        if (!agrees) throw new Error(`${kind.key}: clean check ${fastClean}, valibot ${valibotClean}: ${JSON.stringify(obj)}`);
        if (fastClean) cleanSeen++; else dirtySeen++;
      }
    }
  }
  // Both answers were exercised many times (the generator is not degenerate).
  expect(cleanSeen).toBeGreaterThan(100);
  expect(dirtySeen).toBeGreaterThan(200);
});
