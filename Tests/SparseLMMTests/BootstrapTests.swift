import Testing
import Foundation
@testable import SparseLMM
import GLMM

/// The parametric bootstrap (lme4's bootMer / confint(method = "boot")).
@Suite struct BootstrapTests {
    static let design = SleepstudyModel.design
    static let fit = SleepstudyModel.fit

    /// Same seed ⇒ the same replicates, whatever the number of workers; another seed differs.
    @Test func reproducibleAndIndependentOfWorkers() async throws {
        let a = try await ParametricBootstrap.run(design: Self.design, fit: Self.fit, criterion: .reml, nsim: 40, seed: 2024, workers: 1)
        let b = try await ParametricBootstrap.run(design: Self.design, fit: Self.fit, criterion: .reml, nsim: 40, seed: 2024, workers: 2)
        let c = try await ParametricBootstrap.run(design: Self.design, fit: Self.fit, criterion: .reml, nsim: 40, seed: 2024, workers: 3)
        let d = try await ParametricBootstrap.run(design: Self.design, fit: Self.fit, criterion: .reml, nsim: 40, seed: 2025, workers: 2)
        #expect(a.replicates == b.replicates)
        #expect(a.replicates == c.replicates)
        #expect(a.replicates != d.replicates)
        #expect(a.failures.isEmpty)
        #expect(a.names == [".sig01", ".sig02", ".sig03", ".sigma", "(Intercept)", "Days"])
        #expect(a.estimates[3] == Self.fit.sigma!)
        // a prefix of a longer run is the shorter run (simulation i depends only on the seed and i)
        let longer = try await ParametricBootstrap.run(design: Self.design, fit: Self.fit, criterion: .reml, nsim: 50, seed: 2024, workers: 2)
        #expect(Array(longer.replicates.prefix(40)) == a.replicates)
    }

    /// 1,000 simulations of sleepstudy's `Reaction ~ Days + (Days | Subject)` (REML).
    ///
    /// Monte-Carlo error: an end point is the 2.5% (97.5%) quantile of R = 1000 replicates, whose
    /// standard error is √(α(1 − α)/R)/f(q) ≈ 0.085·s for a near-normal bootstrap distribution
    /// with standard deviation s (f(q) = φ(1.96)/s). The tolerance is 4 standard errors.
    ///
    /// - Fixed effects and σ: the percentile and profile intervals estimate the same interval
    ///   (to O(1/n)), so they must agree within the tolerance: they do (within 0.22·s).
    /// - Standard deviations and the correlation: the two methods differ by more than Monte-Carlo
    ///   error for this model (the REML estimates' sampling distribution is skewed and bounded;
    ///   lme4's own bootstrap shows the same differences, e.g. .sig01 lower 11.5 against the
    ///   profile's 14.4). They are compared with lme4's bootMer percentile interval instead
    ///   (another bootstrap: the difference of two independent estimates has standard error
    ///   √2·0.085·s; tolerance 4 of those).
    @Test func agreesWithProfileAndLme4WithinMonteCarloError() async throws {
        let boot = try await ParametricBootstrap.run(design: Self.design, fit: Self.fit, criterion: .reml, nsim: 1000, seed: 20240521, workers: 2)
        #expect(boot.failures.isEmpty)
        let ci = try boot.percentileIntervals(level: 0.95)
        let profile = try await LikelihoodProfile.compute(design: Self.design, workers: 2)
        let pci = try profile.confidenceIntervals(level: 0.95)
        // confint(m, method = "boot", nsim = 1000, seed = 101), lme4 1.1-31
        let lme4Boot: [String: (Double, Double)] = [
            ".sig01": (11.539383, 36.0751525), ".sig02": (-0.487372, 0.8795881), ".sig03": (3.211958, 8.1530166),
            ".sigma": (22.414817, 28.5339070), "(Intercept)": (238.654092, 264.6892790), "Days": (7.560095, 13.4432851),
        ]
        for name in boot.names {
            let values = try #require(boot.values(name))
            let mean = values.reduce(0, +) / Double(values.count)
            let s = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
            let se = (0.025 * 0.975 / 1000).squareRoot() / 0.05844 * s
            let row = try #require(ci[name])
            if name.hasPrefix(".sig0") {
                let (lo, hi) = lme4Boot[name]!
                #expect(abs(row.lower! - lo) <= 4 * 2.0.squareRoot() * se, "\(name) lower \(row.lower!) vs lme4 boot \(lo)")
                #expect(abs(row.upper! - hi) <= 4 * 2.0.squareRoot() * se, "\(name) upper \(row.upper!) vs lme4 boot \(hi)")
            } else {
                let p = try #require(pci[name])
                #expect(abs(row.lower! - p.lower!) <= 4 * se, "\(name) lower \(row.lower!) vs profile \(p.lower!) (se \(se))")
                #expect(abs(row.upper! - p.upper!) <= 4 * se, "\(name) upper \(row.upper!) vs profile \(p.upper!) (se \(se))")
            }
        }
        // the refits recover the parameters on average: β is unbiased (mean within 4 standard errors)
        for (j, name) in ["(Intercept)", "Days"].enumerated() {
            let values = boot.values(name)!
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
            #expect(abs(mean - Self.fit.fixedEffects[j]) <= 4 * sd / (Double(values.count)).squareRoot(), "\(name) mean \(mean)")
            // and their spread is the model's standard error (within 10%, the Monte-Carlo error of an SD of 1000 is ~2.2%)
            #expect(abs(sd / Self.fit.standardErrors[j] - 1) < 0.1, "\(name) sd \(sd) vs SE \(Self.fit.standardErrors[j])")
        }
    }

