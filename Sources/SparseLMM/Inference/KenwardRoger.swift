#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kenward and Roger's small-sample inference for the fixed effects of a linear mixed model fitted
/// by REML (Kenward and Roger 1997, Biometrics 53, 983–997; Halekoh and Højsgaard 2014,
/// J. Stat. Soft. 59(9)), with pbkrtest 0.5.2's conventions (`vcovAdj`, `Lb_ddf`, `.KR_adjust`),
/// as lmerTest's `ddf = "Kenward-Roger"` uses them.
///
/// **Covariance.** The marginal covariance is linear in the variance parameters γ = (the
/// distinct entries of each term's covariance matrix, σ²): V = Σ_r γ_r G_r, with G_r = Z D_r Z'
/// for a random-effects parameter and G = I for σ² (pbkrtest's `get_SigmaG`; see
/// `KenwardRogerTraces`). With Φ = (X'V⁻¹X)⁻¹ = vcov(β̂),
///
///     P_r  = −X'V⁻¹G_rV⁻¹X,      Q_rs = X'V⁻¹G_rV⁻¹G_sV⁻¹X,
///     I_rs = tr(V⁻¹G_rV⁻¹G_s) − 2 tr(ΦQ_rs) + tr(ΦP_rΦP_s) = tr(ΠG_rΠG_s),
///            Π = V⁻¹ − V⁻¹XΦX'V⁻¹,
///
/// ½I is the expected information of the REML likelihood in γ and W = 2I⁻¹ the asymptotic
/// covariance of γ̂ (a generalised inverse when I is numerically singular, as pbkrtest). Since V
/// is linear in γ the second-derivative terms R_rs vanish and the bias-corrected covariance is
///
///     Φ_A = Φ + 2 Φ { Σ_r Σ_s W_rs (Q_rs − P_rΦP_s) } Φ.
///
/// **Tests.** For H₀: Lβ = 0 with L of rank ℓ, Θ = L'(LΦL')⁻¹L and
///
///     A₁ = Σ_rs W_rs tr(ΘΦP_rΦ) tr(ΘΦP_sΦ),   A₂ = Σ_rs W_rs tr(ΘΦP_rΦΘΦP_sΦ),
///     B = (A₁ + 6A₂)/(2ℓ),   g = ((ℓ+1)A₁ − (ℓ+4)A₂)/((ℓ+2)A₂),
///     c₁ = g/(3ℓ + 2(1−g)),  c₂ = (ℓ−g)/(3ℓ + 2(1−g)),  c₃ = (ℓ+2−g)/(3ℓ + 2(1−g)),
///     E* = 1/(1 − A₂/ℓ),     V* = (2/ℓ)(1 + c₁B)/((1 − c₂B)²(1 − c₃B)),
///     ρ = V*/(2E*²),          m = 4 + (ℓ+2)/(ℓρ − 1),   λ = m/(E*(m − 2)),
///
/// (pbkrtest's guards: 1 + c₁B is taken as 0 below 1e-10, 0/0 in ρ as 1, λ = 1 when |m − 2| < 0.01;
/// for ℓ = 1, A₁ = A₂ and λ = 1 exactly, m = 2/A₂) and F* = λ F with
/// F = (Lβ̂)'(LΦ_AL')⁻¹(Lβ̂)/ℓ is referred to F(ℓ, m). The t test of one
/// contrast uses the adjusted standard error √(l'Φ_A l) and m with ℓ = 1 (lmerTest's
/// `get_KR1D`); the ANOVA rows use the scaled F (lmerTest's `contestMD`).
///
/// **Computation.** Everything is built from the model's sparse factor of Λ'Z'ZΛ + I at θ̂:
/// no n × n (or q × q) matrix is formed. The traces tr(V⁻¹G_rV⁻¹G_s) are exact: q-dimensional
/// identities through Woodbury, evaluated in panels of 128 columns (`KenwardRogerTraces`) at
/// O(q · nnz(L)) for the CHOLMOD solves, O(q · nnz(Z'Z)) for sparse products and O(q²) for the
/// sums; P and Q need only p-column solves. InstEval's `y ~ service + (1|s) + (1|d) +
/// (1|dept:service)` (q = 4,128) takes about 2 s, where pbkrtest's dense n × n algebra cannot run.
public struct KenwardRogerApproximation: Sendable {
    /// Fixed-effect names.
    public let names: [String]
    /// Fixed-effect estimates β̂.
    public let beta: [Double]
    /// Φ = vcov(β̂) at the optimum.
    public let covariance: DenseMatrix
    /// The Kenward-Roger adjusted covariance Φ_A (pbkrtest's `vcovAdj`).
    public let adjustedCovariance: DenseMatrix
    /// Residual standard deviation.
    public let sigma: Double
    /// Names of the variance parameters γ (θ's names for the covariance entries, then `Residual`).
    public let parameterNames: [String]
    /// The variance parameters γ (entries of σ²ΛΛ' for each θ position, then σ²).
    public let parameters: [Double]
    /// P_r = −X'V⁻¹G_rV⁻¹X, one per variance parameter.
    public let derivatives: [DenseMatrix]
    /// I_rs = tr(ΠG_rΠG_s) (twice the expected REML information).
    public let information: DenseMatrix
    /// W = 2I⁻¹, the asymptotic covariance of γ̂.
    public let varianceParameterCovariance: DenseMatrix
    /// Warnings (e.g. a singular information matrix).
    public let warnings: [String]
    /// Wall-clock seconds: the traces and q-space work, and the whole computation.
    public let seconds: (traces: Double, total: Double)

