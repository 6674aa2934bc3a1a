/// Problems with a model specification or with the data it is applied to.
/// Every message names the column, term or option at fault and what to do.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case unknownColumn(String, suggestions: [String], context: String)
    case missingResponse
    case categoricalResponse(String)
    case categoricalInArithmetic(variable: String, expression: String)
    case nonFiniteValue(variable: String, row: Int)
    case noCompleteRows(variables: [String])
    case tooFewObservations(nobs: Int, needed: Int)
    case groupingFactorOneLevel(group: String)
    case levelsNotFewerThanObservations(group: String, levels: Int, nobs: Int)
    case tooManyRandomEffects(term: String, count: Int, nobs: Int)
    case constantResponse(String)
    case invalidWeight(column: String, row: Int, value: Double)
    case invalidOption(String)
    case unknownLevel(column: String, level: String, known: [String])
    case levelMissingFromOrder(column: String, level: String)
    case noFixedEffects
    case noRandomEffects
    case allFixedEffectsDropped
    case unsupportedFunction(String, position: Int, formula: String)
    case noRandomEffectsVariance(term: String)
    case insufficientMemory(neededBytes: Double, availableBytes: Double, factorEntries: Double)
    case nonFiniteCrossProducts
    case perfectFit(String)
    case nonFiniteEstimates

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
        case .noRandomEffectsVariance(let term):
            return "the random-effects term '\(term)' has an all-zero model matrix"
        }
    }
}
