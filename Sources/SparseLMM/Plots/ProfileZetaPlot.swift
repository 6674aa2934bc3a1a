/// Profile zeta plots (lme4's `xyplot(profile(m))`): one panel per parameter with ζ, the signed
/// square root of the deviance increase, against the parameter. A straight line means a
/// quadratic log-likelihood, where Wald intervals would be accurate; curvature shows skewness
/// (typical of standard deviations), a flattening end a parameter the data hardly bound.
///
/// As in lme4, each panel has its own x scale and all share the y scale; vertical lines drop
/// from the curve to ζ = 0 at the end points of the 50, 80, 90, 95 and 99% profile intervals
/// (the 95% ones emphasised), and, for the fixed effects, a dashed line shows the Wald
/// approximation ζ = (x − x̂)/SE.
public struct ProfileZetaPlot: DiagnosticPlot {
    /// The profiles drawn.
    public let profile: LikelihoodProfile
    /// A description of each parameter for its strip (`sd (Intercept) | Subject`), by name.
    public let descriptions: [String: String]
    /// Wald standard errors by name (the fixed effects'), for the dashed Wald lines.
    public let standardErrors: [String: Double]
    /// Confidence levels of the vertical lines.
    public let levels: [Double]
    /// A note under the title (how the profile was computed), or nil.
    public let note: String?

