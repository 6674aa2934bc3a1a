import SparseLMM

/// `bench --profile-evaluations NAME N`: builds NAME's model and evaluates the objective N times
/// at lme4's starting θ, so that an instruction count (callgrind) or a counter reading (perf
/// stat) is stable from run to run. perf/callgrind.sh collects only inside
/// `profiledEvaluations`, which is why it must not be inlined.
enum Profiling {
    static func run(name: String, evaluations: Int, options: BenchOptions, paths: ProjectPaths) throws {
        let workload = try Suite.workload(named: name)
        guard workload.family.fittedByUs else { throw BenchError.usage("\(name): \(workload.unavailableReason ?? "")") }
        BLASThreads.set(options.threads ?? 1)
        let loaded = try workload.load(seed: options.seed, paths: paths)
        let (design, designSeconds) = try Clock.measure {
            try MixedModelDesign(formula: workload.formula, data: loaded.table, options: loaded.options)
        }
        let (model, modelSeconds) = try Clock.measure { try LinearMixedModel(design: design, criterion: workload.criterion) }
        let theta = model.thetaStart
        let (objective, seconds) = try Clock.measure { try profiledEvaluations(model, theta: theta, count: evaluations) }
        let factor = model.factor
        let stats = factor.choleskyFactor.supernodeStatistics
        print("""
        workload            \(name): \(workload.formula) (\(workload.method))
        rows, p, q, θ       \(design.nobs), \(design.p), \(design.q), \(design.thetaCount)
        load / design / model s  \(Format.seconds(loaded.seconds)) / \(Format.seconds(designSeconds)) / \(Format.seconds(modelSeconds))
        start θ             \(theta.map { String(format: "%.6g", $0) }.joined(separator: ", "))
        evaluations         \(evaluations) in \(Format.seconds(seconds)) s = \(Format.milliseconds(seconds / Double(evaluations))) ms each
        objective at start  \(String(format: "%.6f", objective))
        factor              \(factor.isSupernodal ? "supernodal" : "simplicial"), nnz(Z'Z) \(factor.crossProductEntries), nnz(L) \(Int(factor.factorEntries)), \(stats.count) supernodes (widest \(stats.widestColumns) × \(stats.widestRows))
        flops/factorisation \(String(format: "%.4g", factor.choleskyFactor.flopsPerFactorization))
        peak RSS MB         \(Format.megabytes(Memory.peakResidentMiB()))
        """)
    }

    /// The measured loop: `count` evaluations, alternately at θ and θ(1 + 10⁻¹²) so that each one
    /// refactors (a model reuses its factorisation for the θ it has just evaluated); returns the
    /// last objective.
    @inline(never)
    static func profiledEvaluations(_ model: LinearMixedModel, theta: [Double], count: Int) throws -> Double {
        let nudged = theta.map { $0 * (1 + 1e-12) + 1e-300 }
        var value = 0.0
        for k in 0..<count { value = try model.objective(k % 2 == 0 ? theta : nudged) }
        return value
    }
}
