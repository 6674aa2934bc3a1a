#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Computes one bootstrap replicate: simulates a response from its stream, refits, and returns
/// the statistics. A worker owns its model (models are not thread-safe) and is used by one
/// thread.
public protocol BootstrapWorker: AnyObject {
    /// The statistics of simulation `index`, whose random numbers come from `rng`.
    func replicate(index: Int, rng: inout RandomStream) throws -> [Double]
}

/// A parametric bootstrap of a fitted mixed model, as lme4's `bootMer` with
/// `confint(m, method = "boot")`'s statistics: `nsim` responses are simulated from the fit with
/// new random effects (`ModelSimulator`, `re.form = NA`), the model is refitted to each (same
/// criterion, starting from the fitted θ as lme4's `refit`), and the standard deviations and
/// correlations, σ (Gaussian models) and the fixed effects of every refit are collected.
///
/// Reproducible: simulation i draws from `RandomStream(seed:stream: i)`, so the replicates
/// depend only on the seed — not on the number of workers or the order they run in. Workers
/// (threads of a task group, each with its own model) take simulations one at a time.
public struct ParametricBootstrap: Sendable {
    /// Statistic names (`.sig01`, …, `.sigma`, fixed effects).
    public let names: [String]
    /// The statistics of the original fit (lme4's `t0`).
    public let estimates: [Double]
    /// One row per simulation, in simulation order; a failed refit's row is all NaN.
    public let replicates: [[Double]]
    /// The simulations whose refit failed (index and message).
    public let failures: [(index: Int, message: String)]
    /// The seed of the run.
    public let seed: UInt64
    /// Wall-clock seconds of the run.
    public let seconds: Double

    /// Number of simulations.
    public var nsim: Int { replicates.count }
    /// Number of successful refits.
    public var successCount: Int { nsim - failures.count }

    /// The replicates of one statistic (finite values only).
    public func values(_ name: String) -> [Double]? {
        names.firstIndex(of: name).map { j in replicates.map { $0[j] }.filter { $0.isFinite } }
    }

    /// Percentile intervals at `level` (lme4's default `boot.type = "perc"`, computed as the
    /// boot package's `norm.inter`: order statistics (R + 1)·α interpolated on the normal
    /// quantile scale), from the successful refits.
    public func percentileIntervals(level: Double = 0.95) throws -> ConfidenceIntervals {
        try checkLevel(level)
        let alpha = [(1 - level) / 2, (1 + level) / 2]
        var rows = [ConfidenceInterval]()
        for (j, name) in names.enumerated() {
            let t = replicates.map { $0[j] }.filter { $0.isFinite }
            let q = bootPercentiles(t, alpha)
            rows.append(ConfidenceInterval(name: name, lower: q[0], upper: q[1]))
        }
        var notes = [String]()
        if !failures.isEmpty {
            notes.append("\(failures.count) of \(nsim) bootstrap refits failed (first: \(failures[0].message)); the intervals use the other \(successCount)")
        }
        let r = Double(successCount + 1)
        if alpha.contains(where: { r * $0 <= 1 || r * $0 >= Double(successCount) }) {
            notes.append("extreme order statistics used as end points: use more simulations")
        }
        return ConfidenceIntervals(method: .boot, level: level, intervals: rows, notes: notes)
    }

