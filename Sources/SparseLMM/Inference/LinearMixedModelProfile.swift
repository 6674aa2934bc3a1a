#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The deviance of a linear mixed model as lme4's `profile` sees it (`devfun2`): the ML
/// deviance (−2 log-likelihood) over (sd/cor of each block, σ, β). REML fits are profiled on
/// the ML deviance too — lme4 refits the model by ML first (`refitML`), so a REML fit and its
/// ML refit have the same profile intervals.
///
/// - Variance parameters: for given standard deviations, correlations and σ, θ follows from
///   `StandardDeviationScale` and β is profiled out, giving
///   d = log|L|² − Σ log wᵢ + r²(θ)/σ² + n log(2πσ²); holding one of them (or σ) fixed, the
///   others are optimised with BOBYQA within their limits.
/// - Fixed effect βⱼ: the model with column j moved into the offset (`fixingFixedEffect`) is
///   optimised over θ with σ and the other β profiled out (the ML criterion in closed form).
public final class LinearMixedModelProfileDeviance: ProfiledDeviance {
    /// The model refitted by ML (owned by this object).
    public let model: LinearMixedModel
    /// The covariance parameters' sd/cor scale.
    public let scale: StandardDeviationScale
    public let parameterNames: [String]
    public let estimates: [Double]
    public let lowerLimits: [Double]
    public let upperLimits: [Double]
    public let minimumDeviance: Double
    /// θ at the ML optimum.
    public let thetaHat: [Double]
    /// ML standard errors of β̂.
    public let standardErrors: [Double]
    let nTheta: Int, p: Int, n: Int
    let logWeightSum: Double
    var fixedModels = [Int: LinearMixedModel]()
    /// The inner optimiser (tight tolerances: ζ near the end points needs the minimum to ~1e-9).
    var optimizer = BoundedOptimizer.precise

    /// Refits `design` by ML (from lme4's start, with tight tolerances) and prepares the profile.
    public init(design: MixedModelDesign) throws {
        let model = try LinearMixedModel(design: design, criterion: .ml)
        self.model = model
        scale = StandardDeviationScale(design: design)
        nTheta = design.thetaCount
        p = design.p
        n = design.nobs
        logWeightSum = model.logWeightSum
        let (theta, _) = try model.optimizeTheta(optimizer: .precise)
        thetaHat = theta
        let fit = try model.results(theta: theta, conditionalVariances: .never)
        let sigma = fit.sigma ?? 1
        minimumDeviance = fit.objective
        standardErrors = fit.standardErrors
        estimates = scale.sdcor(theta: theta, sigma: sigma) + [sigma] + fit.fixedEffects
        parameterNames = scale.names + [".sigma"] + design.fixedEffectNames
        lowerLimits = scale.lowerLimits + [0] + [Double](repeating: -.infinity, count: p)
        upperLimits = scale.upperLimits + [.infinity] + [Double](repeating: .infinity, count: p)
    }

    public func initialStep(parameter i: Int) -> Double {
        let sigma = estimates[nTheta]
        if i > nTheta { return 0.5 * standardErrors[i - nTheta - 1] }
        if i == nTheta { return 0.5 * sigma / (2 * Double(n)).squareRoot() }
        if scale.isCorrelation[i] { return 0.05 }
        return 0.05 * max(estimates[i], 0.1 * sigma)
    }

    /// The ML deviance at standard deviations/correlations `v` and residual SD σ, with β
    /// profiled out; +∞-like when the values do not form a covariance matrix.
    func deviance(sdcor v: [Double], sigma: Double) throws -> Double {
        guard sigma > 0, let theta = scale.theta(sdcor: v, sigma: sigma) else { return .greatestFiniteMagnitude }
        let c: ProfiledComponents
        do {
            c = try theta.withUnsafeBufferPointer { try model.components($0) }
        } catch LinearAlgebraError.notPositiveDefinite {
            return .greatestFiniteMagnitude
        }
        let s2 = sigma * sigma
        let d = c.ldL2 - logWeightSum + c.pwrss / s2 + Double(n) * log(2 * Double.pi * s2)
        return d.isFinite ? d : .greatestFiniteMagnitude
    }

    public func constrainedMinimum(parameter i: Int, value: Double, start: [Double]) throws -> (deviance: Double, parameters: [Double]) {
        i <= nTheta ? try varianceParameterMinimum(i, value: value, start: start)
                    : try fixedEffectMinimum(i - nTheta - 1, value: value, start: start)
    }

