import ArgumentParser
import SparseLMM

/// `lmm drop1 DATA.csv 'FORMULA'`: single-term deletions with likelihood-ratio tests.
struct Drop1: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Single-term deletions of fixed effects with likelihood-ratio tests (lme4's drop1(m, test = \"Chisq\")).")

    @OptionGroup var model: DataArguments
    @OptionGroup var out: OutputArguments
    @OptionGroup var familyOptions: FamilyArguments

    func run() throws {
        try runReporting {
            let spec = try familyOptions.specification(ml: true)
            try model.applyThreads()
            let table = try DataTable(csvFile: model.data)
            let options = try model.dataOptions()
            let deletions = try SingleTermDeletions(formula: try Formula(model.formula)) { f in
                try spec.fit(design: try MixedModelDesign(formula: f, data: table, options: options), verbose: false)
            }
            try emit(out.format == .json ? deletions.json().serialized(indent: 2) : deletions.text(), to: out.output)
        }
    }
}
