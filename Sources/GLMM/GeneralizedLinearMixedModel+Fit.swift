import SparseLMM
import CSparseShim
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
}

extension GeneralizedLinearMixedModel {
    /// Fits the model as `glmer` does (see the type's documentation).
    /// - Parameters:
    ///   - nAGQ: 1 for the Laplace approximation; more for adaptive Gauss-Hermite quadrature with
    ///     that many points (one scalar random-effects term only).
    ///   - standardErrors: how vcov(β̂) is computed (lme4's default by default).
    ///   - stageTwo: the function stage 2 minimises over (θ, β) (see `StageTwoObjective`).
    /// - Throws: `GLMMError` when nAGQ is outside 1…100 or quadrature is asked for a model other
    ///   than one scalar term, when PIRLS fails or no finite deviance is reached; the optimiser's errors.
    public func fit(nAGQ: Int = 1, standardErrors: StandardErrorMethod = .automatic,
                    stageTwo: StageTwoObjective = .automatic) throws -> MixedModelFit {
        let t0 = monotonicNow()
        guard (1...100).contains(nAGQ) else { throw GLMMError.invalidQuadraturePoints(nAGQ) }
        if nAGQ > 1 && !(design.terms.count == 1 && design.terms[0].columnCount == 1) {
            throw GLMMError.quadratureNeedsOneScalarTerm(terms: design.terms.count,
                                                         columns: design.terms.reduce(0) { $0 + $1.columnCount })
        }
        evaluationCount = 0
        warm = nil
        let nTheta = thetaStart.count
        let lower = thetaLowerBounds
        var warnings = [String]()
        var negativeBinomial = false
        if case .negativeBinomial = family {
            negativeBinomial = true
            // stage 0: a Poisson fit gives the means from which θ_nb starts (MASS's theta.ml)
            family = .poisson
            var poissonStart = BoundedOptimizer()
            poissonStart.absoluteFunctionTolerance = 1e-6
            let r0 = try poissonStart.minimize(start: thetaStart, lower: lower, upper: upper(nTheta)) { [unowned self] x in
                try self.counted(Array(x)) { try self.jointDeviance(theta: Array(x)) }
            }
            let s0 = try pirlsJoint(theta: r0.x, start: warm)
            let thetaNB = negativeBinomialThetaML(y: response.y, mu: s0.mu, weights: response.weights)
            family = .negativeBinomial(theta: thetaNB)
            warm = nil
        }
        let seMethod = resolvedStandardErrorMethod(standardErrors)
        let objectiveTwo = resolvedStageTwoObjective(stageTwo, nAGQ: nAGQ, negativeBinomial: negativeBinomial,
                                                     standardErrors: seMethod)
        // stage 1 (nAGQ = 0): θ with β inside PIRLS
        // stage 1 only provides the start of stage 2 (lme4 runs it with minqa's default tolerance).
        // Stage 2 on the exact deviance re-optimises θ from there, so stage 1 stops once a step
        // changes the deviance by less than 0.1 (a tenth of a unit of −2 log L, ~0.3 standard
        // errors); glmer's stage-2 function restarts PIRLS at stage 1's linear predictor, so for it
        // stage 1 runs to the full tolerance.
        var stage1 = BoundedOptimizer()
        stage1.relativeFunctionTolerance = 1e-8
        // Its PIRLS stops at steps of 10⁻⁶ (relative) instead of 10⁻¹⁰ then: the deviance moves
        // by far less than that 0.1, and the linearly converging steps on a reused factor are a
        // third of stage 1's time on a large model.
        var stepTolerance = 1e-10
        if objectiveTwo == .exact {
            stage1.absoluteFunctionTolerance = 0.1
            stepTolerance = 1e-6
        }
        var lastJoint: [Double]? = nil
        let r1 = try stage1.minimize(start: thetaStart, lower: lower, upper: upper(nTheta)) { [unowned self] x in
            try self.counted(Array(x)) {
                lastJoint = nil
                let value = try self.jointDeviance(theta: Array(x), stepTolerance: stepTolerance)
                lastJoint = Array(x)
                return value
            }
        }
        // the state at stage 1's optimum: for the exact deviance, the last evaluation's when that
        // was the optimum; glmer's stage-2 function restarts PIRLS from this state's linear
        // predictor, which it takes as lme4 does, from one more PIRLS run at θ̂₁
        let reusable = objectiveTwo == .exact && lastJoint == r1.x ? warm : nil
        let s1 = try reusable ?? pirlsJoint(theta: r1.x, start: warm, stepTolerance: stepTolerance)
        warm = s1
        let lp0 = (0..<n).map { s1.eta[$0] - response.offset[$0] }
        // starting steps for stage 2: θ relative, β on the scale of its standard error (a whole
        // one for the exact deviance: the Laplace β̂ is often a standard error or more from the
        // nAGQ = 0 one, and a trust region that covers the move saves BOBYQA's iterations)
        let se1 = try rxStandardErrors(state: s1, theta: r1.x)
        var x0 = r1.x + s1.beta
        var lo = lower + [Double](repeating: -.infinity, count: p)
        let betaStep = objectiveTwo == .exact ? 1.0 : 0.5
        var steps = r1.x.map { max(0.1 * abs($0), 0.05) } + se1.map { max($0, 1e-4) * betaStep }
        if negativeBinomial, case .negativeBinomial(let t) = family {
            x0.append(log(t)); lo.append(-.infinity); steps.append(0.2)
        }
        var stage2 = BoundedOptimizer()
        // the exact deviance costs a factorisation per evaluation: 10⁻¹⁰ relative (10⁻⁵ on a
        // deviance of 10⁵) is still far inside the tolerances on θ̂ and β̂; glmer's cheap function
        // runs to 10⁻¹²
        stage2.relativeFunctionTolerance = objectiveTwo == .exact ? 1e-10 : 1e-12
        stage2.absoluteFunctionTolerance = 1e-10
        stage2.absoluteParameterTolerance = 1e-8
        stage2.initialStep = steps
        // the exact deviance at the last point evaluated, whose PIRLS state is `warm`, so that
        // the optimum's value and state are not computed again
        var lastExact: (x: [Double], value: Double)? = nil
        func exactDeviance(_ x: [Double]) throws -> Double {
            if let last = lastExact, last.x == x, warm != nil { return last.value }
            let value = try outerDeviance(x, nTheta: nTheta, nAGQ: nAGQ, negativeBinomial: negativeBinomial)
            lastExact = (x, value)
            return value
        }
        let r2 = try stage2.minimize(start: x0, lower: lo, upper: upper(x0.count)) { [unowned self] x in
            try self.counted(Array(x)) {
                if objectiveTwo == .lme4 {
                    return try self.lme4StageTwoDeviance(theta: Array(x[0..<nTheta]), beta: Array(x[nTheta..<(nTheta + self.p)]), lp0: lp0)
                }
                return try exactDeviance(Array(x))
            }
        }
        var xOpt = r2.x
        // lme4's check.boundary: parameters within 1e-5 of the bound go there if that is no worse
        var best = try exactDeviance(xOpt)
        for i in 0..<nTheta where lower[i] == 0 && xOpt[i] > 0 && xOpt[i] < 1e-5 {
            var trial = xOpt
            trial[i] = 0
            let f = try exactDeviance(trial)
            if f < best { xOpt = trial; best = f }
        }
        let evaluations = evaluationCount
        let objective = try exactDeviance(xOpt)
        guard let final = warm else { throw GLMMError.nonFiniteDeviance }
        let theta = Array(xOpt[0..<nTheta])
        let beta = Array(xOpt[nTheta..<(nTheta + p)])
        // vcov(β̂): from the finite-difference Hessian of the deviance over (θ, β), as lme4's
        // default (use.hessian = TRUE); if it is not positive definite, from R_X.
        var vcov: [Double]
        // whether this model's factor, weights or modes left the optimum (R_X's evaluation, or
        // the Hessian's points when they run here rather than on models of their own)
        var stateMoved = true
        if seMethod == .conditional {
            vcov = try rxCovariance(state: final, theta: theta)
        } else {
            do {
                vcov = try hessianCovariance(at: Array(xOpt[0..<(nTheta + p)]), nTheta: nTheta, nAGQ: nAGQ, negativeBinomial: negativeBinomial,
                                             nbParameter: negativeBinomial ? xOpt.last : nil,
                                             lp0: seMethod == .lme4Hessian ? lp0 : nil,
                                             factorAtOptimum: lastExact?.x == xOpt, valueAtOptimum: objective)
                stateMoved = workers <= 1
            } catch {
                warnings.append("the Hessian of the deviance is not positive definite: standard errors from the conditional (R_X) approximation")
                vcov = try rxCovariance(state: final, theta: theta)
            }
        }
        // the optimum's state again where it moved
        if stateMoved || warm == nil {
            lastExact = nil
            _ = try exactDeviance(xOpt)
        }
        guard let state = warm else { throw GLMMError.nonFiniteDeviance }
        // the last PIRLS run here was the optimum's (`objective`, or the restoring evaluation)
        var fit = try results(state: state, theta: theta, beta: beta, objective: objective, vcov: vcov, nAGQ: nAGQ,
                              factorAtState: true)
        fit.evaluations = evaluations
        let converged = r1.converged && r2.converged
        fit.converged = converged
        fit.optimizerMessage = r2.message
        fit.optimizerReport = "BOBYQA (NLopt): stage 1 over θ with β in PIRLS (\(nTheta) parameter\(nTheta == 1 ? "" : "s")), stage 2 over (θ, β\(negativeBinomial ? ", log θ_nb" : "")) (\(x0.count) parameters)"
            + (objectiveTwo == .lme4 ? " on glmer's deviance function (PIRLS restarted from stage 1's linear predictor)" : " on the Laplace deviance, PIRLS converged")
        if !converged { warnings.append("the optimiser did not converge: \(r2.message)") }
        fit.warnings = warnings + fit.warnings
        fit.fitSeconds = monotonicNow() - t0
        return fit
    }

