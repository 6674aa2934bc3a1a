import ArgumentParser
import SparseLMM
import GLMM
#if canImport(Glibc)
import Glibc
#endif

/// `lmm plot DATA.csv 'FORMULA' --kind KIND --output FILE.svg`: fit a model (linear, or a GLMM
/// with `--family`) and draw a diagnostic plot of it as a self-contained SVG file, or as a PNG
/// converted by rsvg-convert.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a mixed model and draw a diagnostic plot as an SVG (or PNG) file.",
        discussion: """
            Kinds:
              residuals    residuals vs fitted, zero line, lowess smooth; --group
                           colours (up to 6 levels) or panels (more) by a group;
                           for a GLMM Pearson residuals vs the linear predictor
              qq           normal QQ plots of the scaled residuals (a GLMM's
                           deviance residuals) and of each random-effects
                           column, line through the quartiles;
                           --group keeps one grouping factor's effects
              caterpillar  conditional modes +/- 1.96 conditional SD, levels
                           sorted by mode (lme4's dotplot(ranef(m, condVar =
                           TRUE))); --group keeps one grouping factor
              fitted       observed points and fitted lines, a panel per level
                           of --group (default: the first grouping factor; at
                           most 30 panels); x axis: --x COLUMN or the index of
                           the observation within its group; a GLMM's on the
                           response scale (proportions, counts, fitted means)
              profile      profile zeta plots (lme4's xyplot(profile(m))): zeta
                           against each parameter, a panel per parameter, with
                           the 50-99% profile interval limits and, for the
                           fixed effects, the Wald line (one refit per point:
                           slower than the other kinds; --workers threads);
                           a GLMM is profiled on its Laplace (or nAGQ) deviance

            Output: FILE.svg, or FILE.png converted with rsvg-convert (Debian
            package librsvg2-bin).
            """)

    @OptionGroup var model: DataArguments
    @OptionGroup var familyOptions: FamilyArguments

    @Option(help: "Plot kind: residuals, qq, caterpillar, fitted, profile.")
    var kind: String?

    @Option(help: "Grouping variable: a grouping factor of the model or a categorical column.")
    var group: String?

    @Option(help: "Numeric column for the x axis of the 'fitted' plot (default: index within group).")
    var x: String?

    @Option(help: "Write the plot to this file (required): FILE.svg, or FILE.png (needs rsvg-convert, from librsvg2-bin).")
    var output: String?

    @Option(help: "Width in pixels (default: depends on the plot).")
    var width: Double?

    @Option(help: "Height in pixels (default: depends on the plot).")
    var height: Double?

    @Flag(name: .customLong("cond-var"), help: "Compute the conditional variances even when the model is large (caterpillar plots of large models).")
    var condVar = false

    @Option(help: "Threads for the profile plot (default: the number of processors, at most 8).")
    var workers: Int?

    @Flag(name: .customLong("reml"), help: "Fit a Gaussian model by REML (the default).")
    var reml = false

    @Flag(name: .customLong("ml"), help: "Fit a Gaussian model by maximum likelihood.")
    var ml = false

    @Flag(help: "Print the optimiser's trace on standard error.")
    var verbose = false

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
                throw CommandError.usage("--output FILE.svg is required: the plot is written as an SVG file (or FILE.png)")
            }
            let png = output.lowercased().hasSuffix(".png")
            // before the fit: a PNG needs the converter
            if png && PNGConverter.path == nil { throw PNGConverter.missing }
            for (name, value) in [("--width", width), ("--height", height)] {
                if let value, !(value >= 100 && value <= 20000) {
                    throw CommandError.usage("\(name) must be between 100 and 20000 pixels, got \(value)")
                }
            }
            if x != nil && plotKind != .fitted {
                throw CommandError.usage("--x applies only to --kind fitted")
            }
            let spec = try familyOptions.specification(ml: ml)
            let (table, design) = try model.design()
            let plot: any DiagnosticPlot
            do {
                // check the group and x before spending time on the fit
                try checkDiagnosticPlotRequest(plotKind, design: design, data: table, group: group, x: x)
                // only the caterpillar plot needs the conditional variances (computed when affordable)
                let conditionalVariances: ConditionalVarianceMode = plotKind != .caterpillar ? .never : (condVar ? .always : .automatic)
                let fitted = try spec.fitModel(design: design, verbose: verbose, conditionalVariances: conditionalVariances)
                let fit = fitted.fit
                for m in fit.messages { printError(m) }
                switch (spec.kind, plotKind) {
                case (.gaussian, .profile):
                    plot = try profilePlot(design: design, fit: fit)
                case (.gaussian, _):
                    plot = try makeDiagnosticPlot(plotKind, fit: fit, design: design, data: table, group: group, x: x)
                case (.generalized(let family, let link, _), .profile):
                    plot = try profilePlot(design: design, fit: fit, family: fitted.generalized?.family ?? family, link: link)
                case (.generalized(let family, let link, _), _):
                    plot = try makeDiagnosticPlot(plotKind, fit: fit, design: design, family: fitted.generalized?.family ?? family,
                                                  link: link, data: table, group: group, x: x)
                }
            } catch let e as PlotError {
                if case .conditionalVariancesUnavailable = e {
                    if case .generalized = spec.kind {
                        throw CommandError.usage(e.description + " (a GLMM's are computed only when affordable)")
                    }
                    throw CommandError.usage(e.description + "; pass --cond-var to compute them anyway")
                }
                throw CommandError.usage(e.description)
            }
            let svg = plot.svg(width: width, height: height)
            if png {
                try PNGConverter.write(svg: svg, to: output)
            } else {
                try emit(svg, to: output)
            }
        }
    }

    /// The profile zeta plot, profiling on several threads with a progress bar on a terminal.
    func profilePlot(design: MixedModelDesign, fit: MixedModelFit) throws -> ProfileZetaPlot {
        let workers = profileWorkers
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

    /// The threads for a profile: --workers, or the processors (at most 8).
    var profileWorkers: Int {
        workers ?? min(8, BLASThreads.cores)
    }

    /// The profile zeta plot of a GLMM, on its Laplace (or nAGQ) deviance, with a progress bar on a terminal.
    func profilePlot(design: MixedModelDesign, fit: MixedModelFit, family: Family, link: Link) throws -> ProfileZetaPlot {
        let workers = profileWorkers
        let bar = ProgressBar(label: "profiling")
        defer { bar.finish() }
        let plot = try runBlocking {
            try await ProfileZetaPlot.generalized(design: design, family: family, link: link, fit: fit, workers: workers,
                                                  progress: { bar.update($0, $1) })
        }
        for w in plot.profile.warnings { printError("warning: profile: \(w)") }
        return plot
    }
}

