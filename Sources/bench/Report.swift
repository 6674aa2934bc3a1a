import Foundation

/// One workload's results: ours and R's.
struct WorkloadResult: Codable, Sendable {
    var name: String
    var title: String
    var size: String
    var family: String
    var method: String
    var formula: String
    var data: String
    /// Seed of the simulated rows (nil for fixture data).
    var seed: UInt64?
    var ours: OurMeasurement
    /// By engine (`lme4`, `glmmTMB`).
    var compared: [String: EngineMeasurement] = [:]
    /// Why an engine's comparison is missing.
    var compareErrors: [String: String] = [:]

    /// Our wall time from the table in memory to the fitted model: design + model setup + fit.
    var oursTotalSeconds: Double? {
        guard let s = ours.setupSeconds, let f = ours.fitSeconds else { return nil }
        return s + f
    }

    /// The engine's fitting call over our setup + fit (> 1: we are faster).
    func speedup(_ engine: String) -> Double? {
        guard let theirs = compared[engine]?.fitSeconds, let mine = oursTotalSeconds, mine > 0 else { return nil }
        return theirs / mine
    }

    /// Our CPU seconds from the table in memory to the fitted model.
    var oursTotalCPUSeconds: Double? {
        guard let s = ours.setupCpuSeconds, let f = ours.fitCpuSeconds else { return nil }
        return s + f
    }

    /// The same ratio in CPU seconds: less sensitive to other work on the machine than wall time.
    func cpuSpeedup(_ engine: String) -> Double? {
        guard let theirs = compared[engine]?.fitCpuSeconds, let mine = oursTotalCPUSeconds, mine > 0 else { return nil }
        return theirs / mine
    }

    /// The engine's time per objective evaluation over ours.
    func evaluationSpeedup(_ engine: String) -> Double? {
        guard let theirs = compared[engine]?.secondsPerEvaluation, let mine = ours.secondsPerEvaluation, mine > 0 else { return nil }
        return theirs / mine
    }

    /// Our objective minus the engine's (negative: we found a lower optimum).
    func objectiveDifference(_ engine: String) -> Double? {
        guard let theirs = compared[engine]?.objective, let mine = ours.objective else { return nil }
        return mine - theirs
    }
}

/// A whole run, as written by `--json`.
struct BenchReport: Codable, Sendable {
    /// The settings of the run.
    struct Settings: Codable, Sendable {
        var seed: UInt64
        /// BLAS threads for ours: a number, or "auto" (`BLASThreads.recommended` per model; each
        /// workload's `blas_threads` says what it got).
        var threads: String
        /// Fits per workload, or "auto" (5 / 3 / 1 by the first run's time).
        var repeatCount: String
        var compare: [String]
        var evaluationSeconds: Double
        var command: String
    }

    var benchmark = "SparseLMM bench"
    var machine: MachineInfo
    var settings: Settings
    var workloads: [WorkloadResult]
    /// Remarks about the whole run (R missing, and the like).
    var notes: [String]
    /// /proc/loadavg when the run ended.
    var loadAverageAtEnd: [Double]? = nil
    /// Derived comparison numbers, for readers of the JSON who do not recompute them.
    var summary: [String: [String: Double]] = [:]

    mutating func fillSummary() {
        var s = [String: [String: Double]]()
        for w in workloads {
            var entry = [String: Double]()
            if let t = w.oursTotalSeconds { entry["ours_setup_plus_fit_seconds"] = t }
            if let t = w.oursTotalCPUSeconds { entry["ours_setup_plus_fit_cpu_seconds"] = t }
            for engine in w.compared.keys.sorted() {
                if let r = w.speedup(engine) { entry["speedup_vs_\(engine)"] = r }
                if let r = w.cpuSpeedup(engine) { entry["cpu_speedup_vs_\(engine)"] = r }
                if let r = w.evaluationSpeedup(engine) { entry["evaluation_speedup_vs_\(engine)"] = r }
                if let d = w.objectiveDifference(engine) { entry["objective_minus_\(engine)"] = d }
            }
            s[w.name] = entry
        }
        summary = s
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }
}