    /// How the standard errors of the fixed effects are computed.
    public enum StandardErrorMethod: String, Sendable, CaseIterable {
        /// lme4's default (`vcov(use.hessian = TRUE)`): 2H⁻¹ from the finite-difference Hessian of
        /// lme4's stage-2 deviance function, whose inner PIRLS stops at a relative tolerance of
        /// 1e-7 from the stage-1 linear predictor. Reproduces lme4's reported standard errors;
        /// they differ from the exact ones by up to ~1% (see `exactHessian`).
        case lme4Hessian = "lme4"
        /// `lme4Hessian` while its restarted PIRLS runs are cheap; for large models (where each of
        /// its 2m² + 1 points would cost several factorisations of a big factor) the exact
        /// Hessian, whose warm-started PIRLS needs one, on m(m + 1)/2 + m + 1 points.
        case automatic = "auto"
        /// 2H⁻¹ from the Hessian of the exact Laplace (or AGQ) deviance, PIRLS converged fully:
        /// what lme4 reports with `glmerControl(tolPwrss = 1e-12)` (mixed second differences
        /// forward rather than central: see `hessianCovariance`).
        case exactHessian = "exact"
        /// (R_X'R_X)⁻¹ of the penalised least-squares problem at the optimum, conditional on θ
        /// (lme4's `vcov(use.hessian = FALSE)`).
        case conditional = "conditional"
    }

