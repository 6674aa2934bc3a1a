/// lme4's `dotplot(ranef(m, condVar = TRUE))`: for each grouping factor, the conditional modes of
/// its random effects with 95% prediction intervals (mode ± 1.96 conditional standard
/// deviations), one panel per column of the term, levels on the y axis. Levels are ordered by
/// their mode in the first column, smallest at the bottom, the same order in every panel of the
/// factor; a dashed line marks zero. With more than `PlotTheme.maximumLabelledCategories`
/// levels the level labels are left out and only the intervals are drawn.
///
/// Several grouping factors are drawn as blocks stacked top to bottom, each as tall as its
/// number of levels needs.
public struct CaterpillarPlot: DiagnosticPlot {
    /// One grouping factor's random effects.
    public struct Block: Sendable {
        /// The grouping factor's name (a block's heading).
        public let group: String
        /// Level labels, in the factor's level order.
        public let levels: [String]
        /// The term columns, one panel each (`(Intercept)`, `Days`).
        public let columns: [String]
        /// Conditional modes, `modes[column][level]`.
        public let modes: [[Double]]
        /// Conditional standard deviations, `sds[column][level]`.
        public let sds: [[Double]]
        /// Level indices from the bottom of the plot to the top: ascending mode of the first
        /// column (ties in level order).
        public let order: [Int]
    }

    /// One block per grouping factor, in the model's term order.
    public let blocks: [Block]
    /// The multiple of the conditional SD drawn on each side of a mode.
    public let multiplier: Double

    /// The caterpillar plot of a fit's conditional modes.
    /// - Parameters:
    ///   - fit: the fitted model; its conditional variances must have been computed.
    ///   - group: only this grouping factor (all when nil). Terms on the same factor are combined.
    ///   - multiplier: the interval half-width in conditional SDs (1.96 for 95%).
    /// - Throws: `PlotError.conditionalVariancesUnavailable` when the fit has no conditional variances;
    ///   `PlotError` for an unknown group, no random effects or a negative multiplier.
    public init(fit: MixedModelFit, group: String? = nil, multiplier: Double = 1.96) throws {
        guard multiplier >= 0, multiplier.isFinite else { throw PlotError.invalidOption("the interval multiplier must be a non-negative number") }
        let effects = fit.randomEffects.filter { group == nil || $0.group == group }
        if let group, effects.isEmpty { throw PlotError.unknownGroup(group, available: uniqueGroups(fit)) }
        if effects.isEmpty { throw PlotError.noRandomEffects("the caterpillar plot") }
        var blocks = [Block]()
        for name in uniqueGroups(fit) where effects.contains(where: { $0.group == name }) {
            var columns = [String](), modes = [[Double]](), sds = [[Double]]()
            var levels = [String]()
            for re in effects where re.group == name {
                guard let cv = re.conditionalVariances else { throw PlotError.conditionalVariancesUnavailable(group: name) }
                let k = re.columns.count, l = re.levels.count
                guard cv.count == l * k * k, re.values.count == l * k else {
                    throw PlotError.fitDoesNotMatchDesign("the random effects of '\(name)' have inconsistent sizes")
                }
                levels = re.levels
                for c in 0..<k {
                    columns.append(re.columns[c])
                    modes.append((0..<l).map { re.values[$0 * k + c] })
                    sds.append((0..<l).map { max(0, cv[$0 * k * k + c + c * k]).squareRoot() })
                }
            }
            let first = modes[0]
            let order = levels.indices.sorted { first[$0] != first[$1] ? first[$0] < first[$1] : $0 < $1 }
            blocks.append(Block(group: name, levels: levels, columns: columns, modes: modes, sds: sds, order: order))
        }
        self.blocks = blocks
        self.multiplier = multiplier
    }

    /// Height in pixels a block needs: a row per level when labelled, a fixed height otherwise.
    func blockHeight(_ b: Block, theme: PlotTheme) -> Double {
        let chrome = 30.0 + theme.headingSize * 1.6 + theme.stripSize * 1.65 + theme.tickLabelSize + 8
        if b.levels.count > theme.maximumLabelledCategories { return chrome + 360 }
        return chrome + max(90, Double(b.levels.count) * 13)
    }

    /// 640 px wide (wider for more than two columns), about 13 px per labelled level in height.
    public var preferredSize: (width: Double, height: Double) {
        let theme = PlotTheme()
        let columns = blocks.map { $0.columns.count }.max() ?? 1
        let width = max(640, 120 + 260 * Double(columns))
        let height = 70 + blocks.reduce(0) { $0 + blockHeight($1, theme: theme) }
        return (width, min(max(height, 320), 4000).rounded())
    }

    /// The blocks stacked top to bottom, each a row of panels (one per column) sharing the level axis.
    public func figure(width: Double, height: Double) -> PlotFigure {
        let theme = PlotTheme()
        var grids = [PanelGrid]()
        for (bi, b) in blocks.enumerated() {
            let labels = b.order.map { b.levels[$0] }
            let positions = b.order.indices.map { Double($0 + 1) }
            var panels = [PlotPanel]()
            let dense = b.levels.count > theme.maximumLabelledCategories
            for (c, column) in b.columns.enumerated() {
                let m = b.order.map { b.modes[c][$0] }
                let s = b.order.map { b.sds[c][$0] }
                let marks: [PlotMark] = [
                    PlotMark(.segments(x0: zip(m, s).map { $0 - multiplier * $1 }, y0: positions,
                                       x1: zip(m, s).map { $0 + multiplier * $1 }, y1: positions),
                             style: MarkStyle(color: dense ? "#a6a6a6" : "#4d4d4d", lineWidth: dense ? 0.6 : 1.1), role: "interval"),
                    PlotMark(.verticalLine(x: 0), style: MarkStyle(color: dense ? "#333333" : theme.referenceColor, dash: [4, 3]), role: "reference"),
                    .points(x: m, y: positions, style: MarkStyle(color: PlotTheme.defaultPointColor, pointRadius: dense ? 1.2 : 2.6, filled: true)),
                ]
                panels.append(PlotPanel(title: column, marks: marks, yCategories: labels))
            }
            let note = dense ? " (\(b.levels.count) levels, labels omitted)" : ""
            grids.append(PanelGrid(heading: b.group + note,
                                   xLabel: bi == blocks.count - 1 ? "Conditional mode ± \(RNumberFormat.asCharacter(multiplier)) conditional SD" : nil,
                                   panels: panels, columns: panels.count, sharedX: false, sharedY: true,
                                   heightWeight: blockHeight(b, theme: theme)))
        }
        let subtitle = "levels ordered by the first column's mode"
        return PlotFigure(title: "Conditional modes of the random effects", subtitle: subtitle, grids: grids,
                          width: width, height: height, theme: theme)
    }
}