/// The tables printed at the end of a run and written by `--markdown`.
enum ReportTables {
    /// Our side: one row per workload.
    static func ours(_ report: BenchReport) -> Table {
        var t = Table(["workload", "rows", "p", "q", "θ", "load s", "setup s", "fit s", "runs", "evals",
                       "ms/eval", "floor ms", "× floor", "BLAS thr", "peak MB", "L MB", "objective"])
        for w in report.workloads {
            let o = w.ours
            let fitCell = o.available ? Format.seconds(o.fitSeconds) : (o.error == nil ? "not available yet" : "error")
            t.add([w.name, Format.integer(o.nobs), Format.integer(o.p), Format.integer(o.q), Format.integer(o.thetaCount),
                   Format.seconds(o.loadSeconds), Format.seconds(o.setupSeconds ?? o.designSeconds), fitCell,
                   Format.integer(o.runs), Format.integer(o.evaluations), Format.milliseconds(o.secondsPerEvaluation),
                   Format.milliseconds(o.floor?.seconds), Format.ratio(o.floor.flatMap { f in o.secondsPerEvaluation.map { $0 / f.seconds } }),
                   Format.integer(o.blasThreads), Format.megabytes(o.peakRssMb), Format.megabytes(o.factor?.factorValuesMb), Format.objective(o.objective)])
        }
        return t
    }

    /// Ours against one R engine.
    static func comparison(_ report: BenchReport, engine: String) -> Table {
        var t = Table(["workload", "ours s", "\(engine) s", "runs", "\(engine) evals", "ours evals",
                       "\(engine) ms/eval", "ours ms/eval", "\(engine) peak MB", "\(engine) objective",
                       "ours − \(engine)", "speed-up", "CPU speed-up", "per eval"])
        for w in report.workloads {
            guard let r = w.compared[engine], r.error == nil else {
                if w.compareErrors[engine] != nil || w.compared[engine]?.error != nil {
                    var row = [w.name, Format.seconds(w.oursTotalSeconds), "failed (see notes)"]
                    row += Array(repeating: Format.missing, count: t.header.count - row.count)
                    t.add(row)
                }
                continue
            }
            let ours = w.ours.available ? Format.seconds(w.oursTotalSeconds) : "n/a"
            t.add([w.name, ours, Format.seconds(r.fitSeconds), Format.integer(r.runs), Format.integer(r.evaluations),
                   Format.integer(w.ours.evaluations), Format.milliseconds(r.secondsPerEvaluation),
                   Format.milliseconds(w.ours.secondsPerEvaluation), Format.megabytes(r.peakRssMb),
                   Format.objective(r.objective), Format.difference(w.objectiveDifference(engine)),
                   Format.ratio(w.speedup(engine)), Format.ratio(w.cpuSpeedup(engine)), Format.ratio(w.evaluationSpeedup(engine))])
        }
        return t
    }

    /// Errors, unavailable sides and warnings, one line each.
    static func notes(_ report: BenchReport) -> [String] {
        var lines = report.notes
        for w in report.workloads {
            if let e = w.ours.error { lines.append("\(w.name): ours failed: \(e)") }
            if let n = w.ours.note { lines.append("\(w.name): ours: \(n)") }
            if let c = contention(wall: w.ours.fitSeconds, cpu: w.ours.fitCpuSeconds) { lines.append("\(w.name): ours: \(c)") }
            if let c = w.ours.csvRead {
                lines.append(String(format: "\(w.name): ours: reading its rows from CSV (%d rows, %.0f MB): %.2f s", c.rows, c.megabytes, c.seconds))
            }
            for t in w.ours.inference ?? [] {
                let rate = t.refitsPerSecond.map { String(format: " (%.0f refits/s)", $0) } ?? ""
                lines.append("\(w.name): ours: \(t.task): \(Format.seconds(t.seconds)) s\(rate)")
            }
            for (engine, e) in w.compareErrors.sorted(by: { $0.key < $1.key }) { lines.append("\(w.name): \(engine) failed: \(e)") }
            for (engine, r) in w.compared.sorted(by: { $0.key < $1.key }) {
                if let e = r.error { lines.append("\(w.name): \(engine) failed: \(e)") }
                for m in (r.warnings ?? []) + (r.messages ?? []) { lines.append("\(w.name): \(engine) said: \(m)") }
                if let n = r.evaluationNote { lines.append("\(w.name): \(engine): \(n)") }
                if let c = contention(wall: r.fitSeconds, cpu: r.fitCpuSeconds) { lines.append("\(w.name): \(engine): \(c)") }
            }
        }
        return lines
    }

    /// A remark when a fit of at least 0.5 s used under 85% of a core: it waited (other work on
    /// the machine), so its wall time overstates its cost.
    static func contention(wall: Double?, cpu: Double?) -> String? {
        guard let wall, let cpu, wall >= 0.5, cpu < 0.85 * wall else { return nil }
        return String(format: "the fit used %.3g CPU s in %.3g wall s (%.0f%% of a core): it waited for the machine", cpu, wall, 100 * cpu / wall)
    }

