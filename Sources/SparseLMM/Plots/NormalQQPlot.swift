/// Normal QQ plots (R's `qqnorm` + `qqline`): the sorted residuals, and the sorted conditional
/// modes of each random-effects column (one panel per column, as lme4's `qqmath(ranef(m))`),
/// against standard normal quantiles at R's `ppoints`, each with the line through the first
/// and third quartiles. Points off the line show departures from normality: curvature for
/// skewness, an S shape for heavy or light tails, isolated points for outliers.
///
/// Panels have free scales. A sample larger than `maximumPoints` is thinned for drawing: the
/// most extreme points on both sides are all kept, the dense middle is drawn at evenly spaced
/// ranks (the subtitle says so); the quartile line always uses the full sample.
public struct NormalQQPlot: DiagnosticPlot {
    /// One panel's sample.
    public struct Sample: Sendable {
        /// Strip text (`Scaled residuals`, `Subject: (Intercept)`).
        public let title: String
        /// The values, ascending.
        public let sorted: [Double]
    }

    /// The panels' samples: the residuals first, then each random-effects column.
    public let samples: [Sample]
    /// The most points drawn per panel (larger samples are thinned in the middle).
    public let maximumPoints: Int

    /// The normal QQ plots of a fit's residuals and conditional modes.
    /// - Parameters:
    ///   - fit: the fitted model.
    ///   - design: the design the model was fitted on (its observations must match the fit's).
    ///   - group: show only this grouping factor's random effects (all when nil).
    ///   - residuals: which residuals (the first panel); nil for random effects only.
    ///   - maximumPoints: the most points drawn per panel (at least 10).
    /// - Throws: `PlotError` when the fit does not match the design, the group is unknown or
    ///   there is nothing to plot.
    public init(fit: MixedModelFit, design: MixedModelDesign, group: String? = nil,
                residuals: ResidualScale? = .scaled, maximumPoints: Int = 4000) throws {
        try checkFit(fit, matches: design)
        guard maximumPoints >= 10 else { throw PlotError.invalidOption("the maximum number of points must be at least 10") }
        var samples = [Sample]()
        if let residuals {
            samples.append(Sample(title: residuals.label, sorted: residuals.values(fit).filter { $0.isFinite }.sorted()))
        }
        let effects = fit.randomEffects.filter { group == nil || $0.group == group }
        if let group, effects.isEmpty {
            throw PlotError.unknownGroup(group, available: uniqueGroups(fit))
        }
        for re in effects {
            let k = re.columns.count
            for (c, column) in re.columns.enumerated() {
                let values = re.levels.indices.map { re.values[$0 * k + c] }
                samples.append(Sample(title: "\(re.group): \(column)", sorted: values.sorted()))
            }
        }
        if samples.isEmpty { throw PlotError.noRandomEffects("the QQ plot") }
        self.samples = samples
        self.maximumPoints = maximumPoints
    }

    /// A row of panels for up to three samples, a grid beyond.
    public var preferredSize: (width: Double, height: Double) {
        switch samples.count {
        case 1: return (560, 480)
        case 2: return (760, 420)
        case 3: return (900, 380)
        case 4: return (760, 640)
        default: return gridSize(panels: samples.count)
        }
    }

    /// The ranks drawn for a sample of `n` points (all of them up to `maximumPoints`).
    func drawnRanks(_ n: Int) -> [Int] {
        guard n > maximumPoints else { return Array(0..<n) }
        let tail = maximumPoints / 8
        let middle = maximumPoints - 2 * tail
        var ranks = Array(0..<tail)
        let lo = tail, hi = n - tail - 1
        for j in 0..<middle {
            ranks.append(lo + Int((Double(j) / Double(max(middle - 1, 1)) * Double(hi - lo)).rounded()))
        }
        ranks += (n - tail)..<n
        var seen = Set<Int>()
        return ranks.filter { seen.insert($0).inserted }
    }

    /// One panel per sample with free scales: points at the normal quantiles of R's `ppoints`, and the quartile line.
    public func figure(width: Double, height: Double) -> PlotFigure {
        let theme = PlotTheme()
        var panels = [PlotPanel]()
        var thinned = [String]()
        for s in samples {
            let n = s.sorted.count
            let p = plottingPositions(n)
            let ranks = drawnRanks(n)
            if ranks.count < n { thinned.append("\(s.title): \(ranks.count) of \(n) points drawn") }
            var marks = [PlotMark]()
            if let line = quartileLine(s.sorted) {
                marks.append(PlotMark(.straightLine(intercept: line.intercept, slope: line.slope),
                                      style: MarkStyle(color: theme.accentColor, lineWidth: 1.2), role: "qqline"))
            }
            marks.append(.points(x: ranks.map { normalQuantile(p[$0]) }, y: ranks.map { s.sorted[$0] },
                                 style: MarkStyle(pointRadius: n > 2000 ? 1.6 : 2.5)))
            panels.append(PlotPanel(title: s.title, marks: marks))
        }
        var subtitle = "line through the quartiles"
        if !thinned.isEmpty { subtitle += "; " + thinned.joined(separator: "; ") + " (all tails kept)" }
        let grid = PanelGrid(xLabel: "Standard normal quantiles", yLabel: "Sample quantiles", panels: panels,
                             columns: panels.count <= 3 ? panels.count : nil, sharedX: false, sharedY: false)
        return PlotFigure(title: "Normal QQ plots", subtitle: subtitle, grids: [grid], width: width, height: height, theme: theme)
    }
}

/// The fit's grouping factor names, each once, in term order.
func uniqueGroups(_ fit: MixedModelFit) -> [String] {
    var names = [String]()
    for re in fit.randomEffects where !names.contains(re.group) { names.append(re.group) }
    return names
}
