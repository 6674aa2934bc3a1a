import CSparseShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic wall-clock seconds.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
}

/// When to compute the conditional variances of the random effects (lme4's `condVar`).
public enum ConditionalVarianceMode: Sendable {
    /// Always.
    case always
    /// Never (call `conditionalVariances()` later if needed).
    case never
    /// When the work is small (q solves with the factor under about 2·10⁹ flops).
    case automatic
}

extension LinearMixedModel {
    /// Fits the model as `lmer` does: minimises the profiled criterion over θ with BOBYQA from
    /// lme4's start (`thetaStart`), restarts once when a parameter on its bound has a negative
    /// forward difference (lme4's `restart_edge`), moves parameters within 10⁻⁵ of their bound
    /// onto it when that lowers the objective (`check.boundary`), and computes every quantity
    /// lme4 reports at the optimum.
    /// - Parameters:
    ///   - optimizer: BOBYQA's settings (lme4's by default; the quasi-Newton path tightens its own).
    ///   - start: the starting θ (lme4's `thetaStart` when nil).
    ///   - conditionalVariances: when to compute the conditional variances of the random effects.
    /// - Throws: `ModelError.nonFiniteEstimates`; `ModelError.objectiveNotComputable` when no θ the
    ///   optimiser tried gave a finite objective; the optimiser's and the factorisation's errors.
    public func fit(optimizer: BoundedOptimizer = BoundedOptimizer(), start: [Double]? = nil,
                    conditionalVariances: ConditionalVarianceMode = .automatic) throws -> MixedModelFit {
        let t0 = monotonicSeconds()
        evaluationCount = 0
        let (theta, result) = try optimizeTheta(optimizer: optimizer, start: start)
        let evaluations = evaluationCount
        // every evaluation failed (a failed factorisation reads +∞ to the optimiser): say why,
        // rather than let the results at the start report a bare "not positive definite"
        guard result.value < .greatestFiniteMagnitude else {
            throw ModelError.objectiveNotComputable(evaluations: evaluations, predictors: badlyScaledPredictors())
        }
        var fit = try results(theta: theta, conditionalVariances: conditionalVariances)
        fit.evaluations = evaluations
        fit.converged = result.converged
        fit.optimizerMessage = result.message
        let count = "\(theta.count) covariance parameter\(theta.count == 1 ? "" : "s")"
        fit.optimizerReport = usesGradient
            ? "L-BFGS with the analytic gradient (NLopt), \(count): many parameters, where a quasi-Newton method needs fewer evaluations"
            : "BOBYQA (derivative-free, NLopt, lme4's settings), \(count)"
        if !result.converged {
            fit.warnings.append("the optimiser did not converge: \(result.message) after \(evaluations) evaluations")
        }
        fit.fitSeconds = monotonicSeconds() - t0
        return fit
    }

