import SparseLMM
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The state PIRLS converges to: the conditional modes and what the Laplace deviance needs.
struct PIRLSState: Sendable {
    /// Spherical random effects ũ (original order).
    var u: [Double]
    /// Fixed effects (fixed during u-only PIRLS).
    var beta: [Double]
    /// Linear predictor η = offset + Xβ + ZΛũ.
    var eta: [Double]
    /// Means μ = g⁻¹(η).
    var mu: [Double]
    /// Σ −2 log p(yᵢ | μᵢ) (all constants).
    var minusTwoLogLik: Double
    /// Σ unit deviances.
    var deviance: Double
    /// log det(Λ'Z'WZΛ + I) at the weights of μ.
    var ldL2: Double
    /// IRLS weights at μ.
    var weights: [Double]
    /// ‖ũ‖².
    var uSquared: Double { u.reduce(0) { $0 + $1 * $1 } }
    /// The Laplace approximation of −2 log-likelihood (lme4's objective): Σ −2 log p(y|ũ) + ‖ũ‖² + log|L|².
    var laplace: Double { minusTwoLogLik + uSquared + ldL2 }
}

/// Penalised iteratively reweighted least squares (lme4 paper, section 4 of the glmer vignette):
/// for fixed θ (and β, or jointly with β), the conditional modes of the random effects minimise
/// the penalised deviance Σ dᵢ(yᵢ, μᵢ) + ‖u‖². Each step solves the weighted PLS problem for the
/// working response on the shared factor (same symbolic analysis; only W changes), with
/// step-halving whenever the penalised deviance rises.
extension GeneralizedLinearMixedModel {
    static let pirlsMaxIterations = 200
    static let pirlsMaxHalvings = 30
    static let pirlsTolerance = 1e-12
    /// Quasi-Newton PIRLS steps on one factorisation before it is refreshed regardless.
    static let pirlsStepsPerFactor = 25

    /// Whether PIRLS steps reuse a factorisation (see `PIRLSSteps`): automatically when a
    /// factorisation costs more than ~1000 flops per observation, the O(n) work of an extra step.
    var pirlsReusesFactor: Bool {
        switch pirlsSteps {
        case .newton: return false
        case .reuseFactor: return true
        case .automatic: return flopsPerFactorization > 1000 * Double(n)
        }
    }

    /// μ, the unit-deviance sum and the −2 log-likelihood for a linear predictor. The
    /// log-likelihood is the deviance plus the saturated model's −2 log-likelihood, a constant
    /// computed once per family.
    func evaluateMeans(_ eta: [Double]) -> (mu: [Double], dmu: [Double], deviance: Double, minusTwoLogLik: Double) {
        var mu = [Double](repeating: 0, count: n), dmu = mu
        var dev = 0.0
        let fam = family, lk = link
        response.y.withUnsafeBufferPointer { y in
            response.weights.withUnsafeBufferPointer { w in
                eta.withUnsafeBufferPointer { e in
                    mu.withUnsafeMutableBufferPointer { m in
                        dmu.withUnsafeMutableBufferPointer { d in
                            for i in 0..<n {
                                let (v, dv) = lk.muAndDerivative(e[i])
                                m[i] = v
                                d[i] = dv
                                dev += fam.deviance(y: y[i], mu: v, weight: w[i])
                            }
                        }
                    }
                }
            }
        }
        return (mu, dmu, dev, dev + saturatedMinusTwoLogLik())
    }

    /// Σ −2 log p(yᵢ | μᵢ = yᵢ): the constant that turns the deviance into −2 log-likelihood.
    func saturatedMinusTwoLogLik() -> Double {
        if let cached = saturatedCache, cached.family == family { return cached.value }
        var c = 0.0
        for i in 0..<n { c += family.minusTwoLogLikelihood(y: response.y[i], mu: response.y[i], weight: response.weights[i]) }
        saturatedCache = (family, c)
        return c
    }

    /// IRLS weights wᵢ = priorᵢ (dμ/dη)² / V(μ) and the scaled residuals (y − μ)/(dμ/dη).
    func irls(eta: [Double], mu: [Double]) -> (weights: [Double], residual: [Double]) {
        let lk = link
        return irls(mu: mu, dmu: eta.map { lk.muAndDerivative($0).dmu })
    }

    /// `irls(eta:mu:)` with dμ/dη as `evaluateMeans` returned it (no second exponential per row).
    func irls(mu: [Double], dmu: [Double]) -> (weights: [Double], residual: [Double]) {
        var w = [Double](repeating: 0, count: n), r = w
        let fam = family
        response.y.withUnsafeBufferPointer { y in
            response.weights.withUnsafeBufferPointer { pw in
                dmu.withUnsafeBufferPointer { dm in
                    mu.withUnsafeBufferPointer { m in
                        w.withUnsafeMutableBufferPointer { w in
                            r.withUnsafeMutableBufferPointer { r in
                                for i in 0..<n {
                                    let d = dm[i]
                                    let v = fam.variance(m[i])
                                    w[i] = pw[i] * d * d / max(v, Double.leastNormalMagnitude)
                                    r[i] = (y[i] - m[i]) / d
                                }
                            }
                        }
                    }
                }
            }
        }
        return (w, r)
    }