    /// Computes Φ_A and the pieces the tests need at the fit's optimum. The model's factor is left at θ̂.
    /// - Throws: for ML fits (Kenward-Roger is defined for REML), non-Gaussian fits and prior weights.
    public init(model: LinearMixedModel, fit: MixedModelFit) throws {
        try self.init(model: model, fit: fit, panelBudget: 1 << 21)
    }

    /// As `init(model:fit:)`, with the size of the panels of the trace computation (doubles per
    /// panel matrix; tests use small panels to exercise the panel boundaries).
    init(model: LinearMixedModel, fit: MixedModelFit, panelBudget: Int) throws {
        guard model.criterion == .reml else {
            throw ModelError.invalidOption("Kenward-Roger's method needs a REML fit; drop --ml")
        }
        guard let sigma = fit.sigma else { throw ModelError.invalidOption("Kenward-Roger's method needs a Gaussian model") }
        guard model.design.weights == nil else {
            throw ModelError.invalidOption("Kenward-Roger's method is not available with prior weights (pbkrtest's residual covariance is σ²I)")
        }
        let p = fit.fixedEffects.count
        names = fit.fixedEffectNames
        beta = fit.fixedEffects
        self.sigma = sigma
        let phi = DenseMatrix(rows: p, columns: p, values: fit.covariance)
        covariance = phi
        let start = monotonicSeconds()
        _ = try fit.theta.withUnsafeBufferPointer { try model.components($0) }
        let tr = try KenwardRogerTraces(system: model.system, panelBudget: panelBudget)
        let tracesDone = monotonicSeconds()
        let m = tr.parameters.count
        let s2 = sigma * sigma
        // γ and its names
        var gamma = [Double]()
        for r in tr.parameters {
            if let t = r.term {
                let k = model.factor.covariance[t].size
                let lam = model.factor.lambda(ofTerm: t)
                var v = 0.0
                for c in 0..<k { v += lam[r.row + c * k] * lam[r.column + c * k] }
                gamma.append(s2 * v)
            } else {
                gamma.append(s2)
            }
        }
        parameters = gamma
        parameterNames = model.design.thetaNames + ["Residual"]

        // P, Q and the traces on V's scale: V⁻¹ = σ⁻²Ṽ⁻¹
        let s4 = s2 * s2, s6 = s4 * s2
        let pr = tr.first.map { $0.krScaled(-1 / s4) }
        func q(_ r: Int, _ s: Int) -> DenseMatrix { r <= s ? tr.second[r][s].krScaled(1 / s6) : tr.second[s][r].krScaled(1 / s6).transposed }
        var info = DenseMatrix(rows: m, columns: m)
        let phiP = pr.map { phi * $0 }
        for r in 0..<m {
            for s in r..<m {
                let v = tr.traces[r, s] / s4 - 2 * phi.krFrobenius(q(r, s)) + phiP[r].krTraceOfProduct(phiP[s])
                info[r, s] = v
                info[s, r] = v
            }
        }
        information = info
        // W = 2 I⁻¹ (pbkrtest: solve when min |eigenvalue| > 1e-10, MASS::ginv otherwise)
        let (w, v) = info.symmetricEigen()
        let condition = w.map { abs($0) }.min() ?? 0
        var warnings = [String]()
        var cov = DenseMatrix(rows: m, columns: m)
        let top = w.map { abs($0) }.max() ?? 0
        let generalised = !(condition > 1e-10)
        if generalised {
            warnings.append("the information matrix of the variance parameters is singular (smallest |eigenvalue| \(RNumberFormat.printf("%.1e", condition))): using its generalised inverse")
        }
        for k in 0..<m where !generalised || abs(w[k]) > 1.4901161193847656e-08 * top {
            for i in 0..<m { for j in 0..<m { cov[i, j] += 2 * v[i, k] * v[j, k] / w[k] } }
        }
        varianceParameterCovariance = cov
        // Φ_A = Φ + 2Φ U Φ,  U = Σ_rs W_rs (Q_rs − P_rΦP_s)
        var u = DenseMatrix(rows: p, columns: p)
        for r in 0..<m {
            for s in 0..<m where cov[r, s] != 0 {
                let term = q(r, s).krAdding(pr[r] * phi * pr[s], times: -1)
                for k in 0..<(p * p) { u.values[k] += cov[r, s] * term.values[k] }
            }
        }
        var adjusted = phi.krAdding(phi * u * phi, times: 2)
        for i in 0..<p { for j in 0..<i { let a = 0.5 * (adjusted[i, j] + adjusted[j, i]); adjusted[i, j] = a; adjusted[j, i] = a } }
        adjustedCovariance = adjusted
        derivatives = pr
        self.warnings = warnings
        seconds = (tracesDone - start, monotonicSeconds() - start)
    }

