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
        if let w = weights, !gaussian || w.contains(where: { $0 != 1 }) { _ = w; out += "Weights: prior weights given\n" }
        out += "\n"
        if gaussian && method == "REML" {
            out += "REML criterion at convergence: \(RNumberFormat.fixed(objective, 1))\n\n"
        } else {
            var t = TextTable(header: ["AIC", "BIC", "logLik", "deviance", "df.resid"], alignment: Array(repeating: .right, count: 5))
            t.add([AIC, BIC, logLik, deviance].map { RNumberFormat.fixed($0, 1) } + [String(residualDegreesOfFreedom)])
            out += t.render(lead: 1).split(separator: "\n").map { " " + $0 }.joined(separator: "\n") + "\n\n"
        }
        // scaled residuals
        let sr = scaledResiduals.filter { $0.isFinite }.sorted()
        if !sr.isEmpty {
            out += "Scaled residuals: \n"
            var t = TextTable(header: ["Min", "1Q", "Median", "3Q", "Max"], alignment: Array(repeating: .right, count: 5))
            t.add(RNumberFormat.column([0, 0.25, 0.5, 0.75, 1].map { quantile(sr, $0) }, digits: 4))
            out += t.render() + "\n"
        }
        out += "Random effects:\n" + varCorrTable() + "\n"
        out += "Number of obs: \(nobs), groups:  " + groupCounts.map { "\($0.name), \($0.levels)" }.joined(separator: "; ") + "\n"
        if !omittedRows.isEmpty {
            let shown = omittedRows.prefix(10).map(String.init).joined(separator: ", ") + (omittedRows.count > 10 ? ", …" : "")
            out += "(\(omittedRows.count) observation\(omittedRows.count == 1 ? "" : "s") deleted due to missingness: data row\(omittedRows.count == 1 ? "" : "s") \(shown))\n"
        }
        out += "\nFixed effects:\n" + fixedEffectsTable(tests: tests)
        if !droppedColumns.isEmpty {
            out += "fit warnings:\n" + messages.filter { $0.contains("rank deficient") }.joined(separator: "\n") + "\n"
            out += "Dropped columns: \(droppedColumns.joined(separator: ", "))\n"
        }
        let p = fixedEffects.count
        if p > 1 {
            out += "\nCorrelation of Fixed Effects:\n"
            let corr = fixedEffectCorrelation
            let abbrev = fixedEffectNames.map { abbreviate($0) }
            var t = TextTable(header: [""] + abbrev.dropLast(), alignment: [.left] + Array(repeating: .right, count: p - 1))
            for i in 1..<p {
                var row = [fixedEffectNames[i]]
                for j in 0..<(p - 1) { row.append(j < i ? RNumberFormat.fixed(corr[i + j * p], 3) : "") }
                t.add(row)
            }
            out += t.render()
        }
        if singular { out += "optimizer note: boundary (singular) fit: see help('isSingular')\n" }
        if !converged { out += "optimizer note: the optimiser did not converge (\(optimizerMessage))\n" }
        for w in warnings where !w.contains("singular") { out += "warning: \(w)\n" }
        return out
    }

    /// The random-effects table: Groups, Name, Variance, Std.Dev., Corr.
    func varCorrTable() -> String {
        let variances = varCorr.filter { $0.term2 == nil }
        let vStrings = RNumberFormat.column(variances.map { $0.variance }, digits: 4)
        let sdStrings = RNumberFormat.column(variances.map { $0.sd ?? .nan }, digits: 4)
        // correlations per block: the lower triangle, row by row
        var blocks = [(group: String, names: [String], vIndex: [Int])]()
        for (i, v) in variances.enumerated() {
            if let last = blocks.last, last.group == v.group, v.group != "Residual" {
                blocks[blocks.count - 1].names.append(v.term1 ?? "")
                blocks[blocks.count - 1].vIndex.append(i)
            } else {
                blocks.append((v.group, [v.term1 ?? ""], [i]))
            }
        }
        let hasCorr = varCorr.contains { $0.term2 != nil }
        var header = ["Groups", "Name", "Variance", "Std.Dev."]
        let maxK = blocks.map { $0.names.count }.max() ?? 1
        if hasCorr { header += ["Corr"] + Array(repeating: "", count: max(0, maxK - 2)) }
        var t = TextTable(header: header, alignment: [.left, .left, .right, .right] + Array(repeating: .right, count: header.count - 4))
        for b in blocks {
            for (r, name) in b.names.enumerated() {
                var row = [r == 0 ? b.group : "", b.group == "Residual" ? "" : name, vStrings[b.vIndex[r]], sdStrings[b.vIndex[r]]]
                if hasCorr {
                    var cells = [String]()
                    for c in 0..<r {
                        let entry = varCorr.first { $0.group == b.group && $0.term1 == b.names[c] && $0.term2 == name }
                        cells.append(entry?.corr.map { RNumberFormat.fixed($0, 2) } ?? "")
                    }
                    row += cells + Array(repeating: "", count: header.count - 4 - cells.count)
                }
                t.add(row)
            }
        }
        return t.render(lead: 1)
    }

    /// The fixed-effects coefficient table.
    func fixedEffectsTable(tests: FixedEffectTests?) -> String {
        let p = fixedEffects.count
        let se = tests?.standardErrors ?? standardErrors
        let maxAbs = (fixedEffects + se).filter { $0.isFinite }.map { abs($0) }.max() ?? 1
        let digmin = maxAbs > 0 ? 1 + Int(floor(log10(maxAbs))) : 1
        let decimals = max(1, 5 - digmin)
        let est = RNumberFormat.column(fixedEffects.map { ($0 * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals)) }, digits: 7)
        let ses = RNumberFormat.column(se.map { ($0 * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals)) }, digits: 7)
        let gaussian = family == "gaussian"
        var header = ["", "Estimate", "Std. Error"]
        if let _ = tests { header += ["df", "t value", "Pr(>|t|)", ""] }
        else if gaussian { header += ["t value"] }
        else { header += ["z value", "Pr(>|z|)", ""] }
        var t = TextTable(header: header, alignment: [.left] + Array(repeating: .right, count: header.count - 1))
        for i in 0..<p {
            var row = [fixedEffectNames[i], est[i], ses[i]]
            if let tests {
                row += [RNumberFormat.significant(tests.df[i], 5), RNumberFormat.fixed(tests.statistic[i], 3),
                        RNumberFormat.pValue(tests.p[i]), significanceStars(tests.p[i])]
            } else {
                let z = fixedEffects[i] / standardErrors[i]
                if gaussian { row.append(RNumberFormat.fixed(z, 3)) }
                else {
                    let pv = 2 * normalUpperTail(abs(z))
                    row += [RNumberFormat.fixed(z, 3), RNumberFormat.pValue(pv), significanceStars(pv)]
                }
            }
            t.add(row)
        }
        var out = t.render()
        if tests != nil || !gaussian {
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