    /// Holding a standard deviation, correlation or σ at `value`: BOBYQA over the others, from
    /// the previous point and from the optimum. For a correlation also from starts with either
    /// of its standard deviations at 0: there the correlation does not matter, so the profile of
    /// a correlation can never rise above the deviance of those fits — a local minimum away
    /// from them would make the profile too steep.
    func varianceParameterMinimum(_ i: Int, value: Double, start: [Double]) throws -> (deviance: Double, parameters: [Double]) {
        var full = Array(start[0...nTheta])
        full[i] = value
        let free = (0...nTheta).filter { $0 != i }
        let lo = free.map { $0 == nTheta ? 0 : lowerLimits[$0] }
        let hi = free.map { $0 == nTheta ? Double.infinity : upperLimits[$0] }
        func clamp(_ v: [Double]) -> [Double] { free.enumerated().map { k, f in min(max(v[f], lo[k]), hi[k]) } }
        var starts = [clamp(full)]
        var atOptimum = Array(estimates[0...nTheta])
        atOptimum[i] = value
        starts.append(clamp(atOptimum))
        if i < nTheta, scale.isCorrelation[i], let (r, c) = scale.standardDeviationsOfCorrelation(i) {
            for zero in [r, c] {
                var v = full
                v[zero] = 0
                starts.append(clamp(v))
            }
        }
        let sigmaHat = estimates[nTheta]
        var opt = optimizer
        let probe = free.map { f -> Double? in f < nTheta && !scale.isCorrelation[f] ? 1e-3 * sigmaHat : nil }
        let f: ([Double]) throws -> Double = { [unowned self] x in
            var v = full
            for (k, f) in free.enumerated() { v[f] = x[k] }
            return try self.deviance(sdcor: Array(v[0..<self.nTheta]), sigma: v[self.nTheta])
        }
        var best: (x: [Double], value: Double)? = nil
        var tried = [[Double]]()
        for x0 in starts where !tried.contains(x0) {
            tried.append(x0)
            opt.initialStep = free.enumerated().map { k, f -> Double in
                if f == nTheta { return 0.05 * max(x0[k], 1e-3 * sigmaHat) }
                if scale.isCorrelation[f] { return 0.05 }
                return 0.05 * max(x0[k], 0.05 * sigmaHat)
            }
            let r = try opt.minimizeLeavingBounds(start: x0, lower: lo, upper: hi, probe: probe, f)
            if best == nil || r.value < best!.value { best = r }
        }
        for (k, f) in free.enumerated() { full[f] = best!.x[k] }
        let dev = try deviance(sdcor: Array(full[0..<nTheta]), sigma: full[nTheta])
        let (beta, _, _) = try model.system.solution()
        return (dev, full + beta)
    }

    /// Holding βⱼ at `value`: the model without column j, Xⱼ·value in the offset, optimised over θ.
    func fixedEffectMinimum(_ j: Int, value: Double, start: [Double]) throws -> (deviance: Double, parameters: [Double]) {
        let design = model.design
        let fixed: LinearMixedModel
        if let m = fixedModels[j] {
            fixed = m
        } else {
            fixed = try LinearMixedModel(design: design.fixingFixedEffect(j, at: 0), criterion: .ml)
            fixedModels[j] = fixed
        }
        let column = design.fixedEffectColumn(j)
        var offset = design.offset ?? [Double](repeating: 0, count: n)
        for i in 0..<n { offset[i] += column[i] * value }
        try fixed.setOffset(offset)
        let warm = scale.theta(sdcor: Array(start[0..<nTheta]), sigma: start[nTheta]) ?? thetaHat
        let lower = fixed.thetaLowerBounds
        let upper = [Double](repeating: .infinity, count: nTheta)
        let probe = lower.map { $0 == 0 ? Optional(1e-3) : nil }
        var best: (x: [Double], value: Double)? = nil
        for theta0 in warm == thetaHat ? [warm] : [warm, thetaHat] {
            var opt = optimizer
            opt.initialStep = theta0.map { max(0.1 * abs($0), 0.02) }
            let r = try opt.minimizeLeavingBounds(start: theta0, lower: lower, upper: upper, probe: probe) { [unowned fixed] x in
                try x.withUnsafeBufferPointer { try fixed.objectiveValue($0) }
            }
            if best == nil || r.value < best!.value { best = r }
        }
        let (dev, others, sigma) = try fixed.estimates(theta: best!.x)
        var beta = others
        beta.insert(value, at: j)
        return (dev, scale.sdcor(theta: best!.x, sigma: sigma) + [sigma] + beta)
    }
}

extension LikelihoodProfile {
    /// Profiles a linear mixed model's parameters (`.sig01`, …, `.sigma`, fixed effects; those
    /// named in `which`, all when nil) on the ML deviance, as lme4's `profile` does for `lmer`
    /// fits (REML fits are refitted by ML first). With more than one worker, parameters are
    /// profiled in parallel, each worker with its own model.
    public static func compute(design: MixedModelDesign, which: [String]? = nil, options: Options = Options(),
                               workers: Int = 1, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> LikelihoodProfile {
        let names = StandardDeviationScale(design: design).names + [".sigma"] + design.fixedEffectNames
        return try await compute(workers: workers, parameterNames: names, which: which, options: options,
                                 makeDeviance: { try LinearMixedModelProfileDeviance(design: design) }, progress: progress)
    }
}
