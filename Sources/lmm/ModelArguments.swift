import ArgumentParser
import SparseLMM
#if canImport(Glibc)
import Glibc
#endif

/// Options shared by every command that builds a model from a CSV file and a formula.
struct DataArguments: ParsableArguments {
    @Argument(help: "CSV file with a header row.")
    var data: String

    @Argument(help: "Model formula in lme4 syntax, e.g. 'Reaction ~ Days + (Days | Subject)'.")
    var formula: String

    @Option(name: .customLong("factor"), help: "Treat a numeric column as categorical (repeatable).")
    var factors: [String] = []

    @Option(name: .customLong("levels"), help: "Level order of a categorical column: COL=A,B,C (repeatable); the first level is the reference.")
    var levels: [String] = []

    @Option(help: "Prior weights column (binomial: trials when the response is a proportion).")
    var weights: String?

    @Option(help: "Offset column, added to the linear predictor.")
    var offset: String?

    @Option(help: "BLAS threads for the dense parts of the factorisation (default: every core when the factor has a large dense block, else 1).")
    var threads: Int?

    /// Sets the BLAS thread count for this process: one fit at a time uses every core.
    func applyThreads() throws {
        try setThreads(threads)
    }

    func dataOptions() throws -> DataOptions {
        var orders = [String: [String]]()
        for spec in levels {
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex else {
                throw CommandError.usage("--levels expects COL=A,B,C, got '\(spec)'")
            }
            let col = String(spec[..<eq])
            let list = spec[spec.index(after: eq)...].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if list.isEmpty || list.contains(where: { $0.isEmpty }) {
                throw CommandError.usage("--levels for column '\(col)' has an empty level name")
            }
            if orders[col] != nil { throw CommandError.usage("--levels given twice for column '\(col)'") }
            orders[col] = list
        }
        return DataOptions(factorColumns: factors, levelOrders: orders, weightsColumn: weights, offsetColumn: offset)
    }

    /// Reads the table and builds the design (and sets the BLAS threads).
    func design() throws -> (DataTable, MixedModelDesign) {
        try applyThreads()
        let table = try DataTable(csvFile: data)
        let design = try MixedModelDesign(formula: formula, data: table, options: try dataOptions())
        return (table, design)
    }

    /// The data set's name for summaries: the file name without directory and extension.
    var dataName: String {
        var name = data.split(separator: "/").last.map(String.init) ?? data
        if name.hasSuffix(".csv") { name.removeLast(4) }
        return name
    }
}

/// The response family, link and quadrature: the options shared by every command that fits a
/// model that may be a GLMM (`fit`, `plot`, `anova`, `drop1`, `predict`).
struct FamilyArguments: ParsableArguments {
    @Option(help: "Response family: gaussian, binomial, poisson, negative-binomial.")
    var family: String = "gaussian"

    @Option(help: "Link function (default: the family's canonical link).")
    var link: String?

    @Option(help: "Adaptive Gauss-Hermite points (GLMM with one scalar random-effects term); 1 = Laplace.")
    var nagq: Int = 1

    /// The validated model specification: Gaussian (REML, or ML with `ml`) or a GLMM.
    func specification(ml: Bool, standardErrors: String = "auto") throws -> ModelSpecification {
        try ModelSpecification(family: family, link: link, nagq: nagq, ml: ml, standardErrors: standardErrors)
    }
}

/// How results are written.
struct OutputArguments: ParsableArguments {
    @Option(help: "Output format: text (lme4-style summary) or json.")
    var format: OutputFormat = .text

    @Option(help: "Write the output to this file instead of standard output.")
    var output: String?
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Errors of the command line itself.
enum CommandError: Error, CustomStringConvertible {
    case usage(String)
    case io(String)
    var description: String {
        switch self {
        case .usage(let m): return m
        case .io(let m): return m
        }
    }
}

/// Sets the OpenBLAS thread count when one was requested; otherwise `ThreadPolicy` decides once the
/// model's factor is known.
func setThreads(_ requested: Int?) throws {
    if let n = requested, n < 1 { throw CommandError.usage("--threads must be at least 1, got \(n)") }
    ThreadPolicy.requested = requested
    if let n = requested { BLASThreads.set(n) }
}

/// The command runs one fit at a time, so its BLAS may use every core where that pays
/// (`BLASThreads.recommended`), unless `--threads` chose.
enum ThreadPolicy {
    nonisolated(unsafe) static var requested: Int? = nil

    /// Sets the BLAS threads for a model whose widest supernode has `widestColumns` columns.
    static func apply(widestSupernodeColumns widestColumns: Int) {
        if requested != nil { return }
        BLASThreads.set(BLASThreads.recommended(widestSupernodeColumns: widestColumns))
    }
}
