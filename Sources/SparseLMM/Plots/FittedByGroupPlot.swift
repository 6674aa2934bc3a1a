/// Observed and fitted values by group (lattice's `xyplot(y ~ x | g)` with the model's fits):
/// one panel per level of a grouping variable, with shared scales. Each panel shows the observed
/// responses as points, the model's fitted values (fixed effects plus the conditional modes of
/// all random effects) as a solid line, and the population fit (fixed effects only) as a dashed
/// line, so that the shrinkage of each group towards the population is visible.
///
/// Everything is on the response scale: for a GLMM the points are the observed responses (a
/// binomial model's proportions), the solid line the fitted means μ̂ = g⁻¹(η̂) and the dashed line
/// g⁻¹(X β̂ + offset), the mean of a group whose random effects are zero. The x axis is a numeric covariate when one is named (points and lines ordered by
/// it), else the observation's index within its group. At most `maximumPanels` levels are
/// drawn (the first in level order; the subtitle counts the rest).
public struct FittedByGroupPlot: DiagnosticPlot {
    /// The grouping variable whose levels are the panels.
    public let grouping: PlotGrouping
    /// The x values (covariate or within-group index), per observation.
    public let x: [Double]
    /// The x axis title.
    public let xLabel: String
    /// Whether x is the observation index within the group.
    public let xIsIndex: Bool
    /// The observed responses.
    public let observed: [Double]
    /// The fitted values (fixed plus random effects).
    public let fitted: [Double]
    /// Fixed-effects-only fitted values g⁻¹(X β̂ + offset) (X β̂ + offset for the identity link).
    public let populationFitted: [Double]
    /// Whether the model is a GLMM (the lines are fitted means on the response scale).
    public let isGeneralized: Bool
    /// The most panels drawn.
    public let maximumPanels: Int
    let responseName: String
    let family: String

    /// The observed and fitted values of a fit, by group.
    /// - Parameters:
    ///   - fit: the fitted model.
    ///   - design: the design the model was fitted on (its observations must match the fit's).
    ///   - data: the table the design was built from (needed for `x`, and for a grouping column
    ///     that is not a grouping factor of the model).
    ///   - group: the panels' grouping variable (the model's first grouping factor when nil).
    ///   - x: a numeric column of `data` for the x axis (observation index within group when nil).
    ///   - maximumPanels: the most panels drawn (at least 1).
    ///   - inverseLink: the inverse link μ = g⁻¹(η), needed when the fit's link is not the
    ///     identity (the GLMM module passes `Link.mu`).
    /// - Throws: `PlotError` when the link is not the identity and no inverse link is given, the
    ///   fit does not match the design, or a group or column is unknown or unsuitable.
    public init(fit: MixedModelFit, design: MixedModelDesign, data: DataTable? = nil, group: String? = nil,
                x: String? = nil, maximumPanels: Int = 30, inverseLink: (@Sendable (Double) -> Double)? = nil) throws {
        try checkFit(fit, matches: design)
        // the population line is X β̂ on the response scale only for the identity link
        guard fit.link == "identity" || inverseLink != nil else {
            throw PlotError.invalidOption("the observed-and-fitted plot of a fit with the \(fit.link) link needs the inverse link to draw the fixed-effects line on the response scale (the GLMM module's makeDiagnosticPlot passes it)")
        }
        guard maximumPanels >= 1 else { throw PlotError.invalidOption("the maximum number of panels must be at least 1") }
        guard let groupName = group ?? design.terms.first?.factor.name else { throw PlotError.noRandomEffects("the fitted-values plot") }
        let grouping = try PlotGrouping(named: groupName, design: design, data: data)
        let n = design.nobs
        if let x {
            self.x = try FittedByGroupPlot.covariate(x, design: design, data: data)
            self.xLabel = x
            self.xIsIndex = false
        } else {
            var index = [Double](repeating: 0, count: n)
            for idx in grouping.members { for (k, i) in idx.enumerated() { index[i] = Double(k + 1) } }
            self.x = index
            self.xLabel = "Observation within \(groupName)"
            self.xIsIndex = true
        }
        let p = design.p
        guard fit.fixedEffects.count == p, design.X.count == n * p else {
            throw PlotError.fitDoesNotMatchDesign("the fit has \(fit.fixedEffects.count) fixed effects, the design \(p)")
        }
        var population = design.offset ?? [Double](repeating: 0, count: n)
        for j in 0..<p {
            let b = fit.fixedEffects[j]
            for i in 0..<n { population[i] += design.X[i + j * n] * b }
        }
        if fit.link != "identity", let inverseLink { population = population.map(inverseLink) }
        self.grouping = grouping
        self.observed = fit.response
        self.fitted = fit.fitted
        self.populationFitted = population
        self.maximumPanels = maximumPanels
        self.responseName = fit.responseName
        self.isGeneralized = fit.isGeneralized
        self.family = fit.family
    }

