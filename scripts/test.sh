#!/usr/bin/env bash
# Set everything up, then run the whole test suite: unit tests beside the code and the
# end-to-end tests in tests/ that drive the compiled dist/lite. Extra arguments go to `bun test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bun test --timeout 120000 "$@"
