import Testing
import Foundation
@testable import SparseLMM

/// Kenward-Roger against lmerTest/pbkrtest: the reference fits' `kenward_roger` t tests, and
/// Tests/Fixtures/kenward_roger/reference.json (made by Tests/Fixtures/scripts/kenward_roger_reference.R)
/// for the adjusted covariance Φ_A and type III F tests with several numerator df.
@Suite struct KenwardRogerTests {
    /// The REML reference fits that carry lmerTest's Kenward-Roger t tests.
    static let fitIDs: [String] = Fixtures.fitIDs.filter { id in
        ((try? Fixtures.fit(id))?["kenward_roger"] as? [String: Any]) != nil
    }

    /// The extra references (models with multi-df type III F tests, and Φ_A).
    nonisolated(unsafe) static let reference: [String: Any] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/kenward_roger/reference.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static var referenceIDs: [String] { reference.keys.filter { $0 != "r_versions" }.sorted() }

    /// The model of a reference fit and its results at lme4's θ (so the comparison does not
    /// depend on how closely the optimiser reproduces lme4's optimum).
    static func model(_ ref: [String: Any]) throws -> (LinearMixedModel, MixedModelFit) {
        let model = try LinearMixedModel(design: try Fixtures.design(ref))
        let named = ref["theta"] as! [String: Double]
        let theta = model.design.thetaNames.map { named[$0]! }
        return (model, try model.results(theta: theta))
    }

    /// A model of reference.json at its θ.
    static func referenceModel(_ id: String) throws -> (LinearMixedModel, MixedModelFit, [String: Any]) {
        let ref = reference[id] as! [String: Any]
        var opts = Fixtures.options(for: ["dataset": ref["data"]!, "formula": ref["formula"]!])
        for f in ref["factors"] as? [String] ?? [] { opts.factorColumns.append(f) }
        let design = try MixedModelDesign(formula: ref["formula"] as! String, data: Fixtures.table(ref["data"] as! String), options: opts)
        let model = try LinearMixedModel(design: design)
        let fit = try model.results(theta: ref["theta"] as! [Double])
        return (model, fit, ref)
    }

    @Test(arguments: fitIDs)
    func tTestsAtReferenceTheta(id: String) throws {
        let ref = try Fixtures.fit(id)
        let (model, fit) = try Self.model(ref)
        let kr = try KenwardRogerApproximation(model: model, fit: fit)
        let tests = kr.coefficientTests()
        let expected = ref["kenward_roger"] as! [String: [String: Double]]
        for (j, name) in fit.fixedEffectNames.enumerated() {
            let e = try #require(expected[name])
            #expect(close(tests.df[j], e["df"]!, rel: 1e-7), "\(id) \(name): df \(tests.df[j]) vs \(e["df"]!)")
            #expect(close(tests.statistic[j], e["F_or_t"]!, rel: 1e-7), "\(id) \(name): t \(tests.statistic[j]) vs \(e["F_or_t"]!)")
            #expect(close(tests.p[j], e["p"]!, rel: 1e-5, abs: 1e-300), "\(id) \(name): p \(tests.p[j]) vs \(e["p"]!)")
        }
    }

    @Test(arguments: fitIDs)
    func tTestsOfOurFit(id: String) throws {
        let ref = try Fixtures.fit(id)
        let model = try LinearMixedModel(design: try Fixtures.design(ref))
        let fit = try model.fit()
        let tests = try KenwardRogerApproximation(model: model, fit: fit).coefficientTests()
        #expect(tests.method == "Kenward-Roger")
        let expected = ref["kenward_roger"] as! [String: [String: Double]]
        for (j, name) in fit.fixedEffectNames.enumerated() {
            let e = try #require(expected[name])
            #expect(close(tests.df[j], e["df"]!, rel: 1e-4), "\(id) \(name): df \(tests.df[j]) vs \(e["df"]!)")
            #expect(close(tests.statistic[j], e["F_or_t"]!, rel: 1e-4), "\(id) \(name): t \(tests.statistic[j]) vs \(e["F_or_t"]!)")
        }
    }

