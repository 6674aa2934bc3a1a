/// A diagnostic plot of a fitted mixed model, ready to be laid out at any size.
public protocol DiagnosticPlot: Sendable {
    /// The figure at the given size in pixels.
    func figure(width: Double, height: Double) -> PlotFigure
    /// The size the plot is drawn at when none is given (grows with the number of panels).
    var preferredSize: (width: Double, height: Double) { get }
}

extension DiagnosticPlot {
    /// The plot as a self-contained SVG document, at the preferred size unless one is given.
    public func svg(width: Double? = nil, height: Double? = nil) -> String {
        let size = preferredSize
        return figure(width: width ?? size.width, height: height ?? size.height).svg()
    }
}

/// The kinds of diagnostic plot, as `lmm plot --kind` names them.
public enum DiagnosticPlotKind: String, Sendable, CaseIterable {
    /// Residuals against fitted values (`ResidualsVersusFittedPlot`).
    case residuals
    /// Normal QQ plots of the residuals and the random effects (`NormalQQPlot`).
    case qq
    /// Conditional modes with prediction intervals (`CaterpillarPlot`).
    case caterpillar
    /// Observed and fitted values, one panel per group (`FittedByGroupPlot`).
    case fitted
    /// Profile zeta plots (lme4's `xyplot(profile(m))`, `ProfileZetaPlot`): ζ against each
    /// parameter, one panel per parameter. Needs a likelihood profile, which
    /// `makeDiagnosticPlot` computes (one refit per point: slower than the other kinds).
    case profile

    /// Whether this build can draw the kind (all kinds can).
    public var isAvailable: Bool { true }
}

/// Builds a diagnostic plot of `kind` for a fit.
///
/// Every kind is drawn for Gaussian fits. For a generalized (non-Gaussian) fit the residuals
/// plot shows Pearson residuals against the linear predictor, the QQ plot deviance residuals,
/// and the observed-and-fitted plot needs `inverseLink` (the GLMM module's
/// `makeDiagnosticPlot(_:fit:design:family:link:data:group:x:)` passes it); the profile plot of
/// a generalized fit is computed by the GLMM module (`ProfileZetaPlot.generalized`), and this
/// function throws `PlotError.invalidOption` for it.
///
/// - Parameters:
///   - kind: which plot.
///   - fit: the fitted model.
///   - design: the design the model was fitted on (its observations must match the fit's).
///   - group: the grouping variable — for `residuals` the groups to colour or panel by, for `qq`
///     and `caterpillar` the grouping factor whose random effects are shown (all when nil), for
///     `fitted` the panels (the model's first grouping factor when nil).
///   - x: for `fitted`, a numeric column for the x axis (observation index within group when nil).
///   - data: the table the design was built from (needed for `x` and for grouping by a column
///     that is not a grouping factor of the model).
///   - inverseLink: for the `fitted` plot of a fit whose link is not the identity, the inverse
///     link (μ as a function of η), which draws the fixed-effects-only line on the response scale.
/// - Throws: `PlotError`; for `.profile` also the profile's errors (`InferenceError`, fitting errors).
public func makeDiagnosticPlot(_ kind: DiagnosticPlotKind, fit: MixedModelFit, design: MixedModelDesign,
                               data: DataTable? = nil, group: String? = nil, x: String? = nil,
                               inverseLink: (@Sendable (Double) -> Double)? = nil) throws -> any DiagnosticPlot {
    if x != nil && kind != .fitted {
        throw PlotError.invalidOption("an x variable applies only to the 'fitted' plot")
    }
    let generalized = fit.isGeneralized
    switch kind {
    case .residuals:
        return try ResidualsVersusFittedPlot(fit: fit, design: design, data: data, group: group)
    case .qq:
        return try NormalQQPlot(fit: fit, design: design, group: group, residuals: generalized ? .deviance : .scaled)
    case .caterpillar:
        return try CaterpillarPlot(fit: fit, group: group)
    case .fitted:
        return try FittedByGroupPlot(fit: fit, design: design, data: data, group: group, x: x, inverseLink: inverseLink)
    case .profile:
        if group != nil { throw PlotError.invalidOption("a group applies to the residuals, qq, caterpillar and fitted plots, not to the profile plot") }
        if generalized {
            throw PlotError.invalidOption("the profile plot of a \(fit.family) GLMM is computed by the GLMM module (ProfileZetaPlot.generalized); SparseLMM's makeDiagnosticPlot profiles Gaussian fits only")
        }
        try checkFit(fit, matches: design)
        var options = LikelihoodProfile.Options()
        options.zetaMax = 2.7
        let profile = try LikelihoodProfile.compute(LinearMixedModelProfileDeviance(design: design), options: options)
        return try ProfileZetaPlot(profile: profile, design: design, fit: fit)
    }
}

