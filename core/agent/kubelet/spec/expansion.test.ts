import { describe, expect, test } from "bun:test";
import { expandCommand, expandVars, lookupIn } from "./expansion.ts";

const vars = new Map([
  ["VAR_A", "A"],
  ["VAR_B", "B"],
  ["VAR_C", "C"],
  ["VAR_REF", "$(VAR_A)"],
  ["VAR_EMPTY", ""],
]);

describe("expandVars (upstream expansion cases)", () => {
  const cases: [string, string][] = [
    ["$(VAR_A)", "A"],
    ["___$(VAR_B)___", "___B___"],
    ["$(VAR_A)-$(VAR_A)", "A-A"],
    ["$(VAR_A)$(VAR_B)", "AB"],
    ["$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"],
    ["$$(VAR_B)_$$(VAR_A)", "$(VAR_B)_$(VAR_A)"],
    ["f000-$$VAR_A", "f000-$VAR_A"],
    ["foo\\$(VAR_C)bar", "foo\\Cbar"],
    ["foo\\\\$(VAR_C)bar", "foo\\\\Cbar"],
    ["$(VAR_DNE)", "$(VAR_DNE)"],
    ["x$(VAR_DNE)y$(VAR_A)", "x$(VAR_DNE)yA"],
    ["$(VAR_EMPTY)", ""],
    ["$(VAR_REF)", "$(VAR_A)"], // no recursive expansion
    ["$(VAR_A", "$(VAR_A"],
    ["$(", "$("],
    ["$()", "$()"],
    ["$$()", "$()"],
    ["$VAR_A", "$VAR_A"],
    ["$", "$"],
    ["$$", "$"],
    ["$$$", "$$"],
    ["$$$$", "$$"],
    ["$(VAR_A)$$", "A$"],
    ["$(VAR_A)$", "A$"],
    ["$($(VAR_A))", "$($(VAR_A))"],
    ["no vars here", "no vars here"],
    ["", ""],
    ["ü$(VAR_A)€", "üA€"],
  ];
  for (const [input, want] of cases) {
    test(JSON.stringify(input), () => expect(expandVars(input, vars)).toBe(want));
  }

  test("lookup order: first map that has the name wins", () => {
    const first = new Map([["X", "one"]]);
    const second = new Map([["X", "two"], ["Y", "why"]]);
    expect(expandVars("$(X) $(Y) $(Z)", lookupIn(first, second))).toBe("one why $(Z)");
  });
});

describe("expandCommand", () => {
  test("expands command and args from the final env; unknown names stay", () => {
    const env = [{ key: "MSG", value: "hi" }, { key: "N", value: "3" }];
    const got = expandCommand({ name: "c", command: ["sh", "-c", "echo $(MSG)"], args: ["$(N)", "$$(N)", "$(NOPE)"] }, env);
    expect(got).toEqual({ command: ["sh", "-c", "echo hi"], args: ["3", "$(N)", "$(NOPE)"] });
  });

  test("no command or args gives empty lists (image defaults apply)", () => {
    expect(expandCommand({ name: "c" }, [])).toEqual({ command: [], args: [] });
  });
});