    /// offset + Xβ.
    func fixedPredictor(_ beta: [Double]) -> [Double] {
        var xb = system.xTimes(beta)
        for i in 0..<n { xb[i] += response.offset[i] }
        return xb
    }

    /// u-only PIRLS at (θ, β) from the warm start `u0` (lme4's nAGQ ≥ 1 inner loop).
    ///
    /// Each step is δ = H₀⁻¹(Λ'Z'Wr − u) (`PenalizedLeastSquares.modeCorrection`) with step-halving
    /// on the penalised deviance. H₀ is the factor as it stands — usually from the previous θ or the
    /// previous weights, so the step costs two triangular solves instead of a factorisation —
    /// and the factor is refreshed at the current (θ, W) whenever the steps stop contracting fast
    /// (ratio of successive steps above ½), need halving, or run long; with a fresh factor the step
    /// is the Fisher-scoring (PIRLS) step. Converged when a step whose contraction is at most ½
    /// moves no mode by more than 10⁻¹⁰(1 + max|ũ|) (so the modes are that close to the fixed
    /// point), or when a fresh-factor step no longer lowers the penalised deviance (as under
    /// complete separation). One factorisation at the converged weights then gives log|L|².
    /// `freshFactor` factors at the start, so the result depends on (θ, β, u0) only, not on what
    /// the factor held before (the Hessian's points on several workers).
    func pirlsModes(theta: [Double], beta: [Double], start u0: [Double], freshFactor: Bool = false) throws -> PIRLSState {
        system.factor.setParameters(theta)
        let xb = fixedPredictor(beta)
        var u = u0
        var zlu = system.zLambda(u)
        var eta = zip(xb, zlu).map { $0 + $1 }
        var (mu, dmu, dev, m2ll) = evaluateMeans(eta)
        var pdev = dev + u.reduce(0) { $0 + $1 * $1 }
        let reuse = pirlsReusesFactor
        var refactor = freshFactor || !system.hasFactorization
        var stepsSinceFactor = 0
        var previousStep = Double.infinity
        var converged = false
        for _ in 0..<Self.pirlsMaxIterations {
            let (w, r) = irls(mu: mu, dmu: dmu)
            if refactor || !reuse || stepsSinceFactor >= Self.pirlsStepsPerFactor {
                system.setWeights(w)
                try theta.withUnsafeBufferPointer { try system.factor.update(theta: $0) }
                refactor = false
                stepsSinceFactor = 0
                previousStep = .infinity
            }
            let exact = stepsSinceFactor == 0
            stepsSinceFactor += 1
            let delta = try system.modeCorrection(weightedResidual: (0..<n).map { w[$0] * r[$0] }, u: u)
            var step = 1.0
            var accepted = false
            var last = (u: u, zlu: zlu, eta: eta, mu: mu, dmu: dmu, dev: dev, m2ll: m2ll, pdev: pdev)
            for _ in 0..<Self.pirlsMaxHalvings {
                let uTry = (0..<q).map { u[$0] + step * delta[$0] }
                let zTry = system.zLambda(uTry)
                let etaTry = zip(xb, zTry).map { $0 + $1 }
                let (muTry, dmuTry, devTry, m2Try) = evaluateMeans(etaTry)
                let pTry = devTry + uTry.reduce(0) { $0 + $1 * $1 }
                last = (uTry, zTry, etaTry, muTry, dmuTry, devTry, m2Try, pTry)
                if pTry.isFinite && pTry <= pdev + Self.pirlsTolerance * (abs(pdev) + 1) {
                    accepted = true
                    break
                }
                step /= 2
            }
            if !accepted {
                // a stale factor may point badly: refresh it and try the exact step
                if !exact { refactor = true; continue }
                // no decrease at all: converged if the change is at round-off level
                if abs(last.pdev - pdev) <= 1e-8 * (abs(pdev) + 1) { converged = true; break }
                throw GLMMError.pirlsStepHalvingFailed
            }
            let change = pdev - last.pdev
            var stepSize = 0.0, uMax = 0.0
            for j in 0..<q {
                stepSize = max(stepSize, abs(last.u[j] - u[j]))
                uMax = max(uMax, abs(last.u[j]))
            }
            (u, zlu, eta, mu, dmu, dev, m2ll, pdev) = last
            let contraction = stepSize / previousStep
            previousStep = stepSize
            if stepSize <= 1e-10 * (1 + uMax) && contraction <= 0.5 { converged = true; break }
            // a Newton step that no longer lowers the penalised deviance: converged to round-off,
            // or (complete separation) the modes drift while the deviance flattens out
            if exact && change <= Self.pirlsTolerance * (abs(pdev) + 1) { converged = true; break }
            if !exact && (step < 1 || contraction > 0.5) { refactor = true }
        }
        if !converged { throw GLMMError.pirlsDidNotConverge(iterations: Self.pirlsMaxIterations) }
        // the factor at the weights of the final μ gives log|L|²
        let (w, _) = irls(mu: mu, dmu: dmu)
        system.setWeights(w)
        try theta.withUnsafeBufferPointer { try system.factor.update(theta: $0) }
        return PIRLSState(u: u, beta: beta, eta: eta, mu: mu, minusTwoLogLik: m2ll, deviance: dev,
                          ldL2: system.factor.logDeterminant, weights: w)
    }

