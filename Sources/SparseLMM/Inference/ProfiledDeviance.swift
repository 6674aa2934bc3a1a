/// A deviance (−2 log-likelihood) over a vector of named parameters that can be minimised with
/// one parameter held fixed — what a likelihood profile needs. Linear mixed models provide one
/// (`LikelihoodProfile.compute(model:)`), generalized linear mixed models another (GLMM module).
/// Implementations are used from one thread at a time.
public protocol ProfiledDeviance: AnyObject {
    /// The parameters' names (lme4's `.sig01`, …, `.sigma`, fixed effects).
    var parameterNames: [String] { get }
    /// The parameters at the minimum of the deviance.
    var estimates: [Double] { get }
    /// Lower limits of the parameters (0 for a standard deviation, −1 for a correlation, −∞).
    var lowerLimits: [Double] { get }
    /// Upper limits (1 for a correlation, else ∞).
    var upperLimits: [Double] { get }
    /// The deviance at `estimates`.
    var minimumDeviance: Double { get }
    /// A first step away from the estimate of a parameter, about half a standard error.
    func initialStep(parameter: Int) -> Double
    /// The minimum of the deviance over the other parameters with `parameter` held at `value`,
    /// started from `start` (all parameters; its entry `parameter` is ignored). Returns the
    /// minimum and all parameters there (`value` in place).
    func constrainedMinimum(parameter: Int, value: Double, start: [Double]) throws -> (deviance: Double, parameters: [Double])
}