    /// The Kenward-Roger statistics of one hypothesis Lβ = 0 (pbkrtest's `.KR_adjust`).
    public struct Statistics: Sendable, Equatable {
        /// Numerator degrees of freedom ℓ (the rank of L).
        public var numeratorDF: Double
        /// Denominator degrees of freedom m.
        public var denominatorDF: Double
        /// The scaled statistic F* = λF.
        public var F: Double
        /// The unscaled Wald statistic F = (Lβ̂)'(LΦ_AL')⁻¹(Lβ̂)/ℓ.
        public var unscaledF: Double
        /// The scale λ.
        public var scaling: Double
        /// P(F(ℓ, m) > F*).
        public var p: Double
        /// A₁ = Σ_rs W_rs tr(ΘΦP_rΦ) tr(ΘΦP_sΦ).
        public var a1: Double
        /// A₂ = Σ_rs W_rs tr(ΘΦP_rΦΘΦP_sΦ).
        public var a2: Double
    }

    /// A₁, A₂, ρ and m for contrast rows L of full row rank ℓ (pbkrtest's `Lb_ddf`).
    func denominator(_ l: DenseMatrix) -> (a1: Double, a2: Double, ddf: Double, scaling: Double)? {
        let rows = Double(l.rows)
        guard let middle = (l * covariance * l.transposed).krInverse() else { return nil }
        let theta = l.transposed * middle * l
        let thetaPhi = theta * covariance
        let us = derivatives.map { thetaPhi * $0 * covariance }
        let traces = us.map { $0.krTrace }
        let w = varianceParameterCovariance
        var a1 = 0.0, a2 = 0.0
        for i in us.indices {
            for j in us.indices {
                a1 += w[i, j] * traces[i] * traces[j]
                a2 += w[i, j] * us[i].krTraceOfProduct(us[j])
            }
        }
        let ql = rows
        let b = (a1 + 6 * a2) / (2 * ql)
        let g = ((ql + 1) * a1 - (ql + 4) * a2) / ((ql + 2) * a2)
        let den = 3 * ql + 2 * (1 - g)
        let c1 = g / den, c2 = (ql - g) / den, c3 = (ql + 2 - g) / den
        var v0 = 1 + c1 * b
        let v1 = 1 - c2 * b, v2 = 1 - c3 * b
        if abs(v0) < 1e-10 { v0 = 0 }
        let x = 1 - a2 / ql
        let ratio = abs(x) < 1e-14 && abs(v1) < 1e-14 ? 1 : x / v1
        let rho = 1 / ql * ratio * ratio * v0 / v2
        let ddf = 4 + (ql + 2) / (ql * rho - 1)
        let scaling = abs(ddf - 2) < 0.01 ? 1 : ddf * (1 - a2 / ql) / (ddf - 2)
        return (a1, a2, ddf, scaling)
    }

    /// L reduced to linearly independent rows (the eigenvectors of LΦL' with positive eigenvalues,
    /// as lmerTest's `contestMD`), or L itself when it has full row rank.
    func independentRows(_ l: DenseMatrix) -> DenseMatrix {
        let vl = l * covariance * l.transposed
        let (w, vec) = vl.symmetricEigen()
        let top = w.max() ?? 0
        let keep = (0..<l.rows).filter { w[$0] > max(1.4901161193847656e-08 * top, 0) }.sorted { w[$0] > w[$1] }
        if keep.count == l.rows { return l }
        var out = DenseMatrix(rows: keep.count, columns: l.columns)
        for (r, k) in keep.enumerated() {
            for c in 0..<l.columns { out[r, c] = (0..<l.rows).reduce(0) { $0 + vec[$1, k] * l[$1, c] } }
        }
        return out
    }

