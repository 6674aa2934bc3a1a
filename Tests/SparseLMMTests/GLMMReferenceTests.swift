import Testing
import Foundation
import SparseLMM
import GLMM

/// Every GLMM reference fit (binomial Laplace and AGQ, weights, Poisson with offset, Bernoulli
/// crossed, grouseticks, negative binomial) against lme4: deviance within 1e-5 relative (or
/// lower), fixed effects and standard errors within 1e-3 relative, θ within 1e-3, and the
/// negative-binomial dispersion within 1e-3; the conditional modes within 5e-3 relative (1e-4
/// absolute), their conditional SDs within 1e-3 and the response residuals within 1e-3.
@Suite struct GLMMReferenceTests {
    static let ids: [String] = Fixtures.fitIDs.filter { id in
        ((try? Fixtures.fit(id))?["family"] as? String).map { $0 != "gaussian" } ?? false
    }

    static func family(_ ref: [String: Any]) -> Family {
        switch ref["family"] as! String {
        case "binomial": return .binomial
        case "poisson": return .poisson
        default: return .negativeBinomial(theta: 1)
        }
    }

    @Test(arguments: ids)
    func agreesWithLme4(id: String) throws {
        let ref = try Fixtures.fit(id)
        let design = try Fixtures.design(ref)
        let link = (ref["link"] as? String).flatMap { Link(rawValue: $0) }
        let model = try GeneralizedLinearMixedModel(design: design, family: Self.family(ref), link: link)
        let nAGQ = (ref["nAGQ"] as? Int) ?? 1
        let fit = try model.fit(nAGQ: nAGQ)
        let refObjective = (ref["objective_full_likelihood"] as? Double) ?? (ref["objective"] as! Double)
        #expect(fit.objective <= refObjective + 1e-5 * abs(refObjective), "objective \(fit.objective) vs lme4 \(refObjective)")
        let better = fit.objective < refObjective - 1e-5 * abs(refObjective)
        let tol = better ? 1e-2 : 1e-3
        let fixef = ref["fixef"] as! [String: Double], se = ref["se"] as! [String: Double]
        #expect(Set(fit.fixedEffectNames) == Set(fixef.keys))
        for (j, name) in fit.fixedEffectNames.enumerated() {
            #expect(close(fit.fixedEffects[j], fixef[name]!, rel: tol, abs: 1e-6), "\(id) fixef \(name): \(fit.fixedEffects[j]) vs \(fixef[name]!)")
            #expect(close(fit.standardErrors[j], se[name]!, rel: tol), "\(id) se \(name): \(fit.standardErrors[j]) vs \(se[name]!)")
        }
        let theta = ref["theta"] as! [String: Double]
        for (name, value) in zip(fit.thetaNames, fit.theta) {
            #expect(close(value, theta[name]!, rel: tol, abs: 1e-3), "\(id) theta \(name): \(value) vs \(theta[name]!)")
        }
        if let nb = ref["nb_theta"] as? Double {
            #expect(close(fit.negativeBinomialTheta ?? .nan, nb, rel: tol), "\(id) nb theta \(fit.negativeBinomialTheta ?? .nan) vs \(nb)")
        }
        #expect(fit.nobs == ref["nobs"] as! Int)
        #expect(fit.singular == (ref["singular"] as? Bool ?? false))
        // fitted values on the response scale
        let head = ref["fitted_head"] as! [Double]
        for (k, v) in head.enumerated() {
            #expect(close(fit.fitted[k], v, rel: 1e-3, abs: 1e-6), "\(id) fitted[\(k)] \(fit.fitted[k]) vs \(v)")
        }
        // response residuals y − μ (y the proportion for binomial responses)
        let residHead = ref["resid_head"] as! [Double]
        for (k, v) in residHead.enumerated() {
            #expect(close(fit.residuals(.response)[k], v, rel: 1e-3, abs: 1e-4), "\(id) resid[\(k)] \(fit.residuals(.response)[k]) vs \(v)")
        }
        // conditional modes (lme4's ranef) and their conditional SDs (condVar = TRUE); the AGQ
        // modes are the Laplace ones at the AGQ estimates. lme4's optimum is accurate to ~1e-4.
        let ranefTol = better ? 5e-2 : 5e-3, condTol = better ? 1e-2 : 1e-3
        let ours = fit.ranef
        let refRanef = ref["ranef"] as! [String: [String: [String: Double]]]
        #expect(Set(ours.keys) == Set(refRanef.keys), "\(id) grouping factors")
        for (group, levels) in refRanef {
            #expect(ours[group]?.count == levels.count, "\(id) \(group) levels")
            for (level, terms) in levels {
                for (term, value) in terms {
                    let o = ours[group]?[level]?[term] ?? .nan
                    #expect(close(o, value, rel: ranefTol, abs: 1e-4), "\(id) ranef \(group) \(level) \(term): \(o) vs \(value)")
                }
            }
        }
        if let refSD = ref["condvar_sd"] as? [String: [String: [String: Double]]] {
            let sd = try #require(fit.ranefConditionalSD, "\(id): no conditional variances")
            for (group, levels) in refSD {
                for (level, terms) in levels {
                    for (term, value) in terms {
                        let o = sd[group]?[level]?[term] ?? .nan
                        #expect(close(o, value, rel: condTol, abs: 1e-5), "\(id) condvar sd \(group) \(level) \(term): \(o) vs \(value)")
                    }
                }
            }
        }
        // the objective is −2 log-likelihood with all constants: logLik and AIC agree with it
        #expect(close(fit.logLik, -fit.objective / 2, rel: 1e-12))
        #expect(close(fit.AIC, fit.objective + 2 * Double(ref["df"] as! Int), rel: 1e-12))
    }

