#!/usr/bin/env bun
/** Entry point of the `lite` binary (`bun run build` compiles this file to dist/lite). */
import "./cli/reexecute-for-allocator.ts"; // first: may replace the process before anything loads
import { main } from "./cli/main.ts";

const code = await main(process.argv.slice(2), process.env);
process.exit(code);
