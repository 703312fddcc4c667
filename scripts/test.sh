#!/usr/bin/env bash
# Set everything up, then run the whole test suite: unit tests beside the code and the
# end-to-end tests in tests/ that drive the compiled dist/lite.
#
# With no arguments the files run in parallel: two `bun test` workers take the files that can
# share the machine (control planes on OS-assigned ports, agents inside network namespaces of
# their own), slowest first by tests/timings.json; alongside them one `bun test` runs, one after
# another, the files whose agent runs in the network namespace it is started in (node IP
# 127.0.0.1): inside a private network namespace of its own (`unshare --net`, loopback only), so
# that their cni0, pod routes and nftables tables neither meet each other nor touch the host's,
# which other files check. Its output follows the others'. TEST_WORKERS sets the worker count;
# UPDATE_TIMINGS=1 rewrites tests/timings.json from this run. Extra arguments run `bun test` once,
# as given (e.g. one file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -gt 0 ]; then
  exec bun test --timeout 120000 "$@"
fi

LOOPBACK_AGENT_FILES=(
  tests/kubelet-pods.test.ts
  tests/kubelet-streams.test.ts
  tests/server-plugins.test.ts
  tests/workloads-conformance.test.ts
)
agents_log="$(mktemp /tmp/lite-test-loopback-agents.XXXXXX)"
ignore=()
for f in "${LOOPBACK_AGENT_FILES[@]}"; do ignore+=("--path-ignore-patterns=$f"); done

unshare --net sh -c 'ip link set lo up && exec bun test --timeout 120000 "$@"' sh "${LOOPBACK_AGENT_FILES[@]/#/./}" >"$agents_log" 2>&1 &
agents_pid=$!
status=0
bun test --timeout 120000 --parallel="${TEST_WORKERS:-2}" --timings=tests/timings.json ${UPDATE_TIMINGS:+--update-timings} \
  "${ignore[@]}" || status=$?
agents_status=0
wait "$agents_pid" || agents_status=$?

echo
echo "=== the files whose agent runs on loopback, in a private network namespace (one after another) ==="
cat "$agents_log"
rm -f "$agents_log"
echo "parallel files: exit $status; loopback-agent files: exit $agents_status"
[ "$status" -eq 0 ] && [ "$agents_status" -eq 0 ]