    @Test func adaptiveQuadratureNeedsOneScalarTerm() throws {
        let table = try Fixtures.table("grouseticks.csv")
        let design = try MixedModelDesign(formula: "TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | LOCATION)", data: table,
                                          options: DataOptions(factorColumns: ["BROOD", "LOCATION", "YEAR"]))
        let model = try GeneralizedLinearMixedModel(design: design, family: .poisson)
        #expect(throws: GLMMError.quadratureNeedsOneScalarTerm(terms: 2, columns: 2)) { try model.fit(nAGQ: 5) }
    }

    @Test func agqWithOnePointIsTheLaplaceApproximation() throws {
        let ref = try Fixtures.fit("cbpp_binom_laplace")
        let design = try Fixtures.design(ref)
        let model = try GeneralizedLinearMixedModel(design: design, family: .binomial)
        let fit = try model.fit(nAGQ: 1)
        let theta = fit.theta, beta = fit.fixedEffects
        let laplace = try model.deviance(theta: theta, beta: beta, nAGQ: 1)
        let agq1 = try model.deviance(theta: theta, beta: beta, nAGQ: 1)
        let agq25 = try model.deviance(theta: theta, beta: beta, nAGQ: 25)
        #expect(close(laplace, agq1, rel: 1e-12))
        // more points change the approximation, but only slightly for this well-behaved model
        #expect(abs(agq25 - laplace) < 1.0 && agq25 != laplace)
    }

    @Test func standardErrorMethodsAreOrderedAsLme4Reports() throws {
        // lme4's default SEs come from its inexact inner PIRLS; the exact Hessian agrees with
        // lme4 run with tolPwrss = 1e-12 (0.2324733838 for the intercept, computed in R).
        let ref = try Fixtures.fit("cbpp_binom_laplace")
        let design = try Fixtures.design(ref)
        let exact = try GeneralizedLinearMixedModel(design: design, family: .binomial).fit(standardErrors: .exactHessian)
        #expect(close(exact.standardErrors[0], 0.2324733838, rel: 1e-4))
        let conditional = try GeneralizedLinearMixedModel(design: design, family: .binomial).fit(standardErrors: .conditional)
        // lme4's vcov(m, use.hessian = FALSE): 0.2278523702 for the intercept
        #expect(close(conditional.standardErrors[0], 0.2278523702, rel: 1e-3))
    }
}