    /// Fixed-effect columns whose mean is more than 1000 standard deviations from zero or whose
    /// values reach 1e6 in absolute value, each as "'name' (mean m, sd s)".
    func badlyScaledPredictors() -> [String] {
        var out = [String]()
        let x = design.X
        for (j, name) in design.fixedEffectNames.enumerated() {
            let column = x[(j * n)..<((j + 1) * n)]
            let mean = column.reduce(0, +) / Double(n)
            let sd = (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(n - 1, 1))).squareRoot()
            guard sd > 0 else { continue }   // the intercept
            let largest = column.reduce(0) { max($0, abs($1)) }
            if abs(mean) > 1e3 * sd || largest >= 1e6 {
                out.append("'\(name)' (mean \(RNumberFormat.printf("%.3g", mean)), sd \(RNumberFormat.printf("%.3g", sd)))")
            }
        }
        return out
    }

    /// The optimisation of `fit` without the reporting: BOBYQA from `start` (lme4's start when
    /// nil), lme4's `restart_edge` and `check.boundary`. Returns the optimum θ and the optimiser's
    /// result (its `x` may differ from θ when a boundary check moved a parameter).
    public func optimizeTheta(optimizer: BoundedOptimizer = BoundedOptimizer(), start: [Double]? = nil) throws
        -> (theta: [Double], result: OptimizerResult) {
        let lower = thetaLowerBounds
        let upper = [Double](repeating: .infinity, count: lower.count)
        var result: OptimizerResult = try minimizeTheta(optimizer: optimizer, start: start ?? thetaStart, lower: lower, upper: upper)
        let diagonal = factor.covariance.flatMap { $0.isDiagonal }
        var theta = result.x
        // lme4's restart_edge: if a parameter sits on its bound and the objective decreases as it
        // leaves the bound (forward difference with step 1e-5), optimise again from the optimum
        let boundary = diagonal.indices.filter { diagonal[$0] && theta[$0] == lower[$0] }
        if !boundary.isEmpty {
            let f0 = try objective(theta)
            var decreasing = false
            for i in boundary {
                var trial = theta
                trial[i] = lower[i] + 1e-5
                if (try objective(trial) - f0) / 1e-5 < 0 { decreasing = true }
            }
            if decreasing {
                let again = try minimizeTheta(optimizer: optimizer, start: theta, lower: lower, upper: upper)
                result = again
                theta = again.x
            }
        }
        // lme4's check.boundary: parameters within 1e-5 of their bound go to the bound when that
        // lowers the objective
        var best = try objective(theta)
        for i in diagonal.indices where diagonal[i] && theta[i] > lower[i] && theta[i] - lower[i] < 1e-5 {
            var trial = theta
            trial[i] = lower[i]
            let f = try objective(trial)
            if f < best { theta = trial; best = f }
        }
        return (theta, result)
    }

    /// One minimisation over θ, derivative-free or with the analytic gradient (`usesGradient`).
    func minimizeTheta(optimizer: BoundedOptimizer, start: [Double], lower: [Double], upper: [Double]) throws -> OptimizerResult {
        guard usesGradient else {
            return try optimizer.minimize(start: start, lower: lower, upper: upper) { [unowned self] in try self.objectiveValue($0) }
        }
        var settings = optimizer
        settings.relativeFunctionTolerance = 1e-13
        settings.absoluteFunctionTolerance = 0
        settings.absoluteParameterTolerance = 1e-10
        // Unconstrained, as MixedModels.jl optimises: Σ = σ²λλ' does not change when a column of λ
        // changes sign, so the bounds on the diagonal are not needed during the search, and without
        // them the search can pass through zero instead of sticking to a corner of the box.
        let free = [Double](repeating: -.infinity, count: start.count)
        var result = try settings.minimizeWithGradient(start: start, lower: free, upper: upper) { [unowned self] x, g in
            try self.objectiveAndGradientValue(x, gradient: g)
        }
        result.x = canonicalTheta(result.x)
        if !result.converged {
            // L-BFGS stops "round-off limited" when it cannot improve further: accept the point if
            // its gradient is negligible
            let (_, g) = try objectiveAndGradient(result.x)
            let projected = g.indices.map { k in result.x[k] <= lower[k] && g[k] > 0 ? 0 : abs(g[k]) }
            if (projected.max() ?? 0) < 1e-4 { result.converged = true }
        }
        return result
    }

    /// θ with every column of each λ whose diagonal is negative multiplied by −1 (the same Σ):
    /// lme4's canonical form, non-negative diagonals.
    public func canonicalTheta(_ theta: [Double]) -> [Double] {
        var out = theta
        var offset = 0
        for cov in factor.covariance {
            let positions = cov.positions
            for (k, pos) in positions.enumerated() where pos.row == pos.column && out[offset + k] < 0 {
                for (m, other) in positions.enumerated() where other.column == pos.column { out[offset + m] = -out[offset + m] }
            }
            offset += positions.count
        }
        return out
    }

    /// The estimates at θ without the rest of `results(theta:)`: the objective, β̂(θ) and σ̂(θ)
    /// (REML or ML as the model's criterion). Cheap: no O(n) work beyond the solve for β.
    public func estimates(theta: [Double]) throws -> (objective: Double, beta: [Double], sigma: Double) {
        let comp = try theta.withUnsafeBufferPointer { try components($0) }
        let (beta, _, _) = try system.solution()
        let nn = Double(n)
        let sigma = (comp.pwrss / (criterion == .reml ? nn - Double(p) : nn)).squareRoot()
        return (criterionValue(comp), beta, sigma)
    }

    /// Every quantity lme4 reports, at a given θ (the optimum, or any θ for profiling).
    public func results(theta: [Double], conditionalVariances mode: ConditionalVarianceMode = .automatic) throws -> MixedModelFit {
        let comp = try theta.withUnsafeBufferPointer { try components($0) }
        let objective = criterionValue(comp)
        let (beta, _, b) = try system.solution()
        let nn = Double(n)
        let sigma2 = comp.pwrss / (criterion == .reml ? nn - Double(p) : nn)
        let sigma = sigma2.squareRoot()
        // vcov(β̂) = σ² (R_X R_X')⁻¹
        let vcov = try system.unscaledFixedEffectsCovariance().map { $0 * sigma2 }
        let se = (0..<p).map { vcov[$0 + $0 * p].squareRoot() }

        // fitted values and residuals
        var fitted = system.zTimes(b)
        let xb = system.xTimes(beta)
        for i in 0..<n { fitted[i] += xb[i] }
        if let off = design.offset { for i in 0..<n { fitted[i] += off[i] } }
        guard case .numeric(let yRaw) = design.response else { fatalError("checked in init") }
        let resid = (0..<n).map { yRaw[$0] - fitted[$0] }
        let pearson = design.weights.map { w in (0..<n).map { resid[$0] * w[$0].squareRoot() } } ?? resid

        // random effects and their conditional variances
        let condVar = mode == .never ? nil : try system.conditionalCovariances(scale: sigma2, force: mode == .always)
        var estimates = [RandomEffectsEstimates]()
        var offset = 0
        for (t, term) in design.terms.enumerated() {
            let count = term.randomEffectCount
            estimates.append(RandomEffectsEstimates(group: term.factor.name, levels: term.factor.levels, columns: term.columnNames,
                                                    values: Array(b[offset..<(offset + count)]),
                                                    conditionalVariances: condVar?[t]))
            offset += count
        }

        let singular = zip(theta, factor.covariance.flatMap { $0.isDiagonal }).contains { $1 && $0 < 1e-4 }
        var messages = [String]()
        var warnings = [String]()
        if !design.droppedColumns.isEmpty {
            let k = design.droppedColumns.count
            messages.append("fixed-effect model matrix is rank deficient so dropping \(k) column\(k == 1 ? "" : "s") / coefficient\(k == 1 ? "" : "s")")
        }
        if singular {
            messages.append("boundary (singular) fit: see help('isSingular')")
            warnings.append("boundary (singular) fit: see help('isSingular')")
        }
        let npar = p + theta.count + 1
        warnings = design.warnings + warnings
        guard objective.isFinite, sigma.isFinite, beta.allSatisfy({ $0.isFinite }), se.allSatisfy({ $0.isFinite }),
              theta.allSatisfy({ $0.isFinite }) else {
            throw ModelError.nonFiniteEstimates
        }
        var fit = MixedModelFit(
            formula: design.formula.text, responseName: design.responseName, family: "gaussian", link: "identity",
            method: criterion.rawValue, nAGQ: 1, nobs: n, groupCounts: design.groupCounts,
            objective: objective, logLik: -objective / 2, parameterCount: npar,
            thetaNames: design.thetaNames, theta: theta, sigma: sigma,
            fixedEffectNames: design.fixedEffectNames, fixedEffects: beta, standardErrors: se, covariance: vcov,
            varCorr: varCorr(theta: theta, sigma: sigma, residual: true),
            randomEffects: estimates, negativeBinomialTheta: nil,
            response: yRaw, fitted: fitted, linearPredictor: fitted, residuals: resid,
            pearsonResiduals: pearson, devianceResiduals: resid, workingResiduals: resid, weights: design.weights,
            converged: true, singular: singular, droppedColumns: design.droppedColumns, omittedRows: design.omittedRows,
            evaluations: evaluationCount, fitSeconds: 0, optimizerMessage: "", warnings: warnings, messages: messages,
            optimizerReport: "")
        fit.weightsColumn = design.options.weightsColumn
        return fit
    }

    /// lme4's VarCorr rows for θ and σ: per block, the variances, then the covariances with their
    /// correlations; then the residual row when asked.
    public func varCorr(theta: [Double], sigma: Double, residual: Bool) -> [VarCorrEntry] {
        design.varCorr(theta: theta, sigma: sigma, residual: residual)
    }

}

