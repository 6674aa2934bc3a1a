/// lme4's extractor names on a fitted model, for users who know `fixef(m)`, `ranef(m)`, `vcov(m)`…
extension MixedModelFit {
    /// lme4's `fixef`: β̂ by column name.
    public var fixef: [String: Double] { Dictionary(uniqueKeysWithValues: zip(fixedEffectNames, fixedEffects)) }

    /// lme4's `vcov`: the covariance of β̂ (p × p), rows and columns in `fixedEffectNames` order.
    public var vcov: DenseMatrix { DenseMatrix(rows: fixedEffects.count, columns: fixedEffects.count, values: covariance) }

    /// lme4's `getME(m, "theta")` by name.
    public var thetaByName: [String: Double] { Dictionary(uniqueKeysWithValues: zip(thetaNames, theta)) }

    /// lme4's `ranef`: group → level → column → conditional mode (terms on the same grouping
    /// factor merged, as lme4 merges them).
    public var ranef: [String: [String: [String: Double]]] {
        var out = [String: [String: [String: Double]]]()
        for re in randomEffects {
            for (l, level) in re.levels.enumerated() {
                for (c, column) in re.columns.enumerated() {
                    out[re.group, default: [:]][level, default: [:]][column] = re.value(level: l, column: c)
                }
            }
        }
        return out
    }

    /// lme4's `ranef(m, condVar = TRUE)` standard deviations: group → level → column → conditional
    /// SD (nil when the conditional variances were not computed).
    public var ranefConditionalSD: [String: [String: [String: Double]]]? {
        guard randomEffects.allSatisfy({ $0.conditionalVariances != nil }) else { return nil }
        var out = [String: [String: [String: Double]]]()
        for re in randomEffects {
            let k = re.columns.count
            for (l, level) in re.levels.enumerated() {
                for (c, column) in re.columns.enumerated() {
                    out[re.group, default: [:]][level, default: [:]][column] = re.conditionalVariances![l * k * k + c + c * k].squareRoot()
                }
            }
        }
        return out
    }

    /// The kinds of residuals lme4 offers (`residuals(m, type = …)`).
    public enum ResidualType: String, Sendable, CaseIterable {
        /// y − μ.
        case response
        /// (y − μ)·√w / √V(μ).
        case pearson
        /// sign(y − μ)·√(unit deviance) (response residuals for Gaussian models).
        case deviance
        /// (y − μ)/(dμ/dη): the working residuals of the last IRLS step (response residuals for
        /// Gaussian models).
        case working
    }

    /// lme4's `residuals(m, type = …)`; the default is lme4's (response for LMMs, deviance for GLMMs).
    public func residuals(_ type: ResidualType? = nil) -> [Double] {
        switch type ?? (family == "gaussian" ? .response : .deviance) {
        case .response: return residuals
        case .pearson: return pearsonResiduals
        case .deviance: return devianceResiduals
        case .working: return workingResiduals
        }
    }

    /// lme4's `fitted(m)` on the response scale, or the linear predictor η (`predict(m, type = "link")`).
    public func fittedValues(linkScale: Bool = false) -> [Double] { linkScale ? linearPredictor : fitted }

    /// lme4's `VarCorr(m)` as printed: the random-effects table text.
    public var varCorrText: String { varCorrTable() }
}
