import ArgumentParser
import SparseLMM
import GLMM

/// `lmm fit DATA.csv 'FORMULA'`: fit and print an lme4-style summary or the contract's JSON.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fit a mixed model and print its summary (or JSON).")

    @OptionGroup var model: DataArguments
    @OptionGroup var out: OutputArguments

    @Flag(name: .customLong("reml"), help: "Fit a Gaussian model by REML (the default).")
    var reml = false

    @Flag(name: .customLong("ml"), help: "Fit a Gaussian model by maximum likelihood.")
    var ml = false

    @OptionGroup var familyOptions: FamilyArguments

    @Option(name: .customLong("se"), help: "GLMM standard errors: auto (lme4's for small models, exact for large), lme4 (lme4's default Hessian), exact (Hessian of the exact Laplace deviance) or conditional (R_X, lme4's use.hessian = FALSE).")
    var standardErrors: String = "auto"

    @Option(name: .customLong("stage2"), help: "The function a GLMM's second stage minimises over (theta, beta): auto (lme4's for small models, exact for large), lme4 (glmer's: PIRLS restarted from stage 1's linear predictor at glmer's tolerance, so the estimates are glmer's) or exact (the Laplace deviance with PIRLS converged: a lower deviance, fewer factorisations).")
    var stageTwo: String = "auto"

    @Option(help: "How a Gaussian model's covariance parameters are optimised: auto (BOBYQA for few, L-BFGS with the analytic gradient for many), bobyqa, lbfgs.")
    var optimizer: String = "auto"

    @Option(help: "Denominator degrees of freedom for the fixed-effects tests of a Gaussian model: satterthwaite or kenward-roger.")
    var ddf: String?

    @OptionGroup(title: "Confidence intervals") var intervals: ConfidenceIntervalArguments

    @Flag(help: "Print the optimiser's trace on standard error.")
    var verbose = false

    func run() throws {
        try runReporting {
            if reml && ml { throw CommandError.usage("--reml and --ml are mutually exclusive") }
            var spec = try familyOptions.specification(ml: ml, standardErrors: standardErrors)
            spec.optimization = try ModelSpecification.optimization(optimizer)
            spec.stageTwo = try ModelSpecification.stageTwoObjective(stageTwo)
            let method = try ddf.map { try DegreesOfFreedomMethod(argument: $0) }
            let intervalRequest = try intervals.request()
            if method == .kenwardRoger && ml { throw CommandError.usage("Kenward-Roger's method needs a REML fit; drop --ml") }
            let (_, design) = try model.design()
            let fitted = try spec.fitModel(design: design, verbose: verbose)
            let fit = fitted.fit
            var extra = [(String, JSONValue)]()
            var tests: FixedEffectTests? = nil
            var anovaText = ""
            if let method {
                guard let lmm = fitted.linear else {
                    throw CommandError.usage("--ddf applies to Gaussian (linear) mixed models; GLMMs use Wald z tests")
                }
                let inference = try FixedEffectInference(model: lmm, fit: fit, method: method)
                tests = inference.tests
                extra += inference.json()
                anovaText = inference.anovaText()
                for w in inference.warnings { printError("warning: \(w)") }
                if verbose, let t = inference.timing { printError(t) }
            }
            var intervalText = ""
            if let intervalRequest {
                let (table, fields, heading) = try intervalRequest.compute(fitted: fitted, design: design, spec: spec)
                extra += fields
                intervalText = "\n" + heading + "\n" + table.text()
                for note in table.notes { intervalText += "note: \(note)\n" }
            }
            if out.format == .json {
                guard case .object(var fields) = fit.json() else { fatalError("the fit's JSON is an object") }
                fields += extra
                try emit(JSONValue.object(fields).serialized(indent: 2), to: out.output)
            } else {
                for m in fit.messages { printError(m) }
                try emit(fit.summary(dataName: model.dataName, tests: tests) + anovaText + intervalText, to: out.output)
            }
        }
    }
}
