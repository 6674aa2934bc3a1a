import CSparseShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How θ is optimised.
public enum OptimizationMethod: String, Sendable {
    /// Derivative-free for few parameters, gradient-based for many.
    case automatic
    /// Powell's BOBYQA with lme4's settings (lme4's own optimiser for `lmer`).
    case derivativeFree
    /// Low-storage BFGS with bounds on the analytic gradient (one selected inversion per evaluation).
    case quasiNewton

    /// With this many covariance parameters or more, `automatic` uses the gradient: BOBYQA's
    /// evaluations grow with the square of the number of parameters, a quasi-Newton method's do not.
    public static let gradientThreshold = 6
}

/// REML or maximum likelihood.
public enum Criterion: String, Sendable {
    /// Restricted (residual) maximum likelihood, lme4's default (`REML = TRUE`).
    case reml = "REML"
    /// Maximum likelihood (`REML = FALSE`).
    case ml = "ML"
}

/// A linear mixed model y = Xβ + ZΛθu + ε, u ~ N(0, σ²I), ε ~ N(0, σ²W⁻¹), fitted by profiled
/// REML or ML as in lme4 (Bates et al. 2015, J. Stat. Soft. 67(1), section 3).
///
/// The cross-products of [Z X y] are formed once (`init`); an evaluation of the objective for a
/// new θ rescales Z'Z by Λθ, refactors it with CHOLMOD (`RandomEffectsFactor`), solves for
/// R_ZX = L⁻¹PΛ'Z'[X y] and factors the small dense downdated block
/// [X y]'[X y] − R_ZX'R_ZX = R R' (eq. 3.19 of the lme4 paper). The objective is read off the
/// diagonals: ML d(θ) = log|L|² + n(1 + log(2π r²/n)) (eq. 3.30), REML adds log|R_X|² and uses
/// n − p (eq. 3.41). Nothing of size n is touched per evaluation.
///
/// Not thread-safe; create one model per task. The fit it returns is a `Sendable` value.
public final class LinearMixedModel {
    /// The model's data and structure (the response and offset can be replaced: `setResponse`).
    public private(set) var design: MixedModelDesign
    /// REML or ML.
    public var criterion: Criterion
    /// The weighted penalised least-squares system (cross-products formed once).
    public let system: PenalizedLeastSquares
    /// The shared factor-update core.
    public var factor: RandomEffectsFactor { system.factor }
    let n: Int, p: Int, q: Int
    /// Σ log wᵢ.
    let logWeightSum: Double
    /// Whether `fit` minimises with the analytic gradient (quasi-Newton) rather than BOBYQA.
    public let usesGradient: Bool
    /// Number of objective evaluations so far.
    public internal(set) var evaluationCount = 0
    /// Called after every evaluation with (evaluation, θ, objective) — for progress and traces.
    public var observer: ((Int, [Double], Double) -> Void)? = nil

