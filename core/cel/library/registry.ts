/**
 * Function libraries. A library is a table of functions by name; a name may appear in several
 * libraries (overloads), and a call tries them in order until one does not throw NoSuchOverload.
 *
 * Contract for each function: `(target, args)`, where `target` is the receiver of a receiver-style
 * call (`s.indexOf('a')`) and `undefined` for a global call (`size(x)`, `quantity('1Gi')`).
 * Namespaced functions are registered under their full name (`sets.contains`, `base64.encode`,
 * `optional.of`, `format.dns1123Label`) and called as global functions. Arguments are evaluated
 * CEL values (values.ts); a function returns a CEL value, throws NoSuchOverload for argument types
 * it does not take and CelError for an evaluation error.
 */
import { NoSuchOverload, noSuchOverload, type CelValue } from "../values.ts";

export type CelFunction = (target: CelValue | undefined, args: readonly CelValue[]) => CelValue;
export type CelLibrary = Readonly<Record<string, CelFunction>>;

export class FunctionRegistry {
  private readonly byName = new Map<string, CelFunction[]>();

  constructor(libraries: readonly CelLibrary[]) {
    for (const lib of libraries) {
      for (const [name, fn] of Object.entries(lib)) this.byName.set(name, [...(this.byName.get(name) ?? []), fn]);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Calls `name`; undefined when no library defines the name (the caller decides what that means). */
  call(name: string, target: CelValue | undefined, args: readonly CelValue[]): CelValue | undefined {
    const fns = this.byName.get(name);
    if (!fns) return undefined;
    for (const fn of fns) {
      try {
        return fn(target, args);
      } catch (err) {
        if (!(err instanceof NoSuchOverload)) throw err;
      }
    }
    throw noSuchOverload(name, target, args);
  }
}
