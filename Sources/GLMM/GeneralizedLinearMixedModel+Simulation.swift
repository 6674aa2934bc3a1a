import SparseLMM

extension ModelSimulator {
    /// A simulator for a GLMM's fit of `design` with `family` and `link` (the negative binomial
    /// with the fit's θ_nb): binomial responses with the prior weights (or cbind totals) as
    /// trials, Poisson or negative-binomial counts, around μ = g⁻¹(η).
    public init(generalizedFit fit: MixedModelFit, design: MixedModelDesign, family: Family, link: Link? = nil) throws {
        let distribution: ResponseDistribution
        switch family {
        case .binomial: distribution = .binomial
        case .poisson: distribution = .poisson
        case .negativeBinomial:
            guard let t = fit.negativeBinomialTheta else {
                throw InferenceError.fitDoesNotMatchModel("a negative-binomial fit without θ_nb")
            }
            distribution = .negativeBinomial(theta: t)
        }
        let l = link ?? family.canonicalLink
        try self.init(design: design, fit: fit, distribution: distribution, inverseLink: { l.mu($0) })
    }
}

extension ParametricBootstrap {
    /// A parametric bootstrap of a GLMM's fit: each simulated response is refitted as `glmer`
    /// fits (the two optimisation stages, with conditional standard errors, which the bootstrap
    /// does not use; a negative-binomial refit estimates θ_nb again). Statistics: the standard
    /// deviations and correlations (`.sig01`, …) and the fixed effects.
    /// - Parameters:
    ///   - design: the design the model was fitted on.
    ///   - family: the fit's family.
    ///   - link: the fit's link (the family's canonical link when nil).
    ///   - fit: the fit whose parameters the responses are simulated from.
    ///   - nsim: number of simulations (at least 1).
    ///   - seed: the run's seed; simulation i draws from `RandomStream(seed: seed, stream: i)`, so
    ///     the results do not depend on `workers`.
    ///   - workers: refits run in parallel, each worker with its own model.
    ///   - progress: called from the workers with (simulations done, nsim) after each one.
    /// - Throws: `InferenceError` for an invalid `nsim` or `workers`, or when every refit failed
    ///   (failed refits are otherwise recorded in `failures`); the errors of building the simulator
    ///   or a worker's model.
    public static func run(design: MixedModelDesign, family: Family, link: Link? = nil, fit: MixedModelFit,
                           nsim: Int, seed: UInt64, workers: Int = 2,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> ParametricBootstrap {
        let simulator = try ModelSimulator(generalizedFit: fit, design: design, family: family, link: link)
        let scale = StandardDeviationScale(design: design)
        let names = scale.names + fit.fixedEffectNames
        let estimates = scale.sdcor(theta: fit.theta, sigma: 1) + fit.fixedEffects
        let nAGQ = fit.nAGQ
        return try await run(nsim: nsim, seed: seed, workers: workers, names: names, estimates: estimates,
                             makeWorker: { GeneralizedBootstrapWorker(simulator: simulator, family: family, link: link, nAGQ: nAGQ) },
                             progress: progress)
    }
}

/// Refits a GLMM to simulated responses (a new model per simulation: the response enters the
/// model's PIRLS state throughout).
final class GeneralizedBootstrapWorker: BootstrapWorker {
    let simulator: ModelSimulator
    let family: Family
    let link: Link?
    let nAGQ: Int
    let scale: StandardDeviationScale

    init(simulator: ModelSimulator, family: Family, link: Link?, nAGQ: Int) {
        self.simulator = simulator
        self.family = family
        self.link = link
        self.nAGQ = nAGQ
        scale = StandardDeviationScale(design: simulator.design)
    }

    func replicate(index: Int, rng: inout RandomStream) throws -> [Double] {
        let response = simulator.simulateResponse(&rng, randomEffects: .new)
        let design = try simulator.design.replacingResponse(response)
        let model = try GeneralizedLinearMixedModel(design: design, family: family, link: link)
        let fit = try model.fit(nAGQ: nAGQ, standardErrors: .conditional)
        return scale.sdcor(theta: fit.theta, sigma: 1) + fit.fixedEffects
    }
}