/// Stage 2's two objectives and the quasi-Newton PIRLS that reuses the factor.
@Suite struct GLMMStageTwoTests {
    static func cbpp() throws -> (design: MixedModelDesign, ref: [String: Any]) {
        let ref = try Fixtures.fit("cbpp_binom_laplace")
        return (try Fixtures.design(ref), ref)
    }

    @Test func glmersFunctionReproducesGlmersEstimates() throws {
        // glmer's stage-2 function (PIRLS restarted at stage 1's linear predictor, tolPwrss 1e-7)
        // puts the estimates within ~1e-5 of glmer's; the exact Laplace deviance has its minimum
        // a little away (up to ~5e-4 relative here) and below.
        let (design, ref) = try Self.cbpp()
        let fixef = ref["fixef"] as! [String: Double], se = ref["se"] as! [String: Double]
        let glmerLike = try GeneralizedLinearMixedModel(design: design, family: .binomial).fit(stageTwo: .lme4)
        let exact = try GeneralizedLinearMixedModel(design: design, family: .binomial).fit(stageTwo: .exact)
        var exactFarthest = 0.0
        for (j, name) in glmerLike.fixedEffectNames.enumerated() {
            #expect(close(glmerLike.fixedEffects[j], fixef[name]!, rel: 1e-4), "\(name): \(glmerLike.fixedEffects[j]) vs \(fixef[name]!)")
            #expect(close(glmerLike.standardErrors[j], se[name]!, rel: 1e-4), "se \(name): \(glmerLike.standardErrors[j]) vs \(se[name]!)")
            exactFarthest = max(exactFarthest, abs(exact.fixedEffects[j] / fixef[name]! - 1))
        }
        #expect(exactFarthest > 1e-4 && exactFarthest < 1e-3)
        #expect(exact.objective <= glmerLike.objective + 1e-9)
        #expect(glmerLike.optimizerReport.contains("glmer's deviance function"))
        #expect(exact.optimizerReport.contains("PIRLS converged"))
    }

    @Test func automaticChoosesGlmersFunctionForSmallModelsAndExactWithExactStandardErrors() throws {
        let (design, _) = try Self.cbpp()
        let auto = try GeneralizedLinearMixedModel(design: design, family: .binomial).fit()
        #expect(auto.optimizerReport.contains("glmer's deviance function"))
        let exactSE = try GeneralizedLinearMixedModel(design: design, family: .binomial).fit(standardErrors: .exactHessian)
        #expect(exactSE.optimizerReport.contains("PIRLS converged"))
    }

