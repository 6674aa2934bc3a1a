import CSparseShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pieces of the profiled objective at one θ, read off the factor's diagonal.
public struct ProfiledComponents: Sendable, Equatable {
    /// log det(Λ'Z'WZΛ + I).
    public var ldL2: Double
    /// log det(R_X'R_X), the fixed-effects block of the factor.
    public var ldRX2: Double
    /// Penalised weighted residual sum of squares r²(θ) = ‖W½(z − Xβ̂ − ZΛũ)‖² + ‖ũ‖².
    public var pwrss: Double
}

/// Weighted penalised least squares on the factor-update core (lme4 paper, eq. 3.19):
///
///     min over u, β of ‖W½(z − Xβ − ZΛθu)‖² + ‖u‖²,
///
/// solved through the blocked Cholesky factor of
///
///     [Λ'Z'WZΛ + I   Λ'Z'WX   Λ'Z'Wz]   [L      0     0  ] [L      0     0  ]'
///     [X'WZΛ         X'WX     X'Wz  ] = [R_ZX'  R_X   0  ] [R_ZX'  R_X   0  ]
///     [z'WZΛ         z'WX     z'Wz  ]   [r_Z'   r_X'  r  ] [r_Z'   r_X'  r  ]
///
/// The sparse block is `RandomEffectsFactor`'s L; R_ZX = L⁻¹PΛ'Z'W[X z] is a q × (p + 1) dense
/// solve; the rest is a (p + 1) × (p + 1) dense Cholesky of the downdated block. The cross-products
/// depend on the weights and the response only: a linear mixed model sets them once, a GLMM at
/// every PIRLS step. `evaluate(theta:)` does no O(n) work and no allocation.
public final class PenalizedLeastSquares {
    let pattern: CrossProductPattern
    /// The shared sparse factor.
    public let factor: RandomEffectsFactor
    /// Observations, fixed-effect columns, random effects.
    public let n: Int, p: Int, q: Int
    /// X (n × p, column-major).
    let X: [Double]
    /// [X z], n × (p + 1) column-major: X once, the working response z rewritten by `setResponse`.
    private var xz: [Double]
    /// Z'W[X z] (q × (p + 1), original order).
    private var zxz: [Double]
    /// [X z]'W[X z] ((p + 1) × (p + 1)).
    private var xzxz: [Double]
    private var rzx: [Double]
    private var dense: [Double]
    /// R_ZX of the last evaluation (permuted, q × (p + 1)).
    var rzxWorkspace: [Double] { rzx }
    /// The dense lower factor F of S of the last evaluation ((p + 1) × (p + 1)).
    var denseWorkspace: [Double] { dense }
    /// Z'W[X z] (original order, q × (p + 1)).
    var crossProductsWorkspace: [Double] { zxz }
    /// `factor.generation` when the last `evaluate` completed (R_ZX and R_X belong to that L).
    private var evaluatedGeneration = -1
    /// θ of the last completed `evaluate` and what it gave. Asking again for the same θ with the
    /// same weights and response (the optimiser's final point, then the check of the boundary and
    /// the results at the optimum) reuses that factorisation instead of repeating it.
    private var lastTheta: [Double] = []
    private var lastComponents: ProfiledComponents?
    /// The current weights (nil: all ones).
    public private(set) var weights: [Double]?

    /// Forms the pattern of Z'Z for the design's terms and analyses it symbolically.
    public init(design: MixedModelDesign, factorKind: FactorKind = .automatic,
                ordering: SparseCholesky.Ordering = .fewestFlops) throws {
        let pattern = CrossProductPattern(terms: design.terms)
        self.pattern = pattern
        n = design.nobs
        p = design.p
        q = pattern.q
        X = design.X
        xz = design.X + [Double](repeating: 0, count: design.nobs)
        let cov = design.terms.map { CovarianceFactor(size: $0.columnCount, blocks: $0.blocks.map { $0.columns }) }
        factor = try RandomEffectsFactor(pattern: pattern, covariance: cov, kind: factorKind, ordering: ordering)
        let m = p + 1
        zxz = [Double](repeating: 0, count: q * m)
        xzxz = [Double](repeating: 0, count: m * m)
        rzx = [Double](repeating: 0, count: q * m)
        dense = [Double](repeating: 0, count: m * m)
    }