    /// boot's norm.inter (interpolation on the normal scale), checked against R.
    @Test func percentilesAreBootsNormInter() {
        let t = [3.2, 1.5, 4.8, 2.2, 9.1, 0.3, 5.5, 6.6, 7.7, 2.9, 4.4, 8.8, 1.1, 3.3, 5.0, 6.1, 7.2, 0.9, 2.5, 4.0]
        // boot:::norm.inter(t, c(0.025, 0.975)) uses the extreme order statistics
        #expect(bootPercentiles(t, [0.025, 0.975]).map { $0! } == [0.3, 9.1])
        let b = bootPercentiles(t, [0.05, 0.95]).map { $0! }
        #expect(abs(b[0] - 0.339314516876885) < 1e-12 && abs(b[1] - 9.080342741561557) < 1e-12)
        let c = bootPercentiles(t, [0.1, 0.9]).map { $0! }
        #expect(abs(c[0] - 0.922864250717285) < 1e-12 && abs(c[1] - 8.674246621054934) < 1e-12)
    }

    final class FailingWorker: BootstrapWorker {
        func replicate(index: Int, rng: inout RandomStream) throws -> [Double] {
            if index % 2 == 0 { throw InferenceError.cannotSimulate("test failure") }
            return [rng.normal()]
        }
    }

    final class AlwaysFailing: BootstrapWorker {
        func replicate(index: Int, rng: inout RandomStream) throws -> [Double] { throw InferenceError.cannotSimulate("no") }
    }

    @Test func failuresAreCountedAndReported() async throws {
        let b = try await ParametricBootstrap.run(nsim: 10, seed: 1, workers: 2, names: ["x"], estimates: [0], makeWorker: { FailingWorker() })
        #expect(b.failures.map { $0.index } == [0, 2, 4, 6, 8])
        #expect(b.successCount == 5)
        #expect(b.replicates[0][0].isNaN && b.replicates[1][0].isFinite)
        let ci = try b.percentileIntervals(level: 0.9)
        #expect(ci.notes.contains { $0.contains("5 of 10 bootstrap refits failed") })
        await #expect(throws: InferenceError.self) {
            try await ParametricBootstrap.run(nsim: 4, seed: 1, names: ["x"], estimates: [0], makeWorker: { AlwaysFailing() })
        }
        await #expect(throws: InferenceError.invalidSimulationCount(0)) {
            try await ParametricBootstrap.run(design: Self.design, fit: Self.fit, criterion: .reml, nsim: 0, seed: 1)
        }
        await #expect(throws: InferenceError.invalidWorkerCount(0)) {
            try await ParametricBootstrap.run(design: Self.design, fit: Self.fit, criterion: .reml, nsim: 3, seed: 1, workers: 0)
        }
    }

    /// Progress is reported once per simulation, ending at nsim.
    @Test func progressIsReported() async throws {
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var calls = [Int]()
            func add(_ d: Int) { lock.lock(); calls.append(d); lock.unlock() }
        }
        let counter = Counter()
        _ = try await ParametricBootstrap.run(design: Self.design, fit: Self.fit, criterion: .reml, nsim: 12, seed: 3, workers: 2,
                                              progress: { done, total in #expect(total == 12); counter.add(done) })
        #expect(counter.calls.sorted() == Array(1...12))
    }

    /// A GLMM bootstrap (cbpp's binomial model): reproducible, statistics named as lme4's.
    @Test func glmmBootstrap() async throws {
        let ref = try Fixtures.fit("cbpp_binom_laplace")
        let design = try Fixtures.design(ref)
        let fit = try GeneralizedLinearMixedModel(design: design, family: .binomial).fit()
        let a = try await ParametricBootstrap.run(design: design, family: .binomial, fit: fit, nsim: 8, seed: 7, workers: 2)
        let b = try await ParametricBootstrap.run(design: design, family: .binomial, fit: fit, nsim: 8, seed: 7, workers: 1)
        #expect(a.names == [".sig01", "(Intercept)", "period2", "period3", "period4"])
        #expect(a.replicates == b.replicates)
        #expect(a.successCount >= 6)
    }
}
