import ArgumentParser
import SparseLMM
#if canImport(Glibc)
import Glibc
#endif

/// `lmm plot DATA.csv 'FORMULA' --kind KIND --output FILE.svg`: fit a model and draw a
/// diagnostic plot of it as a self-contained SVG file.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a mixed model and draw a diagnostic plot as an SVG file.",
        discussion: """
            Kinds:
              residuals    residuals vs fitted, zero line, lowess smooth; --group
                           colours (up to 6 levels) or panels (more) by a group
              qq           normal QQ plots of the scaled residuals and of each
                           random-effects column, line through the quartiles;
                           --group keeps one grouping factor's effects
              caterpillar  conditional modes +/- 1.96 conditional SD, levels
                           sorted by mode (lme4's dotplot(ranef(m, condVar =
                           TRUE))); --group keeps one grouping factor
              fitted       observed points and fitted lines, a panel per level
                           of --group (default: the first grouping factor; at
                           most 30 panels); x axis: --x COLUMN or the index of
                           the observation within its group
              profile      profile zeta plots (lme4's xyplot(profile(m))): zeta
                           against each parameter, a panel per parameter, with
                           the 50-99% profile interval limits and, for the
                           fixed effects, the Wald line (one refit per point:
                           slower than the other kinds; --workers threads)
            """)

    @OptionGroup var model: DataArguments

    @Option(help: "Plot kind: residuals, qq, caterpillar, fitted, profile.")
    var kind: String?

    @Option(help: "Grouping variable: a grouping factor of the model or a categorical column.")
    var group: String?

    @Option(help: "Numeric column for the x axis of the 'fitted' plot (default: index within group).")
    var x: String?

    @Option(help: "Write the SVG to this file (required).")
    var output: String?

    @Option(help: "Width in pixels (default: depends on the plot).")
    var width: Double?

    @Option(help: "Height in pixels (default: depends on the plot).")
    var height: Double?

    @Flag(name: .customLong("cond-var"), help: "Compute the conditional variances even when the model is large (caterpillar plots of large models).")
    var condVar = false

    @Option(help: "Threads for the profile plot (default: the number of processors, at most 8).")
    var workers: Int?

    @Flag(name: .customLong("reml"), help: "Fit by REML (the default).")
    var reml = false

    @Flag(name: .customLong("ml"), help: "Fit by maximum likelihood.")
    var ml = false

    func run() throws {
        try runReporting {
            if reml && ml { throw CommandError.usage("--reml and --ml are mutually exclusive") }
            let known = DiagnosticPlotKind.allCases.map { $0.rawValue }.joined(separator: ", ")
            guard let kind else { throw CommandError.usage("--kind is required: one of \(known)") }
            guard let plotKind = DiagnosticPlotKind(rawValue: kind) else {
                throw CommandError.usage("unknown plot kind '\(kind)'; kinds: \(known)")
            }
            if let workers, workers < 1 || workers > 256 {
                throw CommandError.usage("--workers must be between 1 and 256, got \(workers)")
            }
            if workers != nil && plotKind != .profile { throw CommandError.usage("--workers applies only to --kind profile") }
            guard let output, !output.isEmpty else {
                throw CommandError.usage("--output FILE.svg is required: the plot is written as an SVG file")
            }
            for (name, value) in [("--width", width), ("--height", height)] {
                if let value, !(value >= 100 && value <= 20000) {
                    throw CommandError.usage("\(name) must be between 100 and 20000 pixels, got \(value)")
                }
            }
            if x != nil && plotKind != .fitted {
                throw CommandError.usage("--x applies only to --kind fitted")
            }
            let (table, design) = try model.design()
            let plot: any DiagnosticPlot
            do {
                // check the group and x before spending time on the fit
                try checkDiagnosticPlotRequest(plotKind, design: design, data: table, group: group, x: x)
                let lmm = try LinearMixedModel(design: design, criterion: ml ? .ml : .reml)
                // only the caterpillar plot needs the conditional variances (computed when affordable)
                let fit = try lmm.fit(conditionalVariances: plotKind != .caterpillar ? .never : (condVar ? .always : .automatic))
                for m in fit.messages { printError(m) }
                if plotKind == .profile {
                    plot = try profilePlot(design: design, fit: fit)
                } else {
                    plot = try makeDiagnosticPlot(plotKind, fit: fit, design: design, data: table, group: group, x: x)
                }
            } catch let e as PlotError {
                if case .conditionalVariancesUnavailable = e {
                    throw CommandError.usage(e.description + "; pass --cond-var to compute them anyway")
                }
                throw CommandError.usage(e.description)
            }
            try emit(plot.svg(width: width, height: height), to: output)
        }
    }

    /// The profile zeta plot, profiling on several threads with a progress bar on a terminal.
    func profilePlot(design: MixedModelDesign, fit: MixedModelFit) throws -> ProfileZetaPlot {
        let processors = max(1, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        let workers = self.workers ?? processors
        var options = LikelihoodProfile.Options(levels: [0.95])
        options.zetaMax = 2.7   // past the 99% level (2.576) drawn in the plot
        let bar = ProgressBar(label: "profiling")
        defer { bar.finish() }
        let frozen = options
        let profile = try runBlocking {
            try await LikelihoodProfile.compute(design: design, options: frozen, workers: workers, progress: { bar.update($0, $1) })
        }
        for w in profile.warnings { printError("warning: profile: \(w)") }
        return try ProfileZetaPlot(profile: profile, design: design, fit: fit)
    }
}
