import SparseLMM

/// The deviance of a generalized linear mixed model as lme4's `profile` sees it for a `glmer`
/// fit: the Laplace (or adaptive Gauss-Hermite) deviance over (sd/cor of each block, β) — σ is
/// 1 and is not a parameter; for the negative binomial, θ_nb stays at its estimate (lme4
/// profiles the `glmerMod` whose family has θ_nb fixed). Holding one parameter fixed, the
/// others are optimised jointly with BOBYQA (β inside the optimisation, as lme4's `devfun2`
/// does for GLMMs), from the previous point and from the optimum.
public final class GeneralizedLinearMixedModelProfileDeviance: ProfiledDeviance {
    /// The model (owned by this object; its family carries the fitted θ_nb).
    public let model: GeneralizedLinearMixedModel
    /// Quadrature points of the deviance (1: Laplace).
    public let nAGQ: Int
    /// The covariance parameters' sd/cor scale (σ = 1).
    public let scale: StandardDeviationScale
    public let parameterNames: [String]
    public let estimates: [Double]
    public let lowerLimits: [Double]
    public let upperLimits: [Double]
    public let minimumDeviance: Double
    let standardErrors: [Double]
    let nTheta: Int
    /// The inner optimiser.
    var optimizer = BoundedOptimizer.precise

    /// Prepares the profile of `fit`, a fit of `design` with this family and link (for the
    /// negative binomial, the fit's θ_nb is used). A new model is built, so this can run on
    /// another thread than the fit.
    public init(design: MixedModelDesign, family: Family, link: Link? = nil, fit: MixedModelFit) throws {
        var fam = family
        if case .negativeBinomial = family {
            guard let t = fit.negativeBinomialTheta else {
                throw InferenceError.fitDoesNotMatchModel("a negative-binomial fit without θ_nb")
            }
            fam = .negativeBinomial(theta: t)
        }
        let model = try GeneralizedLinearMixedModel(design: design, family: fam, link: link)
        guard fit.theta.count == design.thetaCount, fit.fixedEffects.count == design.p else {
            throw InferenceError.fitDoesNotMatchModel("the numbers of parameters differ")
        }
        self.model = model
        nAGQ = fit.nAGQ
        scale = StandardDeviationScale(design: design)
        nTheta = design.thetaCount
        standardErrors = fit.standardErrors
        estimates = scale.sdcor(theta: fit.theta, sigma: 1) + fit.fixedEffects
        parameterNames = scale.names + design.fixedEffectNames
        lowerLimits = scale.lowerLimits + [Double](repeating: -.infinity, count: design.p)
        upperLimits = scale.upperLimits + [Double](repeating: .infinity, count: design.p)
        minimumDeviance = try model.deviance(theta: fit.theta, beta: fit.fixedEffects, nAGQ: fit.nAGQ)
    }

    public func initialStep(parameter i: Int) -> Double {
        if i >= nTheta { return 0.5 * standardErrors[i - nTheta] }
        if scale.isCorrelation[i] { return 0.05 }
        return 0.05 * max(estimates[i], 0.1)
    }

    /// The deviance at all parameters `v` (sd/cor, then β); +∞-like where it cannot be computed.
    func deviance(_ v: [Double]) -> Double {
        guard let theta = scale.theta(sdcor: Array(v[0..<nTheta]), sigma: 1) else { return .greatestFiniteMagnitude }
        do {
            let d = try model.deviance(theta: theta, beta: Array(v[nTheta...]), nAGQ: nAGQ)
            return d.isFinite ? d : .greatestFiniteMagnitude
        } catch {
            return .greatestFiniteMagnitude
        }
    }

    public func constrainedMinimum(parameter i: Int, value: Double, start: [Double]) throws -> (deviance: Double, parameters: [Double]) {
        var full = start
        full[i] = value
        let free = estimates.indices.filter { $0 != i }
        let lo = free.map { lowerLimits[$0] }, hi = free.map { upperLimits[$0] }
        func clamp(_ v: [Double]) -> [Double] { free.enumerated().map { k, f in min(max(v[f], lo[k]), hi[k]) } }
        var starts = [clamp(full)]
        var atOptimum = estimates
        atOptimum[i] = value
        starts.append(clamp(atOptimum))
        if i < nTheta, scale.isCorrelation[i], let (r, c) = scale.standardDeviationsOfCorrelation(i) {
            for zero in [r, c] { var v = full; v[zero] = 0; starts.append(clamp(v)) }
        }
        let probe = free.map { f -> Double? in f < nTheta && !scale.isCorrelation[f] ? 1e-3 : nil }
        let f: ([Double]) throws -> Double = { [unowned self] x in
            var v = full
            for (k, f) in free.enumerated() { v[f] = x[k] }
            return self.deviance(v)
        }
        var best: (x: [Double], value: Double)? = nil
        var tried = [[Double]]()
        for x0 in starts where !tried.contains(x0) {
            tried.append(x0)
            var opt = optimizer
            opt.initialStep = free.enumerated().map { k, f -> Double in
                if f >= nTheta { return max(0.5 * standardErrors[f - nTheta], 1e-4) }
                if scale.isCorrelation[f] { return 0.05 }
                return 0.05 * max(x0[k], 0.1)
            }
            let r = try opt.minimizeLeavingBounds(start: x0, lower: lo, upper: hi, probe: probe, f)
            if best == nil || r.value < best!.value { best = r }
        }
        for (k, f) in free.enumerated() { full[f] = best!.x[k] }
        return (best!.value, full)
    }
}

extension LikelihoodProfile {
    /// Profiles a GLMM fit's parameters (`.sig01`, …, fixed effects; those named in `which`,
    /// all when nil) on its Laplace or AGQ deviance, as lme4's `profile` does for `glmer` fits.
    /// With more than one worker, parameters are profiled in parallel, each worker with its own
    /// model.
    public static func compute(design: MixedModelDesign, family: Family, link: Link? = nil, fit: MixedModelFit,
                               which: [String]? = nil, options: Options = Options(), workers: Int = 1,
                               progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> LikelihoodProfile {
        let names = StandardDeviationScale(design: design).names + design.fixedEffectNames
        return try await compute(workers: workers, parameterNames: names, which: which, options: options,
                          makeDeviance: { try GeneralizedLinearMixedModelProfileDeviance(design: design, family: family, link: link, fit: fit) },
                          progress: progress)
    }
}