    @Test(arguments: referenceIDs)
    func adjustedCovariance(id: String) throws {
        let (model, fit, ref) = try Self.referenceModel(id)
        let kr = try KenwardRogerApproximation(model: model, fit: fit)
        let expected = ref["vcov_adjusted"] as! [[Double]]
        let p = fit.fixedEffects.count
        for i in 0..<p {
            for j in 0..<p {
                let scale = (expected[i][i] * expected[j][j]).squareRoot()
                #expect(abs(kr.adjustedCovariance[i, j] - expected[i][j]) <= 1e-7 * scale,
                        "\(id) Φ_A[\(i), \(j)] = \(kr.adjustedCovariance[i, j]) vs \(expected[i][j])")
            }
        }
        // the correction does not decrease these variances (it vanishes for sleepstudy's balanced design)
        for i in 0..<p { #expect(kr.adjustedCovariance[i, i] >= kr.covariance[i, i] * (1 - 1e-12)) }
    }

    @Test(arguments: referenceIDs)
    func typeIIIAnova(id: String) throws {
        let (model, fit, ref) = try Self.referenceModel(id)
        let kr = try KenwardRogerApproximation(model: model, fit: fit)
        let rows = try kr.typeIIIAnova(design: model.design)
        let expected = ref["anova_type3"] as! [[String: Any]]
        #expect(rows.count == expected.count)
        for e in expected {
            let term = e["term"] as! String
            let row = try #require(rows.first { $0.term == term }, "\(id): no row \(term)")
            func check(_ value: Double?, _ key: String, _ rel: Double) {
                let want = e[key] as! Double
                #expect(value.map { close($0, want, rel: rel, abs: 1e-300) } == true, "\(id) \(term) \(key): \(String(describing: value)) vs \(want)")
            }
            check(row.numeratorDF, "num_df", 0)
            check(row.denominatorDF, "den_df", 1e-7)
            check(row.F, "F", 1e-7)
            check(row.sumOfSquares, "sum_sq", 1e-7)
            check(row.meanSquare, "mean_sq", 1e-7)
            check(row.p, "p", 1e-5)
            let contrast = try typeIIIContrasts(design: model.design).first { $0.term == term }!.contrast
            let s = try #require(kr.statistics(contrast))
            #expect(close(s.scaling, e["F_scaling"] as! Double, rel: 1e-7), "\(id) \(term) F scaling \(s.scaling)")
            #expect(close(s.unscaledF, e["F_unscaled"] as! Double, rel: 1e-7))
            #expect(close(s.a1, e["A1"] as! Double, rel: 1e-6), "\(id) \(term) A1 \(s.a1)")
            #expect(close(s.a2, e["A2"] as! Double, rel: 1e-6), "\(id) \(term) A2 \(s.a2)")
        }
    }

