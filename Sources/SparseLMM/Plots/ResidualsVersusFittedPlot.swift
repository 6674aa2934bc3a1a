/// Residuals against fitted values (lme4's `plot(m)`), with a horizontal line at zero and,
/// optionally, a lowess smooth (R's `lowess`, f = 2/3) that shows any trend the model misses.
///
/// For a GLMM the x axis is by default the linear predictor η̂ (on the link's scale, where the
/// points of a binomial or Poisson model spread out instead of piling up near 0 and 1), and the
/// y axis Pearson or deviance residuals; the axis titles say which.
///
/// With a grouping variable the observations are either coloured by group with a key (few
/// levels) or split into one panel per level with shared scales (more levels; at most
/// `maximumPanels`, the first levels in level order, the rest counted in the subtitle).
public struct ResidualsVersusFittedPlot: DiagnosticPlot {
    /// How a grouping is shown.
    public enum GroupDisplay: Sendable {
        /// Colours for up to `maximumColours` levels, panels beyond.
        case automatic
        /// One colour per level, with a key.
        case colours
        /// One panel per level.
        case panels
    }

    /// What the x axis shows.
    public enum FittedScale: Sendable {
        /// The fitted values for a Gaussian fit, the linear predictor for a GLMM.
        case automatic
        /// Fitted values on the response scale (a GLMM's fitted means μ̂).
        case response
        /// The linear predictor η̂ = X β̂ + Z b̂ + offset (the link's scale).
        case linearPredictor
    }

    /// At most this many levels are told apart by colour.
    public static let maximumColours = 6

    /// The fitted values or linear predictor (x), as `xLabel` says.
    public let fitted: [Double]
    /// The x axis title ("Fitted values", "Linear predictor (logit scale)", "Fitted mean (response scale)").
    public let xLabel: String
    /// The residuals (y), on `scale`.
    public let residuals: [Double]
    /// Which residuals are shown.
    public let scale: ResidualScale
    /// The grouping variable, if any.
    public let grouping: PlotGrouping?
    /// Whether groups are drawn as panels (else as colours).
    public let usesPanels: Bool
    /// Whether lowess smooths are drawn.
    public let smooth: Bool
    /// The most panels drawn when grouping by panels.
    public let maximumPanels: Int
    let responseName: String

    /// The residuals-versus-fitted plot of a fit.
    /// - Parameters:
    ///   - fit: the fitted model.
    ///   - design: the design the model was fitted on (its observations must match the fit's).
    ///   - data: the table the design was built from (needed to group by a column that is not a
    ///     grouping factor of the model).
    ///   - group: a grouping factor of the model or a categorical column of `data`.
    ///   - residuals: which residuals to show (lme4's default: Pearson).
    ///   - against: the x axis: fitted values or the linear predictor (by default the fitted
    ///     values of a Gaussian fit, the linear predictor of a GLMM).
    ///   - display: colours or panels for the groups.
    ///   - smooth: whether to add a lowess smooth (per panel when panelled; groups need at least 5 points).
    ///   - maximumPanels: the most panels drawn when grouping by panels (at least 1).
    /// - Throws: `PlotError` when the fit does not match the design, the group is unknown, or
    ///   colours are asked for more levels than the palette has.
    public init(fit: MixedModelFit, design: MixedModelDesign, data: DataTable? = nil, group: String? = nil,
                residuals: ResidualScale = .pearson, against: FittedScale = .automatic, display: GroupDisplay = .automatic,
                smooth: Bool = true, maximumPanels: Int = 30) throws {
        try checkFit(fit, matches: design)
        guard maximumPanels >= 1 else { throw PlotError.invalidOption("the maximum number of panels must be at least 1") }
        let generalized = fit.isGeneralized
        let onLinkScale: Bool
        switch against {
        case .automatic: onLinkScale = generalized
        case .response: onLinkScale = false
        case .linearPredictor: onLinkScale = true
        }
        if onLinkScale {
            guard fit.linearPredictor.count == fit.fitted.count else {
                throw PlotError.fitDoesNotMatchDesign("the fit has no linear predictor")
            }
            self.fitted = fit.linearPredictor
            self.xLabel = "Linear predictor (\(fit.link) scale)"
        } else {
            self.fitted = fit.fitted
            self.xLabel = generalized ? "Fitted mean (response scale)" : "Fitted values"
        }
        self.residuals = residuals.values(fit)
        self.scale = residuals
        self.smooth = smooth
        self.maximumPanels = maximumPanels
        self.responseName = fit.responseName
        if let group {
            let g = try PlotGrouping(named: group, design: design, data: data)
            switch display {
            case .automatic: usesPanels = g.levels.count > ResidualsVersusFittedPlot.maximumColours
            case .panels: usesPanels = true
            case .colours:
                if g.levels.count > PlotTheme.palette.count {
                    throw PlotError.tooManyGroupsForColours(group: group, levels: g.levels.count, maximum: PlotTheme.palette.count)
                }
                usesPanels = false
            }
            grouping = g
        } else {
            grouping = nil
            usesPanels = false
        }
    }