    /// The F test of Lβ = 0 (pbkrtest's `KRmodcomp` with a restriction matrix); nil when L is empty
    /// or has rank zero.
    public func statistics(_ contrast: DenseMatrix) -> Statistics? {
        guard contrast.rows > 0 else { return nil }
        let l = independentRows(contrast)
        guard l.rows > 0, let d = denominator(l), let inverse = (l * adjustedCovariance * l.transposed).krInverse() else { return nil }
        let lb = l.times(beta)
        let wald = inverse.quadraticForm(lb)
        let ql = Double(l.rows)
        let fu = wald / ql
        let f = d.scaling * fu
        return Statistics(numeratorDF: ql, denominatorDF: d.ddf, F: f, unscaledF: fu, scaling: d.scaling,
                          p: fUpperTail(f, ql, d.ddf), a1: d.a1, a2: d.a2)
    }

    /// The t test of l'β = 0 with the adjusted standard error √(l'Φ_A l) and Kenward-Roger's
    /// denominator degrees of freedom (lmerTest's `contest1D`).
    public func test(_ l: [Double]) -> ContrastTest {
        let estimate = zip(l, beta).reduce(0) { $0 + $1.0 * $1.1 }
        let se = adjustedCovariance.quadraticForm(l).squareRoot()
        let df = denominator(DenseMatrix(rowArrays: [l], columns: l.count))?.ddf ?? .nan
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
        return FixedEffectTests(method: "Kenward-Roger", df: tests.map { $0.df }, statistic: tests.map { $0.t },
                                p: tests.map { $0.p }, standardErrors: tests.map { $0.standardError })
    }

    /// One ANOVA row for Lβ = 0 as lmerTest's `contestMD` prints it: Mean Sq = F σ² with the
    /// unscaled F, the F value scaled by λ, and the Kenward-Roger denominator df.
    public func fTest(term: String, _ l: DenseMatrix) -> FTest {
        guard let s = statistics(l) else {
            return FTest(term: term, sumOfSquares: nil, meanSquare: nil, numeratorDF: nil, denominatorDF: nil, F: nil, p: nil)
        }
        let ms = s.unscaledF * sigma * sigma
        return FTest(term: term, sumOfSquares: ms * s.numeratorDF, meanSquare: ms, numeratorDF: s.numeratorDF,
                     denominatorDF: s.denominatorDF, F: s.F, p: s.p)
    }

    /// lmerTest's type III ANOVA table with Kenward-Roger's method: one F test per fixed-effects term.
    public func typeIIIAnova(design: MixedModelDesign) throws -> [FTest] {
        try typeIIIContrasts(design: design).map { fTest(term: $0.term, $0.contrast) }
    }
}

/// Small helpers for the p × p algebra above (file-private names, so they cannot clash).
fileprivate extension DenseMatrix {
    /// c·A.
    func krScaled(_ c: Double) -> DenseMatrix { DenseMatrix(rows: rows, columns: columns, values: values.map { $0 * c }) }

    /// A + c·B.
    func krAdding(_ b: DenseMatrix, times c: Double = 1) -> DenseMatrix {
        DenseMatrix(rows: rows, columns: columns, values: zip(values, b.values).map { $0 + c * $1 })
    }

    /// tr(A).
    var krTrace: Double { (0..<min(rows, columns)).reduce(0) { $0 + self[$1, $1] } }

    /// Σ_ij A_ij B_ij = tr(A'B).
    func krFrobenius(_ b: DenseMatrix) -> Double { zip(values, b.values).reduce(0) { $0 + $1.0 * $1.1 } }

    /// tr(AB) for square A and B of the same size.
    func krTraceOfProduct(_ b: DenseMatrix) -> Double {
        var s = 0.0
        for i in 0..<rows { for j in 0..<columns { s += self[i, j] * b[j, i] } }
        return s
    }

    /// The inverse of a square matrix by Gauss-Jordan elimination with partial pivoting (nil if
    /// numerically singular).
    func krInverse() -> DenseMatrix? {
        let n = rows
        var a = self
        var inv = DenseMatrix.identity(n)
        let top = values.map { abs($0) }.max() ?? 0
        for c in 0..<n {
            var piv = c
            for r in c..<n where abs(a[r, c]) > abs(a[piv, c]) { piv = r }
            if !(abs(a[piv, c]) > 1e-14 * top) { return nil }
            if piv != c {
                for j in 0..<n { a.values.swapAt(c + j * n, piv + j * n); inv.values.swapAt(c + j * n, piv + j * n) }
            }
            let d = a[c, c]
            for j in 0..<n { a[c, j] /= d; inv[c, j] /= d }
            for r in 0..<n where r != c {
                let f = a[r, c]
                if f == 0 { continue }
                for j in 0..<n { a[r, j] -= f * a[c, j]; inv[r, j] -= f * inv[c, j] }
            }
        }
        return inv
    }
}