    /// Runs a bootstrap with workers from `makeWorker` (one per worker, made on its thread).
    /// `progress` is called from the workers with (simulations done, nsim) after each one.
    public static func run(nsim: Int, seed: UInt64, workers: Int = 2, names: [String], estimates: [Double],
                           makeWorker: @escaping @Sendable () throws -> BootstrapWorker,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> ParametricBootstrap {
        guard nsim >= 1 else { throw InferenceError.invalidSimulationCount(nsim) }
        guard workers >= 1 else { throw InferenceError.invalidWorkerCount(workers) }
        let t0 = monotonicSeconds()
        let counter = WorkCounter(total: nsim)
        let width = names.count
        let parts = try await BLASThreads.sharing(among: min(workers, nsim)) { try await withThrowingTaskGroup(of: [(Int, ReplicateOutcome)].self) { group in
            for _ in 0..<min(workers, nsim) {
                group.addTask {
                    let worker = try makeWorker()
                    var out = [(Int, ReplicateOutcome)]()
                    while let i = counter.take() {
                        try Task.checkCancellation()
                        var rng = RandomStream(seed: seed, stream: UInt64(i))
                        do {
                            let stats = try worker.replicate(index: i, rng: &rng)
                            if stats.count != width || !stats.allSatisfy({ $0.isFinite }) {
                                out.append((i, .failure("the refit gave non-finite estimates")))
                            } else {
                                out.append((i, .success(stats)))
                            }
                        } catch {
                            out.append((i, .failure("\(error)")))
                        }
                        progress?(counter.finish(), nsim)
                    }
                    return out
                }
            }
            var all = [(Int, ReplicateOutcome)]()
            for try await part in group { all += part }
            return all
        } }
        var rows = [[Double]](repeating: [Double](repeating: .nan, count: width), count: nsim)
        var failures = [(index: Int, message: String)]()
        for (i, r) in parts.sorted(by: { $0.0 < $1.0 }) {
            switch r {
            case .success(let s): rows[i] = s
            case .failure(let m): failures.append((i, m))
            }
        }
        if failures.count == nsim {
            throw InferenceError.allRefitsFailed(count: nsim, firstError: failures[0].message)
        }
        return ParametricBootstrap(names: names, estimates: estimates, replicates: rows, failures: failures,
                                   seed: seed, seconds: monotonicSeconds() - t0)
    }

    /// A parametric bootstrap of a linear mixed model's fit (`fit` of `design` with
    /// `criterion`): statistics sd/cor (`.sig01`, …), `.sigma` and the fixed effects.
    /// - Parameters:
    ///   - design: the design the model was fitted on; every refit keeps its X, Z and weights.
    ///   - fit: the fit whose parameters the responses are simulated from.
    ///   - criterion: how each simulated response is refitted (REML or ML).
    ///   - nsim: number of simulations (at least 1).
    ///   - seed: the run's seed; simulation i draws from `RandomStream(seed: seed, stream: i)`, so
    ///     the results do not depend on `workers`.
    ///   - workers: refits run in parallel, each worker with its own model.
    ///   - progress: called from the workers with (simulations done, nsim) after each one.
    /// - Throws: `InferenceError` for an invalid `nsim` or `workers`, or when every refit failed
    ///   (failed refits are otherwise recorded in `failures`); the errors of building the simulator
    ///   or a worker's model.
    public static func run(design: MixedModelDesign, fit: MixedModelFit, criterion: Criterion, nsim: Int, seed: UInt64,
                           workers: Int = 2, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> ParametricBootstrap {
        let simulator = try ModelSimulator(linearFit: fit, design: design)
        let scale = StandardDeviationScale(design: design)
        let names = scale.names + [".sigma"] + fit.fixedEffectNames
        let estimates = scale.sdcor(theta: fit.theta, sigma: fit.sigma!) + [fit.sigma!] + fit.fixedEffects
        let start = fit.theta
        return try await run(nsim: nsim, seed: seed, workers: workers, names: names, estimates: estimates,
                             makeWorker: { try LinearBootstrapWorker(design: design, criterion: criterion, simulator: simulator, start: start) },
                             progress: progress)
    }
}

/// What one bootstrap simulation gave.
enum ReplicateOutcome: Sendable {
    case success([Double])
    case failure(String)
}

/// Refits a linear mixed model to simulated responses: one model, its response replaced for
/// each simulation (the symbolic analysis is done once per worker).
final class LinearBootstrapWorker: BootstrapWorker {
    let model: LinearMixedModel
    let simulator: ModelSimulator
    let scale: StandardDeviationScale
    let start: [Double]

    init(design: MixedModelDesign, criterion: Criterion, simulator: ModelSimulator, start: [Double]) throws {
        model = try LinearMixedModel(design: design, criterion: criterion)
        self.simulator = simulator
        scale = StandardDeviationScale(design: design)
        self.start = start
    }

    func replicate(index: Int, rng: inout RandomStream) throws -> [Double] {
        let y = simulator.simulateValues(&rng, randomEffects: .new)
        try model.setResponse(y)
        let (theta, _) = try model.optimizeTheta(start: start)
        let (_, beta, sigma) = try model.estimates(theta: theta)
        return scale.sdcor(theta: theta, sigma: sigma) + [sigma] + beta
    }
}

/// The boot package's `norm.inter(t, alpha)[, 2]`: for each α, the order statistic of rank
/// (R + 1)α, interpolated on the normal-quantile scale between neighbouring ranks; the
/// extreme order statistic when the rank falls outside [1, R].
func bootPercentiles(_ values: [Double], _ alpha: [Double]) -> [Double?] {
    let t = values.sorted()
    let r = t.count
    guard r > 0 else { return alpha.map { _ in nil } }
    return alpha.map { a in
        let rk = Double(r + 1) * a
        let k = Int(rk.rounded(.towardZero))
        if Double(k) == rk && k >= 1 && k <= r { return t[k - 1] }
        if k <= 0 { return t[0] }
        if k >= r { return t[r - 1] }
        let z = normalQuantile(a)
        let zk = normalQuantile(Double(k) / Double(r + 1)), zk1 = normalQuantile(Double(k + 1) / Double(r + 1))
        return t[k - 1] + (z - zk) / (zk1 - zk) * (t[k] - t[k - 1])
    }
}
