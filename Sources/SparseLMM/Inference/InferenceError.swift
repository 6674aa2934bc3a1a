/// Why a confidence interval, profile, simulation or bootstrap cannot be computed as asked.
public enum InferenceError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A confidence level outside (0, 1).
    case invalidLevel(Double)
    /// A number of simulations below 1.
    case invalidSimulationCount(Int)
    /// A number of workers below 1.
    case invalidWorkerCount(Int)
    /// No parameter of the model has the given name.
    case unknownParameter(String, known: [String])
    /// Every bootstrap refit failed; the message of the first failure.
    case allRefitsFailed(count: Int, firstError: String)
    /// The model cannot be simulated from (why).
    case cannotSimulate(String)
    /// The fit does not belong to the model or design it was given with.
    case fitDoesNotMatchModel(String)
    /// The likelihood profile could not be computed (why).
    case profileFailed(parameter: String, reason: String)

    public var description: String {
        switch self {
        case .invalidLevel(let l):
            return "the confidence level must be between 0 and 1 (exclusive), got \(l)"
        case .invalidSimulationCount(let n):
            return "the number of simulations must be at least 1, got \(n)"
        case .invalidWorkerCount(let n):
            return "the number of workers must be at least 1, got \(n)"
        case .unknownParameter(let name, let known):
            return "unknown parameter '\(name)'; parameters: \(known.joined(separator: ", "))"
        case .allRefitsFailed(let count, let first):
            return "all \(count) bootstrap refits failed; the first failed with: \(first)"
        case .cannotSimulate(let why):
            return "cannot simulate from the model: \(why)"
        case .fitDoesNotMatchModel(let why):
            return "the fit does not belong to this model: \(why)"
        case .profileFailed(let name, let why):
            return "the likelihood profile of \(name) failed: \(why)"
        }
    }
}

/// Checks that a confidence level lies in (0, 1).
func checkLevel(_ level: Double) throws {
    guard level > 0 && level < 1 else { throw InferenceError.invalidLevel(level) }
}
