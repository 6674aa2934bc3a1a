#!/usr/bin/env bash
# perf/perf-record.sh [WORKLOAD] [EVALUATIONS]
#
# Where the time goes, natively: a flat profile (Linux perf record, sampling the software
# cpu-clock event, which works in virtual machines without hardware counters) of
# `bench --profile-evaluations WORKLOAD EVALUATIONS` (default: crossed-1m, 5). The whole process
# is sampled, so choose EVALUATIONS so that the evaluations dominate the data generation and
# model setup. Writes perf/results/perf-record-WORKLOAD.txt (top functions by self time) and
# keeps perf/tmp/perf.WORKLOAD.data for `perf report -i`.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-crossed-1m}
n=${2:-5}
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
swift build -c release --product bench >&2
mkdir -p perf/tmp perf/results
data=perf/tmp/perf.$name.data
summary=perf/results/perf-record-$name.txt
OPENBLAS_NUM_THREADS=1 perf record -e cpu-clock -F 499 -o "$data" \
    .build/release/bench --profile-evaluations "$name" "$n" > perf/tmp/perf-record.$name.stdout
{
    echo "# perf record -e cpu-clock: bench --profile-evaluations $name $n (whole process, self time)"
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    cat perf/tmp/perf-record.$name.stdout
    echo
    perf report -i "$data" --stdio --sort dso,symbol --percent-limit 0.5 2>/dev/null | grep -v '^$' \
        | sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//; s/IPC[[:space:]]+\[IPC Coverage\]//; s/[[:space:].]+$//' | sed -n '1,60p' || true
} > "$summary"
cat "$summary"
echo "summary: $summary"