    @Test func reusingTheFactorGivesTheFreshlyFactoredDeviance() throws {
        // PIRLS steps on the factor left by an evaluation at another θ converge to the same modes
        // as Newton steps on a fresh factorisation each: the deviances agree to round-off.
        let (design, _) = try Self.cbpp()
        let beta = [-1.40, -0.99, -1.13, -1.58]
        let stale = try GeneralizedLinearMixedModel(design: design, family: .binomial)
        stale.pirlsSteps = .reuseFactor
        _ = try stale.deviance(theta: [2.5], beta: [-0.5, 0, 0, 0])
        let afterOther = try stale.deviance(theta: [0.64], beta: beta)
        let fresh = try GeneralizedLinearMixedModel(design: design, family: .binomial).deviance(theta: [0.64], beta: beta)
        #expect(abs(afterOther - fresh) <= 1e-10 * abs(fresh), "\(afterOther) vs \(fresh)")
        // and a crossed Bernoulli model with many modes
        let verbagg = try MixedModelDesign(formula: "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)",
                                           data: Fixtures.table("VerbAgg.csv"), options: DataOptions(factorColumns: ["id"]))
        let vb = [0.2, 0.057, 0.32, -1.06, -2.1, -1.06]
        let m = try GeneralizedLinearMixedModel(design: verbagg, family: .binomial)
        m.pirlsSteps = .reuseFactor
        _ = try m.deviance(theta: [1.0, 0.3], beta: vb)
        let a = try m.deviance(theta: [1.34, 0.495], beta: vb)
        let newton = try GeneralizedLinearMixedModel(design: verbagg, family: .binomial)
        newton.pirlsSteps = .newton
        let b = try newton.deviance(theta: [1.34, 0.495], beta: vb)
        #expect(abs(a - b) <= 1e-10 * abs(b), "\(a) vs \(b)")
        // stage 1's joint PIRLS over (β, u) on a reused factor: the same deviances along a path
        let reuse = try GeneralizedLinearMixedModel(design: verbagg, family: .binomial)
        reuse.pirlsSteps = .reuseFactor
        let refactor = try GeneralizedLinearMixedModel(design: verbagg, family: .binomial)
        refactor.pirlsSteps = .newton
        for theta in [[1.0, 1.0], [1.3, 0.5], [0.4, 0.9], [1.34, 0.495]] {
            let x = try reuse.jointDeviance(theta: theta), y = try refactor.jointDeviance(theta: theta)
            #expect(abs(x - y) <= 1e-10 * abs(y), "joint at \(theta): \(x) vs \(y)")
        }
        // and whole fits agree
        let fitReuse = try { let g = try GeneralizedLinearMixedModel(design: design, family: .binomial); g.pirlsSteps = .reuseFactor; return try g.fit(stageTwo: .exact) }()
        let fitNewton = try { let g = try GeneralizedLinearMixedModel(design: design, family: .binomial); g.pirlsSteps = .newton; return try g.fit(stageTwo: .exact) }()
        #expect(abs(fitReuse.objective - fitNewton.objective) <= 1e-8 * fitNewton.objective)
        for j in 0..<fitNewton.fixedEffects.count {
            #expect(abs(fitReuse.fixedEffects[j] - fitNewton.fixedEffects[j]) <= 1e-3 * fitNewton.standardErrors[j])
        }
    }
}

/// GLMM extractors, non-canonical links and prediction against lme4
/// (`Tests/Fixtures/extra/glmm_extra.json`, made by `Tests/Fixtures/scripts/glmm_extra_reference.R`).
@Suite struct GLMMExtraReferenceTests {
    nonisolated(unsafe) static let reference: [String: Any] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/extra/glmm_extra.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func family(_ name: String) -> Family { name == "binomial" ? .binomial : .poisson }

    static func fit(_ ref: [String: Any]) throws -> (MixedModelDesign, MixedModelFit) {
        let design = try Fixtures.design(ref)
        let link = try #require(Link(rawValue: ref["link"] as! String))
        let model = try GeneralizedLinearMixedModel(design: design, family: family(ref["family"] as! String), link: link)
        return (design, try model.fit())
    }

    /// Fitted values on both scales and every residual type lme4 offers, row by row.
    static func expectScales(_ fit: MixedModelFit, _ ref: [String: Any], _ id: String, rel: Double, abs absTol: Double) {
        let columns: [(String, [Double])] = [
            ("fitted_response", fit.fittedValues()), ("fitted_link", fit.fittedValues(linkScale: true)),
            ("resid_response", fit.residuals(.response)), ("resid_pearson", fit.residuals(.pearson)),
            ("resid_deviance", fit.residuals(.deviance)), ("resid_working", fit.residuals(.working)),
        ]
        for (key, ours) in columns {
            let expected = ref[key] as! [Double]
            #expect(ours.count == expected.count, "\(id) \(key) length")
            var worst = (k: -1, ours: 0.0, r: 0.0)
            for (k, (o, e)) in zip(ours, expected).enumerated() where !close(o, e, rel: rel, abs: absTol) && worst.k < 0 {
                worst = (k, o, e)
            }
            #expect(worst.k < 0, "\(id) \(key)[\(worst.k)]: \(worst.ours) vs lme4 \(worst.r)")
        }
        // lme4's default residuals for GLMMs are the deviance residuals
        #expect(fit.residuals() == fit.residuals(.deviance))
    }

    @Test(arguments: ["cbpp_logit_scales", "grouseticks_log_scales"])
    func fittedValuesAndResidualsOfEveryType(id: String) throws {
        let ref = Self.reference[id] as! [String: Any]
        let (_, fit) = try Self.fit(ref)
        // lme4's optimum is accurate to ~1e-4 relative: residuals within 1e-3 relative or 1e-4 absolute
        Self.expectScales(fit, ref, id, rel: 1e-3, abs: 1e-4)
    }

