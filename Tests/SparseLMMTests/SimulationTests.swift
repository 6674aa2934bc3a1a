import Testing
import Foundation
@testable import SparseLMM
import GLMM

/// Mean and variance of a sample.
func moments(_ x: [Double]) -> (mean: Double, variance: Double) {
    let n = Double(x.count)
    let m = x.reduce(0, +) / n
    return (m, x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1))
}

/// The random numbers and variates.
@Suite struct RandomVariateTests {
    @Test func streamsAreDeterministicAndDistinct() {
        var a = RandomStream(seed: 42, stream: 7), b = RandomStream(seed: 42, stream: 7)
        var c = RandomStream(seed: 42, stream: 8), d = RandomStream(seed: 43, stream: 7)
        let xa = (0..<100).map { _ in a.next() }
        #expect(xa == (0..<100).map { _ in b.next() })
        #expect(xa != (0..<100).map { _ in c.next() })
        #expect(xa != (0..<100).map { _ in d.next() })
        // xoshiro256** reference: state (1, 2, 3, 4) gives 11520, 0, 1509978240, 1215971899390074240
        var r = RandomStream(seed: 0)
        (r.s0, r.s1, r.s2, r.s3) = (1, 2, 3, 4)
        #expect([r.next(), r.next(), r.next(), r.next()] == [11520, 0, 1509978240, 1215971899390074240])
        // splitmix64 reference (seed 1234567): 6457827717110365317, 3203168211198807973
        var s = SplitMix64(seed: 1234567)
        #expect([s.next(), s.next()] == [6457827717110365317, 3203168211198807973])
    }

    /// Sample means and variances within 5 standard errors of the distributions' (200,000 draws).
    @Test func variatesHaveTheirDistributionsMoments() {
        var rng = RandomStream(seed: 99)
        let n = 200_000
        func check(_ name: String, _ draw: (inout RandomStream) -> Double, mean: Double, variance: Double, fourth: Double? = nil) {
            let x = (0..<n).map { _ in draw(&rng) }
            let (m, v) = moments(x)
            #expect(abs(m - mean) <= 5 * (variance / Double(n)).squareRoot(), "\(name): mean \(m) vs \(mean)")
            // SE of the sample variance ≈ √((μ₄ − σ⁴)/n); μ₄ ≤ 3σ⁴·(1 + excess) — use a generous bound
            let mu4 = fourth ?? 3 * variance * variance
            #expect(abs(v - variance) <= 5 * ((mu4 - variance * variance) / Double(n)).squareRoot(), "\(name): variance \(v) vs \(variance)")
        }
        check("uniform", { $0.uniform() }, mean: 0.5, variance: 1.0 / 12, fourth: 1.0 / 80)
        check("normal", { $0.normal() }, mean: 0, variance: 1)
        check("gamma(0.5)", { $0.gamma(shape: 0.5, scale: 2) }, mean: 1, variance: 2, fourth: 4 * (3 * 0.5 * 0.5 + 6 * 0.5) * 4)
        check("gamma(3)", { $0.gamma(shape: 3, scale: 1.5) }, mean: 4.5, variance: 6.75, fourth: pow(1.5, 4) * (27 + 18))
        for mu in [0.3, 4.0, 25.0, 480.0] {
            check("poisson(\(mu))", { $0.poisson(mean: mu) }, mean: mu, variance: mu, fourth: mu * (1 + 3 * mu))
        }
        for (trials, p) in [(1, 0.7), (20, 0.3), (200, 0.4), (1000, 0.99), (50, 0.05)] {
            let m = Double(trials) * p, v = m * (1 - p)
            check("binomial(\(trials), \(p))", { Double($0.binomial(trials: trials, probability: p)) }, mean: m, variance: v,
                  fourth: v * (1 + 3 * (Double(trials) - 2) * p * (1 - p)))
        }
        for (mu, theta) in [(2.0, 1.5), (30.0, 4.0)] {
            let v = mu + mu * mu / theta
            check("negbin(\(mu), \(theta))", { $0.negativeBinomial(mean: mu, shape: theta) }, mean: mu, variance: v, fourth: 12 * v * v)
        }
        #expect(rng.binomial(trials: 10, probability: 0) == 0 && rng.binomial(trials: 10, probability: 1) == 10)
        #expect(rng.poisson(mean: 0) == 0)
    }
}

