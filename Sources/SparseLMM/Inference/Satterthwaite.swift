#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A t test of one linear combination L'β.
public struct ContrastTest: Sendable, Equatable {
    /// The estimate L'β̂.
    public var estimate: Double
    /// Its standard error √(L'VL), V the (for Kenward-Roger, adjusted) covariance of β̂.
    public var standardError: Double
    /// Denominator degrees of freedom of the t distribution.
    public var df: Double
    /// The t statistic, estimate / standard error.
    public var t: Double
    /// The two-sided p-value P(|T| > |t|), T ~ t(df).
    public var p: Double
}

/// An F test of several linear combinations Lβ = 0 (one row of an ANOVA table).
///
/// The statistics are nil when L has no rows or rank 0 (nothing to test).
public struct FTest: Sendable, Equatable {
    /// The fixed-effects term tested (its label in the ANOVA table).
    public var term: String
    /// Sum of squares: the mean square times the numerator degrees of freedom.
    public var sumOfSquares: Double?
    /// Mean square, F σ² (lmerTest's `Mean Sq`; the unscaled F for Kenward-Roger).
    public var meanSquare: Double?
    /// Numerator degrees of freedom: the rank of L.
    public var numeratorDF: Double?
    /// Denominator degrees of freedom (Satterthwaite's or Kenward-Roger's).
    public var denominatorDF: Double?
    /// The F statistic (scaled by λ for Kenward-Roger).
    public var F: Double?
    /// The p-value P(F(numeratorDF, denominatorDF) > F).
    public var p: Double?
}

/// Satterthwaite's approximation to the denominator degrees of freedom of t and F tests of the
/// fixed effects of a linear mixed model, as lmerTest computes it (Kuznetsova, Brockhoff and
/// Christensen 2017, J. Stat. Soft. 82(13), eq. 6–8): for a contrast L,
///
///     ν = 2 (L'V L)² / (g' A g),   g = ∂(L'V(τ)L)/∂τ,   A = 2 H⁻¹,
///
/// with τ = (θ, σ) the variance parameters, V(τ) = σ²(R_X'R_X)⁻¹ the covariance of β̂ and H the
/// Hessian of the (REML or ML) deviance in τ. Derivatives are Richardson-extrapolated central
/// differences of the model's own factorisation (each evaluation is one CHOLMOD refactorisation),
/// as lmerTest's numDeriv does; no n × n matrix is formed.
public struct SatterthwaiteApproximation: Sendable {
    /// Fixed-effect names.
    public let names: [String]
    /// Fixed-effect estimates β̂.
    public let beta: [Double]
    /// vcov(β̂) at the optimum.
    public let covariance: DenseMatrix
    /// Asymptotic covariance of τ = (θ, σ): 2 H⁻¹ (pseudo-inverse over positive eigenvalues).
    public let varianceParameterCovariance: DenseMatrix
    /// ∂V/∂τₖ for each variance parameter.
    public let jacobian: [DenseMatrix]
    /// Residual standard deviation.
    public let sigma: Double
    /// Warnings (e.g. a Hessian with negative eigenvalues: the fit may not have converged).
    public let warnings: [String]

    /// Computes the derivatives at the fit's optimum. The model's factor is left at a nearby θ.
    public init(model: LinearMixedModel, fit: MixedModelFit) throws {
        guard let sigma = fit.sigma else { throw ModelError.invalidOption("Satterthwaite's method needs a Gaussian model") }
        let p = fit.fixedEffects.count
        names = fit.fixedEffectNames
        beta = fit.fixedEffects
        self.sigma = sigma
        covariance = DenseMatrix(rows: p, columns: p, values: fit.covariance)
        let tau = fit.theta + [sigma]
        let reml = model.criterion == .reml
        let h = try NumericalDerivatives.hessian({ try model.varianceParameterDeviance($0, reml: reml) }, at: tau)
        let (w, v) = h.symmetricEigen()
        var warnings = [String]()
        let tol = 1e-8
        let negative = w.filter { $0 < -tol }
        if !negative.isEmpty {
            warnings.append("the Hessian of the deviance in the variance parameters has \(negative.count) negative eigenvalue\(negative.count == 1 ? "" : "s") (\(negative.map { RNumberFormat.printf("%.1e", $0) }.joined(separator: " "))): the model may not have converged")
        }
        let m = tau.count
        var inv = DenseMatrix(rows: m, columns: m)
        for k in 0..<m where w[k] > tol {
            for i in 0..<m { for j in 0..<m { inv[i, j] += 2 * v[i, k] * v[j, k] / w[k] } }
        }
        varianceParameterCovariance = inv
        let columns = try NumericalDerivatives.jacobianColumns({ try model.varianceParameterCovariance($0) }, at: tau)
        jacobian = columns.map { DenseMatrix(rows: p, columns: p, values: $0) }
        self.warnings = warnings
    }

    /// The t test of L'β = 0 with Satterthwaite's degrees of freedom.
    public func test(_ l: [Double]) -> ContrastTest {
        let estimate = zip(l, beta).reduce(0) { $0 + $1.0 * $1.1 }
        let variance = covariance.quadraticForm(l)
        let g = jacobian.map { $0.quadraticForm(l) }
        let denominator = varianceParameterCovariance.quadraticForm(g)
        let df = 2 * variance * variance / denominator
        let se = variance.squareRoot()
        let t = estimate / se
        return ContrastTest(estimate: estimate, standardError: se, df: df, t: t, p: studentTTwoSided(t, df: df))
    }