    @Test(arguments: ["cbpp_probit", "cbpp_cloglog", "cbpp_incidence_sqrt"])
    func nonCanonicalLinksAgreeWithGlmer(id: String) throws {
        let ref = Self.reference[id] as! [String: Any]
        let (_, fit) = try Self.fit(ref)
        #expect(fit.link == ref["link"] as! String)
        let refObjective = ref["objective"] as! Double
        #expect(fit.objective <= refObjective + 1e-5 * abs(refObjective), "\(id) objective \(fit.objective) vs glmer \(refObjective)")
        #expect(fit.objective >= refObjective - 1e-3, "\(id) objective \(fit.objective) far below glmer's \(refObjective)")
        let fixef = ref["fixef"] as! [String: Double], se = ref["se"] as! [String: Double]
        #expect(Set(fit.fixedEffectNames) == Set(fixef.keys))
        for (j, name) in fit.fixedEffectNames.enumerated() {
            #expect(close(fit.fixedEffects[j], fixef[name]!, rel: 1e-3, abs: 1e-6), "\(id) fixef \(name): \(fit.fixedEffects[j]) vs \(fixef[name]!)")
            #expect(close(fit.standardErrors[j], se[name]!, rel: 1e-3), "\(id) se \(name): \(fit.standardErrors[j]) vs \(se[name]!)")
        }
        let theta = ref["theta"] as! [String: Double]
        for (name, value) in zip(fit.thetaNames, fit.theta) {
            #expect(close(value, theta[name]!, rel: 1e-3, abs: 1e-3), "\(id) theta \(name): \(value) vs \(theta[name]!)")
        }
        // the link's inverse and derivative enter the fitted values and the working residuals
        Self.expectScales(fit, ref["scales"] as! [String: Any], id, rel: 1e-3, abs: 1e-4)
    }

    @Test func predictionOnNewDataAgreesWithLme4() throws {
        let ref = Self.reference["cbpp_logit_predict"] as! [String: Any]
        let (design, fit) = try Self.fit(["dataset": ref["dataset"]!, "formula": ref["formula"]!, "family": "binomial", "link": "logit"])
        let newData = try DataTable(csvFile: Fixtures.root + "/extra/" + (ref["newdata"] as! String))
        let predictor = NewDataPredictor(design: design)
        let none = try predictor.linearPredictor(newData: newData, beta: fit.fixedEffects, randomEffects: nil, allowNewLevels: false)
        let all = try predictor.linearPredictor(newData: newData, beta: fit.fixedEffects, randomEffects: fit.randomEffects, allowNewLevels: true)
        let cases: [(String, [Double])] = [
            ("link_re_none", none), ("response_re_none", none.map { Link.logit.mu($0) }),
            ("link_re_all", all), ("response_re_all", all.map { Link.logit.mu($0) }),
        ]
        for (key, ours) in cases {
            let expected = ref[key] as! [Double]
            #expect(ours.count == expected.count, "\(key) rows")
            for (k, (o, e)) in zip(ours, expected).enumerated() {
                #expect(close(o, e, rel: 1e-3, abs: 1e-4), "\(key)[\(k + 1)]: \(o) vs lme4 \(e)")
            }
        }
        // a herd not in the fitted data is predicted at the population level, and only when allowed
        for row in ref["new_level_rows"] as! [Int] { #expect(all[row - 1] == none[row - 1]) }
        #expect(throws: NewDataPredictor.PredictionError.self) {
            _ = try predictor.linearPredictor(newData: newData, beta: fit.fixedEffects, randomEffects: fit.randomEffects, allowNewLevels: false)
        }
        do {
            _ = try predictor.linearPredictor(newData: newData, beta: fit.fixedEffects, randomEffects: fit.randomEffects, allowNewLevels: false)
        } catch {
            #expect("\(error)".contains("'16'") && "\(error)".contains("herd"), "\(error)")
        }
    }
}