    /// Sets the observation weights W (nil: unit weights) and recomputes the blocks of Z'WZ.
    public func setWeights(_ w: [Double]?) {
        lastComponents = nil
        weights = w
        if let w { w.withUnsafeBufferPointer { pattern.accumulate(weights: $0) } } else { pattern.accumulate(weights: nil) }
    }

    /// Sets the (working) response z and recomputes Z'W[X z] and [X z]'W[X z] with the current weights.
    public func setResponse(_ z: [Double]) {
        precondition(z.count == n)
        lastComponents = nil
        let m = p + 1, n = self.n
        xz.withUnsafeMutableBufferPointer { d in
            z.withUnsafeBufferPointer { d.baseAddress!.advanced(by: p * n).update(from: $0.baseAddress!, count: n) }
        }
        let pattern = self.pattern
        xz.withUnsafeBufferPointer { xb in
            zxz.withUnsafeMutableBufferPointer { out in
                if let w = weights { w.withUnsafeBufferPointer { pattern.zTransposeTimes(xb, columns: m, weights: $0, into: out) } }
                else { pattern.zTransposeTimes(xb, columns: m, weights: nil, into: out) }
            }
        }
        // [X z]'W[X z], the lower triangle mirrored
        xz.withUnsafeBufferPointer { xb in
            xzxz.withUnsafeMutableBufferPointer { g in
                func cross(_ w: UnsafeBufferPointer<Double>?) {
                    for a in 0..<m {
                        let xa = xb.baseAddress! + a * n
                        for b in 0...a {
                            let xbb = xb.baseAddress! + b * n
                            var s = 0.0
                            if let w { for i in 0..<n { s += w[i] * xa[i] * xbb[i] } }
                            else { for i in 0..<n { s += xa[i] * xbb[i] } }
                            g[a + b * m] = s
                            g[b + a * m] = s
                        }
                    }
                }
                if let w = weights { w.withUnsafeBufferPointer { cross($0) } } else { cross(nil) }
            }
        }
    }

    /// Checks the cross-products of the current response: all finite (no overflow from huge
    /// values) and a residual left after regressing z on X (else the fixed effects reproduce the
    /// response exactly and there is no variance to estimate).
    public func checkResponse(responseName: String) throws {
        let m = p + 1
        guard xzxz.allSatisfy({ $0.isFinite }), zxz.allSatisfy({ $0.isFinite }) else {
            throw ModelError.nonFiniteCrossProducts
        }
        var g = xzxz
        let info = g.withUnsafeMutableBufferPointer { csshim_dpotrf_lower(Int32(m), $0.baseAddress!, Int32(m)) }
        let total = xzxz[p + p * m]
        if info == Int32(m) || (info == 0 && g[p + p * m] * g[p + p * m] <= 1e-24 * max(total, Double.leastNormalMagnitude)) {
            throw ModelError.perfectFit(responseName)
        }
    }