/// Simulation from fitted models (lme4's simulate, re.form = NA and NULL).
@Suite struct SimulationTests {
    /// Sleepstudy: with new random effects, each observation's simulated mean is Xβ̂ and its
    /// variance σ²(1 + zᵢ'λλ'zᵢ); two observations of a subject covary by σ²zᵢ'λλ'zⱼ. Conditional
    /// on the modes: mean = fitted, variance σ².
    @Test func gaussianSimulationHasTheModelsMoments() throws {
        let design = SleepstudyModel.design, fit = SleepstudyModel.fit
        let sim = try ModelSimulator(linearFit: fit, design: design)
        let nsim = 4000
        let ys = try sim.simulate(nsim: nsim, seed: 11)
        let sigma = fit.sigma!
        let cov = CovarianceFactor(size: 2, blocks: [0..<2]).relativeCovariance(fit.theta)
        func zSz(_ i: Int, _ j: Int) -> Double {
            let zi: [Double] = [1, design.terms[0].value(i, 1)], zj: [Double] = [1, design.terms[0].value(j, 1)]
            var total = 0.0
            for r in 0..<2 { for c in 0..<2 { total += zi[r] * cov[r + c * 2] * zj[c] } }
            return total
        }
        for i in [0, 9, 95, 179] {
            let column = ys.map { $0[i] }
            let (m, v) = moments(column)
            let mean = sim.fixedPredictor[i]
            let variance = sigma * sigma * (1 + zSz(i, i))
            #expect(abs(m - mean) <= 5 * (variance / Double(nsim)).squareRoot(), "obs \(i): mean \(m) vs \(mean)")
            #expect(abs(v / variance - 1) <= 5 * (2.0 / Double(nsim)).squareRoot(), "obs \(i): variance \(v) vs \(variance)")
        }
        // covariance of two days of subject 1 (rows 0 and 9)
        let a = ys.map { $0[0] }, b = ys.map { $0[9] }
        let (ma, va) = moments(a), (mb, vb) = moments(b)
        let c = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) } / Double(nsim - 1)
        let expected = sigma * sigma * zSz(0, 9)
        #expect(abs(c - expected) <= 5 * (va * vb / Double(nsim)).squareRoot(), "covariance \(c) vs \(expected)")
        // conditional on the modes
        let cond = try sim.simulate(nsim: nsim, seed: 12, randomEffects: .conditional)
        for i in [0, 100] {
            let (m, v) = moments(cond.map { $0[i] })
            #expect(abs(m - fit.fitted[i]) <= 5 * sigma / Double(nsim).squareRoot())
            #expect(abs(v / (sigma * sigma) - 1) <= 5 * (2.0 / Double(nsim)).squareRoot())
        }
        // the same seed gives the same responses; simulation i is stream i
        #expect(try sim.simulate(nsim: 3, seed: 11) == Array(ys.prefix(3)))
        var rng = RandomStream(seed: 11, stream: 2)
        #expect(sim.simulateValues(&rng) == ys[2])
        #expect(throws: InferenceError.invalidSimulationCount(0)) { try sim.simulate(nsim: 0, seed: 1) }
    }

    /// Simulating from the fit and refitting recovers the fitted variance parameters on average
    /// (REML is nearly unbiased for σ² here; the mean of 300 refits' σ̂² is within 4 standard errors).
    @Test func refitsRecoverTheResidualVariance() async throws {
        let boot = try await ParametricBootstrap.run(design: SleepstudyModel.design, fit: SleepstudyModel.fit, criterion: .reml,
                                                     nsim: 300, seed: 5, workers: 2)
        let s2 = boot.values(".sigma")!.map { $0 * $0 }
        let (m, v) = moments(s2)
        let sigma2 = SleepstudyModel.fit.sigma! * SleepstudyModel.fit.sigma!
        #expect(abs(m - sigma2) <= 4 * (v / Double(s2.count)).squareRoot(), "mean σ̂² \(m) vs \(sigma2)")
    }

    /// cbpp binomial (cbind response): conditional simulations have mean trials·μ̂; with new
    /// random effects the mean proportion is E[logit⁻¹(η + θz)], z ~ N(0, 1); responses keep the
    /// cbind form with successes + failures = trials.
    @Test func binomialSimulation() throws {
        let ref = try Fixtures.fit("cbpp_binom_laplace")
        let design = try Fixtures.design(ref)
        let fit = try GeneralizedLinearMixedModel(design: design, family: .binomial).fit()
        let sim = try ModelSimulator(generalizedFit: fit, design: design, family: .binomial)
        guard case .counts(let s0, let f0) = design.response else { Issue.record("cbind response expected"); return }
        let trials = zip(s0, f0).map { $0 + $1 }
        var rng = RandomStream(seed: 3)
        guard case .counts(let s, let f) = sim.simulateResponse(&rng) else { Issue.record("cbind response expected"); return }
        #expect(zip(zip(s, f), trials).allSatisfy { $0.0 + $0.1 == $1 })
        let nsim = 4000
        let cond = try sim.simulate(nsim: nsim, seed: 4, randomEffects: .conditional)
        let new = try sim.simulate(nsim: nsim, seed: 5, randomEffects: .new)
        let theta = fit.theta[0]
        for i in [0, 7, 30] {
            let mu = fit.fitted[i]
            let (m, _) = moments(cond.map { $0[i] })
            #expect(abs(m - mu) <= 5 * (mu * (1 - mu) / trials[i] / Double(nsim)).squareRoot(), "obs \(i): \(m) vs \(mu)")
            // E over the random effect by the trapezoid rule on [-8, 8]
            var e = 0.0, e2 = 0.0
            let h = 0.01
            for k in -800...800 {
                let z = Double(k) * h
                let p = 1 / (1 + exp(-(sim.fixedPredictor[i] + theta * z)))
                let w = exp(-z * z / 2) / (2 * Double.pi).squareRoot() * h
                e += p * w
                e2 += (p * (1 - p) / trials[i] + p * p) * w
            }
            let (mn, _) = moments(new.map { $0[i] })
            #expect(abs(mn - e) <= 5 * ((e2 - e * e) / Double(nsim)).squareRoot(), "obs \(i) new: \(mn) vs \(e)")
        }
    }

    /// Poisson with an offset (cbpp): E[y] = exp(η_fixed + θ²/2) with new random effects;
    /// negative binomial (simulated counts): E[y] = exp(η_fixed + θ²/2) too, and conditional
    /// variance μ + μ²/θ_nb.
    @Test func countSimulation() throws {
        for (id, family) in [("cbpp_pois_offset_laplace", Family.poisson), ("simnb_nb_laplace", Family.negativeBinomial(theta: 1))] {
            let ref = try Fixtures.fit(id)
            let design = try Fixtures.design(ref)
            let fit = try GeneralizedLinearMixedModel(design: design, family: family).fit(standardErrors: .conditional)
            let sim = try ModelSimulator(generalizedFit: fit, design: design, family: family)
            let nsim = 3000
            let new = try sim.simulate(nsim: nsim, seed: 8)
            let cond = try sim.simulate(nsim: nsim, seed: 9, randomEffects: .conditional)
            let theta = fit.theta[0]
            for i in [0, 5, 40] {
                let ys = new.map { $0[i] }
                #expect(ys.allSatisfy { $0 >= 0 && $0 == $0.rounded() })
                let expected = exp(sim.fixedPredictor[i] + theta * theta / 2)
                let (m, v) = moments(ys)
                #expect(abs(m - expected) <= 5 * (v / Double(nsim)).squareRoot(), "\(id) obs \(i): \(m) vs \(expected)")
                let mu = fit.fitted[i]
                let nb = fit.negativeBinomialTheta.map { mu + mu * mu / $0 } ?? mu
                let (mc, vc) = moments(cond.map { $0[i] })
                #expect(abs(mc - mu) <= 5 * (nb / Double(nsim)).squareRoot(), "\(id) obs \(i) conditional mean \(mc) vs \(mu)")
                #expect(abs(vc / nb - 1) <= 0.15, "\(id) obs \(i) conditional variance \(vc) vs \(nb)")
            }
        }
    }

    /// A weighted binomial response (proportions with trials as weights) stays a proportion of whole trials.
    @Test func weightedBinomialKeepsWholeTrials() throws {
        let ref = try Fixtures.fit("cbpp_binom_weights_laplace")
        let design = try Fixtures.design(ref)
        let fit = try GeneralizedLinearMixedModel(design: design, family: .binomial).fit(standardErrors: .conditional)
        let sim = try ModelSimulator(generalizedFit: fit, design: design, family: .binomial)
        var rng = RandomStream(seed: 1)
        guard case .numeric(let y) = sim.simulateResponse(&rng) else { Issue.record("numeric response expected"); return }
        let w = design.weights!
        #expect(zip(y, w).allSatisfy { abs($0 * $1 - ($0 * $1).rounded()) < 1e-9 && $0 >= 0 && $0 <= 1 })
        // and a model refits to it
        let again = try GeneralizedLinearMixedModel(design: design.replacingResponse(.numeric(y)), family: .binomial).fit(standardErrors: .conditional)
        #expect(again.converged)
    }

    /// A two-level factor response (Bernoulli): simulations keep the factor's levels, with
    /// success (the second level) at rate E[logit⁻¹(η)] conditionally on the modes.
    @Test func factorResponseStaysAFactor() throws {
        var rng = RandomStream(seed: 77)
        let n = 300
        var x = [Double](), g = [String](), y = [String]()
        let effects = (0..<12).map { _ in 0.8 * rng.normal() }
        for i in 0..<n {
            let xi = rng.normal(), gi = i % 12
            let p = 1 / (1 + exp(-(-0.3 + 0.9 * xi + effects[gi])))
            x.append(xi); g.append("g\(gi)"); y.append(rng.uniform() < p ? "yes" : "no")
        }
        let table = try DataTable(numeric: ["x": x], categorical: ["g": g, "y": y])
        let design = try MixedModelDesign(formula: "y ~ x + (1 | g)", data: table, options: DataOptions(levelOrders: ["y": ["no", "yes"]]))
        let fit = try GeneralizedLinearMixedModel(design: design, family: .binomial).fit(standardErrors: .conditional)
        let sim = try ModelSimulator(generalizedFit: fit, design: design, family: .binomial)
        var total = 0.0
        let nsim = 400
        for k in 0..<nsim {
            var r = RandomStream(seed: 5, stream: UInt64(k))
            guard case .factor(let codes, let levels) = sim.simulateResponse(&r, randomEffects: .conditional) else {
                Issue.record("a factor response was expected"); return
            }
            #expect(levels == ["no", "yes"])
            #expect(codes.allSatisfy { $0 == 0 || $0 == 1 })
            total += Double(codes.reduce(0) { $0 + Int($1) })
        }
        let expected = fit.fitted.reduce(0, +) * Double(nsim)
        let variance = fit.fitted.reduce(0) { $0 + $1 * (1 - $1) } * Double(nsim)
        #expect(abs(total - expected) <= 5 * variance.squareRoot(), "successes \(total) vs \(expected)")
    }
}

