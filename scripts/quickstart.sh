#!/usr/bin/env bash
# Quick start: set everything up, then run a single-node lite server on the embedded defaults
# (SQLite datastore under /var/lib/lite, every plugin enabled). Extra arguments go to `lite server`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec ./dist/lite server "$@"
