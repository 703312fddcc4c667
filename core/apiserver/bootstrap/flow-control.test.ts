/** The bootstrap ensurer's update decision (upstream ensurer strategy.ShouldUpdate), object by object. */
import { describe, expect, test } from "bun:test";
import type { KObject } from "../resources/index.ts";
import { flowSchemaSpecsEqual } from "../resources/strategies/flow-control.ts";
import { suggestedFlowSchemas } from "../resources/strategies/flow-control-configuration.ts";
import { ensuredObject, parseGoBool } from "./flow-control.ts";

const ANNOTATION = "apf.kubernetes.io/autoupdate-spec";
const upToDate = (b: KObject, c: KObject) => flowSchemaSpecsEqual(b.spec, c.spec);
const bootstrap = suggestedFlowSchemas().find((o) => o.metadata.name === "global-default")!;

function current(annotation: string | undefined, generation: number, matchingPrecedence = 9900): KObject {
  const o = structuredClone(bootstrap);
  o.metadata = { name: "global-default", generation, ...(annotation === undefined ? {} : { annotations: { [ANNOTATION]: annotation } }) };
  o.spec.matchingPrecedence = matchingPrecedence;
  return o;
}

const decide = (c: KObject, mandatory = false) => {
  const next = ensuredObject(c, bootstrap, mandatory, upToDate);
  return next && { annotation: next.metadata.annotations?.[ANNOTATION], matchingPrecedence: next.spec.matchingPrecedence };
};

describe("ensuredObject", () => {
  test("Go's strconv.ParseBool", () => {
    expect(["1", "t", "T", "TRUE", "true", "True"].map(parseGoBool)).toEqual(Array(6).fill(true));
    expect(["0", "f", "F", "FALSE", "false", "False"].map(parseGoBool)).toEqual(Array(6).fill(false));
    expect([undefined, "", "yes", "tRUE"].map(parseGoBool)).toEqual([undefined, undefined, undefined, undefined]);
  });

  test("suggested: the annotation decides; without a parseable one, generation 1 means auto-update", () => {
    expect(decide(current("true", 5))).toBeUndefined();
    expect(decide(current("true", 5, 1))).toEqual({ annotation: "true", matchingPrecedence: 9900 });
    expect(decide(current("false", 1, 1))).toBeUndefined();
    expect(decide(current("TRUE", 1))).toBeUndefined();
    expect(decide(current(undefined, 1))).toEqual({ annotation: "true", matchingPrecedence: 9900 });
    expect(decide(current("maybe", 1, 1))).toEqual({ annotation: "true", matchingPrecedence: 9900 });
    expect(decide(current(undefined, 2, 1))).toEqual({ annotation: "false", matchingPrecedence: 1 });
  });

  test("mandatory: always auto-updated, the annotation forced to true", () => {
    expect(decide(current("false", 3, 1), true)).toEqual({ annotation: "true", matchingPrecedence: 9900 });
    expect(decide(current("true", 3), true)).toBeUndefined();
  });

  test("the object is copied, not changed", () => {
    const c = Object.freeze(current(undefined, 2, 1));
    expect(() => ensuredObject(c, bootstrap, true, upToDate)).not.toThrow();
    expect(c.metadata.annotations).toBeUndefined();
  });
});
