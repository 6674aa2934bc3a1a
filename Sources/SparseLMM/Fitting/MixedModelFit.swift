/// One row of lme4's `VarCorr` (as `as.data.frame(VarCorr(m))`): a variance (`term2` nil) or a
/// covariance with its correlation.
public struct VarCorrEntry: Sendable, Equatable {
    /// The VarCorr group (`Subject`, `Subject.1`, `Residual`).
    public var group: String
    /// The term's column (`(Intercept)`, `Days`); nil for the residual row.
    public var term1: String?
    /// The second column of a covariance row; nil for a variance row.
    public var term2: String?
    /// Variance, or covariance for a covariance row.
    public var variance: Double
    /// Standard deviation (variance rows only).
    public var sd: Double?
    /// Correlation (covariance rows only).
    public var corr: Double?
}

/// The conditional modes of one random-effects term (lme4's `ranef`), with their conditional
/// standard deviations when computed.
public struct RandomEffectsEstimates: Sendable {
    /// The grouping factor's name.
    public var group: String
    /// Level labels.
    public var levels: [String]
    /// Column names of the term.
    public var columns: [String]
    /// Conditional modes b, level by level (ℓ × k, row-major: `values[level * k + column]`).
    public var values: [Double]
    /// Conditional variance matrices (k × k per level, column-major, level by level), if computed.
    public var conditionalVariances: [Double]?

    /// Memberwise initialiser (used by the fitting code of SparseLMM and GLMM).
    public init(group: String, levels: [String], columns: [String], values: [Double], conditionalVariances: [Double]?) {
        self.group = group; self.levels = levels; self.columns = columns; self.values = values
        self.conditionalVariances = conditionalVariances
    }

    /// The conditional mode of `column` for `level`.
    public func value(level: Int, column: Int) -> Double { values[level * columns.count + column] }
}

/// Everything a fitted mixed model reports — lme4's extractors in one value. Immutable and
/// `Sendable`: safe to pass between threads.
public struct MixedModelFit: Sendable {
    /// The model formula, as written.
    public var formula: String
    /// The response's name (the left-hand side of the formula).
    public var responseName: String
    /// `gaussian`, `binomial`, `poisson`, `negative_binomial`.
    public var family: String
    /// The link function's name (`identity`, `logit`, `log`, …).
    public var link: String
    /// `REML`, `ML`, `Laplace` or `AGQ`.
    public var method: String
    /// Quadrature points per random effect: 1 for LMMs and the Laplace approximation.
    public var nAGQ: Int
    /// Number of observations used (rows with missing values omitted).
    public var nobs: Int
    /// Number of levels per grouping factor (lme4's `ngroups`), in term order.
    public var groupCounts: [(name: String, levels: Int)]

    /// What the fit minimised: the REML criterion, or −2 log-likelihood (ML, GLMMs).
    public var objective: Double
    /// The log-likelihood, −objective/2 (the REML log-likelihood for a REML fit, as lme4's `logLik`).
    public var logLik: Double
    /// Number of parameters (fixed effects, covariance parameters, σ or dispersion).
    public var parameterCount: Int
    /// Akaike's information criterion, −2 logLik + 2 · parameterCount.
    public var AIC: Double { -2 * logLik + 2 * Double(parameterCount) }
    /// The Bayesian information criterion, −2 logLik + parameterCount · log(nobs).
    public var BIC: Double { -2 * logLik + Double(parameterCount) * log(Double(nobs)) }
    /// −2 log-likelihood (for a REML fit, lme4's `deviance` is not defined; this is −2 × REML logLik).
    public var deviance: Double { -2 * logLik }
    /// Residual degrees of freedom: nobs − parameterCount.
    public var residualDegreesOfFreedom: Int { nobs - parameterCount }

    /// lme4's names of the covariance parameters θ (`Subject.(Intercept)`, `Subject.Days.(Intercept)`).
    public var thetaNames: [String]
    /// The covariance parameters θ at the optimum: the lower triangles of the relative covariance
    /// factors λ, column by column (lme4's `getME(m, "theta")`).
    public var theta: [Double]
    /// Residual standard deviation (nil for families without one).
    public var sigma: Double?
    /// Names of the fixed effects, R's column names of X (dropped columns excluded).
    public var fixedEffectNames: [String]
    /// β̂.
    public var fixedEffects: [Double]
    /// Standard errors of β̂.
    public var standardErrors: [Double]
    /// vcov(β̂), p × p column-major.
    public var covariance: [Double]
    /// lme4's `VarCorr` rows: per block its variances, then its covariances; then the residual row
    /// (LMMs only).
    public var varCorr: [VarCorrEntry]
    /// The conditional modes of the random effects (lme4's `ranef`), one entry per term.
    public var randomEffects: [RandomEffectsEstimates]
    /// Negative-binomial shape θ (lme4's `glmer.nb` theta).
    public var negativeBinomialTheta: Double?

    /// Response values (for binomial, the observed proportion).
    public var response: [Double]
    /// Fitted values on the response scale.
    public var fitted: [Double]
    /// The linear predictor η (GLMMs; equal to `fitted` for Gaussian models).
    public var linearPredictor: [Double]
    /// Response residuals y − μ.
    public var residuals: [Double]
    /// Pearson residuals.
    public var pearsonResiduals: [Double]
    /// Deviance residuals (GLMMs; response residuals for Gaussian models).
    public var devianceResiduals: [Double]
    /// Working residuals (y − μ)/(dμ/dη) (response residuals for Gaussian models).
    public var workingResiduals: [Double]
    /// Prior weights, if given (for a binomial response, the numbers of trials).
    public var weights: [Double]?
    /// The data column the prior weights came from (nil when none was named; the summary prints
    /// it on its `Weights:` line, as lme4 prints the `weights` argument).
    public var weightsColumn: String?

