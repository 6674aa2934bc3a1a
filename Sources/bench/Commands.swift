import Foundation

/// The small commands: --list, --write-data, and the child mode.
enum Commands {
    /// `bench --list`.
    static func list() {
        var t = Table(["name", "size", "family", "rows", "ours", "formula"])
        for w in Suite.all {
            t.add([w.name, w.size.rawValue, "\(w.family.rawValue) \(w.method)", "≈" + Format.integer(w.approximateRows),
                   w.family.fittedByUs ? "yes" : "not yet", w.formula])
        }
        print(t.text())
        for w in Suite.all { print("\(w.name): \(w.title)\n    \(w.data.summary)") }
        print("\nDefault: the small and medium workloads; groups: small, medium, large, lmm, glmm, default, all.")
    }

    /// `bench --write-data NAME FILE.csv`: the simulated rows, exactly as our engine fits them.
    static func writeData(name: String, file: String, options: BenchOptions) throws {
        let w = try Suite.workload(named: name)
        guard let data = w.data.simulate(seed: options.seed) else {
            if case .fixture(let f) = w.data {
                throw BenchError.usage("\(name) uses the reference file Tests/Fixtures/data/\(f) (factor columns and level orders in schema.json): nothing to generate")
            }
            return
        }
        try CSVWriter.write(data, to: file)
        let family = w.family == .gaussian ? "" : " --family=\(w.family.rawValue)"
        FileHandle.standardError.write("""
        wrote \(data.rowCount) rows of \(name) (seed \(options.seed)) to \(file); factor columns: \(data.factorNames.joined(separator: ", "))
        R: Rscript perf/lme4_fit.R --data=\(file) --formula='\(w.formula)'\(family) --factors=\(data.factorNames.joined(separator: ","))

        """.data(using: .utf8)!)
    }

    /// `bench --child NAME FILE`: our side of one workload, written as JSON to FILE.
    static func child(name: String, resultFile: String, options: BenchOptions, paths: ProjectPaths) throws {
        let w = try Suite.workload(named: name)
        let m = OurRun.measure(w, seed: options.seed, repeatCount: options.repeatCount, threads: options.threads,
                               evaluationSeconds: options.evaluationSeconds, paths: paths)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(m)
        guard FileManager.default.createFile(atPath: resultFile, contents: data) else {
            throw BenchError.io("cannot write \(resultFile)")
        }
    }
}