    /// The function stage 2 of a fit minimises over (θ, β).
    public enum StageTwoObjective: String, Sendable, CaseIterable {
        /// glmer's: at every (θ, β) the modes come from PIRLS restarted at stage 1's linear
        /// predictor and stopped when the penalised deviance changes by less than 10⁻⁷ (relative),
        /// as in lme4's `mkGlmerDevfun` — so the estimates are glmer's to its own precision. This
        /// function sits slightly above the Laplace deviance (by ~10⁻³ on cbpp, VerbAgg) and its
        /// minimum is displaced by a small fraction of a standard error. Several factorisations per
        /// evaluation. Laplace (nAGQ = 1) only; not for the negative binomial.
        case lme4
        /// The Laplace (or AGQ) deviance with PIRLS warm-started at the previous modes and
        /// converged fully: a lower deviance than glmer's, one or two factorisations per evaluation.
        case exact
        /// `lme4` while a factorisation is cheap (under 10⁶ entries in L) and the model allows it,
        /// `exact` otherwise — and with the exact Hessian's standard errors (glmer with
        /// `tolPwrss = 1e-12` converges the modes in both).
        case automatic = "auto"
    }

    /// The objective `automatic` stands for with this model, and `lme4` replaced by `exact` where
    /// glmer's function does not apply (nAGQ > 1, negative binomial).
    func resolvedStageTwoObjective(_ requested: StageTwoObjective, nAGQ: Int, negativeBinomial: Bool,
                                   standardErrors: StandardErrorMethod) -> StageTwoObjective {
        if nAGQ > 1 || negativeBinomial { return .exact }
        switch requested {
        case .automatic:
            return system.factor.factorEntries < 1e6 && standardErrors != .exactHessian ? .lme4 : .exact
        case .lme4, .exact: return requested
        }
    }