    /// Builds the model: validates the design for a Gaussian response, forms the cross-products
    /// of [Z X y] once and does CHOLMOD's symbolic analysis.
    /// - Parameters:
    ///   - design: the model's data and structure.
    ///   - criterion: REML (lme4's default) or ML.
    ///   - factorKind: simplicial, supernodal or CHOLMOD's choice for the factor of Λ'Z'WZΛ + I
    ///     (supernodal regardless when the gradient is used: it reads the factor's selected inverse).
    ///   - ordering: the fill-reducing ordering of the symbolic analysis.
    ///   - optimization: derivative-free BOBYQA (lme4's choice), a quasi-Newton method with the
    ///     analytic gradient, or automatic (the gradient from `OptimizationMethod.gradientThreshold`
    ///     covariance parameters on, where it needs fewer evaluations).
    /// - Throws: `ModelError` when the response is categorical, constant or reproduced exactly by
    ///   the fixed effects, its cross-products are not finite, a grouping factor or term has at least
    ///   as many levels or random effects as there are observations, there are no more observations
    ///   than fixed effects, or the factor would not fit in memory.
    public init(design: MixedModelDesign, criterion: Criterion = .reml, factorKind: FactorKind = .automatic,
                ordering: SparseCholesky.Ordering = .fewestFlops, optimization: OptimizationMethod = .automatic) throws {
        guard case .numeric(let yRaw) = design.response else {
            throw ModelError.categoricalResponse(design.responseName)
        }
        try design.validateForGaussianModel()
        if let first = yRaw.first, yRaw.allSatisfy({ $0 == first }) {
            throw ModelError.constantResponse(design.responseName)
        }
        if design.nobs <= design.p {
            throw ModelError.tooFewObservations(nobs: design.nobs, needed: design.p + 1)
        }
        self.design = design
        self.criterion = criterion
        n = design.nobs
        p = design.p
        let gradient = optimization == .quasiNewton
            || (optimization == .automatic && design.thetaCount >= OptimizationMethod.gradientThreshold)
        usesGradient = gradient
        // the analytic gradient reads the selected inverse of a supernodal factor
        let kind: FactorKind = gradient ? .supernodal : factorKind
        let system = try PenalizedLeastSquares(design: design, factorKind: kind, ordering: ordering)
        self.system = system
        q = system.q
        system.setWeights(design.weights)
        system.setResponse(design.offset.map { off in zip(yRaw, off).map { $0 - $1 } } ?? yRaw)
        logWeightSum = design.weights.map { $0.reduce(0) { $0 + log($1) } } ?? 0
        try system.checkResponse(responseName: design.responseName)
    }

    /// Replaces the response by `y` (one value per observation used; a simulated response, for
    /// instance) and recomputes the cross-products that depend on it. X, Z, the weights, the
    /// offset and the symbolic analysis are kept, so a refit costs only the optimisation.
    public func setResponse(_ y: [Double]) throws {
        let replaced = try design.replacingResponse(y)
        if let first = y.first, y.allSatisfy({ $0 == first }) {
            throw ModelError.constantResponse(design.responseName)
        }
        design = replaced
        system.setResponse(design.offset.map { off in zip(y, off).map { $0 - $1 } } ?? y)
    }

    /// Replaces the offset of the linear predictor (nil: none) and recomputes the cross-products
    /// that depend on it (a fixed effect held at a value, for a likelihood profile).
    public func setOffset(_ offset: [Double]?) throws {
        let replaced = try design.replacingOffset(offset)
        guard case .numeric(let y) = design.response else { fatalError("checked in init") }
        design = replaced
        system.setResponse(offset.map { off in zip(y, off).map { $0 - $1 } } ?? y)
    }

    /// Lower bounds of θ (0 for diagonal elements of λ).
    public var thetaLowerBounds: [Double] { factor.covariance.flatMap { $0.lowerBounds } }
    /// lme4's starting θ: 1 on the diagonal of λ and 0 below it; but when every term is a scalar
    /// intercept on its own grouping factor, θᵢ = √(vᵢ / vₑ) with vᵢ the variance of the group
    /// means of y for factor i (repeated per observation) and vₑ = var(y) − Σ vᵢ, if positive
    /// (lme4's `mkLmerDevfun`).
    public var thetaStart: [Double] {
        let standard = factor.covariance.flatMap { $0.initialValues }
        let terms = design.terms
        let distinct = Set(terms.map { $0.factor.name }).count
        guard terms.allSatisfy({ $0.columnNames == ["(Intercept)"] }), distinct == terms.count,
              case .numeric(let yRaw) = design.response else { return standard }
        let nn = Double(n)
        let mean = yRaw.reduce(0, +) / nn
        func variance(_ v: [Double]) -> Double { v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (nn - 1) }
        let vy = variance(yRaw)
        var v = [Double]()
        for t in terms {
            var sum = [Double](repeating: 0, count: t.levelCount), count = [Double](repeating: 0, count: t.levelCount)
            for i in 0..<n { sum[Int(t.factor.codes[i])] += yRaw[i]; count[Int(t.factor.codes[i])] += 1 }
            v.append(variance((0..<n).map { sum[Int(t.factor.codes[$0])] / count[Int(t.factor.codes[$0])] }))
        }
        let ve = vy - v.reduce(0, +)
        guard ve.isFinite, ve > 0 else { return standard }
        return v.map { ($0 / ve).squareRoot() }
    }

