#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// R's `quantile(x, type = 7)` at probability p.
public func quantile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let h = Double(sorted.count - 1) * p
    let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
    return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
}

/// Denominator degrees of freedom and p-values for the fixed effects (Satterthwaite or
/// Kenward-Roger), shown as extra columns of the summary's fixed-effects table.
public struct FixedEffectTests: Sendable {
    /// "Satterthwaite" or "Kenward-Roger".
    public var method: String
    /// Denominator degrees of freedom, one per fixed effect.
    public var df: [Double]
    /// The t statistics, one per fixed effect.
    public var statistic: [Double]
    /// Two-sided p-values, one per fixed effect.
    public var p: [Double]
    /// Standard errors used (Kenward-Roger adjusts them).
    public var standardErrors: [Double]
    /// Memberwise initialiser (one entry per fixed effect in each array).
    public init(method: String, df: [Double], statistic: [Double], p: [Double], standardErrors: [Double]) {
        self.method = method; self.df = df; self.statistic = statistic; self.p = p; self.standardErrors = standardErrors
    }
}

extension MixedModelFit {
    /// An lme4-style summary: method, formula, criterion or information criteria, scaled
    /// residuals, random effects, numbers of observations and groups, fixed effects (with z tests
    /// for GLMMs, or df and p-values when `tests` are given), and the correlation of fixed effects.
    /// - Parameters:
    ///   - dataName: printed on the `Data:` line (no such line when nil).
    ///   - tests: Satterthwaite or Kenward-Roger df and p-values for the fixed-effects table.
    public func summary(dataName: String? = nil, tests: FixedEffectTests? = nil) -> String {
        var out = ""
        let gaussian = family == "gaussian"
        if gaussian {
            out += "Linear mixed model fit by \(method == "REML" ? "REML" : "maximum likelihood")"
            if let t = tests { out += ". t-tests use \(t.method)'s method" }
            out += "\n"
        } else {
            let approx = method == "AGQ" ? "Adaptive Gauss-Hermite Quadrature, nAGQ = \(nAGQ)" : "Laplace Approximation"
            out += "Generalized linear mixed model fit by maximum likelihood (\(approx))\n"
            let fam = family == "negative_binomial" ? "Negative Binomial(\(RNumberFormat.significant(negativeBinomialTheta ?? .nan, 4)))" : family
            out += " Family: \(fam)  ( \(link) )\n"
        }
        out += "Formula: \(formula)\n"
        if let dataName { out += "   Data: \(dataName)\n" }
        if let w = weightsColumn { out += "Weights: \(w)\n" }
        out += "\n"
        if gaussian && method == "REML" {
            // lme4's .prt.aictab: cat() of the criterion rounded to one decimal
            out += "REML criterion at convergence: \(RNumberFormat.significant(RPrint.round(objective, 1), 7))\n\n"
        } else {
            // format() of the rounded values together, df.resid on its own
            var values = RPrint.format([AIC, BIC, logLik, deviance, Double(residualDegreesOfFreedom)].map { RPrint.round($0, 1) }, digits: 7)
            values[4] = String(residualDegreesOfFreedom)
            out += RPrint.namedVector(names: ["AIC", "BIC", "logLik", "deviance", "df.resid"], values: values) + "\n"
        }
        // scaled residuals: lme4's .prt.resids (zapsmall to 5 digits, printed with 4)
        let sr = scaledResiduals.filter { $0.isFinite }.sorted()
        if !sr.isEmpty {
            out += "Scaled residuals: \n"
            let q = RPrint.zapsmall([0, 0.25, 0.5, 0.75, 1].map { quantile(sr, $0) }, digits: 5)
            out += RPrint.namedVector(names: ["Min", "1Q", "Median", "3Q", "Max"], values: RPrint.format(q, digits: 4)) + "\n"
        }
        out += "Random effects:\n" + varCorrTable()
        out += "Number of obs: \(nobs), groups:  " + groupCounts.map { "\($0.name), \($0.levels)" }.joined(separator: "; ") + "\n"
        if !omittedRows.isEmpty {
            let shown = omittedRows.prefix(10).map(String.init).joined(separator: ", ") + (omittedRows.count > 10 ? ", …" : "")
            out += "(\(omittedRows.count) observation\(omittedRows.count == 1 ? "" : "s") deleted due to missingness: data row\(omittedRows.count == 1 ? "" : "s") \(shown))\n"
        }
        out += "\nFixed effects:\n" + fixedEffectsTable(tests: tests)
        let p = fixedEffects.count
        if p > 1 {
            // format(round(cor, 3), nsmall = 3) over the whole matrix; the lower triangle printed
            out += "\nCorrelation of Fixed Effects:\n"
            let corr = fixedEffectCorrelation
            let cells = RPrint.format(corr.map { RPrint.round($0, 3) }, digits: 7, nsmall: 3)
            var rows = [[String]]()
            for i in 1..<p { rows.append((0..<(p - 1)).map { j in j < i ? cells[i + j * p] : "" }) }
            out += RPrint.matrix(rowNames: fixedEffectNames.dropFirst().map { abbreviate($0, 11) },
                                 columnNames: fixedEffectNames.dropLast().map { abbreviate($0) }, rows: rows, right: false)
        }
        // lme4's .prt.warnings: the optimiser's code and lme4's messages, then the fit's warnings
        if singular || !converged {
            let name = optimizerReport.split(separator: " ").first.map(String.init) ?? "optimizer"
            out += "optimizer (\(name)) convergence code: " + (converged ? "0 (OK)" : "failed (\(optimizerMessage))") + "\n"
            if singular { out += "boundary (singular) fit: see help('isSingular')\n" }
        }
        if !droppedColumns.isEmpty {
            out += "fit warnings:\n" + messages.filter { $0.contains("rank deficient") }.joined(separator: "\n") + "\n"
            out += "Dropped columns: \(droppedColumns.joined(separator: ", "))\n"
        }
        for w in warnings where !w.contains("singular") { out += "warning: \(w)\n" }
        return out
    }

