/// The command line of `bench`.
struct BenchOptions: Sendable {
    /// What to do.
    enum Mode: Sendable {
        /// Run the selected workloads (the default).
        case run
        /// List the workloads.
        case list
        /// Print the usage.
        case help
        /// Write a simulated workload's rows to CSV.
        case writeData(name: String, file: String)
        /// Build a workload's model and evaluate the objective N times at lme4's start θ.
        case profile(name: String, evaluations: Int)
        /// Internal: run one workload on our engine and write the measurement to a file.
        case child(name: String, resultFile: String)
    }

    var mode: Mode = .run
    /// Workload and group names (empty: the default suite).
    var names: [String] = []
    /// R engines to compare with (`lme4`, `glmmTMB`).
    var compare: [String] = []
    var jsonPath: String? = nil
    var markdownPath: String? = nil
    /// Fits per workload (both sides); nil: 5 / 3 / 1 by the time of the first run.
    var repeatCount: Int? = nil
    var seed: UInt64 = 20240601
    /// OpenBLAS threads for our engine; nil (`auto`, the default): as the `lmm` tool chooses them,
    /// `BLASThreads.recommended` for the model's factor. R always runs with 1.
    var threads: Int? = nil
    var dataDirectory: String? = nil
    /// Seconds spent timing objective evaluations at the optimum, per workload and engine.
    var evaluationSeconds: Double = 1
    /// Keep the simulated CSV files written for R (in perf/tmp).
    var keepData = false

    static let usage = """
    usage: bench [NAMES...] [--compare lme4[,glmmTMB]] [--json FILE] [--markdown FILE]
                 [--repeat N] [--seed S] [--threads N] [--data-dir DIR] [--eval-seconds S] [--keep-data]
           bench --list
           bench --write-data NAME FILE.csv [--seed S]
           bench --profile-evaluations NAME N [--seed S] [--threads N]

    Fits each workload with SparseLMM (each in its own process, so peak memory is its own) and,
    with --compare, with R's lme4 (and glmmTMB) on the same rows in the same run, then prints a
    table: fit time (data loading and model setup apart), objective evaluations, time per
    evaluation, peak memory and the objective reached, and the ratio lme4 / ours.

    NAMES       workloads or groups: small, medium, large, lmm, glmm, scaling, default (small +
                medium), all. Default: small and medium; large ones (crossed-10m, scaling-*)
                only when named.
    --compare   lme4 and/or glmmTMB (repeatable or comma separated); needs Rscript.
    --json      write every measurement, the machine and the git commit as JSON.
    --markdown  write the tables as markdown.
    --repeat    fits per workload on both sides (default: 5 if one fit takes < 1 s, 3 if < 10 s,
                else 1; the median is reported).
    --seed      seed of the simulated data (default 20240601).
    --threads   OpenBLAS threads for our engine: auto (the default: every core for a factor
                with a dense block of 2,000+ columns, else 1, as the lmm tool) or N. R gets 1.
    --data-dir  the reference CSV folder (default: Tests/Fixtures/data of the repository).
    --eval-seconds  time spent timing objective evaluations at the optimum (default 1).
    --keep-data keep the CSV files written for R in perf/tmp.
    --list      list the workloads.
    --write-data NAME FILE.csv   write a simulated workload's rows (for lme4/glmer by hand).
    --profile-evaluations NAME N build NAME's model and evaluate the objective N times at lme4's
                start θ (for callgrind and perf stat: perf/callgrind.sh, perf/perf-stat.sh).
    """

    /// Parses the arguments (without the program name).
    static func parse(_ arguments: [String]) throws -> BenchOptions {
        var o = BenchOptions()
        var args = arguments[...]
        func value(_ flag: String, _ inline: String?) throws -> String {
            if let inline { return inline }
            guard let v = args.popFirst() else { throw BenchError.usage("\(flag) needs a value\n\n\(usage)") }
            return v
        }
        func integer(_ flag: String, _ text: String, minimum: Int) throws -> Int {
            guard let v = Int(text), v >= minimum else { throw BenchError.usage("\(flag) needs an integer ≥ \(minimum), got '\(text)'") }
            return v
        }
        while let arg = args.popFirst() {
            guard arg.hasPrefix("--") else { o.names.append(arg); continue }
            let parts = arg.split(separator: "=", maxSplits: 1).map(String.init)
            let flag = parts[0]
            let inline = parts.count == 2 ? parts[1] : nil
            switch flag {
            case "--help": o.mode = .help
            case "--list": o.mode = .list
            case "--compare":
                for engine in try value(flag, inline).split(separator: ",").map(String.init) {
                    guard RComparison.engines.contains(engine) else {
                        throw BenchError.usage("--compare takes \(RComparison.engines.joined(separator: " or ")), got '\(engine)'")
                    }
                    if !o.compare.contains(engine) { o.compare.append(engine) }
                }
            case "--json": o.jsonPath = try value(flag, inline)
            case "--markdown": o.markdownPath = try value(flag, inline)
            case "--repeat": o.repeatCount = try integer(flag, value(flag, inline), minimum: 1)
            case "--seed":
                let text = try value(flag, inline)
                guard let s = UInt64(text) else { throw BenchError.usage("--seed needs a non-negative integer, got '\(text)'") }
                o.seed = s
            case "--threads":
                let text = try value(flag, inline)
                o.threads = text == "auto" ? nil : try integer(flag, text, minimum: 1)
            case "--data-dir": o.dataDirectory = try value(flag, inline)
            case "--eval-seconds":
                let text = try value(flag, inline)
                guard let s = Double(text), s >= 0 else { throw BenchError.usage("--eval-seconds needs a number ≥ 0, got '\(text)'") }
                o.evaluationSeconds = s
            case "--keep-data": o.keepData = true
            case "--write-data":
                let name = try value(flag, inline)
                guard let file = args.popFirst() else { throw BenchError.usage("--write-data NAME FILE.csv") }
                o.mode = .writeData(name: name, file: file)
            case "--profile-evaluations":
                let name = try value(flag, inline)
                guard let n = args.popFirst() else { throw BenchError.usage("--profile-evaluations NAME N") }
                o.mode = .profile(name: name, evaluations: try integer(flag, n, minimum: 1))
            case "--child":
                let name = try value(flag, inline)
                guard let file = args.popFirst() else { throw BenchError.usage("--child NAME RESULT.json") }
                o.mode = .child(name: name, resultFile: file)
            default:
                throw BenchError.usage("unknown option \(flag)\n\n\(usage)")
            }
        }
        return o
    }

    /// The flags a child process needs to reproduce this run's settings.
    var childArguments: [String] {
        var a = ["--seed", String(seed), "--threads", threads.map(String.init) ?? "auto", "--eval-seconds", String(evaluationSeconds)]
        if let repeatCount { a += ["--repeat", String(repeatCount)] }
        if let dataDirectory { a += ["--data-dir", dataDirectory] }
        return a
    }
}
