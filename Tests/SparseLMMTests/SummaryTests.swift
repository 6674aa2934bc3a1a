import Testing
import Foundation
import SparseLMM
import GLMM

/// The printed summary against R's own (`print(summary(m))`, Tests/Fixtures/summaries, written by
/// scripts/summary_reference.R): every line from the blank line after `Data:` on, with trailing
/// spaces dropped and R's UTF-8 quotes in the significance legend read as ASCII ones.
@Suite struct SummaryTests {
    /// R's text without the title block (its class tag and our data name differ). The optimiser's
    /// name on lme4's convergence line is blanked (lme4 names its own, nloptwrap), and the two
    /// lines we add to lme4's layout are left out: the dropped columns' names, and the omitted
    /// rows (lme4 prints these only in `print(m)`, without their row numbers).
    static func body(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> String? in
            var l = String(line).replacingOccurrences(of: "\u{2018}", with: "'").replacingOccurrences(of: "\u{2019}", with: "'")
            while l.hasSuffix(" ") { l.removeLast() }
            if l.hasPrefix("Dropped columns: ") || (l.hasPrefix("(") && l.contains("deleted due to missingness")) { return nil }
            if l.hasPrefix("optimizer ("), let close = l.firstIndex(of: ")") { l = "optimizer (…" + l[close...] }
            return l
        }
        if let data = lines.firstIndex(where: { $0.hasPrefix("   Data:") }) { lines.removeFirst(data + 1) }
        while lines.last == "" { lines.removeLast() }
        return lines
    }

    static func expected(_ id: String) throws -> [String] {
        body(try String(contentsOfFile: Fixtures.root + "/summaries/" + id + ".txt", encoding: .utf8))
    }

    static func design(_ formula: String, _ file: String) throws -> MixedModelDesign {
        let ref: [String: Any] = ["formula": formula, "dataset": file]
        return try Fixtures.design(ref)
    }

    /// The numbers of a line, each with its place in it and its last printed decimal place.
    static func numbers(_ line: String) -> (mask: String, values: [(value: Double, unit: Double)]) {
        var mask = "", values = [(Double, Double)]()
        let chars = Array(line)
        var i = 0
        while i < chars.count {
            let startsNumber = chars[i].isNumber || (chars[i] == "-" && i + 1 < chars.count && chars[i + 1].isNumber
                                                     && (i == 0 || chars[i - 1] == " "))
            let inWord = i > 0 && (chars[i - 1].isLetter || chars[i - 1] == "(" || chars[i - 1].isNumber)
            if startsNumber && !inWord {
                var j = i + 1
                while j < chars.count && (chars[j].isNumber || chars[j] == "." || chars[j] == "e"
                                          || ((chars[j] == "-" || chars[j] == "+") && chars[j - 1] == "e")) { j += 1 }
                let text = String(chars[i..<j])
                if let v = Double(text) {
                    let decimals = text.contains("e") ? 0 : (text.split(separator: ".").dropFirst().first?.count ?? 0)
                    values.append((v, text.contains("e") ? abs(v) * 1e-2 : pow(10, -Double(decimals))))
                    mask += String(repeating: "#", count: j - i)
                } else {
                    mask += text
                }
                i = j
            } else {
                mask.append(chars[i])
                i += 1
            }
        }
        return (mask, values)
    }

    /// Line by line: the same text and layout, and every number within a few units of its last
    /// printed digit (or 2e-4 relative) of R's — the optima of two engines differ in the last digits.
    static func compare(_ id: String, _ summary: String) throws {
        let ours = body(summary), theirs = try expected(id)
        #expect(ours.count == theirs.count, "\(id): \(ours.count) lines vs R's \(theirs.count)\n\(ours.joined(separator: "\n"))")
        for (k, (a, b)) in zip(ours, theirs).enumerated() {
            let na = numbers(a), nb = numbers(b)
            var same = na.mask == nb.mask && na.values.count == nb.values.count
            if same {
                for (x, y) in zip(na.values, nb.values) where abs(x.value - y.value) > max(5 * y.unit, 2e-4 * abs(y.value)) { same = false }
            }
            #expect(same, "\(id) line \(k + 1):\n ours: '\(a)'\n    R: '\(b)'")
        }
    }

    @Test(arguments: [("sleepstudy_reml", "Reaction ~ Days + (Days | Subject)", "sleepstudy.csv", Criterion.reml),
                      ("sleepstudy_ml", "Reaction ~ Days + (Days | Subject)", "sleepstudy.csv", Criterion.ml),
                      ("penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", "Penicillin.csv", Criterion.reml),
                      ("pastes", "strength ~ 1 + (1 | batch/cask)", "Pastes.csv", Criterion.reml),
                      ("orthodont_uncorrelated", "distance ~ age * Sex + (age || Subject)", "Orthodont.csv", Criterion.reml),
                      ("dyestuff2_singular", "Yield ~ 1 + (1 | Batch)", "Dyestuff2.csv", Criterion.reml),
                      ("sleepstudy_rankdef", "Reaction ~ Days + Days2 + (Days | Subject)", "sleepstudy_rankdef.csv", Criterion.reml),
                      ("sleepstudy_na", "Reaction ~ Days + (Days | Subject)", "sleepstudy_na.csv", Criterion.reml)])
    func linearModelSummaryIsLme4s(id: String, formula: String, file: String, criterion: Criterion) throws {
        let fit = try LinearMixedModel(design: Self.design(formula, file), criterion: criterion).fit()
        try Self.compare(id, fit.summary(dataName: "data"))
    }

    @Test func satterthwaiteSummaryIsLmerTests() throws {
        let design = try Self.design("Reaction ~ Days + (Days | Subject)", "sleepstudy.csv")
        let model = try LinearMixedModel(design: design)
        let fit = try model.fit()
        let tests = try SatterthwaiteApproximation(model: model, fit: fit).coefficientTests()
        try Self.compare("sleepstudy_satterthwaite", fit.summary(dataName: "data", tests: tests))
    }

    @Test(arguments: [("cbpp_binomial", "cbind(incidence, size - incidence) ~ period + (1 | herd)", "cbpp.csv", Family.binomial),
                      ("grouseticks_poisson", "TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)", "grouseticks.csv", Family.poisson)])
    func generalizedModelSummaryIsLme4s(id: String, formula: String, file: String, family: Family) throws {
        let fit = try GeneralizedLinearMixedModel(design: Self.design(formula, file), family: family).fit()
        try Self.compare(id, fit.summary(dataName: "data"))
    }
}