    /// Factors at θ and returns the profiled pieces (no O(n) work, no allocation).
    /// Throws `LinearAlgebraError.notPositiveDefinite` when X is (numerically) rank deficient given θ.
    public func evaluate(theta: UnsafeBufferPointer<Double>) throws -> ProfiledComponents {
        if let last = lastComponents, evaluatedGeneration == factor.generation, theta.count == lastTheta.count,
           theta.indices.allSatisfy({ theta[$0] == lastTheta[$0] }) {
            return last
        }
        lastComponents = nil
        evaluatedGeneration = -1
        try factor.update(theta: theta)
        let m = p + 1
        let q = self.q
        try zxz.withUnsafeBufferPointer { src in
            try rzx.withUnsafeMutableBufferPointer { dst in
                factor.lambdaTransposePermuted(src, columns: m, into: dst)
                try factor.solveL(dst.baseAddress!, columns: m)
            }
        }
        dense.withUnsafeMutableBufferPointer { d in
            xzxz.withUnsafeBufferPointer { d.baseAddress!.update(from: $0.baseAddress!, count: m * m) }
            rzx.withUnsafeBufferPointer { r in
                csshim_dsyrk_lower_trans(Int32(m), Int32(q), -1, r.baseAddress!, Int32(max(q, 1)), 1, d.baseAddress!, Int32(m))
            }
        }
        let info = dense.withUnsafeMutableBufferPointer { csshim_dpotrf_lower(Int32(m), $0.baseAddress!, Int32(m)) }
        if info > 0 && Int(info) <= p {
            throw LinearAlgebraError.notPositiveDefinite(column: Int(info) - 1)
        }
        evaluatedGeneration = factor.generation
        var ldRX2 = 0.0
        for j in 0..<p { ldRX2 += 2 * log(dense[j + j * m]) }
        let r = info == 0 ? dense[p + p * m] : 0
        let components = ProfiledComponents(ldL2: factor.logDeterminant, ldRX2: ldRX2, pwrss: r * r)
        if lastTheta.count != theta.count { lastTheta = [Double](repeating: .nan, count: theta.count) }   // once
        for k in theta.indices { lastTheta[k] = theta[k] }
        lastComponents = components
        return components
    }

    /// The solution of the last `evaluate`: β̂ (solving R_X'β = r_X), the spherical random effects
    /// ũ (solving L'Pũ = r_Z − R_ZX β̂) and b = Λũ, both in the original order.
    public func solution() throws -> (beta: [Double], u: [Double], b: [Double]) {
        let m = p + 1
        var beta = (0..<p).map { dense[p + $0 * m] }
        dense.withUnsafeBufferPointer { d in
            beta.withUnsafeMutableBufferPointer { bb in
                csshim_dtrsm_lower_left(1, Int32(p), 1, d.baseAddress!, Int32(m), bb.baseAddress!, Int32(max(p, 1)))
            }
        }
        var v = [Double](repeating: 0, count: q)
        for i in 0..<q {
            var s = rzx[i + p * q]
            for j in 0..<p { s -= rzx[i + j * q] * beta[j] }
            v[i] = s
        }
        try v.withUnsafeMutableBufferPointer { try factor.solveLt($0.baseAddress!, columns: 1) }
        var u = [Double](repeating: 0, count: q), b = [Double](repeating: 0, count: q)
        v.withUnsafeBufferPointer { src in
            u.withUnsafeMutableBufferPointer { factor.original(from: src, into: $0) }
            b.withUnsafeMutableBufferPointer { factor.lambdaFromPermuted(src, into: $0) }
        }
        return (beta, u, b)
    }

    /// (R_X R_X')⁻¹ from the last `evaluate` (p × p, column-major): vcov(β̂) up to the scale σ².
    public func unscaledFixedEffectsCovariance() throws -> [Double] {
        let m = p + 1
        var rx = [Double](repeating: 0, count: p * p)
        for j in 0..<p { for i in j..<p { rx[i + j * p] = dense[i + j * m] } }
        let info = rx.withUnsafeMutableBufferPointer { csshim_dpotri_lower(Int32(p), $0.baseAddress!, Int32(max(p, 1))) }
        if info != 0 { throw LinearAlgebraError.lapack(routine: "dpotri", info: info) }
        for j in 0..<p { for i in j..<p { rx[j + i * p] = rx[i + j * p] } }
        return rx
    }