    /// The method `automatic` stands for with this model: lme4's while a factorisation is cheap
    /// (under 10⁶ entries in L), the exact Hessian beyond.
    func resolvedStandardErrorMethod(_ requested: StandardErrorMethod) -> StandardErrorMethod {
        guard requested == .automatic else { return requested }
        return system.factor.factorEntries < 1e6 ? .lme4Hessian : .exactHessian
    }

    func upper(_ count: Int) -> [Double] { [Double](repeating: .infinity, count: count) }

    /// Counts an evaluation and reports it to the observer; failures of PIRLS far from the optimum
    /// give +∞-like values the optimiser can step back from.
    func counted(_ x: [Double], _ body: () throws -> Double) throws -> Double {
        evaluationCount += 1
        var value: Double
        do {
            value = try body()
        } catch let error where error is LinearAlgebraError || error as? GLMMError == .pirlsStepHalvingFailed
                    || { if case GLMMError.pirlsDidNotConverge = error { return true } else { return false } }() {
            // far from the optimum PIRLS may fail; the optimiser steps back from a huge value,
            // but a failure at the very first point is reported as it is
            if evaluationCount == 1 { throw error }
            value = .greatestFiniteMagnitude
            warm = nil
        }
        if !value.isFinite { value = .greatestFiniteMagnitude }
        observer?(evaluationCount, x, value)
        return value
    }

    /// The stage-2 objective at x = (θ, β[, log θ_nb]).
    func outerDeviance(_ x: [Double], nTheta: Int, nAGQ: Int, negativeBinomial: Bool) throws -> Double {
        if negativeBinomial { family = .negativeBinomial(theta: exp(x[nTheta + p])) }
        return try deviance(theta: Array(x[0..<nTheta]), beta: Array(x[nTheta..<(nTheta + p)]), nAGQ: nAGQ)
    }

    /// The deviance at each point (θ, β): lme4's stage-2 function from `lp0`, or the exact one with
    /// PIRLS started at the optimum's modes and, for its quasi-Newton steps, the factorisation at
    /// the optimum's θ and weights (made once, or taken as it stands when `factorAtOptimum`, and
    /// restored before each point) — so each value is independent of the others and of the
    /// order — on `workers` threads, each with its own model (its own CHOLMOD workspace).
    /// `optimum`: the (θ, β) whose modes and factorisation the points start from.
    func evaluatePoints(_ points: [[Double]], optimum: [Double], nTheta: Int, nAGQ: Int, negativeBinomial: Bool,
                        nbParameter: Double?, lp0: [Double]?, factorAtOptimum: Bool = false) throws -> [Double] {
        let start = warm
        let restartsPIRLS = lp0 != nil && nAGQ == 1
        let optimumTheta = Array(optimum.prefix(nTheta))
        let workerCount = min(max(1, workers), points.count)
        let snapshot = restartsPIRLS ? nil
            : try factorAtOptimum ? system.factor.snapshot() : optimumFactor(theta: optimumTheta, state: start)
        if workerCount == 1 {
            return try points.map {
                try GeneralizedLinearMixedModel.pointValue(self, $0, nTheta: nTheta, nAGQ: nAGQ, nbParameter: nbParameter, lp0: lp0,
                                                           start: start, factor: snapshot)
            }
        }
        let results = PointResults(count: points.count)
        let design = self.design, family = self.family, link = self.link
        BLASThreads.sharing(among: workerCount) { DispatchQueue.concurrentPerform(iterations: workerCount) { w in
            do {
                let model = try GeneralizedLinearMixedModel(design: design, family: family, link: link)
                var own: [Double]? = nil
                if !restartsPIRLS {
                    // the same design gives the same analysis; should it not, the worker factors itself
                    if let s = snapshot, model.system.factor.canRestore(s) { own = s }
                    else { own = try model.optimumFactor(theta: optimumTheta, state: start) }
                }
                var k = w
                while k < points.count {
                    results.set(k, try GeneralizedLinearMixedModel.pointValue(model, points[k], nTheta: nTheta, nAGQ: nAGQ,
                                                                              nbParameter: nbParameter, lp0: lp0, start: start,
                                                                              factor: own))
                    k += workerCount
                }
            } catch {
                results.fail(error)
            }
        } }
        if let e = results.error { throw e }
        return results.values
    }

