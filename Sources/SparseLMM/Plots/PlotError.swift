/// Why a diagnostic plot cannot be drawn as asked.
public enum PlotError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The grouping variable is neither a grouping factor of the model nor a column of the data.
    case unknownGroup(String, available: [String])
    /// The column asked for as the x variable does not exist.
    case unknownColumn(String, suggestions: [String])
    /// The column asked for as the x variable is not numeric.
    case nonNumericColumn(String)
    /// A covariate was asked for but no data table was given to read it from.
    case dataRequired(String)
    /// The plot needs the random effects' conditional variances, which the fit did not compute.
    case conditionalVariancesUnavailable(group: String)
    /// The model has no random effects to plot (for this group).
    case noRandomEffects(String)
    /// The fit and the design do not describe the same observations.
    case fitDoesNotMatchDesign(String)
    /// A plot option is out of range.
    case invalidOption(String)
    /// Grouping by colour was asked for with more levels than distinct colours.
    case tooManyGroupsForColours(group: String, levels: Int, maximum: Int)

    /// The message shown to the user.
    public var description: String {
        switch self {
        case .unknownGroup(let name, let available):
            let list = available.isEmpty ? "" : "; grouping factors and categorical columns: \(available.joined(separator: ", "))"
            return "unknown group '\(name)'\(list)"
        case .unknownColumn(let name, let suggestions):
            return "unknown column '\(name)'" + (suggestions.isEmpty ? "" : "; did you mean \(suggestions.map { "'\($0)'" }.joined(separator: " or "))?")
        case .nonNumericColumn(let name):
            return "the column '\(name)' is not numeric and cannot be the x axis"
        case .dataRequired(let what):
            return "\(what) needs the data table"
        case .conditionalVariancesUnavailable(let group):
            return "the conditional variances of the random effects for '\(group)' were not computed (the model is too large for them to be computed automatically); a caterpillar plot needs them"
        case .noRandomEffects(let what):
            return "no random effects to plot for \(what)"
        case .fitDoesNotMatchDesign(let why):
            return "the fit does not match the model design: \(why)"
        case .invalidOption(let why):
            return why
        case .tooManyGroupsForColours(let group, let levels, let maximum):
            return "'\(group)' has \(levels) levels, more than the \(maximum) distinct colours available; use panels instead"
        }
    }
}
