import SparseLMM
import GLMM
#if canImport(Glibc)
import Glibc
#endif

/// The family, link, criterion and quadrature chosen on the command line, validated together.
struct ModelSpecification {
    enum Kind { case gaussian(Criterion), generalized(Family, Link, Int) }
    let kind: Kind
    let standardErrors: GeneralizedLinearMixedModel.StandardErrorMethod
    /// How a Gaussian model's θ is optimised.
    var optimization: OptimizationMethod = .automatic
    /// The function a GLMM's stage 2 minimises.
    var stageTwo: GeneralizedLinearMixedModel.StageTwoObjective = .automatic

    /// `--stage2 auto|lme4|exact`.
    static func stageTwoObjective(_ name: String) throws -> GeneralizedLinearMixedModel.StageTwoObjective {
        guard let o = GeneralizedLinearMixedModel.StageTwoObjective(rawValue: name.lowercased()) else {
            throw CommandError.usage("--stage2 must be auto, lme4 or exact, got '\(name)'")
        }
        return o
    }

    /// `--optimizer auto|bobyqa|lbfgs`.
    static func optimization(_ name: String) throws -> OptimizationMethod {
        switch name.lowercased() {
        case "auto", "automatic": return .automatic
        case "bobyqa", "derivative-free": return .derivativeFree
        case "lbfgs", "l-bfgs", "gradient": return .quasiNewton
        default: throw CommandError.usage("--optimizer must be auto, bobyqa or lbfgs, got '\(name)'")
        }
    }

    init(family: String, link: String?, nagq: Int, ml: Bool, standardErrors: String = "auto") throws {
        guard let se = GeneralizedLinearMixedModel.StandardErrorMethod(rawValue: standardErrors) else {
            throw CommandError.usage("--se must be auto, lme4, exact or conditional, got '\(standardErrors)'")
        }
        self.standardErrors = se
        let name = family.lowercased()
        if nagq < 1 || nagq > 100 { throw CommandError.usage("--nagq must be a whole number from 1 to 100, got \(nagq)") }
        var fam: Family
        switch name {
        case "gaussian", "normal":
            if let link, link != "identity" {
                throw CommandError.usage("the gaussian family is fitted with the identity link only, got '\(link)'")
            }
            if nagq != 1 { throw CommandError.usage("--nagq applies to GLMMs (binomial, poisson, negative-binomial), not to gaussian models") }
            kind = .gaussian(ml ? .ml : .reml)
            return
        case "binomial": fam = .binomial
        case "poisson": fam = .poisson
        case "negative-binomial", "negative_binomial", "negbin", "nbinom": fam = .negativeBinomial(theta: 1)
        default:
            throw CommandError.usage("unknown family '\(family)' (choose gaussian, binomial, poisson or negative-binomial)")
        }
        var l = fam.canonicalLink
        if let link {
            guard let parsed = Link(rawValue: link.lowercased()) else {
                throw CommandError.usage("unknown link '\(link)' (choose identity, logit, probit, cloglog, log, sqrt or inverse)")
            }
            guard fam.allowedLinks.contains(parsed) else {
                throw GLMMError.invalidLink(family: fam.name, link: parsed.rawValue, allowed: fam.allowedLinks.map { $0.rawValue })
            }
            l = parsed
        }
        kind = .generalized(fam, l, nagq)
    }

    /// A fitted model: the fit, and the model object it came from (for inference).
    struct Fitted {
        var fit: MixedModelFit
        var linear: LinearMixedModel?
        var generalized: GeneralizedLinearMixedModel?
    }

    /// Fits the design and keeps the model. `conditionalVariances` applies to Gaussian fits (a
    /// GLMM's are computed when affordable).
    func fitModel(design: MixedModelDesign, verbose: Bool,
                  conditionalVariances: ConditionalVarianceMode = .automatic) throws -> Fitted {
        switch kind {
        case .gaussian(let criterion):
            let lmm = try LinearMixedModel(design: design, criterion: criterion, optimization: optimization)
            ThreadPolicy.apply(widestSupernodeColumns: lmm.factor.choleskyFactor.supernodeStatistics.widestColumns)
            let progress = ProgressLine(label: "fitting")
            defer { progress.finish() }
            lmm.observer = { k, theta, f in
                if verbose {
                    printError("evaluation \(k): objective \(f) at theta = [\(theta.map { "\($0)" }.joined(separator: ", "))]")
                } else {
                    progress.update("evaluation \(k), objective \(RNumberFormat.significant(f, 10))")
                }
            }
            return Fitted(fit: try lmm.fit(conditionalVariances: conditionalVariances), linear: lmm, generalized: nil)
        case .generalized(let family, let link, let nagq):
            let glmm = try GeneralizedLinearMixedModel(design: design, family: family, link: link)
            ThreadPolicy.apply(widestSupernodeColumns: glmm.system.factor.choleskyFactor.supernodeStatistics.widestColumns)
            // the command runs one fit: the Hessian's points may use every core
            glmm.workers = ThreadPolicy.requested ?? BLASThreads.cores
            let progress = ProgressLine(label: "fitting")
            defer { progress.finish() }
            glmm.observer = { k, x, f in
                if verbose {
                    printError("evaluation \(k): deviance \(f) at [\(x.map { "\($0)" }.joined(separator: ", "))]")
                } else {
                    progress.update("evaluation \(k), deviance \(RNumberFormat.significant(f, 10))")
                }
            }
            return Fitted(fit: try glmm.fit(nAGQ: nagq, standardErrors: standardErrors, stageTwo: stageTwo), linear: nil, generalized: glmm)
        }
    }

    /// Fits the design.
    func fit(design: MixedModelDesign, verbose: Bool) throws -> MixedModelFit {
        try fitModel(design: design, verbose: verbose).fit
    }
}
