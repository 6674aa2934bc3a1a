import ArgumentParser
import SparseLMM

/// `lmm structure DATA.csv 'FORMULA'`: the model's structure without fitting it.
struct Structure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model's structure: observations, fixed-effect columns, random-effects terms, q, nnz(Z'Z) and the factor's fill.")

    @OptionGroup var model: DataArguments
    @OptionGroup var out: OutputArguments

    func run() throws {
        try runReporting {
            let (_, design) = try model.design()
            let report = try ModelStructure(design: design)
            try emit(out.format == .json ? report.json().serialized(indent: 2) : report.text(), to: out.output)
        }
    }
}