    /// t tests of every coefficient, as the summary's df and Pr(>|t|) columns.
    public func coefficientTests() -> FixedEffectTests {
        let p = beta.count
        let tests = (0..<p).map { j -> ContrastTest in
            var l = [Double](repeating: 0, count: p); l[j] = 1
            return test(l)
        }
        return FixedEffectTests(method: "Satterthwaite", df: tests.map { $0.df }, statistic: tests.map { $0.t },
                                p: tests.map { $0.p }, standardErrors: tests.map { $0.standardError })
    }

    /// The F test of Lβ = 0 (lmerTest's `contestMD`): L V L' is decomposed into eigenvectors, each
    /// a 1-df contrast with its own Satterthwaite ν_m; the F statistic's denominator df is
    /// 2E/(E − q) with E = Σ ν_m/(ν_m − 2) (or the common ν when they agree).
    public func fTest(term: String, _ l: DenseMatrix) -> FTest {
        let rows = l.rows
        if rows == 0 { return FTest(term: term, sumOfSquares: nil, meanSquare: nil, numeratorDF: nil, denominatorDF: nil, F: nil, p: nil) }
        if rows == 1 {
            let t = test(l.row(0))
            return makeRow(term: term, F: t.t * t.t, q: 1, ddf: t.df)
        }
        let vl = l * covariance * l.transposed
        let (w, vec) = vl.symmetricEigen()
        // eigenvalues in decreasing order, as R's eigen
        let order = (0..<rows).sorted { w[$0] > w[$1] }
        let d = order.map { w[$0] }
        let tol = max(1.4901161193847656e-08 * d[0], 0)
        let q = d.filter { $0 > tol }.count
        if q == 0 { return FTest(term: term, sumOfSquares: nil, meanSquare: nil, numeratorDF: nil, denominatorDF: nil, F: nil, p: nil) }
        let ptl: [[Double]] = (0..<q).map { m in
            let k = order[m]
            return (0..<l.columns).map { c in (0..<rows).reduce(0) { $0 + vec[$1, k] * l[$1, c] } }
        }
        if q == 1 {
            let t = test(ptl[0])
            return makeRow(term: term, F: t.t * t.t, q: 1, ddf: t.df)
        }
        var f = 0.0
        var nu = [Double]()
        for m in 0..<q {
            let est = zip(ptl[m], beta).reduce(0) { $0 + $1.0 * $1.1 }
            f += est * est / d[m]
            let g = jacobian.map { $0.quadraticForm(ptl[m]) }
            nu.append(2 * d[m] * d[m] / varianceParameterCovariance.quadraticForm(g))
        }
        f /= Double(q)
        let ddf: Double
        if zip(nu, nu.dropFirst()).allSatisfy({ abs($0 - $1) < 1e-8 }) {
            ddf = nu.reduce(0, +) / Double(nu.count)
        } else if nu.contains(where: { $0 <= 2 }) {
            ddf = 2
        } else {
            let e = nu.reduce(0) { $0 + $1 / ($1 - 2) }
            ddf = 2 * e / (e - Double(q))
        }
        return makeRow(term: term, F: f, q: q, ddf: ddf)
    }

    func makeRow(term: String, F: Double, q: Int, ddf: Double) -> FTest {
        let ms = F * sigma * sigma
        return FTest(term: term, sumOfSquares: ms * Double(q), meanSquare: ms, numeratorDF: Double(q), denominatorDF: ddf,
                     F: F, p: fUpperTail(F, Double(q), ddf))
    }

    /// lmerTest's type III ANOVA table: one F test per fixed-effects term.
    public func typeIIIAnova(design: MixedModelDesign) throws -> [FTest] {
        try typeIIIContrasts(design: design).map { fTest(term: $0.term, $0.contrast) }
    }
}

extension LinearMixedModel {
    /// lmerTest's deviance in the variance parameters τ = (θ, σ): log|L|² + r²/σ² + n log(2πσ²),
    /// plus log|R_X|² − p log(2πσ²) for REML.
    public func varianceParameterDeviance(_ tau: [Double], reml: Bool) throws -> Double {
        let theta = Array(tau.dropLast())
        let s2 = tau.last! * tau.last!
        let c = try theta.withUnsafeBufferPointer { try components($0) }
        var dev = c.ldL2 + c.pwrss / s2 + Double(n) * log(2 * Double.pi * s2)
        if reml { dev += c.ldRX2 - Double(p) * log(2 * Double.pi * s2) }
        return dev
    }

    /// σ²(R_X'R_X)⁻¹ at τ = (θ, σ), column-major.
    public func varianceParameterCovariance(_ tau: [Double]) throws -> [Double] {
        let theta = Array(tau.dropLast())
        let s2 = tau.last! * tau.last!
        _ = try theta.withUnsafeBufferPointer { try components($0) }
        return try system.unscaledFixedEffectsCovariance().map { $0 * s2 }
    }
}
