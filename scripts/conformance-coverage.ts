/**
 * Which upstream conformance tests the suite ports by name: a test title must contain the test's
 * exact codename (the developers' guide asks every ported behaviour to cite it).
 *   bun scripts/conformance-coverage.ts [path/to/conformance-tests.yaml] [--missing]
 * The list is upstream's test/conformance/testdata/conformance.yaml (default: ../shared/design/).
 * Prints "covered N of M", and with --missing the codenames no test title cites.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const args = process.argv.slice(2);
const listPath = args.find((a) => !a.startsWith("--")) ?? resolve(import.meta.dir, "../../shared/design/conformance-tests.yaml");
const repo = resolve(import.meta.dir, "..");

/** The codenames of the YAML list (single-quoted, possibly folded over several lines). */
function codenames(yaml: string): string[] {
  const names: string[] = [];
  for (const m of yaml.matchAll(/codename: '((?:[^']|'')*)'/g)) names.push(m[1]!.replace(/''/g, "'").replace(/\s*\n\s*/g, " "));
  return names;
}

const files = new Bun.Glob("**/*.test.ts").scanSync({ cwd: repo });
let text = "";
for (const f of files) if (!f.startsWith("node_modules/")) text += readFileSync(`${repo}/${f}`, "utf8").replace(/\\(["'`])/g, "$1");
const names = codenames(readFileSync(listPath, "utf8"));
const missing = names.filter((n) => !text.includes(n));
console.log(`covered ${names.length - missing.length} of ${names.length}`);
if (args.includes("--missing")) for (const n of missing) console.log(n);
