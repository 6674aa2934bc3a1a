#!/usr/bin/env bash
# The test suite under AddressSanitizer and ThreadSanitizer (issue: reliability).
#
#   scripts/sanitizers.sh [address|thread]...     (default: both)
#
# Each sanitizer builds in its own folder (.build-address, .build-thread) so the ordinary build is
# left alone, and runs the whole suite there; the log goes to perf/tmp/sanitize-KIND.log and the
# closing lines to standard output. CHOLMOD, OpenBLAS and NLopt are Debian's uninstrumented
# libraries: AddressSanitizer still checks every Swift access and every heap block they receive
# from us; ThreadSanitizer sees the Swift side's threads (task groups, Dispatch) and their sharing.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p perf/tmp
kinds=("$@")
[ ${#kinds[@]} -eq 0 ] && kinds=(address thread)
status=0
for kind in "${kinds[@]}"; do
    log="perf/tmp/sanitize-$kind.log"
    echo "== swift test --sanitize=$kind (log: $log)"
    # detect_leaks=0: LeakSanitizer reports the Swift runtime's and OpenBLAS's one-time
    # allocations (metadata caches, thread buffers) that live until exit; CHOLMOD's own
    # allocation count is checked to return to zero by the tests themselves.
    if ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
        swift test --sanitize="$kind" --scratch-path ".build-$kind" >"$log" 2>&1; then
        echo "passed: $(grep -E 'Test run with .* (passed|failed)' "$log" | tail -1)"
    else
        status=1
        echo "FAILED under $kind:"
        grep -E 'ERROR: (Address|Thread)Sanitizer|WARNING: ThreadSanitizer|SUMMARY|✘|Test run with' "$log" | head -20
    fi
done
exit $status
