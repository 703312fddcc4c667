/**
 * `bun run build`: compiles core/main.ts (with the embedded plugins it imports lazily) into the
 * single executable dist/lite (plus the Worker entry files it loads), stamping the git commit, and prints the binary's size.
 */
import { statSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const sha = Bun.spawnSync(["git", "rev-parse", "--short=8", "HEAD"], { cwd: root }).stdout.toString().trim() || "unknown";
const dirty = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: root }).stdout.toString().trim() !== "";
const commit = dirty ? `${sha}-dirty` : sha;
const outfile = `${root}dist/lite`;
/**
 * Worker entry files: a compiled binary only embeds them if listed. With --root pinned to the
 * repository, each is embedded at /$bunfs/root/<its path below>, which is where the code that
 * starts the Worker looks (core/apiserver/transport/https-front.ts workerEntry()).
 */
const WORKER_ENTRYPOINTS = ["core/apiserver/transport/front-worker.ts"];
const started = performance.now();
const build = Bun.spawnSync(
  ["bun", "build", "--compile", "--root", root, "--minify-syntax", "--minify-whitespace", `--define`, `LITE_GIT_SHA=${JSON.stringify(commit)}`,
    `${root}core/main.ts`, ...WORKER_ENTRYPOINTS.map((p) => `${root}${p}`), "--outfile", outfile],
  { cwd: root, stdout: "pipe", stderr: "pipe" },
);
if (build.exitCode !== 0) {
  process.stderr.write(build.stdout.toString() + build.stderr.toString());
  process.exit(build.exitCode ?? 1);
}
const bytes = statSync(outfile).size;
console.log(`built dist/lite (${commit}): ${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes) in ${Math.round(performance.now() - started)} ms`);