    /// The random-effects table as lme4's `formatVC` builds it and `print(quote = FALSE)` shows
    /// it: Groups, Name, Variance and Std.Dev. (each column `format`ted to 4 digits together),
    /// and per block the lower triangle of its correlations, `format(round(r, 2), nsmall = 2)`
    /// over the block's whole matrix; every column left-justified.
    func varCorrTable() -> String {
        let variances = varCorr.filter { $0.term2 == nil }
        let vStrings = RPrint.format(variances.map { $0.variance }, digits: 4)
        let sdStrings = RPrint.format(variances.map { $0.sd ?? .nan }, digits: 4)
        var blocks = [(group: String, names: [String], vIndex: [Int])]()
        for (i, v) in variances.enumerated() {
            if let last = blocks.last, last.group == v.group, v.group != "Residual" {
                blocks[blocks.count - 1].names.append(v.term1 ?? "")
                blocks[blocks.count - 1].vIndex.append(i)
            } else {
                blocks.append((v.group, [v.term1 ?? ""], [i]))
            }
        }
        let maxK = blocks.map { $0.names.count }.max() ?? 1
        var header = ["Groups", "Name", "Variance", "Std.Dev."]
        if maxK > 1 { header += ["Corr"] + Array(repeating: "", count: maxK - 2) }
        var rows = [[String]]()
        for b in blocks {
            let k = b.names.count
            // the block's correlation matrix, formatted as a whole
            var matrix = [Double](repeating: 1, count: k * k)
            for r in 0..<k {
                for c in 0..<r {
                    let entry = varCorr.first { $0.group == b.group && $0.term1 == b.names[c] && $0.term2 == b.names[r] }
                    let value = entry?.corr ?? .nan
                    matrix[r + c * k] = value
                    matrix[c + r * k] = value
                }
            }
            let formatted = RPrint.format(matrix.map { RPrint.round($0, 2) }, digits: 7, nsmall: 2)
            for (r, name) in b.names.enumerated() {
                var row = [r == 0 ? b.group : "", b.group == "Residual" ? "" : name, vStrings[b.vIndex[r]], sdStrings[b.vIndex[r]]]
                if maxK > 1 { row += (0..<(maxK - 1)).map { c in c < r ? formatted[r + c * k] : "" } }
                rows.append(row)
            }
        }
        return RPrint.matrix(rowNames: Array(repeating: "", count: rows.count), columnNames: header, rows: rows, right: false)
    }