    /// Joint PIRLS over (β, u) at θ (lme4's nAGQ = 0), from a warm start or from the family's
    /// starting means. The steps are `PenalizedLeastSquares.jointCorrection` on the blocks of the
    /// last evaluation, refreshed at the current (θ, W) by the rules of `pirlsModes`; from the
    /// starting means (η not yet of the form Xβ + ZΛu) the first step is the full solve. The
    /// final evaluation at the converged weights gives log|L|² and leaves the blocks current for
    /// the next θ. `stepTolerance` replaces the 10⁻¹⁰ of the convergence test (a stage 1 that
    /// only supplies a start can stop earlier).
    func pirlsJoint(theta: [Double], start: PIRLSState?, stepTolerance: Double = 1e-10) throws -> PIRLSState {
        system.factor.setParameters(theta)
        var beta: [Double], u: [Double], eta: [Double], mu: [Double], dmu: [Double], dev: Double, m2ll: Double, pdev: Double
        if let s = start {
            beta = s.beta
            u = s.u
            let xb = fixedPredictor(beta), zlu = system.zLambda(u)
            eta = zip(xb, zlu).map { $0 + $1 }
            (mu, dmu, dev, m2ll) = evaluateMeans(eta)
            pdev = dev + u.reduce(0) { $0 + $1 * $1 }
        } else {
            beta = [Double](repeating: 0, count: p)
            u = [Double](repeating: 0, count: q)
            mu = (0..<n).map { family.startingMean(y: response.y[$0], weight: response.weights[$0]) }
            eta = mu.map { link.eta($0) }
            dmu = eta.map { link.muAndDerivative($0).dmu }
            dev = 0; m2ll = 0
            pdev = .infinity
        }
        let reuse = pirlsReusesFactor
        var refactor = start == nil || !system.hasJointFactorization
        var stepsSinceFactor = 0
        var previousStep = Double.infinity
        var converged = false
        for _ in 0..<Self.pirlsMaxIterations {
            let (w, r) = irls(mu: mu, dmu: dmu)
            var delta: (beta: [Double], u: [Double])? = nil
            if refactor || !reuse || stepsSinceFactor >= Self.pirlsStepsPerFactor {
                system.setWeights(w)
                system.setResponse((0..<n).map { eta[$0] - response.offset[$0] + r[$0] })
                _ = try theta.withUnsafeBufferPointer { try system.evaluate(theta: $0) }
                refactor = false
                stepsSinceFactor = 0
                previousStep = .infinity
                if pdev.isInfinite {
                    // from the starting means: the weighted least-squares solution itself
                    let (betaNew, uNew, _) = try system.solution()
                    delta = ((0..<p).map { betaNew[$0] - beta[$0] }, (0..<q).map { uNew[$0] - u[$0] })
                }
            }
            let exact = stepsSinceFactor == 0
            stepsSinceFactor += 1
            let d = try delta ?? system.jointCorrection(weightedResidual: (0..<n).map { w[$0] * r[$0] }, u: u)
            var step = 1.0
            var accepted = false
            var last = (beta: beta, u: u, eta: eta, mu: mu, dmu: dmu, dev: dev, m2ll: m2ll, pdev: pdev)
            for _ in 0..<Self.pirlsMaxHalvings {
                let bTry = (0..<p).map { beta[$0] + step * d.beta[$0] }
                let uTry = (0..<q).map { u[$0] + step * d.u[$0] }
                let xb = fixedPredictor(bTry), zl = system.zLambda(uTry)
                let etaTry = zip(xb, zl).map { $0 + $1 }
                let (muTry, dmuTry, devTry, m2Try) = evaluateMeans(etaTry)
                let pTry = devTry + uTry.reduce(0) { $0 + $1 * $1 }
                last = (bTry, uTry, etaTry, muTry, dmuTry, devTry, m2Try, pTry)
                if pTry.isFinite && (pdev.isInfinite || pTry <= pdev + Self.pirlsTolerance * (abs(pdev) + 1)) {
                    accepted = true
                    break
                }
                step /= 2
            }
            if !accepted {
                if !exact { refactor = true; continue }
                if abs(last.pdev - pdev) <= 1e-8 * (abs(pdev) + 1) { converged = true; break }
                throw GLMMError.pirlsStepHalvingFailed
            }
            let change = pdev - last.pdev
            var stepSize = 0.0, size = 0.0
            for j in 0..<q { stepSize = max(stepSize, abs(last.u[j] - u[j])); size = max(size, abs(last.u[j])) }
            for j in 0..<p { stepSize = max(stepSize, abs(last.beta[j] - beta[j])); size = max(size, abs(last.beta[j])) }
            (beta, u, eta, mu, dmu, dev, m2ll, pdev) = last
            let contraction = stepSize / previousStep
            previousStep = stepSize
            if stepSize <= stepTolerance * (1 + size) && contraction <= 0.5 { converged = true; break }
            if exact && change.isFinite && change <= Self.pirlsTolerance * (abs(pdev) + 1) { converged = true; break }
            if !exact && (step < 1 || contraction > 0.5) { refactor = true }
        }
        if !converged { throw GLMMError.pirlsDidNotConverge(iterations: Self.pirlsMaxIterations) }
        // the evaluation at the weights of the final μ gives log|L|² and current blocks
        let (w, r) = irls(mu: mu, dmu: dmu)
        system.setWeights(w)
        system.setResponse((0..<n).map { eta[$0] - response.offset[$0] + r[$0] })
        _ = try theta.withUnsafeBufferPointer { try system.evaluate(theta: $0) }
        return PIRLSState(u: u, beta: beta, eta: eta, mu: mu, minusTwoLogLik: m2ll, deviance: dev,
                          ldL2: system.factor.logDeterminant, weights: w)
    }
}

