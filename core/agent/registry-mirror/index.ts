/**
 * lite's built-in images served by a read-only registry on loopback, and the containerd
 * hosts.toml files that make it the first mirror of docker.io and lite.local: a pull of an image
 * lite imported (imagePullPolicy Always, `:latest`) resolves locally to the same digest.
 */
import { BUILTIN_IMAGES } from "../images/builtin-images.ts";

export { startBuiltinRegistry, type BuiltinRegistry, type BuiltinRegistryOptions } from "./registry-server.ts";
export { writeMirrorHosts, renderMirrorHosts, type MirrorHostsOptions } from "./mirror-hosts.ts";

/** The registries of lite's built-in images (docker.io, lite.local): the mirror goes first for these. */
export const BUILTIN_REGISTRIES: readonly string[] = [...new Set(BUILTIN_IMAGES.map((name) => name.slice(0, name.indexOf("/"))))];
