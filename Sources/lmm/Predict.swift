import ArgumentParser
import SparseLMM
import GLMM

/// `lmm predict DATA.csv 'FORMULA' --newdata NEW.csv`: fit, then predict new rows.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a model, then predict new data with or without the random effects (lme4's predict).")

    @OptionGroup var model: DataArguments
    @OptionGroup var out: OutputArguments

    @Option(help: "CSV file with the rows to predict (the columns the formula uses, the response not needed).")
    var newdata: String

    @Option(name: .customLong("re-form"), help: "Random effects in the prediction: all (lme4's re.form = NULL) or none (re.form = NA).")
    var reForm: String = "all"

    @Flag(name: .customLong("allow-new-levels"), help: "Predict levels of grouping factors that were not in the fitted data at the population level.")
    var allowNewLevels = false

    @Option(help: "Scale of GLMM predictions: response (default) or link.")
    var type: String = "response"

    @Flag(name: .customLong("ml"), help: "Fit a Gaussian model by maximum likelihood (default REML).")
    var ml = false
    @OptionGroup var familyOptions: FamilyArguments

    func run() throws {
        try runReporting {
            let includeRandom: Bool
            switch reForm.lowercased() {
            case "all", "null", "full": includeRandom = true
            case "none", "na": includeRandom = false
            default: throw CommandError.usage("--re-form must be all or none, got '\(reForm)'")
            }
            guard type == "response" || type == "link" else {
                throw CommandError.usage("--type must be response or link, got '\(type)'")
            }
            let spec = try familyOptions.specification(ml: ml)
            let (_, design) = try model.design()
            let fit = try spec.fit(design: design, verbose: false)
            let newTable = try DataTable(csvFile: newdata)
            let predictor = NewDataPredictor(design: design)
            var values = try predictor.linearPredictor(newData: newTable, beta: fit.fixedEffects,
                                                       randomEffects: includeRandom ? fit.randomEffects : nil,
                                                       allowNewLevels: allowNewLevels)
            if fit.family != "gaussian" && type == "response", let l = Link(rawValue: fit.link) {
                values = values.map { $0.isNaN ? .nan : l.mu($0) }
            }
            if out.format == .json {
                let json = JSONValue.object([
                    ("re_form", .string(includeRandom ? "all" : "none")),
                    ("type", .string(fit.family == "gaussian" ? "response" : type)),
                    ("predictions", .array(values.map { .finite($0) })),
                ])
                try emit(json.serialized(indent: 2), to: out.output)
            } else {
                var s = "row,prediction\n"
                for (i, v) in values.enumerated() { s += "\(i + 1),\(v.isNaN ? "NA" : "\(v)")\n" }
                try emit(s, to: out.output)
            }
        }
    }
}
