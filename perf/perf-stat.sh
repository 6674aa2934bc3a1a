#!/usr/bin/env bash
# perf/perf-stat.sh [WORKLOAD] [EVALUATIONS]
#
# Hardware counters (Linux perf stat) over `bench --profile-evaluations WORKLOAD EVALUATIONS`
# (default: insteval, 200): the whole process, data loading and model setup included, which is
# why the evaluations should dominate (choose EVALUATIONS accordingly). Writes
# perf/results/perf-stat-WORKLOAD.txt.
#
# Needs `perf` (apt-get install linux-perf) and a kernel that allows counting
# (/proc/sys/kernel/perf_event_paranoid ≤ 2 for a process's own user-space events). In a virtual
# machine the hardware counters (cycles, instructions, cache misses) are often not exposed: perf
# then reports them as <not supported> and only the software counters (task-clock, page faults,
# context switches) are meaningful.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-insteval}
n=${2:-200}
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
echo "perf_event_paranoid: $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo unknown)" >&2
swift build -c release --product bench >&2
mkdir -p perf/tmp perf/results
summary=perf/results/perf-stat-$name.txt
events=task-clock,context-switches,cpu-migrations,page-faults,cycles,instructions,branches,branch-misses,cache-references,cache-misses
{
    echo "# perf stat: bench --profile-evaluations $name $n (whole process)"
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')  kernel: $(uname -r)  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    OPENBLAS_NUM_THREADS=1 perf stat -e "$events" .build/release/bench --profile-evaluations "$name" "$n" 2>&1
} > "$summary" || { cat "$summary"; echo "perf stat failed (see above)" >&2; exit 1; }
cat "$summary"
echo "summary: $summary"
