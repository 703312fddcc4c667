/**
 * `$(VAR)` expansion in env values, command and args (upstream third_party/forked/golang/expansion).
 * - `$(NAME)` is replaced by NAME's value; an unknown NAME stays as written, `$(NAME)`.
 * - `$$` is an escaped `$`: `$$(NAME)` yields the literal `$(NAME)`.
 * - A `$` followed by anything else, an unclosed `$(`, or a final `$` stay as written.
 */
import type { KeyValue } from "../../cri/types.ts";
import type { Container } from "./types.ts";

/** Looks names up in each map in turn. */
export type VarLookup = (name: string) => string | undefined;

export function lookupIn(...maps: ReadonlyMap<string, string>[]): VarLookup {
  return (name) => {
    for (const m of maps) {
      const v = m.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

export function expandVars(input: string, env: ReadonlyMap<string, string> | VarLookup): string {
  const lookup = typeof env === "function" ? env : lookupIn(env);
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== "$" || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === "$") {
      out += "$";
    } else if (next === "(") {
      const close = input.indexOf(")", cursor + 2);
      if (close === -1) {
        out += "$(";
      } else {
        const name = input.slice(cursor + 2, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close - cursor;
      }
    } else {
      out += `$${next}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** The container's command and args with `$(VAR)` expanded from its final environment. */
export function expandCommand(container: Container, env: readonly KeyValue[]): { command: string[]; args: string[] } {
  const vars = new Map(env.map((e) => [e.key, e.value]));
  return {
    command: (container.command ?? []).map((s) => expandVars(s, vars)),
    args: (container.args ?? []).map((s) => expandVars(s, vars)),
  };
}
