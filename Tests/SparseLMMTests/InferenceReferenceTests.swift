import Testing
import Foundation
@testable import SparseLMM

/// Satterthwaite t tests and type III F tests against lmerTest, likelihood-ratio tests against
/// lme4's anova, and drop1 against lme4's drop1, on the reference fits.
@Suite struct InferenceReferenceTests {
    static let satterthwaiteIDs: [String] = Fixtures.fitIDs.filter { id in
        ((try? Fixtures.fit(id))?["satterthwaite"] as? [String: Any]) != nil
    }

    static func fitted(_ ref: [String: Any]) throws -> (LinearMixedModel, MixedModelFit) {
        let design = try Fixtures.design(ref)
        let model = try LinearMixedModel(design: design, criterion: (ref["method"] as? String) == "ML" ? .ml : .reml)
        return (model, try model.fit())
    }

    @Test(arguments: satterthwaiteIDs)
    func satterthwaiteAgreesWithLmerTest(id: String) throws {
        let ref = try Fixtures.fit(id)
        let (model, fit) = try Self.fitted(ref)
        let s = try SatterthwaiteApproximation(model: model, fit: fit)
        let tests = s.coefficientTests()
        let expected = ref["satterthwaite"] as! [String: [String: Double]]
        for (j, name) in fit.fixedEffectNames.enumerated() {
            let e = try #require(expected[name])
            #expect(close(tests.df[j], e["df"]!, rel: 1e-3), "\(id) \(name) df \(tests.df[j]) vs \(e["df"]!)")
            // p within 1e-3 relative, or 1e-12 absolute for p-values far in the tail (check_inference.py)
            #expect(close(tests.p[j], e["p"]!, rel: 1e-3, abs: 1e-12), "\(id) \(name) p \(tests.p[j]) vs \(e["p"]!)")
            #expect(close(tests.statistic[j], e["t"]!, rel: 1e-4), "\(id) \(name) t")
        }
        if let table = ref["anova_type3_satterthwaite"] as? [[String: Any]] {
            let ours = try s.typeIIIAnova(design: model.design)
            for row in table {
                let term = row["term"] as! String
                let o = try #require(ours.first { $0.term == term }, "\(id): no type III row for \(term)")
                if let f = row["F"] as? Double {
                    #expect(close(o.F ?? .nan, f, rel: 1e-3), "\(id) \(term) F \(o.F ?? .nan) vs \(f)")
                    #expect(close(o.denominatorDF ?? .nan, row["den_df"] as! Double, rel: 1e-3), "\(id) \(term) den df")
                    #expect(o.numeratorDF == row["num_df"] as? Double, "\(id) \(term) num df")
                } else {
                    #expect(o.F == nil, "\(id) \(term): lmerTest has no test (the term's columns were dropped)")
                }
            }
        }
    }

    static let lrtIDs = ["lrt_sleepstudy_ri_vs_corr", "lrt_sleepstudy_uncorr_vs_corr", "lrt_orthodont_add_vs_int"]

    @Test(arguments: lrtIDs)
    func likelihoodRatioTestAgreesWithLme4(id: String) throws {
        let lrt = try Fixtures.fit(id)
        let fits = try [lrt["model0"] as! String, lrt["model1"] as! String].map { mid -> MixedModelFit in
            let ref = try Fixtures.fit(mid)
            return try LinearMixedModel(design: Fixtures.design(ref), criterion: .ml).fit()   // anova refits by ML
        }
        let test = try LikelihoodRatioTest(fits[0], fits[1])
        #expect(close(test.chisq, lrt["Chisq"] as! Double, rel: 1e-4, abs: 1e-6))
        #expect(test.df == lrt["Df"] as! Int)
        #expect(close(test.p, lrt["p"] as! Double, rel: 1e-3))
        let models = lrt["models"] as! [[String: Any]]
        for (o, r) in zip(test.models, models) {
            #expect(o.parameters == r["npar"] as! Int)
            #expect(close(o.AIC, r["AIC"] as! Double, rel: 1e-6))
            #expect(close(o.deviance, r["deviance"] as! Double, rel: 1e-6))
        }
    }

