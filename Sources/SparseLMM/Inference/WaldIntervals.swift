/// Wald confidence intervals, lme4's `confint(m, method = "Wald")`: β̂ⱼ ± z₁₋α/₂ · SE(β̂ⱼ) for
/// the fixed effects, with the fit's standard errors (for a GLMM, those of the fit's
/// `StandardErrorMethod`). The variance parameters (`.sig01`, …, `.sigma`) get no Wald
/// interval — lme4 reports NA for them, and so does this: their sampling distributions are
/// far from normal (bounded, skewed), so estimate ± z·SE would be misleading. Use profile or
/// bootstrap intervals for them.
public enum WaldIntervals {
    /// The Wald intervals of a fit at a confidence level in (0, 1).
    public static func compute(fit: MixedModelFit, level: Double = 0.95) throws -> ConfidenceIntervals {
        try checkLevel(level)
        let z = normalQuantile(1 - (1 - level) / 2)
        var rows = varianceParameterNames(count: fit.theta.count).map { ConfidenceInterval(name: $0, lower: nil, upper: nil) }
        if fit.family == "gaussian" { rows.append(ConfidenceInterval(name: ".sigma", lower: nil, upper: nil)) }
        for (j, name) in fit.fixedEffectNames.enumerated() {
            let b = fit.fixedEffects[j], se = fit.standardErrors[j]
            rows.append(ConfidenceInterval(name: name, lower: b - z * se, upper: b + z * se))
        }
        return ConfidenceIntervals(method: .wald, level: level, intervals: rows,
                                   notes: ["Wald intervals are given for the fixed effects only; the variance parameters have none (NA), as in lme4"])
    }
}
