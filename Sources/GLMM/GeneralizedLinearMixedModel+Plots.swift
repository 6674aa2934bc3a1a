import SparseLMM

/// Builds a diagnostic plot of `kind` for a GLMM fit (or a Gaussian one), as SparseLMM's
/// `makeDiagnosticPlot(_:fit:design:data:group:x:inverseLink:)` does, with what only this module
/// knows: the inverse link, for the observed-and-fitted plot's fixed-effects line on the
/// response scale, and the GLMM's profiled deviance, for the profile plot.
///
/// - Parameters:
///   - kind: which plot.
///   - fit: the fitted model (`GeneralizedLinearMixedModel.fit`).
///   - design: the design the model was fitted on.
///   - family: the fit's family (for the negative binomial, the fit's θ_nb is used).
///   - link: the fit's link (nil: the family's canonical link).
///   - data: the table the design was built from (for `x` and for grouping by a column).
///   - group: the grouping variable (see SparseLMM's `makeDiagnosticPlot`).
///   - x: for `fitted`, a numeric column for the x axis.
/// - Throws: `PlotError`; for `.profile` also the profile's errors.
public func makeDiagnosticPlot(_ kind: DiagnosticPlotKind, fit: MixedModelFit, design: MixedModelDesign,
                               family: Family, link: Link? = nil, data: DataTable? = nil, group: String? = nil,
                               x: String? = nil) throws -> any DiagnosticPlot {
    let l = link ?? family.canonicalLink
    guard kind == .profile, fit.family != "gaussian" else {
        return try SparseLMM.makeDiagnosticPlot(kind, fit: fit, design: design, data: data, group: group, x: x,
                                      inverseLink: { l.mu($0) })
    }
    if x != nil { throw PlotError.invalidOption("an x variable applies only to the 'fitted' plot") }
    if group != nil { throw PlotError.invalidOption("a group applies to the residuals, qq, caterpillar and fitted plots, not to the profile plot") }
    var options = LikelihoodProfile.Options()
    options.zetaMax = 2.7   // past the 99% level (2.576) drawn in the plot
    let profile = try LikelihoodProfile.compute(
        GeneralizedLinearMixedModelProfileDeviance(design: design, family: family, link: l, fit: fit), options: options)
    return try ProfileZetaPlot(profile: profile, design: design, fit: fit)
}

extension ProfileZetaPlot {
    /// The profile zeta plot of a GLMM fit: each parameter (the random effects' standard
    /// deviations and correlations, then the fixed effects) profiled on the fit's Laplace or
    /// adaptive Gauss-Hermite deviance, as lme4's `xyplot(profile(m))` draws a `glmer` fit, out
    /// to ζ = 2.7 (past the 99% intervals drawn).
    ///
    /// - Parameters:
    ///   - design: the design the model was fitted on.
    ///   - family: the fit's family (for the negative binomial, the fit's θ_nb is used and held).
    ///   - link: the fit's link (nil: the family's canonical link).
    ///   - fit: the fit to profile.
    ///   - workers: parameters profiled in parallel, each worker with its own model.
    ///   - progress: called with (parameters done, parameters in all) as the profile advances.
    /// - Returns: the plot; its `profile.warnings` say where a profile could not be completed.
    /// - Throws: the profile's errors (`InferenceError`, fitting errors), `PlotError`.
    public static func generalized(design: MixedModelDesign, family: Family, link: Link? = nil, fit: MixedModelFit,
                                   workers: Int = 1, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> ProfileZetaPlot {
        var options = LikelihoodProfile.Options(levels: [0.95])
        options.zetaMax = 2.7
        let profile = try await LikelihoodProfile.compute(design: design, family: family, link: link, fit: fit,
                                                          options: options, workers: workers, progress: progress)
        return try ProfileZetaPlot(profile: profile, design: design, fit: fit)
    }
}