    @Test func likelihoodRatioTestOfTwoGLMMs() throws {
        let lrt = try Fixtures.fit("lrt_cbpp_period")
        let fits = try [lrt["model0"] as! String, lrt["model1"] as! String].map { mid -> MixedModelFit in
            let ref = try Fixtures.fit(mid)
            return try GLMMFitting.fitBinomial(Fixtures.design(ref))
        }
        let test = try LikelihoodRatioTest(fits[0], fits[1])
        // lme4's GLMM optimum is accurate to ~1e-4 in the deviance: compare Chisq to 1e-3 absolute
        #expect(abs(test.chisq - (lrt["Chisq"] as! Double)) < 2e-3)
        #expect(test.df == 3)
        #expect(close(test.p, lrt["p"] as! Double, rel: 1e-3))
    }

    @Test func refusesToCompareREMLWithML() throws {
        let ref = try Fixtures.fit("sleepstudy_ri_reml")
        let a = try LinearMixedModel(design: Fixtures.design(ref), criterion: .reml).fit()
        let b = try LinearMixedModel(design: Fixtures.design(try Fixtures.fit("sleepstudy_corr_ml")), criterion: .ml).fit()
        #expect(throws: ModelError.invalidOption("one model was fitted by REML and the other by ML: refit both by ML to compare them")) {
            try LikelihoodRatioTest(a, b)
        }
    }

    @Test func boundaryCorrectedPValueIsHalfTheMixture() throws {
        let ref0 = try Fixtures.fit("sleepstudy_ri_ml"), ref1 = try Fixtures.fit("sleepstudy_corr_ml")
        let a = try LinearMixedModel(design: Fixtures.design(ref0), criterion: .ml).fit()
        let b = try LinearMixedModel(design: Fixtures.design(ref1), criterion: .ml).fit()
        let t = try LikelihoodRatioTest(a, b)
        let expected = 0.5 * chiSquaredUpperTail(t.chisq, df: 1) + 0.5 * chiSquaredUpperTail(t.chisq, df: 2)
        #expect(close(t.boundaryCorrectedP, expected, rel: 1e-12))
        #expect(t.boundaryCorrectedP < t.p)
    }

    @Test func drop1RespectsMarginalityAndMatchesLme4() throws {
        // R: drop1(lmer(distance ~ age + Sex + (age | Subject), Orthodont, REML = FALSE), test = "Chisq")
        let table = try Fixtures.table("Orthodont.csv")
        let options = DataOptions(levelOrders: ["Sex": ["Male", "Female"]])
        let fitML = { (f: Formula) in try LinearMixedModel(design: MixedModelDesign(formula: f, data: table, options: options), criterion: .ml).fit() }
        let additive = try SingleTermDeletions(formula: Formula("distance ~ age + Sex + (age | Subject)"), fit: fitML)
        #expect(additive.rows.map { $0.term } == ["<none>", "age", "Sex"])
        #expect(close(additive.rows[0].AIC, 446.84, rel: 0, abs: 0.005))
        #expect(close(additive.rows[1].chisq!, 39.394, rel: 0, abs: 0.0005))
        #expect(close(additive.rows[2].chisq!, 6.3764, rel: 0, abs: 0.0005))
        #expect(close(additive.rows[1].p!, 3.464e-10, rel: 1e-3))
        let interaction = try SingleTermDeletions(formula: Formula("distance ~ age * Sex + (age | Subject)"), fit: fitML)
        #expect(interaction.rows.map { $0.term } == ["<none>", "age:Sex"])
        #expect(close(interaction.rows[1].chisq!, 5.02921, rel: 1e-4))
    }

    @Test func formulaEditingKeepsRandomTermsAndOffsets() throws {
        let f = try Formula("y ~ a * b + offset(log(n)) + (1 | g) + (x || h)")
        #expect(f.droppableFixedTerms == ["a:b"])
        #expect(try f.droppingFixedTerm("a:b").text == "y ~ 1 + a + b + offset(log(n)) + (1 | g) + (x || h)")
    }
}
