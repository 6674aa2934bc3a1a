import SparseLMM

/// `--ddf satterthwaite|kenward-roger`.
enum DegreesOfFreedomMethod {
    case satterthwaite, kenwardRoger

    init(argument: String) throws {
        switch argument.lowercased() {
        case "satterthwaite": self = .satterthwaite
        case "kenward-roger", "kenward_roger", "kr": self = .kenwardRoger
        default: throw CommandError.usage("--ddf must be satterthwaite or kenward-roger, got '\(argument)'")
        }
    }
}

/// Denominator degrees of freedom for the fixed effects of a fitted LMM: per-coefficient t tests
/// and the type III ANOVA table, with their JSON (keys `satterthwaite` / `kenward_roger` and
/// `anova_type3`) and text.
struct FixedEffectInference {
    var tests: FixedEffectTests
    var anova: [FTest]
    var key: String
    var names: [String]
    var warnings: [String]
    /// How long the computation took (printed with --verbose).
    var timing: String? = nil

    init(model: LinearMixedModel, fit: MixedModelFit, method: DegreesOfFreedomMethod) throws {
        switch method {
        case .satterthwaite:
            let s = try SatterthwaiteApproximation(model: model, fit: fit)
            tests = s.coefficientTests()
            anova = try s.typeIIIAnova(design: model.design)
            key = "satterthwaite"
            warnings = s.warnings
        case .kenwardRoger:
            if model.criterion != .reml {
                throw CommandError.usage("Kenward-Roger's method needs a REML fit; drop --ml")
            }
            let kr = try KenwardRogerApproximation(model: model, fit: fit)
            tests = kr.coefficientTests()
            anova = try kr.typeIIIAnova(design: model.design)
            key = "kenward_roger"
            warnings = kr.warnings
            timing = "Kenward-Roger: " + RNumberFormat.printf("%.3f", kr.seconds.total) + " s (traces " + RNumberFormat.printf("%.3f", kr.seconds.traces) + " s)"
        }
        names = fit.fixedEffectNames
    }

    func json() -> [(String, JSONValue)] {
        let perCoefficient = JSONValue.object(names.indices.map { j in
            (names[j], .object([("df", .finite(tests.df[j])), ("t", .finite(tests.statistic[j])), ("p", .finite(tests.p[j])),
                                ("se", .finite(tests.standardErrors[j]))]))
        })
        let table = JSONValue.array(anova.map { r in
            .object([("term", .string(r.term)), ("sum_sq", .finite(r.sumOfSquares)), ("mean_sq", .finite(r.meanSquare)),
                     ("num_df", .finite(r.numeratorDF)), ("den_df", .finite(r.denominatorDF)), ("F", .finite(r.F)), ("p", .finite(r.p))])
        })
        return [(key, perCoefficient), ("anova_type3", table), ("anova_type3_method", .string(tests.method))]
    }

    /// lmerTest's "Type III Analysis of Variance Table with Satterthwaite's method" (or Kenward-Roger's).
    func anovaText() -> String {
        guard !anova.isEmpty else { return "" }
        var s = "\nType III Analysis of Variance Table with \(tests.method)'s method\n"
        var rows = [["", "Sum Sq", "Mean Sq", "NumDF", "DenDF", "F value", "Pr(>F)", ""]]
        for r in anova {
            guard let f = r.F, let p = r.p else { rows.append([r.term, "", "", "", "", "", "", ""]); continue }
            rows.append([r.term, RNumberFormat.significant(r.sumOfSquares ?? .nan, 5), RNumberFormat.significant(r.meanSquare ?? .nan, 5),
                         RNumberFormat.asCharacter(r.numeratorDF ?? .nan), RNumberFormat.significant(r.denominatorDF ?? .nan, 5),
                         RNumberFormat.significant(f, 5), RNumberFormat.pValue(p), starsFor(p)])
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            var line = ""
            for (c, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                line += c == 0 || c == row.count - 1 ? cell + pad : pad + cell
                line += " "
            }
            while line.hasSuffix(" ") { line.removeLast() }
            s += line + "\n"
        }
        return s + "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n"
    }

    func starsFor(_ p: Double) -> String {
        p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : ""
    }
}
