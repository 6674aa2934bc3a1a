import Testing
import Foundation
@testable import SparseLMM

/// Gaussian fits with prior weights, an offset column, `offset()` in the formula, and a transformed
/// response and predictors, against lme4 (`Tests/Fixtures/extra/lmm_extra.json`, made by
/// `Tests/Fixtures/scripts/lmm_extra_reference.R` on sleepstudy with added columns w and o).
@Suite struct LMMWeightsOffsetsTests {
    static let references: OrderedJSON = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/extra/lmm_extra.json"))
        return try! OrderedJSON.parse(String(decoding: data, as: UTF8.self))
    }()

    static let ids: [String] = references.keys

    static func number(_ v: OrderedJSON?) -> Double? {
        if case .number(let x)? = v { return x }
        return nil
    }

    static func string(_ v: OrderedJSON?) -> String? {
        if case .string(let s)? = v { return s }
        return nil
    }

    static func numbers(_ v: OrderedJSON?) -> [Double] {
        if case .array(let a)? = v { return a.compactMap { number($0) } }
        return []
    }

    @Test func referencesArePresent() {
        #expect(Self.ids == ["weights_corr_reml", "weights_corr_ml", "offset_column_reml", "offset_formula_reml",
                             "transformed_reml", "weights_offset_ml"])
    }

    @Test(arguments: ids)
    func matchesLme4(id: String) throws {
        let ref = Self.references[id]!
        let table = try DataTable(csvFile: Fixtures.root + "/extra/sleepstudy_wo.csv")
        let options = DataOptions(weightsColumn: Self.string(ref["weights_column"]), offsetColumn: Self.string(ref["offset_column"]))
        let design = try MixedModelDesign(formula: Self.string(ref["formula"])!, data: table, options: options)
        let ml = Self.string(ref["method"]) == "ML"
        let fit = try LinearMixedModel(design: design, criterion: ml ? .ml : .reml).fit()

        let objective = Self.number(ref["objective"])!
        #expect(fit.objective <= objective + 1e-6 * abs(objective), "objective \(fit.objective) vs \(objective)")
        #expect(fit.objective >= objective - 1e-6 * abs(objective), "objective \(fit.objective) vs \(objective)")
        #expect(close(fit.logLik, Self.number(ref["logLik"])!, rel: 1e-6))
        #expect(fit.thetaNames == ref["theta"]!.keys)
        for (k, name) in fit.thetaNames.enumerated() {
            let t = Self.number(ref["theta"]![name])!
            #expect(close(fit.theta[k], t, rel: 1e-3, abs: abs(t) < 0.05 ? 2e-3 : 0), "θ[\(name)] \(fit.theta[k]) vs \(t)")
        }
        #expect(close(fit.sigma!, Self.number(ref["sigma"])!, rel: 1e-3), "σ \(fit.sigma!)")
        #expect(fit.fixedEffectNames == ref["fixef"]!.keys)
        for (k, name) in fit.fixedEffectNames.enumerated() {
            let b = Self.number(ref["fixef"]![name])!, s = Self.number(ref["se"]![name])!
            #expect(close(fit.fixedEffects[k], b, rel: 1e-4), "fixef[\(name)] \(fit.fixedEffects[k]) vs \(b)")
            #expect(close(fit.standardErrors[k], s, rel: 1e-4), "se[\(name)] \(fit.standardErrors[k]) vs \(s)")
        }
        let fitted = Self.numbers(ref["fitted_head"]), resid = Self.numbers(ref["resid_head"])
        #expect(fitted.count == 10 && resid.count == 10)
        for i in 0..<min(10, fitted.count) {
            #expect(close(fit.fitted[i], fitted[i], rel: 1e-4), "fitted[\(i)] \(fit.fitted[i]) vs \(fitted[i])")
            #expect(close(fit.residuals[i], resid[i], rel: 1e-4, abs: 1e-6 * abs(fitted[i] + resid[i])), "resid[\(i)] \(fit.residuals[i]) vs \(resid[i])")
        }
        // the first five subjects' random intercepts (Subject levels sort the same in R and here)
        let modes = Self.numbers(ref["ranef_head"])
        let re = fit.randomEffects.first { $0.group == "Subject" }!
        let sd = fit.varCorr.first { $0.group == "Subject" && $0.term1 == "(Intercept)" && $0.term2 == nil }!.sd!
        for l in 0..<modes.count {
            #expect(close(re.value(level: l, column: 0), modes[l], rel: 1e-3, abs: 1e-3 * sd), "ranef[\(l)] \(re.value(level: l, column: 0)) vs \(modes[l])")
        }
    }

    /// An offset column and offset() in the formula are the same model.
    @Test func offsetColumnEqualsOffsetInFormula() throws {
        let table = try DataTable(csvFile: Fixtures.root + "/extra/sleepstudy_wo.csv")
        let a = try LinearMixedModel(design: MixedModelDesign(formula: "Reaction ~ Days + (1 | Subject)", data: table,
                                                              options: DataOptions(offsetColumn: "o"))).fit()
        let b = try LinearMixedModel(design: MixedModelDesign(formula: "Reaction ~ Days + offset(o) + (1 | Subject)", data: table)).fit()
        #expect(close(a.objective, b.objective, rel: 1e-12))
        #expect(zip(a.fixedEffects, b.fixedEffects).allSatisfy { close($0, $1, rel: 1e-9) })
        #expect(zip(a.fitted, b.fitted).allSatisfy { close($0, $1, rel: 1e-9) })
    }
}
