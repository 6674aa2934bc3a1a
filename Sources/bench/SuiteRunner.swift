import Foundation

/// Runs the selected workloads: ours in a child process each, then R on the same rows, one
/// thing at a time (never two timings at once), and gathers the report.
struct SuiteRunner {
    let options: BenchOptions
    let paths: ProjectPaths

    /// Progress goes to standard error, the tables to standard output.
    func log(_ line: String) {
        FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
    }

    func run() throws -> BenchReport {
        let workloads = try Suite.select(options.names)
        var notes = [String]()
        var compare = options.compare
        if !compare.isEmpty && RComparison.locate(paths) == nil {
            let reason = RComparison.unavailableReason(paths)
            notes.append("no comparison with \(compare.joined(separator: ", ")): \(reason); ours ran alone")
            log("note: \(reason): running ours alone")
            compare = []
        }
        log("measuring the machine (dense Cholesky rate)…")
        let machine = MachineInfo.current(paths: paths)
        log("\(machine.cpu), \(machine.cores) cores, commit \(machine.gitCommit ?? "unknown")")
        let scratch = try paths.scratchDirectory()

        var results = [WorkloadResult]()
        for w in workloads {
            log("\n== \(w.name): \(w.title) [\(w.size.rawValue)]")
            var result = WorkloadResult(name: w.name, title: w.title, size: w.size.rawValue, family: w.family.rawValue,
                                        method: w.method, formula: w.formula, data: w.data.summary,
                                        seed: w.data.isSimulated ? options.seed : nil, ours: runOurs(w, scratch: scratch))
            logOurs(result.ours)
            if !compare.isEmpty {
                compareInR(w, engines: compare, scratch: scratch, into: &result)
            }
            results.append(result)
        }
        let settings = BenchReport.Settings(
            seed: options.seed, threads: options.threads.map(String.init) ?? "auto",
            repeatCount: options.repeatCount.map { String($0) } ?? "auto", compare: compare,
            evaluationSeconds: options.evaluationSeconds,
            command: (["bench"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
        var report = BenchReport(machine: machine, settings: settings, workloads: results, notes: notes)
        report.loadAverageAtEnd = MachineInfo.loadAverage()
        report.fillSummary()
        return report
    }

    /// Our side, in a child process (`bench --child NAME FILE`).
    func runOurs(_ w: Workload, scratch: String) -> OurMeasurement {
        let resultFile = scratch + "/\(w.name)-ours-result.json"
        try? FileManager.default.removeItem(atPath: resultFile)
        do {
            let outcome = try Subprocess.run(paths.executable, ["--child", w.name, resultFile] + options.childArguments)
            guard let bytes = FileManager.default.contents(atPath: resultFile) else {
                return OurMeasurement(available: false, error: "the child process ended (\(outcome.description)) without a result")
            }
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try decoder.decode(OurMeasurement.self, from: bytes)
        } catch {
            return OurMeasurement(available: false, error: "could not run the child process: \(error)")
        }
    }

    func logOurs(_ o: OurMeasurement) {
        if let e = o.error { log("ours: failed: \(e)"); return }
        if !o.available {
            log("ours: \(o.note ?? "not available"); rows \(Format.integer(o.nobs)), q \(Format.integer(o.q)), θ \(Format.integer(o.thetaCount))")
            return
        }
        log("ours: rows \(Format.integer(o.nobs)), q \(Format.integer(o.q)), θ \(Format.integer(o.thetaCount)); "
            + "load \(Format.seconds(o.loadSeconds)) s, setup \(Format.seconds(o.setupSeconds)) s, "
            + "fit \(Format.seconds(o.fitSeconds)) s (median of \(o.runs ?? 0)), \(o.evaluations ?? 0) evaluations, "
            + "\(Format.milliseconds(o.secondsPerEvaluation)) ms/eval, peak \(Format.megabytes(o.peakRssMb)) MB, "
            + "objective \(Format.objective(o.objective))")
    }

    /// R's side: write the simulated rows to CSV once (in a child process, so this process stays
    /// small), then run each engine.
    func compareInR(_ w: Workload, engines: [String], scratch: String, into result: inout WorkloadResult) {
        var dataPath: String
        var written: String? = nil
        switch w.data {
        case .fixture(let file):
            guard let dir = paths.dataDirectory else {
                for e in engines { result.compareErrors[e] = "the reference data folder was not found" }
                return
            }
            dataPath = FixtureData.path(file, in: dir)
        default:
            dataPath = scratch + "/\(w.name)-seed\(options.seed).csv"
            log("writing the rows for R to \(dataPath)…")
            do {
                let outcome = try Subprocess.run(paths.executable, ["--write-data", w.name, dataPath, "--seed", String(options.seed)])
                guard outcome.succeeded else { throw BenchError.child("bench --write-data: \(outcome.description)") }
                written = dataPath
            } catch {
                for e in engines { result.compareErrors[e] = "could not write the CSV: \(error)" }
                return
            }
        }
        for engine in engines {
            log("\(engine): fitting in R (median of up to 5 runs when fast, one run when a fit takes over 10 s)…")
            do {
                let r = try RComparison.fit(w, engine: engine, dataPath: dataPath, paths: paths, runs: options.repeatCount,
                                            evaluationSeconds: engine == "lme4" ? options.evaluationSeconds : 0, scratch: scratch)
                result.compared[engine] = r
                if let e = r.error {
                    log("\(engine): failed: \(e)")
                } else {
                    log("\(engine): fit \(Format.seconds(r.fitSeconds)) s (median of \(r.runs ?? 0)), "
                        + "\(Format.integer(r.evaluations)) evaluations, \(Format.milliseconds(r.secondsPerEvaluation)) ms/eval, "
                        + "peak \(Format.megabytes(r.peakRssMb)) MB, objective \(Format.objective(r.objective)); "
                        + "speed-up \(Format.ratio(result.speedup(engine)))")
                }
            } catch {
                result.compareErrors[engine] = "\(error)"
                log("\(engine): failed: \(error)")
            }
        }
        if let written, !options.keepData { try? FileManager.default.removeItem(atPath: written) }
    }
}
