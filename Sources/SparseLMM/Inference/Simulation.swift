/// The conditional distribution of the response given the linear predictor, for simulation.
public enum ResponseDistribution: Sendable, Equatable {
    /// Normal with standard deviation σ/√wᵢ (wᵢ the prior weights, 1 without weights).
    case gaussian(sigma: Double)
    /// Binomial with the prior weights (or cbind totals) as numbers of trials.
    case binomial
    /// Poisson (prior weights are ignored, as in R's `poisson()$simulate`).
    case poisson
    /// Negative binomial with shape θ (variance μ + μ²/θ).
    case negativeBinomial(theta: Double)
}

/// Which random effects a simulation uses (lme4's `re.form` in `simulate`).
public enum SimulatedRandomEffects: Sendable, Equatable {
    /// New random effects drawn from their fitted distribution, u ~ N(0, I), b = σΛ̂u — lme4's
    /// default `re.form = NA` (`use.u = FALSE`), what a parametric bootstrap uses.
    case new
    /// The fitted conditional modes b̂: only the response noise is new — lme4's
    /// `re.form = NULL` (`use.u = TRUE`).
    case conditional
}

/// Simulates responses from a fitted mixed model, as lme4's `simulate`:
///
///     η = offset + Xβ̂ + Zb,   μ = g⁻¹(η),   y ~ the family's distribution around μ,
///
/// with b new (`.new`: b = σΛ(θ̂)u, u ~ N(0, I)) or the conditional modes (`.conditional`).
/// Gaussian responses are μ + σε/√wᵢ, ε ~ N(0, 1) — the model's residual distribution; lme4
/// ignores prior weights here (it adds σε), which matters only for weighted fits. Binomial
/// responses are drawn with the prior weights (or cbind totals) as trials and returned in the
/// design's form (a proportion, successes and failures, or a two-level factor); Poisson and
/// negative binomial responses are counts.
///
/// Each simulation draws q standard normals for u (term by term, level by level), then what
/// the response needs, from its own `RandomStream(seed:stream:)`: simulation i of a seed is the
/// same whichever thread computes it. A value type: share it between threads freely.
public struct ModelSimulator: Sendable {
    /// The design simulated for (its observations and random-effects structure).
    public let design: MixedModelDesign
    /// The response distribution.
    public let distribution: ResponseDistribution
    /// offset + Xβ̂.
    public let fixedPredictor: [Double]
    /// offset + Xβ̂ + Zb̂, the fitted linear predictor.
    public let conditionalPredictor: [Double]
    /// Scale of the random effects: σ̂ for a Gaussian model, 1 otherwise.
    public let randomEffectScale: Double
    /// λ of each term at θ̂ (k × k, column-major).
    let lambdas: [[Double]]
    /// Numbers of trials (binomial), else prior weights (Gaussian), else nil.
    let weights: [Double]?
    let inverseLink: @Sendable (Double) -> Double

    /// A simulator for a fit of `design`: `distribution` and `inverseLink` describe the family
    /// (the GLMM module builds these from its `Family` and `Link`).
    public init(design: MixedModelDesign, fit: MixedModelFit, distribution: ResponseDistribution,
                inverseLink: @escaping @Sendable (Double) -> Double) throws {
        let n = design.nobs, p = design.p
        guard fit.nobs == n, fit.fixedEffects.count == p, fit.theta.count == design.thetaCount,
              fit.linearPredictor.count == n else {
            throw InferenceError.fitDoesNotMatchModel("the fit's numbers of observations or parameters differ from the design's")
        }
        self.design = design
        self.distribution = distribution
        self.inverseLink = inverseLink
        var eta = design.offset ?? [Double](repeating: 0, count: n)
        for j in 0..<p {
            let bj = fit.fixedEffects[j]
            for i in 0..<n { eta[i] += design.X[i + j * n] * bj }
        }
        fixedPredictor = eta
        conditionalPredictor = fit.linearPredictor
        var lambdas = [[Double]]()
        var offset = 0
        for term in design.terms {
            let cov = CovarianceFactor(size: term.columnCount, blocks: term.blocks.map { $0.columns })
            lambdas.append(cov.lambda(Array(fit.theta[offset..<(offset + cov.parameterCount)])))
            offset += cov.parameterCount
        }
        self.lambdas = lambdas
        switch distribution {
        case .gaussian(let sigma):
            guard sigma >= 0, sigma.isFinite else { throw InferenceError.cannotSimulate("the residual standard deviation is \(sigma)") }
            randomEffectScale = sigma
            weights = design.weights
        case .binomial:
            randomEffectScale = 1
            let trials: [Double]
            switch design.response {
            case .counts(let s, let f): trials = zip(s, f).map { $0 + $1 }
            case .factor: trials = [Double](repeating: 1, count: n)
            case .numeric: trials = design.weights ?? [Double](repeating: 1, count: n)
            }
            if let bad = trials.firstIndex(where: { $0 != $0.rounded() || $0 < 0 }) {
                throw InferenceError.cannotSimulate("binomial responses need whole numbers of trials; observation \(bad + 1) has \(trials[bad])")
            }
            weights = trials
        case .poisson:
            randomEffectScale = 1
            weights = nil
        case .negativeBinomial(let theta):
            guard theta > 0, theta.isFinite else { throw InferenceError.cannotSimulate("the negative-binomial shape is \(theta)") }
            randomEffectScale = 1
            weights = nil
        }
    }