    /// Conditional modes of the spherical random effects for a fixed linear predictor part:
    /// ũ = (Λ'Z'WZΛ + I)⁻¹ Λ'Z'W r, factoring at θ with the current weights (GLMM PIRLS with β
    /// held fixed). Also returns log det(Λ'Z'WZΛ + I).
    public func conditionalModes(theta: UnsafeBufferPointer<Double>, residual r: [Double]) throws -> (u: [Double], ldL2: Double) {
        try factor.update(theta: theta)
        var ztr = [Double](repeating: 0, count: q)
        r.withUnsafeBufferPointer { rb in
            ztr.withUnsafeMutableBufferPointer { out in
                if let w = weights { w.withUnsafeBufferPointer { pattern.zTransposeTimes(rb, columns: 1, weights: $0, into: out) } }
                else { pattern.zTransposeTimes(rb, columns: 1, weights: nil, into: out) }
            }
        }
        var v = [Double](repeating: 0, count: q)
        ztr.withUnsafeBufferPointer { src in v.withUnsafeMutableBufferPointer { factor.lambdaTransposePermuted(src, columns: 1, into: $0) } }
        try v.withUnsafeMutableBufferPointer { try factor.solveL($0.baseAddress!, columns: 1) }
        try v.withUnsafeMutableBufferPointer { try factor.solveLt($0.baseAddress!, columns: 1) }
        var u = [Double](repeating: 0, count: q)
        v.withUnsafeBufferPointer { src in u.withUnsafeMutableBufferPointer { factor.original(from: src, into: $0) } }
        return (u, factor.logDeterminant)
    }

    /// Whether the factor holds a factorisation of Λ'Z'WZΛ + I (at some θ and weights).
    public var hasFactorization: Bool { factor.isFactorized }

    /// A quasi-Newton correction of the spherical random effects with the factor as it stands:
    /// δ = (LL')⁻¹(Λ'Z's − u), where s = W r is the weighted working residual, so Λ'Z's − u is half
    /// the negative gradient of the penalised deviance Σ dᵢ + ‖u‖² in u (glmer vignette, eq. 14),
    /// and LL' the last factorisation of Λ'Z'WZΛ + I — at other weights or another θ it is an
    /// approximate Hessian, at the current ones the PIRLS (Fisher scoring) step. Uses the current
    /// λ; O(n) for Z's, no refactorisation.
    public func modeCorrection(weightedResidual s: [Double], u: [Double]) throws -> [Double] {
        guard factor.isFactorized else { throw LinearAlgebraError.notFactorized }
        var zts = [Double](repeating: 0, count: q)
        s.withUnsafeBufferPointer { sb in
            zts.withUnsafeMutableBufferPointer { pattern.zTransposeTimes(sb, columns: 1, weights: nil, into: $0) }
        }
        var v = [Double](repeating: 0, count: q)
        zts.withUnsafeBufferPointer { src in v.withUnsafeMutableBufferPointer { factor.lambdaTransposePermuted(src, columns: 1, into: $0) } }
        factor.permutation.withUnsafeBufferPointer { perm in
            for i in 0..<q { v[i] -= u[Int(perm[i])] }
        }
        try v.withUnsafeMutableBufferPointer { try factor.solveL($0.baseAddress!, columns: 1) }
        try v.withUnsafeMutableBufferPointer { try factor.solveLt($0.baseAddress!, columns: 1) }
        var delta = [Double](repeating: 0, count: q)
        v.withUnsafeBufferPointer { src in delta.withUnsafeMutableBufferPointer { factor.original(from: src, into: $0) } }
        return delta
    }

    /// Whether L, R_ZX and R_X of the last `evaluate` are all current (no factorisation since).
    public var hasJointFactorization: Bool { factor.isFactorized && evaluatedGeneration == factor.generation }