extension MixedModelDesign {
    /// lme4's VarCorr rows for θ and a scale σ (σ = 1 for binomial and Poisson models).
    public func varCorr(theta: [Double], sigma: Double, residual: Bool) -> [VarCorrEntry] {
        var rows = [VarCorrEntry]()
        var offset = 0
        for term in terms {
            let cov = CovarianceFactor(size: term.columnCount, blocks: term.blocks.map { $0.columns })
            let th = Array(theta[offset..<(offset + cov.parameterCount)])
            offset += cov.parameterCount
            let s = cov.relativeCovariance(th)
            let k = term.columnCount
            for block in term.blocks {
                let cols = Array(block.columns)
                for c in cols {
                    let v = sigma * sigma * s[c + c * k]
                    rows.append(VarCorrEntry(group: block.name, term1: term.columnNames[c], term2: nil, variance: v, sd: v.squareRoot(), corr: nil))
                }
                for (ai, a) in cols.enumerated() {
                    for bcol in cols[(ai + 1)...] {
                        let cv = sigma * sigma * s[a + bcol * k]
                        let denom = (s[a + a * k] * s[bcol + bcol * k]).squareRoot()
                        rows.append(VarCorrEntry(group: block.name, term1: term.columnNames[a], term2: term.columnNames[bcol],
                                                 variance: cv, sd: nil, corr: denom > 0 ? s[a + bcol * k] / denom : .nan))
                    }
                }
            }
        }
        if residual {
            rows.append(VarCorrEntry(group: "Residual", term1: nil, term2: nil, variance: sigma * sigma, sd: sigma, corr: nil))
        }
        return rows
    }
}

extension LinearMixedModel {
    /// One call, as `lmer(formula, data, REML = …)`: builds the design, the model, and fits it.
    public static func fit(_ formula: String, data: DataTable, criterion: Criterion = .reml,
                           options: DataOptions = DataOptions()) throws -> MixedModelFit {
        let design = try MixedModelDesign(formula: formula, data: data, options: options)
        return try LinearMixedModel(design: design, criterion: criterion).fit()
    }
}
