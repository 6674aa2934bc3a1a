import CSparseShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// REML or maximum likelihood.
public enum Criterion: String, Sendable {
    case reml = "REML"
    case ml = "ML"
}

/// The pieces of the profiled objective at one θ, read off the factor's diagonal.
public struct ProfiledComponents: Sendable, Equatable {
    /// log det(Λ'Z'WZΛ + I).
    public var ldL2: Double
    /// log det(R_X'R_X), the fixed-effects block of the factor.
    public var ldRX2: Double
    /// Penalised weighted residual sum of squares r²(θ) = ‖W½(y − Xβ̂ − ZΛũ)‖² + ‖ũ‖².
    public var pwrss: Double
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
    /// The model's data and structure.
    public let design: MixedModelDesign
    /// REML or ML.
    public var criterion: Criterion
    let pattern: CrossProductPattern
    /// The shared factor-update core.
    public let factor: RandomEffectsFactor
    let n: Int, p: Int, q: Int
    /// y (minus the offset).
    let y: [Double]
    /// Z'W[X y] (q × (p + 1), original order).
    let zxy: [Double]
    /// [X y]'W[X y] ((p + 1) × (p + 1)).
    let xyxy: [Double]
    /// Σ log wᵢ.
    let logWeightSum: Double
    private var rzx: [Double]
    private var dense: [Double]
    /// R_ZX of the last evaluation (permuted, q × (p + 1)).
    var rzxWorkspace: [Double] { rzx }
    /// The dense factor of the last evaluation.
    var denseWorkspace: [Double] { dense }
    /// Number of objective evaluations so far.
    public internal(set) var evaluationCount = 0
    /// Called after every evaluation with (evaluation, θ, objective) — for progress and traces.
    public var observer: ((Int, [Double], Double) -> Void)? = nil

    /// Builds the model: validates the design for a Gaussian response, forms the cross-products
    /// and does CHOLMOD's symbolic analysis.
    public init(design: MixedModelDesign, criterion: Criterion = .reml, factorKind: FactorKind = .automatic,
                ordering: SparseCholesky.Ordering = .automatic) throws {
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
        let y = design.offset.map { off in zip(yRaw, off).map { $0 - $1 } } ?? yRaw
        self.y = y
        let pattern = CrossProductPattern(terms: design.terms)
        self.pattern = pattern
        let q = pattern.q
        self.q = q
        let n = design.nobs, p = design.p
        let w = design.weights
        if let w { w.withUnsafeBufferPointer { pattern.accumulate(weights: $0) } } else { pattern.accumulate(weights: nil) }
        let m = p + 1
        var xy = design.X
        xy.append(contentsOf: y)
        var zxy = [Double](repeating: 0, count: q * m)
        xy.withUnsafeBufferPointer { xb in
            zxy.withUnsafeMutableBufferPointer { out in
                if let w { w.withUnsafeBufferPointer { pattern.zTransposeTimes(xb, columns: m, weights: $0, into: out) } }
                else { pattern.zTransposeTimes(xb, columns: m, weights: nil, into: out) }
            }
        }
        self.zxy = zxy
        var g = [Double](repeating: 0, count: m * m)
        for a in 0..<m {
            for b in 0...a {
                var s = 0.0
                if let w { for i in 0..<n { s += w[i] * xy[i + a * n] * xy[i + b * n] } }
                else { for i in 0..<n { s += xy[i + a * n] * xy[i + b * n] } }
                g[a + b * m] = s
                g[b + a * m] = s
            }
        }
        xyxy = g
        logWeightSum = w.map { $0.reduce(0) { $0 + log($1) } } ?? 0
        let cov = design.terms.map { CovarianceFactor(size: $0.columnCount, blocks: $0.blocks.map { $0.columns }) }
        factor = try RandomEffectsFactor(pattern: pattern, covariance: cov, kind: factorKind, ordering: ordering)
        rzx = [Double](repeating: 0, count: q * m)
        dense = [Double](repeating: 0, count: m * m)
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
        try factor.update(theta: theta)
        let m = p + 1
        try zxy.withUnsafeBufferPointer { src in
            try rzx.withUnsafeMutableBufferPointer { dst in
                factor.lambdaTransposePermuted(src, columns: m, into: dst)
                try factor.solveL(dst.baseAddress!, columns: m)
            }
        }
        // dense = [X y]'W[X y] − R_ZX'R_ZX, then its lower Cholesky factor
        dense.withUnsafeMutableBufferPointer { d in
            xyxy.withUnsafeBufferPointer { d.baseAddress!.update(from: $0.baseAddress!, count: m * m) }
            rzx.withUnsafeBufferPointer { r in
                csshim_dsyrk_lower_trans(Int32(m), Int32(q), -1, r.baseAddress!, Int32(max(q, 1)), 1, d.baseAddress!, Int32(m))
            }
        }
        let info = dense.withUnsafeMutableBufferPointer { csshim_dpotrf_lower(Int32(m), $0.baseAddress!, Int32(m)) }
        var ldRX2 = 0.0
        if info > 0 && Int(info) <= p {
            throw LinearAlgebraError.notPositiveDefinite(column: Int(info) - 1)
        }
        for j in 0..<p { ldRX2 += 2 * log(dense[j + j * m]) }
        let ryy = info == 0 ? dense[p + p * m] : 0
        return ProfiledComponents(ldL2: factor.logDeterminant, ldRX2: ldRX2, pwrss: ryy * ryy)
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
