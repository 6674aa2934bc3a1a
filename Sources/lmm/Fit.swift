import ArgumentParser
import SparseLMM

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

    @Flag(help: "Print the optimiser's trace on standard error.")
    var verbose = false

    func run() throws {
        try runReporting {
            if reml && ml { throw CommandError.usage("--reml and --ml are mutually exclusive") }
            if nagq < 1 { throw CommandError.usage("--nagq must be a positive whole number, got \(nagq)") }
            guard family == "gaussian" else {
                throw CommandError.usage("family '\(family)' is not available in this build; only gaussian is")
            }
            if let link, link != "identity" { throw CommandError.usage("the gaussian family supports only the identity link, got '\(link)'") }
            let (_, design) = try model.design()
            let lmm = try LinearMixedModel(design: design, criterion: ml ? .ml : .reml)
            if verbose {
                lmm.observer = { k, theta, f in
                    printError("eval \(k): objective \(f) at theta = [\(theta.map { "\($0)" }.joined(separator: ", "))]")
                }
            }
            let fit = try lmm.fit()
            if out.format == .json {
                try emit(fit.json().serialized(indent: 2), to: out.output)
            } else {
                for m in fit.messages { printError(m) }
                try emit(fit.summary(dataName: model.dataName), to: out.output)
            }
        }
    }
}
