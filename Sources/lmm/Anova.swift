import ArgumentParser
import SparseLMM
import GLMM

/// `lmm anova DATA.csv 'FORMULA0' 'FORMULA1'`: a likelihood-ratio test between nested models.
struct Anova: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Likelihood-ratio test between two nested models (linear models are refitted by ML first, as lme4's anova).")

    @Argument(help: "CSV file with a header row.")
    var data: String
    @Argument(help: "The first model's formula.")
    var formula0: String
    @Argument(help: "The second model's formula.")
    var formula1: String

    @Option(name: .customLong("factor"), help: "Treat a numeric column as categorical (repeatable).")
    var factors: [String] = []
    @Option(name: .customLong("levels"), help: "Level order of a categorical column: COL=A,B,C (repeatable).")
    var levels: [String] = []
    @Option(help: "Prior weights column.")
    var weights: String?
    @Option(help: "Offset column.")
    var offset: String?
    @OptionGroup var familyOptions: FamilyArguments
    @Option(help: "BLAS threads (default: every core).")
    var threads: Int?
    @Flag(name: .customLong("no-refit"), help: "Compare REML fits of linear models without refitting by ML (same fixed effects only).")
    var noRefit = false
    @Flag(help: "Also report the boundary-corrected p-value (50:50 chi-squared mixture) for a test of a variance component.")
    var boundary = false
    @OptionGroup var out: OutputArguments

    func run() throws {
        try runReporting {
            var argv: [String] = [data, formula0]
            for f in factors { argv += ["--factor", f] }
            for l in levels { argv += ["--levels", l] }
            if let weights { argv += ["--weights", weights] }
            if let offset { argv += ["--offset", offset] }
            let args = try DataArguments.parse(argv)
            try setThreads(threads)
            let options = try args.dataOptions()
            let table = try DataTable(csvFile: data)
            let spec = try familyOptions.specification(ml: !noRefit)
            let fits = try [formula0, formula1].map { f -> MixedModelFit in
                let design = try MixedModelDesign(formula: f, data: table, options: options)
                return try spec.fit(design: design, verbose: false)
            }
            let test = try LikelihoodRatioTest(fits[0], fits[1])
            if out.format == .json {
                try emit(test.json().serialized(indent: 2), to: out.output)
            } else {
                try emit(test.text(dataName: args.dataName, boundaryCorrection: boundary), to: out.output)
            }
        }
    }
}