    /// 640 × 480 for one panel, larger for small multiples.
    public var preferredSize: (width: Double, height: Double) {
        guard let g = grouping, usesPanels else { return (640, 480) }
        return gridSize(panels: min(g.levels.count, maximumPanels))
    }

    /// One panel (or one per group) with the points, the zero line and the smooth, and a key.
    public func figure(width: Double, height: Double) -> PlotFigure {
        let theme = PlotTheme()
        let n = fitted.count
        let radius = n > 2000 ? 1.5 : 2.5
        let zero = PlotMark(.horizontalLine(y: 0), style: MarkStyle(color: theme.referenceColor, dash: [4, 3]), role: "reference")
        let smoothStyle = MarkStyle(color: theme.accentColor, lineWidth: 1.6)
        let against = xLabel.hasPrefix("Linear predictor") ? "the linear predictor" : xLabel.hasPrefix("Fitted mean") ? "fitted means" : "fitted values"
        var subtitle = "\(responseName): \(scale == .pearson ? "Pearson residuals" : scale.label.lowercased()) against \(against)"
        var legend = [LegendEntry]()
        var placement = LegendPlacement.top
        var legendTitle: String? = nil
        var panels = [PlotPanel]()

        func smoothMark(_ idx: [Int], style: MarkStyle) -> PlotMark? {
            guard smooth, idx.count >= 5 else { return nil }
            let s = lowess(x: idx.map { fitted[$0] }, y: idx.map { residuals[$0] })
            return .polyline(x: s.x, y: s.y, style: style, role: "smooth")
        }

        if let g = grouping, usesPanels {
            let members = g.members
            let shown = min(members.count, maximumPanels)
            for l in 0..<shown {
                let idx = members[l]
                var marks = [zero, PlotMark.points(x: idx.map { fitted[$0] }, y: idx.map { residuals[$0] }, style: MarkStyle(pointRadius: radius))]
                if let s = smoothMark(idx, style: smoothStyle) { marks.append(s) }
                panels.append(PlotPanel(title: g.levels[l], marks: marks))
            }
            subtitle += ", by \(g.name)"
            if shown < members.count { subtitle += " (first \(shown) of \(members.count) levels)" }
        } else if let g = grouping {
            var marks = [zero]
            for (l, idx) in g.members.enumerated() where !idx.isEmpty {
                let style = MarkStyle(color: PlotTheme.palette[l % PlotTheme.palette.count], pointRadius: radius)
                marks.append(.points(x: idx.map { fitted[$0] }, y: idx.map { residuals[$0] }, style: style))
                legend.append(LegendEntry(label: g.levels[l], swatch: .point, style: style))
            }
            let all = Array(0..<n)
            if let s = smoothMark(all, style: MarkStyle(color: "#000000", lineWidth: 1.6)) {
                marks.append(s)
                legend.append(LegendEntry(label: "lowess smooth", swatch: .line, style: MarkStyle(color: "#000000", lineWidth: 1.6)))
            }
            panels = [PlotPanel(marks: marks)]
            placement = .right
            legendTitle = g.name
            subtitle += ", coloured by \(g.name)"
        } else {
            let all = Array(0..<n)
            var marks = [zero, PlotMark.points(x: fitted, y: residuals, style: MarkStyle(pointRadius: radius))]
            if let s = smoothMark(all, style: smoothStyle) {
                marks.append(s)
                legend = [LegendEntry(label: "observation", swatch: .point, style: MarkStyle()),
                          LegendEntry(label: "lowess smooth", swatch: .line, style: smoothStyle)]
            }
            panels = [PlotPanel(marks: marks)]
        }
        let grid = PanelGrid(xLabel: xLabel, yLabel: scale.label, panels: panels)
        return PlotFigure(title: xLabel.hasPrefix("Linear predictor") ? "Residuals vs linear predictor" : "Residuals vs fitted", subtitle: subtitle, grids: [grid], legend: legend,
                          legendTitle: legendTitle, legendPlacement: placement, width: width, height: height, theme: theme)
    }
}
