#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SparseLMM

/// A response distribution of a generalized linear mixed model: variance function, deviance,
/// −2 log-likelihood (R's `family$aic`, all constants included) and the starting values of R's
/// `family$initialize`.
public enum Family: Sendable, Equatable {
    /// Binomial: y is a proportion of `trials` (the prior weights), variance μ(1 − μ).
    case binomial
    /// Poisson: variance μ.
    case poisson
    /// Negative binomial with shape θ (MASS's `negative.binomial(theta)`): variance μ + μ²/θ.
    case negativeBinomial(theta: Double)

    /// The name used in output (`binomial`, `poisson`, `negative_binomial`).
    public var name: String {
        switch self {
        case .binomial: return "binomial"
        case .poisson: return "poisson"
        case .negativeBinomial: return "negative_binomial"
        }
    }

    /// The canonical (default) link.
    public var canonicalLink: Link {
        switch self {
        case .binomial: return .logit
        case .poisson, .negativeBinomial: return .log
        }
    }

    /// Links this family accepts.
    public var allowedLinks: [Link] {
        switch self {
        case .binomial: return [.logit, .probit, .cloglog]
        case .poisson: return [.log, .sqrt, .identity]
        case .negativeBinomial: return [.log]
        }
    }

    /// V(μ).
    @inline(__always) public func variance(_ mu: Double) -> Double {
        switch self {
        case .binomial: return mu * (1 - mu)
        case .poisson: return mu
        case .negativeBinomial(let theta): return mu + mu * mu / theta
        }
    }

    /// y log(y/μ) with the limit 0 at y = 0.
    @inline(__always) static func ylogy(_ y: Double, _ mu: Double) -> Double {
        y > 0 ? y * log(y / mu) : 0
    }

    /// The unit deviance of one observation with prior weight w (its squared deviance residual),
    /// exact at the boundary y = 0 (and y = 1 for the binomial).
    @inline(__always) public func deviance(y: Double, mu: Double, weight w: Double) -> Double {
        switch self {
        case .binomial:
            if y == 0 { return -2 * w * log1p(-mu) }
            if y == 1 { return -2 * w * log(mu) }
            return 2 * w * (Family.ylogy(y, mu) + Family.ylogy(1 - y, 1 - mu))
        case .poisson:
            return 2 * w * (Family.ylogy(y, mu) - (y - mu))
        case .negativeBinomial(let theta):
            return 2 * w * (Family.ylogy(y, mu) - (y + theta) * log((y + theta) / (mu + theta)))
        }
    }

    /// −2 log p(y | μ) of one observation with prior weight w, all constants included
    /// (R's `family$aic` summand: binomial log-binomial coefficient, Poisson log y!).
    @inline(__always) public func minusTwoLogLikelihood(y: Double, mu: Double, weight w: Double) -> Double {
        switch self {
        case .binomial:
            // w = number of trials m; successes k = round(m y)
            let m = w.rounded(), k = (w * y).rounded()
            var ll = lgamma(m + 1) - lgamma(k + 1) - lgamma(m - k + 1)
            if k > 0 { ll += k * log(mu) }
            if m - k > 0 { ll += (m - k) * log1p(-mu) }
            return -2 * ll
        case .poisson:
            let ll = (y > 0 ? y * log(mu) : 0) - mu - lgamma(y + 1)
            return -2 * w * ll
        case .negativeBinomial(let theta):
            let term = (y + theta) * log(mu + theta) - (y > 0 ? y * log(mu) : 0) + lgamma(y + 1)
                - theta * log(theta) + lgamma(theta) - lgamma(theta + y)
            return 2 * w * term
        }
    }

    /// R's `family$initialize` starting mean.
    public func startingMean(y: Double, weight w: Double) -> Double {
        switch self {
        case .binomial: return (w * y + 0.5) / (w + 1)
        case .poisson, .negativeBinomial: return y + 0.1
        }
    }
}

/// The shared normal quantile, visible to this module under a distinct name.
@inline(__always) func SparseLMMNormalQuantile(_ p: Double) -> Double { normalQuantile(p) }
