import SparseLMM
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A generalized linear mixed model g(E[y | u]) = offset + Xβ + ZΛθu, u ~ N(0, I), with a
/// binomial, Poisson or negative-binomial response, fitted as lme4's `glmer` (and `glmer.nb`) fits
/// it: the Laplace approximation (or adaptive Gauss-Hermite quadrature for one scalar term) of the
/// marginal likelihood, optimised first over θ with β inside PIRLS (lme4's nAGQ = 0 stage), then
/// over (θ, β) jointly — and for the negative binomial over (θ, β, log θ_nb) jointly.
///
/// PIRLS runs on SparseLMM's `PenalizedLeastSquares`: the symbolic analysis of Z'Z is done once,
/// each PIRLS step reweights Z'WZ and refactors on the same pattern.
/// Not thread-safe; one model per task. The fit it returns is a `Sendable` value.
public final class GeneralizedLinearMixedModel {
    /// The model's data and structure.
    public let design: MixedModelDesign
    /// The response family (for the negative binomial, θ_nb is updated during the fit).
    public internal(set) var family: Family
    /// The link.
    public let link: Link
    let response: GLMMResponse
    /// The weighted PLS system on the shared factor-update core.
    public let system: PenalizedLeastSquares
    let n: Int, p: Int, q: Int
    /// Warm start for the next PIRLS.
    var warm: PIRLSState?
    /// The saturated −2 log-likelihood and the family it was computed for.
    var saturatedCache: (family: Family, value: Double)?
    /// Flops of one factorisation of L (from the symbolic analysis).
    let flopsPerFactorization: Double
    /// Objective evaluations so far.
    public internal(set) var evaluationCount = 0
    /// Threads for the finite-difference Hessian of the standard errors (each with its own copy of
    /// the model). 1 by default, so that fits run in parallel do not oversubscribe the machine.
    public var workers = 1
    /// Called after each evaluation with (evaluation, parameters, objective).
    public var observer: ((Int, [Double], Double) -> Void)? = nil
    /// How PIRLS steps towards the conditional modes (the result is the same to ~10⁻¹⁰).
    public var pirlsSteps: PIRLSSteps = .automatic

    /// How PIRLS steps towards the conditional modes.
    public enum PIRLSSteps: Sendable {
        /// Refactor Λ'Z'WZΛ + I at every step (Newton / Fisher scoring): fewest steps.
        case newton
        /// Steps on the last factorisation — from the previous θ or weights — refreshed when
        /// they stop contracting (quasi-Newton): one or two factorisations per evaluation
        /// instead of four or five, for factors whose factorisation dominates.
        case reuseFactor
        /// `reuseFactor` when a factorisation costs more than 1000 flops per observation, else
        /// `newton`.
        case automatic
    }

    /// Builds the model; `link` defaults to the family's canonical link.
    public init(design: MixedModelDesign, family: Family, link: Link? = nil, factorKind: FactorKind = .automatic) throws {
        let link = link ?? family.canonicalLink
        guard family.allowedLinks.contains(link) else {
            throw GLMMError.invalidLink(family: family.name, link: link.rawValue, allowed: family.allowedLinks.map { $0.rawValue })
        }
        self.design = design
        self.family = family
        self.link = link
        response = try GLMMResponse(design: design, family: family)
        system = try PenalizedLeastSquares(design: design, factorKind: factorKind)
        n = design.nobs
        p = design.p
        q = system.q
        flopsPerFactorization = system.factor.choleskyFactor.flopsPerFactorization
    }

    /// Covariance-parameter lower bounds (0 on λ's diagonal).
    public var thetaLowerBounds: [Double] { system.factor.covariance.flatMap { $0.lowerBounds } }
    /// lme4's starting θ for glmer: 1 on λ's diagonal, 0 below.
    public var thetaStart: [Double] { system.factor.covariance.flatMap { $0.initialValues } }

    /// The nAGQ = 0 objective: the Laplace deviance at θ with β and u from joint PIRLS (converged
    /// to `stepTolerance`, see `pirlsJoint`).
    public func jointDeviance(theta: [Double], stepTolerance: Double = 1e-10) throws -> Double {
        let s = try pirlsJoint(theta: theta, start: warm, stepTolerance: stepTolerance)
        warm = s
        return s.laplace
    }

    /// The nAGQ ≥ 1 objective at (θ, β): Laplace (nAGQ = 1) or adaptive Gauss-Hermite deviance
    /// with u from PIRLS.
    public func deviance(theta: [Double], beta: [Double], nAGQ: Int = 1) throws -> Double {
        try deviance(theta: theta, beta: beta, nAGQ: nAGQ, freshFactor: false)
    }

    /// `deviance(theta:beta:nAGQ:)`; with `freshFactor` the PIRLS steps start from a factorisation
    /// at (θ, the warm start) rather than the factor left by the previous evaluation.
    func deviance(theta: [Double], beta: [Double], nAGQ: Int, freshFactor: Bool) throws -> Double {
        let start = warm?.u ?? [Double](repeating: 0, count: q)
        let s = try pirlsModes(theta: theta, beta: beta, start: start, freshFactor: freshFactor)
        warm = s
        if nAGQ <= 1 { return s.laplace }
        return adaptiveGaussHermiteDeviance(state: s, theta: theta, rule: GaussHermiteRule(points: nAGQ))
    }

    /// −2 log-likelihood by adaptive Gauss-Hermite quadrature for one scalar random-effects term:
    /// Σⱼ [log Lⱼⱼ² − 2 log Σₖ ωₖ exp(−½(Dⱼ(ûⱼ + zₖ/Lⱼⱼ) + (ûⱼ + zₖ/Lⱼⱼ)² − zₖ²))], with Dⱼ the
    /// group's −2 log p(y | u), Lⱼⱼ² = 1 + θ² Σᵢ∈ⱼ wᵢzᵢ² and (zₖ, ωₖ) the rule for N(0, 1).
    func adaptiveGaussHermiteDeviance(state s: PIRLSState, theta: [Double], rule: GaussHermiteRule) -> Double {
        let term = design.terms[0]
        let levels = term.levelCount
        let lambda = theta[0]
        let codes = term.factor.codes
        var l2 = [Double](repeating: 1, count: levels)
        for i in 0..<n {
            let z = term.value(i, 0)
            l2[Int(codes[i])] += lambda * lambda * s.weights[i] * z * z
        }
        let nodes = rule.nodes, weights = rule.weights
        let kCount = nodes.count
        // D_j at each node
        var d = [Double](repeating: 0, count: levels * kCount)
        let y = response.y, pw = response.weights
        for i in 0..<n {
            let j = Int(codes[i])
            let z = term.value(i, 0)
            let sd = 1 / l2[j].squareRoot()
            for k in 0..<kCount {
                let eta = s.eta[i] + lambda * z * nodes[k] * sd
                d[j * kCount + k] += family.minusTwoLogLikelihood(y: y[i], mu: link.mu(eta), weight: pw[i])
            }
        }
        var total = 0.0
        for j in 0..<levels {
            let sd = 1 / l2[j].squareRoot()
            var terms = [Double](repeating: 0, count: kCount)
            var mx = -Double.infinity
            for k in 0..<kCount {
                let uk = s.u[j] + nodes[k] * sd
                terms[k] = log(weights[k]) - 0.5 * (d[j * kCount + k] + uk * uk - nodes[k] * nodes[k])
                mx = max(mx, terms[k])
            }
            var sum = 0.0
            for k in 0..<kCount { sum += exp(terms[k] - mx) }
            total += log(l2[j]) - 2 * (mx + log(sum))
        }
        return total
    }
}