    /// Evaluates the profiled pieces at θ (no allocation, no O(n) work).
    public func components(_ theta: UnsafeBufferPointer<Double>) throws -> ProfiledComponents {
        try system.evaluate(theta: theta)
    }

    /// The criterion from its pieces: REML criterion or ML deviance (−2 log-likelihood).
    public func criterionValue(_ c: ProfiledComponents, criterion: Criterion? = nil) -> Double {
        let nn = Double(n)
        switch criterion ?? self.criterion {
        case .ml:
            return c.ldL2 - logWeightSum + nn * (1 + log(2 * Double.pi * c.pwrss / nn))
        case .reml:
            let nmp = nn - Double(p)
            return c.ldL2 + c.ldRX2 - logWeightSum + nmp * (1 + log(2 * Double.pi * c.pwrss / nmp))
        }
    }

    /// The objective (REML criterion or ML deviance) at θ.
    public func objective(_ theta: [Double]) throws -> Double {
        try theta.withUnsafeBufferPointer { try objectiveValue($0) }
    }

    /// The objective and (when asked) its gradient as the quasi-Newton optimiser sees them.
    func objectiveAndGradientValue(_ theta: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>?) throws -> Double {
        guard let g else { return try objectiveValue(theta) }
        evaluationCount += 1
        let value: Double
        do {
            let (v, grad) = try objectiveAndGradient(Array(theta))
            value = v
            for k in 0..<g.count { g[k] = grad[k] }
        } catch LinearAlgebraError.notPositiveDefinite {
            for k in 0..<g.count { g[k] = 0 }
            value = .greatestFiniteMagnitude
        }
        if let observer { observer(evaluationCount, Array(theta), value) }
        return value.isNaN ? .greatestFiniteMagnitude : value
    }

    /// The objective as the optimiser sees it: a factorisation that fails (θ so large that the
    /// matrix loses definiteness in floating point) gives +∞, not an error.
    func objectiveValue(_ theta: UnsafeBufferPointer<Double>) throws -> Double {
        evaluationCount += 1
        let value: Double
        do {
            value = criterionValue(try components(theta))
        } catch LinearAlgebraError.notPositiveDefinite {
            value = .greatestFiniteMagnitude
        }
        if let observer { observer(evaluationCount, Array(theta), value) }
        return value.isNaN ? .greatestFiniteMagnitude : value
    }
}

extension LinearMixedModel {
    /// The objective and its analytic gradient in θ (the model's factor must be supernodal: it is
    /// when the model was built for gradient-based fitting, see `usesGradient`).
    ///
    /// ML: d = log|A| + n log r² + c, with log r² = log|S| − log|S₁₁|;
    /// REML: d = log|A| + log|S₁₁| + (n − p) log r² + c (lme4 paper eq. 3.30 and 3.41).
    public func objectiveAndGradient(_ theta: [Double]) throws -> (value: Double, gradient: [Double]) {
        let c = try theta.withUnsafeBufferPointer { try components($0) }
        let g = try system.profiledGradient()
        let nn = Double(n), pp = Double(p)
        var gradient = [Double](repeating: 0, count: theta.count)
        for k in 0..<theta.count {
            let dLogR2 = g.logDetS[k] - g.logDetRX[k]
            switch criterion {
            case .ml: gradient[k] = g.logDetA[k] + nn * dLogR2
            case .reml: gradient[k] = g.logDetA[k] + g.logDetRX[k] + (nn - pp) * dLogR2
            }
        }
        return (criterionValue(c), gradient)
    }
}