extension GeneralizedLinearMixedModel {
    /// lme4's stage-2 deviance function reproduced: PIRLS over u restarts at every call from the
    /// stage-1 linear predictor `lp0`, stops when the penalised deviance changes by less than
    /// `tolerance` (lme4's `tolPwrss`, 1e-7) relative, and takes log|L|² from the factorisation of
    /// the last iteration (weights of the previous iterate). With lme4's tolerance this function
    /// differs from the exact Laplace deviance by ~1e-4 and its curvature by ~1%; lme4 computes
    /// its default standard errors from the Hessian of exactly this function.
    func lme4StageTwoDeviance(theta: [Double], beta: [Double], lp0: [Double], tolerance: Double = 1e-7,
                              maxIterations: Int = 30) throws -> Double {
        system.factor.setParameters(theta)
        let xb = fixedPredictor(beta)
        var eta = (0..<n).map { response.offset[$0] + lp0[$0] }
        var mu = eta.map { link.mu($0) }
        let lk = link
        var dmu = eta.map { lk.muAndDerivative($0).dmu }
        var u = [Double](repeating: 0, count: q)
        var oldpdev = Double.greatestFiniteMagnitude
        var ldL2 = 0.0
        var m2ll = 0.0
        for _ in 0..<maxIterations {
            let (w, r) = irls(mu: mu, dmu: dmu)
            system.setWeights(w)
            let z = (0..<n).map { eta[$0] - xb[$0] + r[$0] }
            let uOld = u
            let solved = try theta.withUnsafeBufferPointer { try system.conditionalModes(theta: $0, residual: z) }
            ldL2 = solved.ldL2
            u = solved.u
            var zl = system.zLambda(u)
            eta = (0..<n).map { xb[$0] + zl[$0] }
            var evaluated = evaluateMeans(eta)
            var pdev = evaluated.deviance + u.reduce(0) { $0 + $1 * $1 }
            if abs((oldpdev - pdev) / pdev) < tolerance {
                mu = evaluated.mu; dmu = evaluated.dmu; m2ll = evaluated.minusTwoLogLik
                break
            }
            var halvings = 0
            while pdev > oldpdev && halvings < 10 {
                u = (0..<q).map { (uOld[$0] + u[$0]) / 2 }
                zl = system.zLambda(u)
                eta = (0..<n).map { xb[$0] + zl[$0] }
                evaluated = evaluateMeans(eta)
                pdev = evaluated.deviance + u.reduce(0) { $0 + $1 * $1 }
                halvings += 1
            }
            mu = evaluated.mu; dmu = evaluated.dmu; m2ll = evaluated.minusTwoLogLik
            oldpdev = pdev
        }
        return ldL2 + u.reduce(0) { $0 + $1 * $1 } + m2ll
    }
}