/// Checks, before a model is fitted, the parts of a plot request that do not depend on the
/// fit: that `group` names a grouping factor of the model (for `qq` and `caterpillar`) or a
/// grouping factor or column (for `residuals` and `fitted`), and that `x` is a numeric column
/// (for `fitted` only). Throws the `PlotError` that `makeDiagnosticPlot` would throw.
public func checkDiagnosticPlotRequest(_ kind: DiagnosticPlotKind, design: MixedModelDesign, data: DataTable? = nil,
                                       group: String? = nil, x: String? = nil) throws {
    if x != nil && kind != .fitted {
        throw PlotError.invalidOption("an x variable applies only to the 'fitted' plot")
    }
    switch kind {
    case .qq, .caterpillar:
        if let group, !design.terms.contains(where: { $0.factor.name == group }) {
            var names = [String]()
            for t in design.terms where !names.contains(t.factor.name) { names.append(t.factor.name) }
            throw PlotError.unknownGroup(group, available: names)
        }
    case .residuals, .fitted:
        if let group { _ = try PlotGrouping(named: group, design: design, data: data) }
        if let x { _ = try FittedByGroupPlot.covariate(x, design: design, data: data) }
    case .profile:
        if group != nil { throw PlotError.invalidOption("a group applies to the residuals, qq, caterpillar and fitted plots, not to the profile plot") }
    }
}

/// Which residuals a plot shows.
public enum ResidualScale: String, Sendable, CaseIterable {
    /// y − ŷ.
    case response
    /// Pearson residuals (response residuals × √weight), as lme4's `plot(m)` shows by default.
    case pearson
    /// Pearson residuals / σ̂, as lme4's summary reports them (for a GLMM, where σ = 1, the
    /// Pearson residuals).
    case scaled
    /// Deviance residuals: sign(y − μ̂) √(deviance contribution), the residuals of a GLMM whose
    /// normal QQ plot is most nearly straight.
    case deviance

    /// The axis title for these residuals.
    public var label: String {
        switch self {
        case .response: return "Residuals"
        case .pearson: return "Pearson residuals"
        case .scaled: return "Scaled residuals"
        case .deviance: return "Deviance residuals"
        }
    }

    func values(_ fit: MixedModelFit) -> [Double] {
        switch self {
        case .response: return fit.residuals
        case .pearson: return fit.pearsonResiduals
        case .scaled: return fit.scaledResiduals
        case .deviance: return fit.devianceResiduals
        }
    }
}

extension MixedModelFit {
    /// Whether the fit is of a generalized (non-Gaussian) model, whose fitted values are means
    /// on the response scale and whose linear predictor is on the link's scale.
    var isGeneralized: Bool { family != "gaussian" }
}

/// A default size that grows with the number of panels of a grid of small multiples.
func gridSize(panels: Int) -> (width: Double, height: Double) {
    switch panels {
    case ...1: return (640, 480)
    case ...4: return (720, 540)
    case ...12: return (820, 620)
    default: return (960, 760)
    }
}