    /// The zeta plot of a computed profile.
    /// - Parameters:
    ///   - profile: the likelihood profile (at least one parameter).
    ///   - descriptions: strip text after each parameter's name.
    ///   - standardErrors: parameters with a Wald line (none when empty).
    ///   - levels: the intervals marked by vertical lines, each in (0, 1).
    ///   - note: a note under the title (how the profile was computed), or nil.
    /// - Throws: `PlotError` when nothing was profiled or a level is outside (0, 1).
    public init(profile: LikelihoodProfile, descriptions: [String: String] = [:], standardErrors: [String: Double] = [:],
                levels: [Double] = [0.5, 0.8, 0.9, 0.95, 0.99], note: String? = nil) throws {
        guard !profile.profiles.isEmpty else { throw PlotError.noRandomEffects("the profile plot (no parameters were profiled)") }
        guard levels.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw PlotError.invalidOption("the confidence levels of a profile plot must lie between 0 and 1")
        }
        self.profile = profile
        self.descriptions = descriptions
        self.standardErrors = standardErrors
        self.levels = levels.sorted()
        self.note = note
    }

    /// Strip descriptions, Wald standard errors and a note for a mixed model's profile: for a
    /// linear mixed model the ML deviance's (a REML fit is refitted by ML, as lme4 profiles it);
    /// for a GLMM (a `fit` whose family is not Gaussian) the Laplace or adaptive Gauss-Hermite
    /// deviance's, with the fit's standard errors for the Wald lines.
    public init(profile: LikelihoodProfile, design: MixedModelDesign, fit: MixedModelFit? = nil,
                levels: [Double] = [0.5, 0.8, 0.9, 0.95, 0.99]) throws {
        let scale = StandardDeviationScale(design: design)
        var descriptions = [String: String]()
        var position = 0
        for b in scale.blocks {
            for c in 0..<b.size {
                for r in c..<b.size {
                    let name = scale.names[position]
                    descriptions[name] = r == c ? "sd \(b.columns[c]) | \(b.group)" : "cor \(b.columns[r]), \(b.columns[c]) | \(b.group)"
                    position += 1
                }
            }
        }
        descriptions[".sigma"] = "residual sd"
        var ses = [String: Double]()
        if let fit, fit.isGeneralized {
            for (j, name) in fit.fixedEffectNames.enumerated() where j < fit.standardErrors.count { ses[name] = fit.standardErrors[j] }
            let deviance = fit.nAGQ > 1 ? "adaptive Gauss-Hermite (nAGQ = \(fit.nAGQ))" : "Laplace"
            try self.init(profile: profile, descriptions: descriptions, standardErrors: ses, levels: levels,
                          note: "ζ = ±√(deviance − minimum) on the \(deviance) deviance of the \(fit.family) GLMM")
            return
        }
        // Wald lines from the ML standard errors at the ML estimate (the profile's deviance)
        if let deviance = try? LinearMixedModelProfileDeviance(design: design) {
            for (j, name) in design.fixedEffectNames.enumerated() { ses[name] = deviance.standardErrors[j] }
        } else if let fit {
            for (j, name) in fit.fixedEffectNames.enumerated() { ses[name] = fit.standardErrors[j] }
        }
        let reml = fit?.method == "REML"
        try self.init(profile: profile, descriptions: descriptions, standardErrors: ses, levels: levels,
                      note: "ζ = ±√(deviance − minimum) on the ML deviance\(reml ? " (the REML fit refitted by ML, as lme4 profiles it)" : "")")
    }

    public var preferredSize: (width: Double, height: Double) {
        switch profile.profiles.count {
        case 1: return (520, 440)
        case 2: return (760, 420)
        case 3: return (960, 400)
        case 4: return (760, 660)
        default: return gridSize(panels: profile.profiles.count)
        }
    }

    /// The panels: the ζ curve (monotone interpolation through the profiled points), ζ = 0,
    /// the interval lines and the Wald line.
    public func figure(width: Double, height: Double) -> PlotFigure {
        let theme = PlotTheme()
        let zs = levels.map { normalQuantile(1 - (1 - $0) / 2) }
        let zMax = (zs.max() ?? 1.96) * 1.04
        var panels = [PlotPanel]()
        var anyWald = false
        for p in profile.profiles {
            var marks = [PlotMark]()
            marks.append(PlotMark(.horizontalLine(y: 0), style: MarkStyle(color: theme.referenceColor, lineWidth: 0.8), role: "reference"))
            // the curve, within |ζ| ≤ zMax (the part the plot shows)
            var xs = [Double](), ys = [Double]()
            if let f = MonotoneInterpolation(x: p.values, y: p.zeta) {
                let lo = p.values.first!, hi = p.values.last!
                let count = 240
                for k in 0...count {
                    let x = lo + (hi - lo) * Double(k) / Double(count)
                    let z = f(x)
                    if abs(z) <= zMax + 0.3 { xs.append(x); ys.append(z) }
                }
            }
            // interval lines: from the curve down (or up) to ζ = 0
            for (level, z) in zip(levels, zs) {
                let (lo, hi) = p.confidenceInterval(level: level)
                var x0 = [Double](), y0 = [Double]()
                if let lo, lo != p.lowerLimit || p.zeta(at: lo).map({ abs($0 + z) < 1e-6 }) == true { x0.append(lo); y0.append(-z) }
                if let hi, hi != p.upperLimit || p.zeta(at: hi).map({ abs($0 - z) < 1e-6 }) == true { x0.append(hi); y0.append(z) }
                guard !x0.isEmpty else { continue }
                let main = abs(level - 0.95) < 1e-9
                marks.append(PlotMark(.segments(x0: x0, y0: y0, x1: x0, y1: y0.map { _ in 0 }),
                                      style: MarkStyle(color: main ? theme.accentColor : "#8c8c8c", lineWidth: main ? 1.3 : 0.9,
                                                       dash: main ? nil : [3, 2]),
                                      role: main ? "interval interval-95" : "interval"))
            }
            if let se = standardErrors[p.name], se > 0, se.isFinite {
                anyWald = true
                marks.append(PlotMark(.straightLine(intercept: -p.estimate / se, slope: 1 / se),
                                      style: MarkStyle(color: "#009E73", lineWidth: 1, dash: [5, 3]), role: "wald"))
            }
            marks.append(.polyline(x: xs, y: ys, style: MarkStyle(color: PlotTheme.defaultPointColor, lineWidth: 1.8), role: "zeta"))
            let title = descriptions[p.name].map { "\(p.name): \($0)" } ?? p.name
            panels.append(PlotPanel(title: title, marks: marks, xInclude: p.estimate...p.estimate, yInclude: (-zMax)...zMax))
        }
        var legend = [LegendEntry(label: "profile ζ", swatch: .line, style: MarkStyle(color: PlotTheme.defaultPointColor, lineWidth: 1.8)),
                      LegendEntry(label: "95% interval", swatch: .line, style: MarkStyle(color: theme.accentColor, lineWidth: 1.3))]
        let others = levels.filter { abs($0 - 0.95) > 1e-9 }.map { percent($0) }
        if !others.isEmpty {
            legend.append(LegendEntry(label: others.joined(separator: ", ") + "% intervals", swatch: .line,
                                      style: MarkStyle(color: "#8c8c8c", lineWidth: 0.9, dash: [3, 2])))
        }
        if anyWald {
            legend.append(LegendEntry(label: "Wald approximation", swatch: .line, style: MarkStyle(color: "#009E73", lineWidth: 1, dash: [5, 3])))
        }
        let grid = PanelGrid(xLabel: nil, yLabel: "ζ", panels: panels, sharedX: false, sharedY: true)
        return PlotFigure(title: "Profile zeta plots", subtitle: note, grids: [grid], legend: legend,
                          legendPlacement: .top, width: width, height: height, theme: theme)
    }

    func percent(_ level: Double) -> String {
        let v = level * 100
        return v == v.rounded() ? String(Int(v)) : RNumberFormat.significant(v, 3)
    }
}
