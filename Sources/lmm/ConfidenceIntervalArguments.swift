import ArgumentParser
import SparseLMM
import GLMM
#if canImport(Glibc)
import Glibc
#endif

/// `--confint wald|profile|boot [--level L] [--nsim N] [--seed S] [--workers W]`.
struct ConfidenceIntervalArguments: ParsableArguments {
    @Option(help: "Confidence intervals: wald (fixed effects), profile (likelihood profile, as lme4's default) or boot (parametric bootstrap percentiles).")
    var confint: String?

    @Option(help: "Confidence level of --confint, between 0 and 1 (default 0.95).")
    var level: Double?

    @Option(help: "Number of bootstrap simulations for --confint boot (default 500, as lme4).")
    var nsim: Int?

    @Option(help: "Seed of the bootstrap's random numbers (default: taken from the clock and reported).")
    var seed: UInt64?

    @Option(help: "Threads for the bootstrap and the profile (default: the number of processors, at most 8).")
    var workers: Int?

    /// The request, validated before anything is fitted; nil without --confint.
    func request() throws -> ConfidenceIntervalRequest? {
        guard let confint else {
            for (flag, given) in [("--level", level != nil), ("--nsim", nsim != nil), ("--seed", seed != nil), ("--workers", workers != nil)] where given {
                throw CommandError.usage("\(flag) applies only together with --confint")
            }
            return nil
        }
        guard let method = ConfidenceIntervalMethod(rawValue: confint.lowercased()) else {
            throw CommandError.usage("unknown --confint method '\(confint)' (choose wald, profile or boot)")
        }
        let level = self.level ?? 0.95
        guard level > 0 && level < 1 else {
            throw CommandError.usage("--level must be between 0 and 1 (exclusive), e.g. 0.95; got \(level)")
        }
        if method != .boot {
            if nsim != nil { throw CommandError.usage("--nsim applies only to --confint boot") }
            if seed != nil { throw CommandError.usage("--seed applies only to --confint boot") }
        }
        if method == .wald && workers != nil { throw CommandError.usage("--workers applies only to --confint profile and boot") }
        let nsim = self.nsim ?? 500
        guard nsim >= 1 else { throw CommandError.usage("--nsim must be at least 1, got \(nsim)") }
        if let workers, workers < 1 || workers > 256 {
            throw CommandError.usage("--workers must be between 1 and 256, got \(workers)")
        }
        let processors = min(8, BLASThreads.cores)
        return ConfidenceIntervalRequest(method: method, level: level, nsim: nsim, seed: seed ?? ConfidenceIntervalRequest.clockSeed(),
                                         workers: workers ?? processors)
    }
}

/// A validated request for confidence intervals.
struct ConfidenceIntervalRequest {
    var method: ConfidenceIntervalMethod
    var level: Double
    var nsim: Int
    var seed: UInt64
    var workers: Int

    static func clockSeed() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_007 &+ UInt64(ts.tv_nsec)
    }

    /// The intervals of a fitted model, with the extra JSON fields and the text heading.
    func compute(fitted: ModelSpecification.Fitted, design: MixedModelDesign, spec: ModelSpecification) throws
        -> (intervals: ConfidenceIntervals, json: [(String, JSONValue)], heading: String) {
        let fit = fitted.fit
        let level = self.level
        let percent = RNumberFormat.significant(100 * level, 6) + "%"
        var json = [(String, JSONValue)]()
        let intervals: ConfidenceIntervals
        var heading: String
        switch method {
        case .wald:
            intervals = try WaldIntervals.compute(fit: fit, level: level)
            heading = "Wald confidence intervals (\(percent)):"
        case .profile:
            let bar = ProgressBar(label: "profiling")
            defer { bar.finish() }
            let options = LikelihoodProfile.Options(levels: [level])
            let workers = self.workers
            let profile: LikelihoodProfile
            switch spec.kind {
            case .gaussian:
                profile = try runBlocking {
                    try await LikelihoodProfile.compute(design: design, options: options, workers: workers, progress: { bar.update($0, $1) })
                }
            case .generalized(let family, let link, _):
                profile = try runBlocking {
                    try await LikelihoodProfile.compute(design: design, family: family, link: link, fit: fit, options: options,
                                                        workers: workers, progress: { bar.update($0, $1) })
                }
            }
            intervals = try profile.confidenceIntervals(level: level)
            heading = "Profile confidence intervals (\(percent))\(fit.method == "REML" ? ", on the ML deviance as lme4 profiles REML fits" : ""):"
        case .boot:
            let bar = ProgressBar(label: "bootstrap", delay: 0.2)
            defer { bar.finish() }
            let (nsim, seed, workers) = (self.nsim, self.seed, self.workers)
            let boot: ParametricBootstrap
            do {
                switch spec.kind {
                case .gaussian(let criterion):
                    boot = try runBlocking {
                        try await ParametricBootstrap.run(design: design, fit: fit, criterion: criterion, nsim: nsim, seed: seed,
                                                          workers: workers, progress: { bar.update($0, $1) })
                    }
                case .generalized(let family, let link, _):
                    boot = try runBlocking {
                        try await ParametricBootstrap.run(design: design, family: family, link: link, fit: fit, nsim: nsim, seed: seed,
                                                          workers: workers, progress: { bar.update($0, $1) })
                    }
                }
            } catch let e as InferenceError {
                if case .allRefitsFailed = e { throw CommandError.usage("the bootstrap could not refit the model: \(e.description)") }
                throw e
            }
            intervals = try boot.percentileIntervals(level: level)
            json += [("confint_nsim", .integer(nsim)), ("confint_seed", .string(String(seed))),
                     ("confint_failed_refits", .integer(boot.failures.count)), ("confint_seconds", .number(boot.seconds))]
            heading = "Parametric bootstrap percentile intervals (\(percent); \(nsim) simulation\(nsim == 1 ? "" : "s"), seed \(seed)\(boot.failures.isEmpty ? "" : ", \(boot.failures.count) failed refits")):"
        }
        json = [("confint", intervals.json()), ("confint_method", .string(method.rawValue)), ("confint_level", .number(level))] + json
            + [("confint_notes", .array(intervals.notes.map { .string($0) }))]
        return (intervals, json, heading)
    }
}