/// Turns the SVG into a PNG with rsvg-convert (Debian's librsvg2-bin), when it is installed.
enum PNGConverter {
    /// rsvg-convert's path on the PATH, or nil.
    static let path: String? = {
        guard let value = getenv("PATH") else { return nil }
        for dir in String(cString: value).split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/rsvg-convert"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }()

    /// The error when rsvg-convert is not installed.
    static let missing = CommandError.usage("writing a PNG needs rsvg-convert, which is not on the PATH: install it (Debian/Ubuntu: apt-get install librsvg2-bin) or write the plot as SVG with --output FILE.svg")

    /// Writes the SVG beside `output`, converts it to `output` and removes it; on failure no
    /// file is left behind.
    static func write(svg: String, to output: String) throws {
        guard let converter = path else { throw missing }
        let temporary = "\(output).\(getpid()).svg"
        try emit(svg, to: temporary)
        defer { unlink(temporary) }
        let arguments = [converter, "--format", "png", "--output", output, temporary]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, converter, nil, nil, &argv, environ)
        var status: Int32 = 0
        if spawned == 0 {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        // exited normally with status 0
        guard spawned == 0, status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            unlink(output)
            printError("error: rsvg-convert could not convert the plot to '\(output)'")
            throw ExitCode(ExitStatus.outputFailure)
        }
    }
}
