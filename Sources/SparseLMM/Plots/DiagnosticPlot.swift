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
    /// Profile zeta plots (lme4's `xyplot(profile(m))`). Not available yet: they need
    /// likelihood profiles of the fit, which the library does not compute. This is the extension
    /// point: once profiling exists, a `ProfileZetaPlot: DiagnosticPlot` built from the profile
    /// (ζ against each parameter, one panel per parameter, with the ±1.96 reference lines) is
    /// returned from `makeDiagnosticPlot` for this case, drawn with the same panel toolkit.
    case profile

    /// Whether this build can draw the kind.
    public var isAvailable: Bool { self != .profile }
}

/// Builds a diagnostic plot of `kind` for a Gaussian fit.
///
/// - Parameters:
///   - group: the grouping variable — for `residuals` the groups to colour or panel by, for `qq`
///     and `caterpillar` the grouping factor whose random effects are shown (all when nil), for
///     `fitted` the panels (the model's first grouping factor when nil).
///   - x: for `fitted`, a numeric column for the x axis (observation index within group when nil).
///   - data: the table the design was built from (needed for `x` and for grouping by a column
///     that is not a grouping factor of the model).
/// - Throws: `PlotError` — for `.profile` always `PlotError.profileUnavailable`.
public func makeDiagnosticPlot(_ kind: DiagnosticPlotKind, fit: MixedModelFit, design: MixedModelDesign,
                               data: DataTable? = nil, group: String? = nil, x: String? = nil) throws -> any DiagnosticPlot {
    if x != nil && kind != .fitted {
        throw PlotError.invalidOption("an x variable applies only to the 'fitted' plot")
    }
    switch kind {
    case .residuals:
        return try ResidualsVersusFittedPlot(fit: fit, design: design, data: data, group: group)
    case .qq:
        return try NormalQQPlot(fit: fit, design: design, group: group)
    case .caterpillar:
        return try CaterpillarPlot(fit: fit, group: group)
    case .fitted:
        return try FittedByGroupPlot(fit: fit, design: design, data: data, group: group, x: x)
    case .profile:
        throw PlotError.profileUnavailable
    }
}

/// Checks, before a model is fitted, the parts of a plot request that do not depend on the
/// fit: that `group` names a grouping factor of the model (for `qq` and `caterpillar`) or a
/// grouping factor or column (for `residuals` and `fitted`), and that `x` is a numeric column
/// (for `fitted` only). Throws the `PlotError` that `makeDiagnosticPlot` would throw.
public func checkDiagnosticPlotRequest(_ kind: DiagnosticPlotKind, design: MixedModelDesign, data: DataTable? = nil,
                                       group: String? = nil, x: String? = nil) throws {
    if kind == .profile { throw PlotError.profileUnavailable }
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
        break
    }
}

/// Which residuals a plot shows.
public enum ResidualScale: String, Sendable, CaseIterable {
    /// y − ŷ.
    case response
    /// Pearson residuals (response residuals × √weight), as lme4's `plot(m)` shows by default.
    case pearson
    /// Pearson residuals / σ̂, as lme4's summary reports them.
    case scaled

    /// The axis title for these residuals.
    public var label: String {
        switch self {
        case .response: return "Residuals"
        case .pearson: return "Pearson residuals"
        case .scaled: return "Scaled residuals"
        }
    }

    func values(_ fit: MixedModelFit) -> [Double] {
        switch self {
        case .response: return fit.residuals
        case .pearson: return fit.pearsonResiduals
        case .scaled: return fit.scaledResiduals
        }
    }
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
