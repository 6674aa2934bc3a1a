#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A link function g with η = g(μ), as R's `make.link`.
public enum Link: String, Sendable, CaseIterable {
    /// R's links: logit log(μ/(1 − μ)), probit Φ⁻¹(μ), cloglog log(−log(1 − μ)), log, sqrt √μ, identity μ, inverse 1/μ.
    case logit, probit, cloglog, log, sqrt, identity, inverse

    static let epsilon = Double.ulpOfOne

    /// η = g(μ).
    public func eta(_ mu: Double) -> Double {
        switch self {
        case .logit: return Glibc.log(mu / (1 - mu))
        case .probit: return normalQuantileForLink(mu)
        case .cloglog: return Glibc.log(-Glibc.log1p(-mu))
        case .log: return Glibc.log(mu)
        case .sqrt: return mu.squareRoot()
        case .identity: return mu
        case .inverse: return 1 / mu
        }
    }

    /// μ = g⁻¹(η), kept inside the family's range as R keeps it (logit: within ε of 0 and 1).
    public func mu(_ eta: Double) -> Double {
        switch self {
        case .logit:
            if eta < -30 { return Link.epsilon }
            if eta > 30 { return 1 - Link.epsilon }
            return 1 / (1 + exp(-eta))
        case .probit:
            let thresh = -normalQuantileForLink(Link.epsilon)
            let e = min(max(eta, -thresh), thresh)
            return 0.5 * erfc(-e / 2.0.squareRoot())
        case .cloglog:
            return max(min(-expm1(-exp(eta)), 1 - Link.epsilon), Link.epsilon)
        case .log: return max(exp(eta), Link.epsilon)
        case .sqrt: return eta * eta
        case .identity: return eta
        case .inverse: return 1 / eta
        }
    }

    /// dμ/dη at η.
    public func muEta(_ eta: Double) -> Double {
        switch self {
        case .logit:
            if eta < -30 || eta > 30 { return Link.epsilon }
            let e = exp(-Swift.abs(eta))
            return e / ((1 + e) * (1 + e))
        case .probit:
            return max(exp(-0.5 * eta * eta) / (2 * Double.pi).squareRoot(), Link.epsilon)
        case .cloglog:
            let e = min(eta, 700)
            return max(exp(e) * exp(-exp(e)), Link.epsilon)
        case .log: return max(exp(eta), Link.epsilon)
        case .sqrt: return 2 * eta
        case .identity: return 1
        case .inverse: return -1 / (eta * eta)
        }
    }

    /// μ and dμ/dη together (one exponential for the logit and log links).
    @inline(__always) public func muAndDerivative(_ eta: Double) -> (mu: Double, dmu: Double) {
        switch self {
        case .logit:
            if eta < -30 { return (Link.epsilon, Link.epsilon) }
            if eta > 30 { return (1 - Link.epsilon, Link.epsilon) }
            let e = exp(-Swift.abs(eta))
            let d = e / ((1 + e) * (1 + e))
            return (eta >= 0 ? 1 / (1 + e) : e / (1 + e), d)
        case .log:
            let m = max(exp(eta), Link.epsilon)
            return (m, m)
        default:
            return (mu(eta), muEta(eta))
        }
    }

    /// Whether η is in the link's domain (R's `valideta`).
    public func isValid(eta: Double) -> Bool {
        switch self {
        case .inverse: return eta.isFinite && eta != 0
        case .sqrt: return eta.isFinite && eta > 0
        default: return eta.isFinite
        }
    }
}

/// Φ⁻¹ for the probit link (AS 241 via the shared distributions code).
func normalQuantileForLink(_ p: Double) -> Double {
    SparseLMMNormalQuantile(p)
}