    /// The factorisation of Λ'Z'WZΛ + I at θ and the weights of `state`, as values to restore
    /// (nil for a simplicial factor or without a state).
    func optimumFactor(theta: [Double], state: PIRLSState?) throws -> [Double]? {
        guard let state, theta.count == thetaStart.count else { return nil }
        system.setWeights(state.weights)
        try theta.withUnsafeBufferPointer { try system.factor.update(theta: $0) }
        return system.factor.snapshot()
    }

    /// One point's deviance on a given model object (see `evaluatePoints`): PIRLS steps start on
    /// `factor` when given, else on a fresh factorisation.
    static func pointValue(_ model: GeneralizedLinearMixedModel, _ v: [Double], nTheta: Int, nAGQ: Int, nbParameter: Double?,
                           lp0: [Double]?, start: PIRLSState?, factor: [Double]?) throws -> Double {
        if let nb = nbParameter { model.family = .negativeBinomial(theta: exp(nb)) }
        if let lp0, nAGQ == 1 {
            return try model.lme4StageTwoDeviance(theta: Array(v[0..<nTheta]), beta: Array(v[nTheta...]), lp0: lp0)
        }
        model.warm = start
        if let factor { model.system.factor.restore(factor) }
        return try model.deviance(theta: Array(v[0..<nTheta]), beta: Array(v[nTheta...]), nAGQ: nAGQ, freshFactor: factor == nil)
    }

    /// σ² (R_X'R_X)⁻¹ with σ = 1 from the joint weighted PLS problem at a PIRLS state.
    func rxCovariance(state s: PIRLSState, theta: [Double]) throws -> [Double] {
        let (w, r) = irls(eta: s.eta, mu: s.mu)
        system.setWeights(w)
        system.setResponse((0..<n).map { s.eta[$0] - response.offset[$0] + r[$0] })
        _ = try theta.withUnsafeBufferPointer { try system.evaluate(theta: $0) }
        return try system.unscaledFixedEffectsCovariance()
    }

    func rxStandardErrors(state s: PIRLSState, theta: [Double]) throws -> [Double] {
        let v = try rxCovariance(state: s, theta: theta)
        return (0..<p).map { v[$0 + $0 * p].squareRoot() }
    }

