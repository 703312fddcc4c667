#!/usr/bin/env bash
# Sets up everything lite needs on a Debian 12 machine that has only node and npm, as root:
# Bun (from npm), the Debian packages the cluster needs, the npm dependencies, and dist/lite.
# Idempotent: when everything is present it only checks, then rebuilds dist/lite (~2 s).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  say "warning: not root; installing packages and running containers need root"
fi

# 1. Bun, from npm (nothing else downloads Bun on these machines).
if ! command -v bun >/dev/null 2>&1; then
  say "installing bun from npm"
  npm install -g bun >/dev/null 2>&1 || npm install -g bun
fi

# 2. Debian packages: the container runtime, CNI plugins, networking tools, the busybox used for
#    offline images, a registry and skopeo for the image-pull tests, netcat-traditional for the
#    tests' UDP image (tests/harness/netcat-image.ts), the official Python client for its e2e test,
#    and kubectl when the machine lacks one.
packages=(containerd runc containernetworking-plugins busybox-static netcat-traditional python3-kubernetes nftables iproute2 conntrack ca-certificates git docker-registry skopeo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v kubectl >/dev/null 2>&1; then missing+=(kubectl); fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 3. npm dependencies (from the lockfile).
if [ ! -d node_modules ] || [ bun.lock -nt node_modules ]; then
  say "installing npm dependencies"
  bun install --frozen-lockfile >/dev/null
  touch node_modules
fi

# 4. The binary.
bun run build
