/// Problems with a model specification or with the data it is applied to.
/// Every message names the column, term or option at fault and what to do.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// A column named in the formula or an option is not in the data; `suggestions` are the
    /// closest column names, `context` where it was named ("the formula", "--weights").
    case unknownColumn(String, suggestions: [String], context: String)
    /// The formula has no left side.
    case missingResponse
    /// The response of a Gaussian model is categorical.
    case categoricalResponse(String)
    /// A categorical column is used inside arithmetic (`log(group)`, `x * 2` on a factor).
    case categoricalInArithmetic(variable: String, expression: String)
    /// A variable is infinite in a data row (1-based).
    case nonFiniteValue(variable: String, row: Int)
    /// Every row has a missing value in one of the model's variables.
    case noCompleteRows(variables: [String])
    /// Fewer complete observations than the model needs.
    case tooFewObservations(nobs: Int, needed: Int)
    /// A grouping factor has a single level.
    case groupingFactorOneLevel(group: String)
    /// A Gaussian model's grouping factor has as many levels as observations (lme4's
    /// `nlevels < nobs` check): the random-effects and residual variances are not identifiable.
    case levelsNotFewerThanObservations(group: String, levels: Int, nobs: Int)
    /// A random-effects term has at least as many random effects as observations.
    case tooManyRandomEffects(term: String, count: Int, nobs: Int)
    /// Every observation of the response is the same.
    case constantResponse(String)
    /// A prior weight is missing, negative or zero, in a data row (1-based).
    case invalidWeight(column: String, row: Int, value: Double)
    /// An option is invalid; the message says which and why.
    case invalidOption(String)
    /// A level order names a level that does not occur in the column (`known`: the levels that do).
    case unknownLevel(column: String, level: String, known: [String])
    /// A level order omits a level that occurs in the column.
    case levelMissingFromOrder(column: String, level: String)
    /// The formula has no fixed effects (`0 +` without any predictor).
    case noFixedEffects
    /// The formula has no random-effects term.
    case noRandomEffects
    /// Every fixed-effect column is zero or collinear with earlier ones.
    case allFixedEffectsDropped
    /// The formula calls a function this engine does not evaluate (the message, the character
    /// position in the formula, the formula).
    case unsupportedFunction(String, position: Int, formula: String)
    /// A random-effects term's model matrix is all zero.
    case noRandomEffectsVariance(term: String)
    /// The sparse Cholesky factor would need more memory than the machine has (bytes needed,
    /// bytes available, nonzeros of the factor).
    case insufficientMemory(neededBytes: Double, availableBytes: Double, factorEntries: Double)
    /// The data's sums of squares and cross-products overflow.
    case nonFiniteCrossProducts
    /// The fixed effects reproduce the response exactly (a zero residual sum of squares).
    case perfectFit(String)
    /// The fit produced NaN or infinite estimates.
    case nonFiniteEstimates
    /// The objective could not be computed at any covariance parameters the optimiser tried (the
    /// fixed-effects block of the factor lost positive definiteness in floating point every time);
    /// `predictors` describes the fixed-effect columns far from centred or on a huge scale.
    case objectiveNotComputable(evaluations: Int, predictors: [String])

    /// The message shown to the user: what is wrong and what to do.
    public var description: String {
        switch self {
        case .unknownColumn(let name, let suggestions, let context):
            let hint = suggestions.isEmpty ? "" : " (did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?)"
            return "unknown column '\(name)' in \(context)\(hint)"
        case .missingResponse:
            return "the formula has no response: write it as 'response ~ predictors'"
        case .categoricalResponse(let name):
            return "the response '\(name)' is not numeric: a Gaussian model needs a numeric response (for a two-level factor use --family binomial)"
        case .categoricalInArithmetic(let v, let e):
            return "the column '\(v)' is categorical and cannot be used in the arithmetic of '\(e)'"
        case .nonFiniteValue(let v, let row):
            return "the variable '\(v)' has an infinite value in data row \(row); remove or fix that row"
        case .noCompleteRows(let vars):
            return "no complete observations: every row has a missing value in one of \(vars.map { "'\($0)'" }.joined(separator: ", "))"
        case .tooFewObservations(let n, let needed):
            return "only \(n) complete observation\(n == 1 ? "" : "s"); the model needs at least \(needed)"
        case .groupingFactorOneLevel(let g):
            return "the grouping factor '\(g)' has only one level: a random effect needs at least two groups (drop the term or use a factor with several levels)"
        case .levelsNotFewerThanObservations(let g, let l, let n):
            return "the grouping factor '\(g)' has \(l) levels for \(n) observations: a Gaussian model needs fewer levels than observations, or the random-effects variance and the residual variance cannot be told apart"
        case .tooManyRandomEffects(let term, let q, let n):
            return "the random-effects term '\(term)' has \(q) random effects for \(n) observations (the number of observations must exceed the number of random effects): its variance parameters and the residual variance are unidentifiable; simplify the term"
        case .constantResponse(let name):
            return "the response '\(name)' has zero variance (every observation is the same): there is nothing to model"
        case .invalidWeight(let column, let row, let value):
            return "the weights column '\(column)' has \(value.isNaN ? "a missing" : value < 0 ? "a negative" : "a zero") value (\(RNumberFormat.asCharacter(value))) in data row \(row): weights must be positive"
        case .invalidOption(let m):
            return m
        case .unknownLevel(let column, let level, let known):
            let shown = known.prefix(10).map { "'\($0)'" }.joined(separator: ", ") + (known.count > 10 ? ", …" : "")
            return "the level '\(level)' given for column '\(column)' does not occur in the data (levels: \(shown))"
        case .levelMissingFromOrder(let column, let level):
            return "the level order given for column '\(column)' omits the level '\(level)' that occurs in the data: list every level"
        case .noFixedEffects:
            return "the model has no fixed effects (use '1' for an intercept)"
        case .noRandomEffects:
            return "the formula has no random-effects term such as (1 | group): this engine fits mixed models"
        case .allFixedEffectsDropped:
            return "every fixed-effect column is zero or collinear: the fixed-effects model matrix has rank 0"
        case .unsupportedFunction(let m, let position, let formula):
            return FormulaError(m, at: position, in: formula).description
        case .insufficientMemory(let needed, let available, let entries):
            let gib = { (b: Double) in RNumberFormat.printf("%.1f", b / 1073741824) }
            return "this model needs about \(gib(needed)) GiB for its sparse Cholesky factor (\(RNumberFormat.printf("%.3g", entries)) nonzeros after the fill-reducing ordering); the machine has about \(gib(available)) GiB available. Crossed grouping factors with many levels fill the factor densely: reduce the levels of the smaller crossed factor, or use a machine with more memory"
        case .nonFiniteCrossProducts:
            return "the sums of squares and cross-products of the data overflow (values too large, e.g. beyond 1e150): rescale the response or the covariates"
        case .perfectFit(let name):
            return "the fixed effects reproduce the response '\(name)' exactly (the residual sum of squares is zero): there is no variance left for the random effects and the residuals to explain"
        case .nonFiniteEstimates:
            return "the fit produced non-finite estimates (NaN or infinity): the data are too badly scaled or the model is not identifiable; rescale the variables or simplify the model"
        case .objectiveNotComputable(let evaluations, let predictors):
            let advice = predictors.isEmpty
                ? "center and rescale the predictors, or simplify the random effects"
                : "the predictor\(predictors.count == 1 ? "" : "s") \(predictors.joined(separator: ", ")) \(predictors.count == 1 ? "is" : "are") far from centred or on a huge scale: center \(predictors.count == 1 ? "it" : "them") (subtract a value near the mean) and rescale"
            return "the objective could not be computed at any of the \(evaluations) covariance parameter values the optimiser tried: the fixed-effects cross-products lose positive definiteness in floating point once the random effects are accounted for (lme4 fails here too, with 'Downdated VtV is not positive definite'); \(advice)"
        case .noRandomEffectsVariance(let term):
            return "the random-effects term '\(term)' has an all-zero model matrix"
        }
    }
}