    /// vcov(β̂) = the β block of 2 H⁻¹, H the finite-difference Hessian (step h = 10⁻⁴) of the
    /// deviance over (θ, β); the diagonal from central differences, Hᵢᵢ = (fᵢ₊ − 2f₀ + fᵢ₋)/h².
    /// With `lp0`, the deviance is lme4's stage-2 function (`lme4StageTwoDeviance`) on lme4's
    /// `deriv12` stencil, so that the standard errors are glmer's (`vcov(use.hessian = TRUE)`):
    /// four points per pair, Hᵢⱼ = (f₊₊ − f₊₋ − f₋₊ + f₋₋)/4h², 2m² + 1 points in all. Else it is
    /// the exact deviance, where each point costs a factorisation of a large factor, and the pairs
    /// reuse the axis points: Hᵢⱼ = (f₊₊ − fᵢ₊ − fⱼ₊ + f₀)/h² (the gradient cancels; the error is
    /// h(fᵢᵢⱼ + fᵢⱼⱼ)/2), m(m + 1)/2 + m + 1 points: 15 instead of 33 for m = 4. On the 200,000-row
    /// Bernoulli design its vcov(β̂) agrees with the central O(h²) stencil's to 10⁻⁵ (relative).
    /// `valueAtOptimum`, the exact deviance at x when known (the fit's objective), is not computed
    /// again (lme4's function is evaluated at x as well).
    func hessianCovariance(at x: [Double], nTheta: Int, nAGQ: Int, negativeBinomial: Bool, nbParameter: Double?, lp0: [Double]?,
                           factorAtOptimum: Bool = false, valueAtOptimum: Double? = nil) throws -> [Double] {
        let m = x.count
        let h = 1e-4
        let fourPointPairs = lp0 != nil
        // every point, in a fixed order: f0, then (x ± h eᵢ), then (x ± h eᵢ ± h eⱼ) for j < i:
        // all four signs, or (+, +) only
        let pairSigns: [(Double, Double)] = fourPointPairs ? [(1, 1), (1, -1), (-1, 1), (-1, -1)] : [(1, 1)]
        var points = [x]
        for i in 0..<m {
            var a = x; a[i] += h; points.append(a)
            var b = x; b[i] -= h; points.append(b)
        }
        for i in 0..<m {
            for j in 0..<i {
                for (si, sj) in pairSigns {
                    var a = x; a[i] += si * h; a[j] += sj * h; points.append(a)
                }
            }
        }
        let known = lp0 == nil ? valueAtOptimum : nil
        let evaluated = try evaluatePoints(known == nil ? points : Array(points.dropFirst()), optimum: x, nTheta: nTheta, nAGQ: nAGQ,
                                           negativeBinomial: negativeBinomial, nbParameter: nbParameter, lp0: lp0,
                                           factorAtOptimum: factorAtOptimum)
        let values = known.map { [$0] + evaluated } ?? evaluated
        let f0 = values[0]
        var hess = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            hess[i + i * m] = (values[1 + 2 * i] - 2 * f0 + values[2 + 2 * i]) / (h * h)
        }
        var k = 1 + 2 * m
        for i in 0..<m {
            for j in 0..<i {
                let v: Double
                if fourPointPairs {
                    v = (values[k] - values[k + 1] - values[k + 2] + values[k + 3]) / (4 * h * h)
                } else {
                    v = (values[k] - values[1 + 2 * i] - values[1 + 2 * j] + f0) / (h * h)
                }
                hess[i + j * m] = v
                hess[j + i * m] = v
                k += pairSigns.count
            }
        }
        // invert H by its Cholesky factor (it must be positive definite)
        var l = hess
        let info = l.withUnsafeMutableBufferPointer { csshim_dpotrf_lower(Int32(m), $0.baseAddress!, Int32(m)) }
        if info != 0 { throw LinearAlgebraError.notPositiveDefinite(column: Int(info) - 1) }
        let info2 = l.withUnsafeMutableBufferPointer { csshim_dpotri_lower(Int32(m), $0.baseAddress!, Int32(m)) }
        if info2 != 0 { throw LinearAlgebraError.lapack(routine: "dpotri", info: info2) }
        var v = [Double](repeating: 0, count: p * p)
        for a in 0..<p {
            for b in 0..<p {
                let i = nTheta + max(a, b), j = nTheta + min(a, b)
                v[a + b * p] = 2 * l[i + j * m]
            }
        }
        return v
    }
}

extension GeneralizedLinearMixedModel {
    /// One call, as `glmer(formula, data, family, nAGQ = …)`: builds the design, the model, and fits it.
    public static func fit(_ formula: String, data: DataTable, family: Family, link: Link? = nil, nAGQ: Int = 1,
                           options: DataOptions = DataOptions()) throws -> MixedModelFit {
        let design = try MixedModelDesign(formula: formula, data: data, options: options)
        return try GeneralizedLinearMixedModel(design: design, family: family, link: link).fit(nAGQ: nAGQ)
    }
}

/// Values written by concurrent workers, each to its own indices, and the first error.
final class PointResults: @unchecked Sendable {
    private(set) var values: [Double]
    private(set) var error: Error?
    private let lock = NSLockless()
    init(count: Int) { values = [Double](repeating: .nan, count: count) }
    func set(_ k: Int, _ v: Double) { lock.withLock { values[k] = v } }
    func fail(_ e: Error) { lock.withLock { if error == nil { error = e } } }
}

/// A mutex from the C library (no Foundation needed).
final class NSLockless: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