    /// A simulator for a linear mixed model's fit (Gaussian response, identity link).
    public init(linearFit fit: MixedModelFit, design: MixedModelDesign) throws {
        guard fit.family == "gaussian", let sigma = fit.sigma else {
            throw InferenceError.fitDoesNotMatchModel("a linear mixed model's fit is Gaussian with a residual standard deviation")
        }
        try self.init(design: design, fit: fit, distribution: .gaussian(sigma: sigma), inverseLink: { $0 })
    }

    /// Z b for b = scale · Λ(θ̂) u with u drawn from `rng` (q standard normals).
    public func simulatedRandomEffectsPredictor(_ rng: inout RandomStream) -> [Double] {
        let n = design.nobs
        var out = [Double](repeating: 0, count: n)
        for (t, term) in design.terms.enumerated() {
            let k = term.columnCount, levels = term.levelCount
            let l = lambdas[t]
            var b = [Double](repeating: 0, count: levels * k)
            var u = [Double](repeating: 0, count: k)
            for level in 0..<levels {
                for c in 0..<k { u[c] = rng.normal() }
                for r in 0..<k {
                    var s = 0.0
                    for c in 0...r { s += l[r + c * k] * u[c] }
                    b[level * k + r] = randomEffectScale * s
                }
            }
            let codes = term.factor.codes
            if term.isInterceptOnly {
                for i in 0..<n { out[i] += b[Int(codes[i])] }
            } else {
                for i in 0..<n {
                    let base = Int(codes[i]) * k
                    var s = 0.0
                    for c in 0..<k { s += term.values[i * k + c] * b[base + c] }
                    out[i] += s
                }
            }
        }
        return out
    }

    /// The linear predictor of one simulation.
    public func simulatedLinearPredictor(_ rng: inout RandomStream, randomEffects: SimulatedRandomEffects = .new) -> [Double] {
        switch randomEffects {
        case .conditional:
            return conditionalPredictor
        case .new:
            let zb = simulatedRandomEffectsPredictor(&rng)
            return zip(fixedPredictor, zb).map { $0 + $1 }
        }
    }

    /// One simulated response as numbers: Gaussian values, binomial proportions (successes /
    /// trials), or counts.
    public func simulateValues(_ rng: inout RandomStream, randomEffects: SimulatedRandomEffects = .new) -> [Double] {
        let eta = simulatedLinearPredictor(&rng, randomEffects: randomEffects)
        let n = eta.count
        var y = [Double](repeating: 0, count: n)
        switch distribution {
        case .gaussian(let sigma):
            for i in 0..<n {
                let sd = weights.map { sigma / $0[i].squareRoot() } ?? sigma
                y[i] = inverseLink(eta[i]) + sd * rng.normal()
            }
        case .binomial:
            let w = weights!
            for i in 0..<n {
                let mu = min(max(inverseLink(eta[i]), 0), 1)
                let m = Int(w[i])
                y[i] = m == 0 ? 0 : Double(rng.binomial(trials: m, probability: mu)) / w[i]
            }
        case .poisson:
            for i in 0..<n { y[i] = rng.poisson(mean: inverseLink(eta[i])) }
        case .negativeBinomial(let theta):
            for i in 0..<n { y[i] = rng.negativeBinomial(mean: inverseLink(eta[i]), shape: theta) }
        }
        return y
    }

    /// One simulated response in the form of the design's response (for a binomial model:
    /// proportions, cbind successes and failures, or the factor's two levels), ready for
    /// `MixedModelDesign.replacingResponse`.
    public func simulateResponse(_ rng: inout RandomStream, randomEffects: SimulatedRandomEffects = .new) -> ResponseValues {
        let y = simulateValues(&rng, randomEffects: randomEffects)
        guard case .binomial = distribution else { return .numeric(y) }
        switch design.response {
        case .counts:
            let w = weights!
            let s = zip(y, w).map { ($0 * $1).rounded() }
            return .counts(successes: s, failures: zip(w, s).map { $0 - $1 })
        case .factor(_, let levels):
            return .factor(codes: y.map { $0 > 0 ? 1 : 0 }, levels: levels)
        case .numeric:
            return .numeric(y)
        }
    }

    /// `nsim` simulated responses (as numbers) of the run seeded with `seed`; simulation i uses
    /// stream i.
    public func simulate(nsim: Int, seed: UInt64, randomEffects: SimulatedRandomEffects = .new) throws -> [[Double]] {
        guard nsim >= 1 else { throw InferenceError.invalidSimulationCount(nsim) }
        return (0..<nsim).map { i in
            var rng = RandomStream(seed: seed, stream: UInt64(i))
            return simulateValues(&rng, randomEffects: randomEffects)
        }
    }
}
