#!/usr/bin/env bash
# perf/callgrind.sh [WORKLOAD] [EVALUATIONS]
#
# Instruction counts (valgrind's callgrind) of EVALUATIONS objective evaluations of WORKLOAD's
# model at lme4's starting θ (default: insteval, 10). Only the evaluation loop is collected
# (Profiling.profiledEvaluations: --collect-atstart=no --toggle-collect), so reading the data and
# building the model are not counted and the total is stable from run to run.
#
# Writes perf/tmp/callgrind.WORKLOAD.out (open it with kcachegrind or callgrind_annotate) and
# prints the total and the most expensive functions; perf/results/callgrind-WORKLOAD.txt keeps
# a copy of that summary.
#
# Note: valgrind does not emulate AVX-512, so OpenBLAS runs its AVX2 (Haswell) kernels under
# callgrind: instruction counts of the dense BLAS parts differ from a native run.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-insteval}
n=${2:-10}
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
swift build -c release --product bench >&2
mkdir -p perf/tmp perf/results
out=perf/tmp/callgrind.$name.out
summary=perf/results/callgrind-$name.txt
OPENBLAS_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$out" \
    --collect-atstart=no --toggle-collect='*profiledEvaluations*' \
    .build/release/bench --profile-evaluations "$name" "$n" 2> perf/tmp/callgrind.$name.log \
    | tee perf/tmp/callgrind.$name.stdout
{
    echo "# callgrind: $n objective evaluations of '$name' at lme4's start theta"
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')  $(valgrind --version)"
    echo "# (valgrind emulates no AVX-512: OpenBLAS runs its AVX2 kernels here)"
    echo
    cat perf/tmp/callgrind.$name.stdout
    echo
    grep -E '^(==[0-9]+== )?(Collected|Events)' perf/tmp/callgrind.$name.log || true
    echo
    callgrind_annotate --inclusive=no --threshold=99 "$out" 2>/dev/null | sed -n '1,45p' | sed "s#$PWD/##g" || true
} > "$summary"
total=$(sed -n 's/^==[0-9]*== Collected : //p' perf/tmp/callgrind.$name.log | head -n 1)
if [ -n "$total" ]; then
    echo "instructions in $n evaluations of $name: $total ($((total / n)) per evaluation)"
    sed -i "5i # total: $total instructions, $((total / n)) per evaluation" "$summary"
fi
echo "summary: $summary; full profile: $out"