    /// How to read the tables.
    static let legend = [
        "load s: reading the CSV (reference data) or generating the rows in memory (simulated data).",
        "setup s: MixedModelDesign + LinearMixedModel.init (model frame, X, Z'Z and friends, CHOLMOD's symbolic analysis).",
        "fit s: LinearMixedModel.fit (optimisation and the results at the optimum; no conditional variances, as lmer).",
        "ms/eval: one objective evaluation at the optimum, timed separately. peak MB: peak RSS of the process (MiB).",
        "L MB: the Cholesky factor's values (8 bytes per entry of L); CHOLMOD's own peak is not exposed by the library.",
        "floor ms: what one exact evaluation of a crossed design cannot avoid: the Schur complement on the smaller factor's q₂ levels, Σ c(c+1)/2 scattered updates (timed with a plain kernel) + q₂³/3 flops at this machine's dpotrf rate for q₂ × q₂; × floor = ms/eval / floor ms. Details in the JSON (ours.floor).",
        "ours s = setup s + fit s, from the table in memory to the fitted model, the counterpart of R's lmer()/glmer() call on a data frame.",
        "R s: median wall time of the fitting call alone (CSV reading excluded), 1 BLAS thread. R peak MB: VmHWM of the R process.",
        "speed-up = R s / ours s (wall); CPU speed-up: the same with CPU seconds of each process (less sensitive to other work on a shared machine); per eval = R ms/eval / ours ms/eval (wall).",
        "Evaluations: lme4's m@optinfo$feval (glmer: second stage only; nloptr's repeated calls at the start not counted); ours: every evaluation of the fit, boundary checks included.",
    ]

    /// Everything as text, for the terminal.
    static func text(_ report: BenchReport) -> String {
        var out = "\nSparseLMM (ours)\n" + ours(report).text()
        for engine in report.settings.compare where report.workloads.contains(where: { $0.compared[engine] != nil || $0.compareErrors[engine] != nil }) {
            out += "\nours vs \(engine)\n" + comparison(report, engine: engine).text()
        }
        let n = notes(report)
        if !n.isEmpty { out += "\nnotes\n" + n.map { "  - " + $0 }.joined(separator: "\n") + "\n" }
        return out
    }

    /// Everything as markdown, with the machine and the run's settings.
    static func markdown(_ report: BenchReport) -> String {
        let m = report.machine
        var out = "# SparseLMM benchmark, \(m.date)\n\n"
        out += "- machine: \(m.cpu), \(m.cores) cores, \(m.memoryGb.map { String(format: "%.1f", $0) } ?? "?") GiB, \(m.os ?? "?"), kernel \(m.kernel ?? "?")\n"
        out += "- dense Cholesky (dpotrf, n = 2000, \(m.blasThreads) BLAS thread\(m.blasThreads == 1 ? "" : "s")): \(String(format: "%.1f", m.denseCholeskyGflops)) GFLOP/s; OpenBLAS kernels \(m.blasKernels ?? "unknown"); CHOLMOD \(m.cholmodVersion)\n"
        if let a = m.loadAverage {
            out += "- load average at start: \(a.map { String(format: "%.2f", $0) }.joined(separator: ", "))"
            if let b = report.loadAverageAtEnd { out += "; at end: \(b.map { String(format: "%.2f", $0) }.joined(separator: ", "))" }
            out += " (other work on the machine skews timings)\n"
        }
        out += "- git commit: \(m.gitCommit ?? "unknown")\(m.gitDirty == true ? " (with uncommitted changes)" : "")\n"
        out += "- command: `\(report.settings.command)`; seed \(report.settings.seed), \(report.settings.threads) BLAS thread(s) for ours, repeat \(report.settings.repeatCount)\n"
        if let r = report.workloads.lazy.compactMap({ $0.compared["lme4"] ?? $0.compared["glmmTMB"] }).first {
            out += "- R: \(r.rVersion ?? "?"), OPENBLAS_NUM_THREADS=\(r.openblasNumThreads ?? "?")\n"
        }
        for engine in report.settings.compare {
            if let v = report.workloads.lazy.compactMap({ $0.compared[engine]?.engineVersion }).first {
                out += "- \(engine) \(v)\n"
            }
        }
        out += "\n## SparseLMM (ours)\n\n" + ours(report).markdown()
        for engine in report.settings.compare {
            out += "\n## ours vs \(engine)\n\n" + comparison(report, engine: engine).markdown()
        }
        out += "\n## How to read\n\n" + legend.map { "- " + $0 }.joined(separator: "\n") + "\n"
        out += "\n## Workloads\n\n"
        for w in report.workloads {
            out += "- `\(w.name)` (\(w.family), \(w.method)): `\(w.formula)`; \(w.data)\n"
        }
        let n = notes(report)
        if !n.isEmpty { out += "\n## Notes\n\n" + n.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        return out
    }
}
