#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the CSV reader and the formula parser (issue: reliability).
#
#   scripts/fuzz.sh [csv|formula]...        default: both
#   FUZZ_SECONDS=600 scripts/fuzz.sh csv    seconds per target (default 300)
#
# Builds Fuzz/FuzzCSV and Fuzz/FuzzFormula with -sanitize=fuzzer,address in .build-fuzz (Package.swift
# declares them only when SPARSELMM_FUZZ=1), runs each on its committed corpus (Fuzz/corpus/NAME,
# grown in place, then minimised with libFuzzer's -merge), and writes the closing statistics to
# perf/tmp/fuzz-NAME.log. A crash leaves its input as perf/tmp/fuzz-NAME-crash-*: make it a test
# in Tests/SparseLMMTests/FuzzRegressionTests.swift, fix it, and run again.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-300}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(csv formula)
mkdir -p perf/tmp
status=0
for t in "${targets[@]}"; do
    case "$t" in
        csv) product=FuzzCSV ;;
        formula) product=FuzzFormula ;;
        *) echo "unknown fuzz target '$t' (csv or formula)" >&2; exit 64 ;;
    esac
    SPARSELMM_FUZZ=1 swift build -c release --scratch-path .build-fuzz --product "$product" \
        -Xswiftc -sanitize=fuzzer,address >/dev/null
    corpus="Fuzz/corpus/$t"
    log="perf/tmp/fuzz-$t.log"
    mkdir -p "$corpus"
    echo "== $product: ${seconds} s on $(ls "$corpus" | wc -l) corpus inputs (log: $log)"
    if ASAN_OPTIONS=detect_leaks=0 ".build-fuzz/release/$product" "$corpus" -dict="Fuzz/$t.dict" \
        -max_total_time="$seconds" -max_len=4096 -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="perf/tmp/fuzz-$t-" >"$log" 2>&1; then
        grep -E '^(#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)' "$log" | tail -4
    else
        status=1
        echo "CRASH in $product:"; grep -E 'ERROR|Fatal error|SUMMARY|Test unit written' "$log" | head -10
    fi
    # keep the corpus small: only inputs that add coverage
    rm -rf "$corpus.min" && mkdir -p "$corpus.min"
    ASAN_OPTIONS=detect_leaks=0 ".build-fuzz/release/$product" -merge=1 "$corpus.min" "$corpus" >/dev/null 2>&1
    rm -rf "$corpus" && mv "$corpus.min" "$corpus"
    echo "   corpus after merge: $(ls "$corpus" | wc -l) inputs"
done
exit $status
