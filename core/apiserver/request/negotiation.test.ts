import { expect, test } from "bun:test";
import { negotiateShape, parseAccept } from "./negotiation.ts";

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

test("negotiateShape: a Table when the resource has a table convertor", () => {
  expect(negotiateShape(parseAccept(TABLE))).toEqual({ shape: "table", version: "v1" });
});

test("negotiateShape: without a table convertor a Table-only Accept has no answer (406), a fallback is taken", () => {
  expect(negotiateShape(parseAccept(TABLE), { table: false })).toBeUndefined();
  expect(negotiateShape(parseAccept(`${TABLE},application/json`), { table: false })).toEqual({ shape: "object", version: "" });
  const metadata = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io";
  expect(negotiateShape(parseAccept(metadata), { table: false })).toEqual({ shape: "partial-metadata", version: "v1" });
});
