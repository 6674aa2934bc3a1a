import SparseLMM
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension GeneralizedLinearMixedModel {
    /// Every quantity lme4 reports for a GLMM, at the final PIRLS state. `factorAtState`: the
    /// factor already holds Λ'Z'WZΛ + I at θ and the state's weights (PIRLS's last factorisation
    /// was this state's), so it is not made again.
    func results(state s: PIRLSState, theta: [Double], beta: [Double], objective: Double, vcov: [Double], nAGQ: Int,
                 factorAtState: Bool = false) throws -> MixedModelFit {
        system.factor.setParameters(theta)
        var b = [Double](repeating: 0, count: q)
        b = system.factor.lambda(s.u)
        // conditional covariances of b: Λ (L L')⁻¹ Λ' at the final weights (σ = 1)
        if !factorAtState || !system.hasFactorization {
            system.setWeights(s.weights)
            try theta.withUnsafeBufferPointer { try system.factor.update(theta: $0) }
        }
        let condVar = try system.conditionalCovariances(scale: 1, force: false)
        var estimates = [RandomEffectsEstimates]()
        var offset = 0
        for (t, term) in design.terms.enumerated() {
            let count = term.randomEffectCount
            estimates.append(RandomEffectsEstimates(group: term.factor.name, levels: term.factor.levels, columns: term.columnNames,
                                                    values: Array(b[offset..<(offset + count)]), conditionalVariances: condVar?[t]))
            offset += count
        }
        let y = response.y, pw = response.weights
        var resid = [Double](repeating: 0, count: n), pearson = resid, devres = resid, working = resid
        for i in 0..<n {
            let r = y[i] - s.mu[i]
            resid[i] = r
            pearson[i] = r * (pw[i] / family.variance(s.mu[i])).squareRoot()
            let d = family.deviance(y: y[i], mu: s.mu[i], weight: pw[i])
            devres[i] = (r >= 0 ? 1 : -1) * max(d, 0).squareRoot()
            working[i] = r / link.muEta(s.eta[i])
        }
        let se = (0..<p).map { vcov[$0 + $0 * p].squareRoot() }
        let singular = zip(theta, system.factor.covariance.flatMap { $0.isDiagonal }).contains { $1 && $0 < 1e-4 }
        var messages = [String](), warnings = design.warnings
        guard objective.isFinite, beta.allSatisfy({ $0.isFinite }), theta.allSatisfy({ $0.isFinite }) else {
            throw ModelError.nonFiniteEstimates
        }
        if !design.droppedColumns.isEmpty {
            let k = design.droppedColumns.count
            messages.append("fixed-effect model matrix is rank deficient so dropping \(k) column\(k == 1 ? "" : "s") / coefficient\(k == 1 ? "" : "s")")
        }
        if singular {
            messages.append("boundary (singular) fit: see help('isSingular')")
            warnings.append("boundary (singular) fit: see help('isSingular')")
        }
        if case .binomial = family, s.mu.contains(where: { $0 <= 10 * Link.epsilon || $0 >= 1 - 10 * Link.epsilon }) {
            warnings.append("fitted probabilities numerically 0 or 1 occurred: a fixed effect may separate the response (complete separation); its estimate and standard error are not reliable")
        }
        var nbTheta: Double? = nil
        if case .negativeBinomial(let t) = family { nbTheta = t }
        let npar = p + theta.count + (nbTheta == nil ? 0 : 1)
        let linkName = link.rawValue
        var fit = MixedModelFit(
            formula: design.formula.text, responseName: design.responseName, family: family.name, link: linkName,
            method: nAGQ > 1 ? "AGQ" : "Laplace", nAGQ: nAGQ, nobs: n, groupCounts: design.groupCounts,
            objective: objective, logLik: -objective / 2, parameterCount: npar,
            thetaNames: design.thetaNames, theta: theta, sigma: nil,
            fixedEffectNames: design.fixedEffectNames, fixedEffects: beta, standardErrors: se, covariance: vcov,
            varCorr: design.varCorr(theta: theta, sigma: 1, residual: false),
            randomEffects: estimates, negativeBinomialTheta: nbTheta,
            response: y, fitted: s.mu, linearPredictor: s.eta, residuals: resid,
            pearsonResiduals: pearson, devianceResiduals: devres, workingResiduals: working, weights: response.hasWeights || family == .binomial ? pw : nil,
            converged: true, singular: singular, droppedColumns: design.droppedColumns, omittedRows: design.omittedRows,
            evaluations: evaluationCount, fitSeconds: 0, optimizerMessage: "", warnings: warnings, messages: messages,
            optimizerReport: "")
        fit.weightsColumn = design.options.weightsColumn
        return fit
    }
}