    /// The fixed-effects table as R's `printCoefmat(digits = 4)` prints it: estimates, standard
    /// errors (and df) rounded together to max(1, 4 − digmin) decimals (digmin = 1 + ⌊log10⌋ of
    /// the smallest of them) and `format`ted together; the statistic rounded to 3 decimals and
    /// formatted to 4 digits; p-values by `format.pval(digits = 3)`; stars and their legend when
    /// some p < 0.1; right-justified columns.
    func fixedEffectsTable(tests: FixedEffectTests?) -> String {
        let p = fixedEffects.count
        let digits = 4
        let se = tests?.standardErrors ?? standardErrors
        var cs = [fixedEffects, se]
        if let tests { cs.append(tests.df) }
        let magnitudes = cs.joined().filter { $0.isFinite && $0 != 0 }.map { abs($0) }
        let digmin = magnitudes.isEmpty ? 1 : 1 + Int(floor(log10(magnitudes.min()!)))
        let decimals = max(1, digits - digmin)
        let flat = cs.joined().map { RPrint.round($0, decimals) }
        var csCells = RPrint.format(flat, digits: digits)
        // an entry that is not 0 but prints as 0 is shown with 3 significant digits instead
        for (k, x) in cs.joined().enumerated() where x != 0 && x.isFinite && Double(csCells[k].trimmingLeadingSpaces()) == 0 {
            csCells[k] = RPrint.format([x], digits: digits - 1)[0]
        }
        let statistic = tests?.statistic ?? (0..<p).map { fixedEffects[$0] / standardErrors[$0] }
        let statCells = RPrint.format(statistic.map { RPrint.round($0, 3) }, digits: digits)
        let gaussian = family == "gaussian"
        var header = ["Estimate", "Std. Error"]
        if tests != nil { header.append("df") }
        var pValues: [Double]? = nil
        if let tests {
            header += ["t value", "Pr(>|t|)"]
            pValues = tests.p
        } else if gaussian {
            header.append("t value")
        } else {
            header += ["z value", "Pr(>|z|)"]
            pValues = statistic.map { 2 * normalUpperTail(abs($0)) }
        }
        let pCells = pValues.map { RPrint.formatPValues($0, digits: 3) }
        let stars = pValues.map { ps in ps.contains { $0 < 0.1 } } ?? false
        if stars { header.append("") }
        var rows = [[String]]()
        for i in 0..<p {
            var row = (0..<cs.count).map { csCells[$0 * p + i] } + [statCells[i]]
            if let pCells { row.append(pCells[i]) }
            if stars, let pValues {
                let star = significanceStars(pValues[i])
                row.append(star + String(repeating: " ", count: 3 - star.count))
            }
            rows.append(row)
        }
        var out = RPrint.matrix(rowNames: fixedEffectNames, columnNames: header, rows: rows, right: true)
        if stars {
            out += "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n"
        }
        return out
    }
}

/// R's significance stars.
func significanceStars(_ p: Double) -> String {
    if p.isNaN { return "" }
    return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : " "
}

/// R's `abbreviate(name, minlength = 6)` as lme4 uses it for the correlation table (approximation:
/// drop lower-case vowels from the end until the name fits).
func abbreviate(_ name: String, _ length: Int = 6) -> String {
    if name.count <= length { return name }
    var chars = Array(name)
    var i = chars.count - 1
    while chars.count > length && i > 0 {
        if "aeiou".contains(chars[i]) && chars[i - 1] != " " { chars.remove(at: i) }
        i -= 1
    }
    i = chars.count - 1
    while chars.count > length && i > 0 {
        if chars[i].isLowercase { chars.remove(at: i) }
        i -= 1
    }
    if chars.count > length { chars = Array(chars.prefix(length)) }
    return String(chars)
}