    /// The joint quasi-Newton correction of (β, u) with the blocks of the last `evaluate`:
    /// [δu; δβ] = (𝓛𝓛')⁻¹ [Λ'Z's − u; X's], with s = W r the weighted working residual — half the
    /// negative gradient of Σ dᵢ + ‖u‖² over (u, β) — and 𝓛 = [L 0; R_ZX' R_X] the blocked factor
    /// of [Λ'Z'WZΛ + I, Λ'Z'WX; X'WZΛ, X'WX] (eq. 3.19's system without the response) at the
    /// weights and θ of that evaluation. Forward: y_u = L⁻¹P g_u, y_β = R_X⁻¹(g_β − R_ZX'y_u);
    /// back: δβ = R_X'⁻¹y_β, Pδu = L'⁻¹(y_u − R_ZX δβ). Uses the current λ for the gradient.
    public func jointCorrection(weightedResidual s: [Double], u: [Double]) throws -> (beta: [Double], u: [Double]) {
        guard hasJointFactorization else { throw LinearAlgebraError.notFactorized }
        let m = p + 1
        var zts = [Double](repeating: 0, count: q)
        s.withUnsafeBufferPointer { sb in
            zts.withUnsafeMutableBufferPointer { pattern.zTransposeTimes(sb, columns: 1, weights: nil, into: $0) }
        }
        var yu = [Double](repeating: 0, count: q)
        zts.withUnsafeBufferPointer { src in yu.withUnsafeMutableBufferPointer { factor.lambdaTransposePermuted(src, columns: 1, into: $0) } }
        factor.permutation.withUnsafeBufferPointer { perm in
            for i in 0..<q { yu[i] -= u[Int(perm[i])] }
        }
        try yu.withUnsafeMutableBufferPointer { try factor.solveL($0.baseAddress!, columns: 1) }
        var yb = [Double](repeating: 0, count: p)
        for j in 0..<p {
            var g = 0.0
            for i in 0..<n { g += X[i + j * n] * s[i] }
            var c = 0.0
            for i in 0..<q { c += rzx[i + j * q] * yu[i] }
            yb[j] = g - c
        }
        dense.withUnsafeBufferPointer { d in
            yb.withUnsafeMutableBufferPointer { bb in
                csshim_dtrsm_lower_left(0, Int32(p), 1, d.baseAddress!, Int32(m), bb.baseAddress!, Int32(max(p, 1)))
                csshim_dtrsm_lower_left(1, Int32(p), 1, d.baseAddress!, Int32(m), bb.baseAddress!, Int32(max(p, 1)))
            }
        }
        for j in 0..<p {
            let bj = yb[j]
            if bj != 0 { for i in 0..<q { yu[i] -= rzx[i + j * q] * bj } }
        }
        try yu.withUnsafeMutableBufferPointer { try factor.solveLt($0.baseAddress!, columns: 1) }
        var du = [Double](repeating: 0, count: q)
        yu.withUnsafeBufferPointer { src in du.withUnsafeMutableBufferPointer { factor.original(from: src, into: $0) } }
        return (yb, du)
    }

    /// Z Λ u for spherical random effects u (original order): an n-vector.
    public func zLambda(_ u: [Double]) -> [Double] {
        var b = [Double](repeating: 0, count: q)
        factor.lambdaTimes(u, into: &b)
        return zTimes(b)
    }

    /// Z b: an n-vector.
    public func zTimes(_ b: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: n)
        b.withUnsafeBufferPointer { bb in out.withUnsafeMutableBufferPointer { pattern.zTimes(bb, into: $0) } }
        return out
    }

    /// X β: an n-vector.
    public func xTimes(_ beta: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: n)
        for j in 0..<p { let bj = beta[j]; if bj != 0 { for i in 0..<n { out[i] += X[i + j * n] * bj } } }
        return out
    }

    /// Conditional covariances of the random effects b at the current factor (see
    /// `RandomEffectsFactor.conditionalCovariances`), or nil when the work is large and not asked for.
    public func conditionalCovariances(scale: Double, force: Bool) throws -> [[Double]]? {
        if !force && Double(q) * factor.factorEntries * 2 > 2e9 { return nil }
        return try factor.conditionalCovariances(scale: scale)
    }
}
