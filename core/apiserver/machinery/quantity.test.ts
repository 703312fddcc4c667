import { describe, expect, test } from "bun:test";
import {
  canonicalQuantity,
  compareQuantities,
  formatQuantity,
  parseQuantity,
  QUANTITY_FORMAT_ERROR,
  QuantityParseError,
  quantityScaledValue,
} from "./quantity.ts";

describe("formatQuantity: canonical forms (upstream TestQuantityString / ParseEmit)", () => {
  const cases: [string, string][] = [
    ["1000m", "1"],
    ["1024Mi", "1Gi"],
    ["0.5", "500m"],
    ["100m", "100m"],
    ["1Gi", "1Gi"],
    ["1e3", "1e3"],
    ["1e4", "10e3"],
    ["12e-2", "120e-3"],
    ["1000M", "1G"],
    ["1.5Gi", "1536Mi"],
    ["307200Ki", "300Mi"],
    ["5000m", "5"],
    [".001Ki", "1024m"],
    [".000001Ki", "1024u"],
    [".000000001Ki", "1024n"],
    [".000000000001Ki", "2n"],
    ["0.1n", "1n"],
    ["1Ei", "1Ei"],
    ["-1k", "-1k"],
    ["-1024Mi", "-1Gi"],
    ["0Gi", "0"],
    ["0.0", "0"],
    ["1023Ki", "1023Ki"],
    ["0.5Ki", "512"],
    ["1.5", "1500m"],
  ];
  for (const [input, want] of cases) test(`${input} -> ${want}`, () => expect(formatQuantity(parseQuantity(input))).toBe(want));
});

describe("parseQuantity values are exact", () => {
  test("1Ei and 1n", () => {
    expect(parseQuantity("1Ei")).toMatchObject({ mantissa: 2n ** 60n, exponent: 0, format: "BinarySI" });
    expect(parseQuantity("1n")).toMatchObject({ mantissa: 1n, exponent: -9, format: "DecimalSI" });
    expect(parseQuantity("250m").value).toBe(0.25);
  });
  test("binary quantities are capped at 2^63-1", () => {
    expect(parseQuantity("9Ei").mantissa).toBe(2n ** 63n - 1n);
  });
  test("fractional binary quantities below one become DecimalSI", () => {
    expect(parseQuantity("0.5Ki").format).toBe("BinarySI");
    expect(parseQuantity(".0001Ki").format).toBe("DecimalSI");
  });
});

describe("serialisation keeps upstream's cached input text", () => {
  test("already canonical spellings are kept verbatim", () => {
    expect(canonicalQuantity("+1Gi")).toBe("+1Gi");
    expect(canonicalQuantity("1500m")).toBe("1500m");
    expect(canonicalQuantity("1024Mi")).toBe("1Gi");
    expect(canonicalQuantity("1000m")).toBe("1");
  });
});

describe("compare and scale", () => {
  test("compareQuantities is exact across formats", () => {
    expect(compareQuantities(parseQuantity("1Gi"), parseQuantity("1073741824"))).toBe(0);
    expect(compareQuantities(parseQuantity("1G"), parseQuantity("1Gi"))).toBe(-1);
    expect(compareQuantities(parseQuantity("500m"), parseQuantity("0.4"))).toBe(1);
    expect(compareQuantities(parseQuantity("1n"), parseQuantity("0"))).toBe(1);
  });
  test("quantityScaledValue rounds up (MilliValue, Value)", () => {
    expect(quantityScaledValue(parseQuantity("1.5"), -3)).toBe(1500n);
    expect(quantityScaledValue(parseQuantity("1500m"), 0)).toBe(2n);
    expect(quantityScaledValue(parseQuantity("1Gi"), 0)).toBe(1073741824n);
  });
});

describe("errors (upstream messages)", () => {
  // Note: upstream accepts a bare suffix ("Gi" = 0) despite its own regex; so do we.
  for (const bad of ["", "abc", "1.2.3", "1Q", "1 Gi", "1i", "1e1.5"]) {
    test(JSON.stringify(bad), () => {
      expect(() => parseQuantity(bad)).toThrow(QuantityParseError);
    });
  }
  test("format error text", () => {
    expect(() => parseQuantity("1.2.3")).toThrow(QUANTITY_FORMAT_ERROR);
    expect(QUANTITY_FORMAT_ERROR).toBe("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  });
  test("suffix error text", () => {
    expect(() => parseQuantity("5e")).toThrow("unable to parse quantity's suffix");
    expect(() => parseQuantity("1i")).toThrow("unable to parse quantity's suffix");
  });
});