    /// InstEval's first 200 students (q = 1,068, nine panels of the trace computation), the
    /// InstEval timing model, against pbkrtest (Tests/Fixtures/scripts/kenward_roger_insteval_subset.R).
    @Test func instEvalSubset() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/kenward_roger/insteval_subset.json"))
        let ref = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let table = try DataTable(csvFile: Fixtures.root + "/kenward_roger/insteval_subset.csv")
        let design = try MixedModelDesign(formula: ref["formula"] as! String, data: table,
                                          options: DataOptions(factorColumns: ref["factors"] as! [String]))
        let model = try LinearMixedModel(design: design)
        #expect(model.factor.q == 1068)
        let named = Dictionary(uniqueKeysWithValues: zip(ref["theta_names"] as! [String], ref["theta"] as! [Double]))
        let fit = try model.results(theta: design.thetaNames.map { named[$0]! })
        let kr = try KenwardRogerApproximation(model: model, fit: fit)
        let tests = kr.coefficientTests()
        for (j, e) in (ref["coefficients"] as! [[String: Any]]).enumerated() {
            #expect(fit.fixedEffectNames[j] == e["name"] as! String)
            #expect(close(tests.df[j], e["df"] as! Double, rel: 1e-7), "df \(tests.df[j]) vs \(e["df"]!)")
            #expect(close(tests.statistic[j], e["t"] as! Double, rel: 1e-7), "t \(tests.statistic[j]) vs \(e["t"]!)")
            #expect(close(tests.standardErrors[j], e["se"] as! Double, rel: 1e-7))
        }
        let expected = ref["vcov_adjusted"] as! [[Double]]
        for i in 0..<2 { for j in 0..<2 {
            #expect(abs(kr.adjustedCovariance[i, j] - expected[i][j]) <= 1e-7 * (expected[i][i] * expected[j][j]).squareRoot())
        } }
        let row = try #require(try kr.typeIIIAnova(design: design).first { $0.term == "service" })
        let a = ref["anova_service"] as! [String: Double]
        #expect(close(row.denominatorDF!, a["den_df"]!, rel: 1e-7) && close(row.F!, a["F"]!, rel: 1e-7))
    }

    /// The multi-df references really are multi-df (9, 3 and 2 numerator df).
    @Test func referencesIncludeSeveralNumeratorDF() {
        let df = Self.referenceIDs.flatMap { id in ((Self.reference[id] as! [String: Any])["anova_type3"] as! [[String: Any]]).map { $0["num_df"] as! Double } }
        #expect(df.contains(9) && df.contains(3) && df.contains(2))
    }

    /// The trace accumulation does not depend on how the columns are cut into panels (here one
    /// level block per panel for the vector-valued sleepstudy term and the crossed Penicillin terms).
    @Test(arguments: ["sleepstudy_corr_reml", "penicillin_crossed_reml", "pastes_nested_reml", "orthodont_sexvar_reml"])
    func panelsDoNotMatter(id: String) throws {
        let (model, fit) = try Self.model(try Fixtures.fit(id))
        let whole = try KenwardRogerApproximation(model: model, fit: fit)
        let small = try KenwardRogerApproximation(model: model, fit: fit, panelBudget: 1)
        for (a, b) in zip(whole.information.values, small.information.values) { #expect(abs(a - b) <= 1e-10 * max(1, abs(a))) }
        for (a, b) in zip(whole.adjustedCovariance.values, small.adjustedCovariance.values) { #expect(abs(a - b) <= 1e-10 * max(1e-12, abs(a))) }
    }

    /// Dyestuff2's REML fit is singular (θ = 0); pbkrtest still gives the balanced-design df.
    @Test func singularFit() throws {
        let ref = try Fixtures.fit("dyestuff2_reml_singular")
        let model = try LinearMixedModel(design: try Fixtures.design(ref))
        let fit = try model.fit()
        #expect(fit.theta == [0])
        let kr = try KenwardRogerApproximation(model: model, fit: fit)
        let t = kr.coefficientTests()
        #expect(close(t.df[0], 5, rel: 1e-9))
        #expect(close(t.statistic[0], (ref["kenward_roger"] as! [String: [String: Double]])["(Intercept)"]!["F_or_t"]!, rel: 1e-6))
        #expect(kr.warnings.isEmpty)
    }

    /// Kenward-Roger is defined for REML fits only (lmerTest refuses ML fits too).
    @Test func maximumLikelihoodIsRefused() throws {
        let design = try Fixtures.design(try Fixtures.fit("sleepstudy_ri_ml"))
        let model = try LinearMixedModel(design: design, criterion: .ml)
        let fit = try model.fit()
        #expect(throws: ModelError.self) { try KenwardRogerApproximation(model: model, fit: fit) }
    }

    /// The variance parameters are pbkrtest's: the entries of each term's covariance, then σ².
    @Test func parameterisation() throws {
        let (model, fit) = try Self.model(try Fixtures.fit("sleepstudy_corr_reml"))
        let kr = try KenwardRogerApproximation(model: model, fit: fit)
        let vc = fit.varCorr
        #expect(kr.parameterNames.count == 4)
        #expect(close(kr.parameters[0], vc[0].variance, rel: 1e-12))
        #expect(close(kr.parameters[1], vc[2].variance, rel: 1e-12))   // the covariance row
        #expect(close(kr.parameters[2], vc[1].variance, rel: 1e-12))
        #expect(close(kr.parameters[3], fit.sigma! * fit.sigma!, rel: 1e-12))
        // W = 2 I⁻¹ is a covariance matrix
        for i in 0..<4 { #expect(kr.varianceParameterCovariance[i, i] > 0) }
        // the Woodbury products reproduce vcov(β̂) = σ²(X'Ṽ⁻¹X)⁻¹ from the factor's R_X
        let traces = try KenwardRogerTraces(system: model.system)
        let product = traces.information * kr.covariance
        let s2 = fit.sigma! * fit.sigma!
        for i in 0..<2 { for j in 0..<2 { #expect(abs(product[i, j] / s2 - (i == j ? 1 : 0)) < 1e-10) } }
    }
}
