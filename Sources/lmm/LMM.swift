import ArgumentParser
import SparseLMM

/// The `lmm` command-line tool: fit mixed models to CSV data (docs/cli.md).
@main
struct LMM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmm",
        abstract: "Fit linear and generalized linear mixed-effects models (lme4's formula language) to CSV data.",
        subcommands: [Fit.self, Anova.self, Drop1.self, Predict.self, Structure.self, Plot.self]
    )
}
