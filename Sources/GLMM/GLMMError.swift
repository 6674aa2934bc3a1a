/// Problems specific to generalized linear mixed models; each message says what is wrong, where,
/// and what to do.
public enum GLMMError: Error, Equatable, CustomStringConvertible {
    /// The family does not support the link (`allowed` lists the ones it does).
    case invalidLink(family: String, link: String, allowed: [String])
    /// A binomial response outside [0, 1] (data row, 1-based).
    case binomialResponseOutOfRange(row: Int, value: Double)
    /// A binomial proportion other than 0 or 1 without the trials given as weights.
    case binomialNeedsTrials(row: Int, value: Double)
    /// A negative Poisson or negative-binomial count.
    case negativeCount(response: String, row: Int, value: Double)
    /// A Poisson or negative-binomial count that is not a whole number.
    case nonIntegerCount(response: String, row: Int, value: Double)
    /// A negative entry in `cbind(successes, failures)`.
    case negativeSuccessesOrFailures(row: Int, successes: Double, failures: Double)
    /// A binomial row with no trials (successes + failures = 0).
    case zeroTrials(row: Int)
    /// A number of successes (proportion × trials, or a `cbind` entry) that is not a whole number.
    case nonIntegerTrials(row: Int, value: Double)
    /// A number of failures (the second entry of `cbind`) that is not a whole number.
    case nonIntegerFailures(row: Int, value: Double)
    /// Both `cbind(successes, failures)` and prior weights for a binomial response.
    case weightsWithCountsResponse
    /// A categorical response for a count family (the response's name).
    case categoricalCountResponse(String)
    /// PIRLS did not converge within its iteration limit.
    case pirlsDidNotConverge(iterations: Int)
    /// PIRLS step-halving could not reduce the penalised deviance.
    case pirlsStepHalvingFailed
    /// nAGQ > 1 for a model other than one scalar random-effects term.
    case quadratureNeedsOneScalarTerm(terms: Int, columns: Int)
    /// nAGQ outside 1…100.
    case invalidQuadraturePoints(Int)
    /// No finite deviance was reached (the deviance is not finite at the starting values).
    case nonFiniteDeviance

    public var description: String {
        switch self {
        case .invalidLink(let f, let l, let allowed):
            return "the \(f) family does not support the '\(l)' link (supported: \(allowed.joined(separator: ", ")))"
        case .binomialResponseOutOfRange(let row, let v):
            return "binomial response out of range in data row \(row): \(v); it must be 0/1, a proportion in [0, 1] with --weights giving the trials, a two-level factor, or cbind(successes, failures)"
        case .binomialNeedsTrials(let row, let v):
            return "binomial response \(v) in data row \(row) is a proportion, not 0 or 1: give the number of trials with --weights (or write cbind(successes, failures))"
        case .negativeCount(let r, let row, let v):
            return "the count response '\(r)' is negative (\(v)) in data row \(row): Poisson and negative binomial responses must be counts ≥ 0"
        case .nonIntegerCount(let r, let row, let v):
            return "the count response '\(r)' is not a whole number (\(v)) in data row \(row): Poisson and negative binomial responses must be counts"
        case .negativeSuccessesOrFailures(let row, let s, let f):
            return "cbind(successes, failures) has a negative entry in data row \(row) (successes \(s), failures \(f)): are there more successes than trials?"
        case .zeroTrials(let row):
            return "data row \(row) has no trials (successes + failures = 0, or a zero weight): remove the row"
        case .nonIntegerTrials(let row, let v):
            return "the number of successes (\(v)) in data row \(row) is not a whole number: the binomial response times the trials must be a count"
        case .nonIntegerFailures(let row, let v):
            return "the number of failures (\(v)) in data row \(row) is not a whole number: cbind(successes, failures) needs counts"
        case .weightsWithCountsResponse:
            return "use either cbind(successes, failures) or a proportion with --weights for a binomial response, not both"
        case .categoricalCountResponse(let r):
            return "the response '\(r)' is categorical: Poisson and negative binomial responses must be numeric counts"
        case .pirlsDidNotConverge(let it):
            return "PIRLS (penalised iteratively reweighted least squares) did not converge in \(it) iterations: the model may be too complex for the data, or a fixed effect may be separating the response"
        case .pirlsStepHalvingFailed:
            return "PIRLS step-halvings failed to reduce the penalised deviance: the model may be unidentifiable (complete separation?) or badly scaled"
        case .quadratureNeedsOneScalarTerm(let t, let c):
            return "adaptive Gauss-Hermite quadrature (--nagq > 1) needs exactly one random-effects term with one column, like (1 | g); this model has \(t) term\(t == 1 ? "" : "s") with \(c) column\(c == 1 ? "" : "s") in all: use --nagq 1 (Laplace)"
        case .invalidQuadraturePoints(let n):
            return "--nagq must be between 1 and 100, got \(n)"
        case .nonFiniteDeviance:
            return "the deviance is not finite at the starting values: check the response and the link"
        }
    }
}