    /// Whether the optimiser reported convergence.
    public var converged: Bool
    /// A boundary (singular) fit: some diagonal element of λ is below 10⁻⁴ (lme4's `isSingular`).
    public var singular: Bool
    /// Fixed-effect columns dropped because they are linearly dependent on earlier columns.
    public var droppedColumns: [String]
    /// Data rows omitted for missing values (1-based).
    public var omittedRows: [Int]
    /// Objective evaluations.
    public var evaluations: Int
    /// Wall time of the fit alone, seconds.
    public var fitSeconds: Double
    /// The optimiser's own account of why it stopped (empty when no optimisation ran).
    public var optimizerMessage: String
    /// Warnings, as lme4 gives them (the design's, a singular fit, non-convergence).
    public var warnings: [String]
    /// Notes printed as lme4 prints messages (rank deficiency, singular fit).
    public var messages: [String]
    /// How the optimiser was chosen (e.g. "BOBYQA (derivative-free), 3 parameters").
    public var optimizerReport: String

    /// Memberwise initialiser (used by the fitting code of SparseLMM and GLMM).
    public init(formula: String, responseName: String, family: String, link: String, method: String, nAGQ: Int, nobs: Int, groupCounts: [(name: String, levels: Int)], objective: Double, logLik: Double, parameterCount: Int, thetaNames: [String], theta: [Double], sigma: Double?, fixedEffectNames: [String], fixedEffects: [Double], standardErrors: [Double], covariance: [Double], varCorr: [VarCorrEntry], randomEffects: [RandomEffectsEstimates], negativeBinomialTheta: Double?, response: [Double], fitted: [Double], linearPredictor: [Double], residuals: [Double], pearsonResiduals: [Double], devianceResiduals: [Double], workingResiduals: [Double], weights: [Double]?, converged: Bool, singular: Bool, droppedColumns: [String], omittedRows: [Int], evaluations: Int, fitSeconds: Double, optimizerMessage: String, warnings: [String], messages: [String], optimizerReport: String) {
        self.formula = formula
        self.responseName = responseName
        self.family = family
        self.link = link
        self.method = method
        self.nAGQ = nAGQ
        self.nobs = nobs
        self.groupCounts = groupCounts
        self.objective = objective
        self.logLik = logLik
        self.parameterCount = parameterCount
        self.thetaNames = thetaNames
        self.theta = theta
        self.sigma = sigma
        self.fixedEffectNames = fixedEffectNames
        self.fixedEffects = fixedEffects
        self.standardErrors = standardErrors
        self.covariance = covariance
        self.varCorr = varCorr
        self.randomEffects = randomEffects
        self.negativeBinomialTheta = negativeBinomialTheta
        self.response = response
        self.fitted = fitted
        self.linearPredictor = linearPredictor
        self.residuals = residuals
        self.pearsonResiduals = pearsonResiduals
        self.devianceResiduals = devianceResiduals
        self.workingResiduals = workingResiduals
        self.weights = weights
        self.converged = converged
        self.singular = singular
        self.droppedColumns = droppedColumns
        self.omittedRows = omittedRows
        self.evaluations = evaluations
        self.fitSeconds = fitSeconds
        self.optimizerMessage = optimizerMessage
        self.warnings = warnings
        self.messages = messages
        self.optimizerReport = optimizerReport
    }

    /// β̂ by name.
    public func fixedEffect(_ name: String) -> Double? {
        fixedEffectNames.firstIndex(of: name).map { fixedEffects[$0] }
    }

    /// Scaled residuals (Pearson residuals / σ), as in lme4's summary.
    public var scaledResiduals: [Double] {
        let s = sigma ?? 1
        return pearsonResiduals.map { $0 / s }
    }

    /// The correlation matrix of β̂ (p × p, column-major).
    public var fixedEffectCorrelation: [Double] {
        let p = fixedEffects.count
        var c = covariance
        for i in 0..<p { for j in 0..<p { c[i + j * p] = covariance[i + j * p] / (standardErrors[i] * standardErrors[j]) } }
        return c
    }

    /// lme4's `coef`: per level of each grouping factor, fixed effects plus that level's random
    /// effects (columns of the term that are also fixed effects), keyed by group.
    public func coefficients() -> [(group: String, levels: [String], names: [String], values: [[Double]])] {
        var out = [(group: String, levels: [String], names: [String], values: [[Double]])]()
        var seen = [String: Int]()
        for re in randomEffects {
            let idx: Int
            if let k = seen[re.group] { idx = k } else {
                seen[re.group] = out.count
                idx = out.count
                out.append((re.group, re.levels, fixedEffectNames, re.levels.map { _ in fixedEffects }))
            }
            for (c, col) in re.columns.enumerated() {
                var j = out[idx].names.firstIndex(of: col)
                if j == nil {
                    out[idx].names.append(col)
                    for l in out[idx].values.indices { out[idx].values[l].append(0) }
                    j = out[idx].names.count - 1
                }
                for l in re.levels.indices { out[idx].values[l][j!] += re.value(level: l, column: c) }
            }
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
