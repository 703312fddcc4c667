#!/usr/bin/env bash
# Set everything up, then run the whole test suite: unit tests beside the code and the
# end-to-end tests in tests/ that drive the compiled dist/lite.
#
# With no arguments the files run in parallel: two `bun test` workers take the files that can
# share the machine (control planes on OS-assigned ports, agents inside network namespaces of
# their own), slowest first by tests/timings.json; alongside them one `bun test` runs, one after
# another, the files whose agent uses the host's network namespace (they would share its cni0,
# pod routes and nftables tables). Its output follows the others'. TEST_WORKERS sets the worker
# count; UPDATE_TIMINGS=1 rewrites tests/timings.json from this run. Extra arguments run `bun test`
# once, as given (e.g. one file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -gt 0 ]; then
  exec bun test --timeout 120000 "$@"
fi

HOST_NETNS_AGENT_FILES=(
  tests/kubelet-pods.test.ts
  tests/kubelet-streams.test.ts
  tests/server-plugins.test.ts
  tests/workloads-conformance.test.ts
)
host_log="$(mktemp /tmp/lite-test-host-agent.XXXXXX)"
ignore=()
for f in "${HOST_NETNS_AGENT_FILES[@]}"; do ignore+=("--path-ignore-patterns=$f"); done

bun test --timeout 120000 "${HOST_NETNS_AGENT_FILES[@]/#/./}" >"$host_log" 2>&1 &
host_pid=$!
status=0
bun test --timeout 120000 --parallel="${TEST_WORKERS:-2}" --timings=tests/timings.json ${UPDATE_TIMINGS:+--update-timings} \
  "${ignore[@]}" || status=$?
host_status=0
wait "$host_pid" || host_status=$?

echo
echo "=== the files whose agent runs in the host's network namespace (one after another) ==="
cat "$host_log"
rm -f "$host_log"
echo "parallel files: exit $status; host-namespace agent files: exit $host_status"
[ "$status" -eq 0 ] && [ "$host_status" -eq 0 ]
