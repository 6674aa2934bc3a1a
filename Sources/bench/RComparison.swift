import Foundation

/// Fits a workload in R (perf/lme4_fit.R, lme4 or glmmTMB) on exactly the rows our engine fits,
/// in the same run, with one BLAS thread.
enum RComparison {
    /// The engines R can run.
    static let engines = ["lme4", "glmmTMB"]

    /// Rscript and the script, or why they cannot be used.
    static func locate(_ paths: ProjectPaths) -> (rscript: String, script: String)? {
        guard let rscript = Subprocess.which("Rscript"), let script = paths.rScript,
              FileManager.default.fileExists(atPath: script) else { return nil }
        return (rscript, script)
    }

    /// Why `locate` failed, in words.
    static func unavailableReason(_ paths: ProjectPaths) -> String {
        if Subprocess.which("Rscript") == nil { return "Rscript is not on this machine's PATH" }
        return "perf/lme4_fit.R was not found (run bench from the repository)"
    }

    /// Runs the fit; the CSV at `dataPath` holds the workload's rows (the fixture file itself, or
    /// what `bench --write-data` wrote).
    static func fit(_ workload: Workload, engine: String, dataPath: String, paths: ProjectPaths,
                    runs: Int?, evaluationSeconds: Double, scratch: String) throws -> EngineMeasurement {
        guard let (rscript, script) = locate(paths) else { throw BenchError.child(unavailableReason(paths)) }
        let out = scratch + "/\(workload.name)-\(engine)-result.json"
        try? FileManager.default.removeItem(atPath: out)
        var arguments = [
            script,
            "--data=\(dataPath)",
            "--formula=\(workload.formula)",
            "--family=\(workload.family.rawValue)",
            "--reml=\(workload.criterion == .reml ? "TRUE" : "FALSE")",
            "--engine=\(engine)",
            "--runs=\(runs.map { String($0) } ?? "auto")",
            "--eval-seconds=\(evaluationSeconds)",
            "--out=\(out)",
        ]
        switch workload.data {
        case .fixture(let file):
            if let dir = paths.dataDirectory { arguments += ["--schema=\(dir)/schema.json", "--dataset=\(file)"] }
        default:
            arguments.append("--factors=\(workload.data.factorColumns.joined(separator: ","))")
        }
        let outcome = try Subprocess.run(rscript, arguments,
                                         environment: ["OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"])
        guard let bytes = FileManager.default.contents(atPath: out) else {
            throw BenchError.child("Rscript \(outcome.description) without writing a result")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var result = try decoder.decode(EngineMeasurement.self, from: bytes)
        result.processSeconds = outcome.seconds
        return result
    }
}