    /// The values of the numeric column `name` at the design's observations.
    static func covariate(_ name: String, design: MixedModelDesign, data: DataTable?) throws -> [Double] {
        guard let data else { throw PlotError.dataRequired("an x variable ('\(name)')") }
        guard let column = data.column(name) else {
            throw PlotError.unknownColumn(name, suggestions: data.closestColumnNames(to: name))
        }
        guard case .numeric(let values) = column, !design.options.factorColumns.contains(name),
              design.options.levelOrders[name] == nil else {
            throw PlotError.nonNumericColumn(name)
        }
        guard design.dataRows.allSatisfy({ $0 < values.count }) else {
            throw PlotError.fitDoesNotMatchDesign("the data has fewer rows than the design uses")
        }
        return design.dataRows.map { values[$0] }
    }

    /// Grows with the number of panels, from 640 × 480 to 960 × 760.
    public var preferredSize: (width: Double, height: Double) {
        gridSize(panels: min(grouping.levels.count, maximumPanels))
    }

    /// One panel per level (shared scales) with points, the fitted line and the population line, and a key.
    public func figure(width: Double, height: Double) -> PlotFigure {
        let theme = PlotTheme()
        let members = grouping.members
        let shown = min(members.count, maximumPanels)
        let pointStyle = MarkStyle(pointRadius: 2.3)
        let fitStyle = MarkStyle(color: theme.accentColor, lineWidth: 1.5)
        let populationStyle = MarkStyle(color: "#555555", lineWidth: 1.1, dash: [5, 3])
        var panels = [PlotPanel]()
        for l in 0..<shown {
            let idx = members[l].enumerated().sorted { x[$0.1] != x[$1.1] ? x[$0.1] < x[$1.1] : $0.0 < $1.0 }.map { $0.1 }
            let xs = idx.map { x[$0] }
            panels.append(PlotPanel(title: grouping.levels[l], marks: [
                .polyline(x: xs, y: idx.map { populationFitted[$0] }, style: populationStyle, role: "population-fit"),
                .polyline(x: xs, y: idx.map { fitted[$0] }, style: fitStyle, role: "fit"),
                .points(x: xs, y: idx.map { observed[$0] }, style: pointStyle),
            ], xIntegerValued: xIsIndex))
        }
        var subtitle = "\(responseName) by \(grouping.name)"
        if isGeneralized { subtitle += ", response scale (\(family == "binomial" ? "proportions and fitted probabilities" : "fitted means"))" }
        if shown < members.count { subtitle += " (first \(shown) of \(members.count) levels)" }
        let legend = [LegendEntry(label: "observed", swatch: .point, style: pointStyle),
                      LegendEntry(label: isGeneralized ? "fitted mean (fixed + random effects)" : "fitted (fixed + random effects)", swatch: .line, style: fitStyle),
                      LegendEntry(label: isGeneralized ? "fixed effects only (random effects 0)" : "fitted (fixed effects only)", swatch: .line, style: populationStyle)]
        var yLabel = responseName
        if isGeneralized && family == "binomial" {
            // cbind(successes, failures): the proportion of successes
            var name = responseName
            if name.hasPrefix("cbind("), let comma = name.firstIndex(of: ",") {
                name = String(name[name.index(name.startIndex, offsetBy: 6)..<comma].filter { $0 != " " })
            }
            yLabel = "\(name) (proportion)"
        }
        let grid = PanelGrid(xLabel: xLabel, yLabel: yLabel, panels: panels)
        return PlotFigure(title: "Observed and fitted values", subtitle: subtitle, grids: [grid], legend: legend,
                          legendPlacement: .top, width: width, height: height, theme: theme)
    }
}
