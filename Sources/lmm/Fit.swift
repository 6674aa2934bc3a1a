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

    @Option(help: "Response family: gaussian, binomial, poisson, negative-binomial.")
    var family: String = "gaussian"

    @Option(help: "Link function (default: the family's canonical link).")
    var link: String?

    @Option(help: "Adaptive Gauss-Hermite points (GLMM with one scalar random-effects term); 1 = Laplace.")
    var nagq: Int = 1

    @Option(name: .customLong("se"), help: "GLMM standard errors: lme4 (lme4's default Hessian), exact (Hessian of the exact Laplace deviance) or conditional (R_X, lme4's use.hessian = FALSE).")
    var standardErrors: String = "lme4"

    @Flag(help: "Print the optimiser's trace on standard error.")
    var verbose = false

    func run() throws {
        try runReporting {
            if reml && ml { throw CommandError.usage("--reml and --ml are mutually exclusive") }
            let spec = try ModelSpecification(family: family, link: link, nagq: nagq, ml: ml, standardErrors: standardErrors)
            let (_, design) = try model.design()
            let fit = try spec.fit(design: design, verbose: verbose)
            if out.format == .json {
                try emit(fit.json().serialized(indent: 2), to: out.output)
            } else {
                for m in fit.messages { printError(m) }
                try emit(fit.summary(dataName: model.dataName), to: out.output)
            }
        }
    }
}
