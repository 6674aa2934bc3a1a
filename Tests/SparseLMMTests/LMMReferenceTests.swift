import Testing
import Foundation
@testable import SparseLMM

/// Fits of the Gaussian reference models, each computed once and shared by the tests below.
actor ReferenceFits {
    static let shared = ReferenceFits()
    private var tasks: [String: Task<MixedModelFit, Error>] = [:]

    func fit(_ id: String) async throws -> MixedModelFit {
        if let t = tasks[id] { return try await t.value }
        let t = Task.detached { () throws -> MixedModelFit in
            let ref = try Fixtures.fit(id)
            let design = try Fixtures.design(ref)
            let criterion: Criterion = (ref["method"] as! String) == "ML" ? .ml : .reml
            let model = try LinearMixedModel(design: design, criterion: criterion)
            // the conditional variances are compared for every model, InstEval's included
            return try model.fit(conditionalVariances: .always)
        }
        tasks[id] = t
        return try await t.value
    }
}

/// Every Gaussian reference fit of lme4, refitted with the same criterion: the optimum, the
/// estimates and their standard errors, the variance components, the conditional modes and
/// variances, the fitted values, and the flags lme4 reports.
@Suite struct LMMReferenceTests {
    static let ids: [String] = Fixtures.fitIDs.filter { id in
        (try? Fixtures.fit(id)["family"] as? String) == "gaussian"
    }

    @Test func gaussianReferencesAreAllHere() {
        #expect(Self.ids.count == 23)
        #expect(Self.ids.contains("insteval_reml") && Self.ids.contains("insteval_ml"))
    }

    /// The objective at the optimum: within 1e-6 (relative) of lme4's, or lower; never lower than
    /// the true optimum (glmmTMB's independent fit bounds it from below up to the same tolerance).
    @Test(arguments: ids)
    func objective(id: String) async throws {
        let ref = try Fixtures.fit(id)
        let fit = try await ReferenceFits.shared.fit(id)
        let r = jsonNumber(ref["objective"])!
        #expect(fit.objective <= r + 1e-6 * abs(r), "\(id): objective \(fit.objective) vs lme4 \(r)")
        var floor = r
        if let tmb = jsonNumber((ref["glmmTMB"] as? [String: Any])?["objective"]) { floor = min(floor, tmb) }
        #expect(fit.objective >= floor - 1e-6 * abs(r), "\(id): objective \(fit.objective) below both lme4 \(r) and glmmTMB \(floor)")
        #expect(fit.method == ref["method"] as! String)
        #expect(fit.converged, "\(id)")
    }

    /// logLik, AIC, BIC and df follow from the objective as lme4 computes them.
    @Test(arguments: ids)
    func likelihoodSummaries(id: String) async throws {
        let ref = try Fixtures.fit(id)
        let fit = try await ReferenceFits.shared.fit(id)
        let df = ref["df"] as! Int
        #expect(fit.parameterCount == df, "\(id)")
        #expect(close(fit.logLik, -fit.objective / 2, rel: 1e-14))
        #expect(close(fit.AIC, fit.objective + 2 * Double(df), rel: 1e-12))
        #expect(close(fit.BIC, fit.objective + Double(df) * log(Double(fit.nobs)), rel: 1e-12))
        #expect(close(fit.logLik, jsonNumber(ref["logLik"])!, rel: 1e-6), "\(id): logLik \(fit.logLik)")
        #expect(close(fit.AIC, jsonNumber(ref["AIC"])!, rel: 1e-6), "\(id): AIC \(fit.AIC)")
        #expect(close(fit.BIC, jsonNumber(ref["BIC"])!, rel: 1e-6), "\(id): BIC \(fit.BIC)")
    }

    /// The profiled objective itself, evaluated at lme4's θ, reproduces lme4's components (no optimiser
    /// involved): log|L|², log|R_X|², the penalised RSS and the criterion.
    @Test(arguments: ids)
    func profiledComponentsAtLme4Theta(id: String) throws {
        let ref = try Fixtures.fit(id)
        let ordered = try OrderedJSON.fit(id)
        let design = try Fixtures.design(ref)
        let ml = (ref["method"] as! String) == "ML"
        let model = try LinearMixedModel(design: design, criterion: ml ? .ml : .reml)
        let thetaDict = ref["theta"] as! [String: Any]
        let theta = ordered["theta"]!.keys.map { jsonNumber(thetaDict[$0])! }
        let comp = try theta.withUnsafeBufferPointer { try model.components($0) }
        let dc = ref["devcomp_cmp"] as! [String: Any]
        #expect(close(comp.ldL2, jsonNumber(dc["ldL2"])!, rel: 1e-8, abs: 1e-8), "\(id): ldL2 \(comp.ldL2)")
        #expect(close(comp.pwrss, jsonNumber(dc["pwrss"])!, rel: 1e-8), "\(id): pwrss \(comp.pwrss)")
        if !ml {
            #expect(close(comp.ldRX2, jsonNumber(dc["ldRX2"])!, rel: 1e-8, abs: 1e-8), "\(id): ldRX2 \(comp.ldRX2)")
        }
        let value = try model.objective(theta)
        #expect(close(value, jsonNumber(ref["objective"])!, rel: 1e-9), "\(id): objective at lme4's θ \(value)")
    }

    @Test(arguments: ids)
    func fixedEffectsAndStandardErrors(id: String) async throws {
        let ref = try Fixtures.fit(id)
        let fit = try await ReferenceFits.shared.fit(id)
        let fixef = ref["fixef"] as! [String: Any], se = ref["se"] as! [String: Any]
        #expect(Set(fit.fixedEffectNames) == Set(fixef.keys), "\(id)")
        for (k, name) in fit.fixedEffectNames.enumerated() {
            guard let b = jsonNumber(fixef[name]), let s = jsonNumber(se[name]) else { continue }
            #expect(close(fit.fixedEffects[k], b, rel: 1e-4), "\(id): fixef[\(name)] \(fit.fixedEffects[k]) vs \(b)")
            #expect(close(fit.standardErrors[k], s, rel: 1e-4), "\(id): se[\(name)] \(fit.standardErrors[k]) vs \(s)")
            #expect(fit.fixedEffect(name) == fit.fixedEffects[k])
        }
    }

    /// vcov(β̂), entry by entry, relative to the product of the standard errors.
    @Test(arguments: ids)
    func fixedEffectsCovariance(id: String) async throws {
        let ref = try Fixtures.fit(id)
        let fit = try await ReferenceFits.shared.fit(id)
        let vcov = ref["vcov"] as! [String: [String: Any]]
        let names = fit.fixedEffectNames, p = names.count
        for i in 0..<p {
            for j in 0..<p {
                guard let v = jsonNumber(vcov[names[i]]?[names[j]]) else { Issue.record("\(id): vcov entry missing"); continue }
                let scale = fit.standardErrors[i] * fit.standardErrors[j]
                #expect(abs(fit.covariance[i + j * p] - v) <= 2e-4 * scale, "\(id): vcov[\(names[i]), \(names[j])] \(fit.covariance[i + j * p]) vs \(v)")
            }
        }
    }

    /// θ by name (relative 1e-3; absolute 2e-3 where lme4's θ is near zero), σ, and VarCorr.
    @Test(arguments: ids)
    func covarianceParameters(id: String) async throws {
        let ref = try Fixtures.fit(id)
        let fit = try await ReferenceFits.shared.fit(id)
        let theta = ref["theta"] as! [String: Any]
        #expect(Set(fit.thetaNames) == Set(theta.keys), "\(id)")
        for (k, name) in fit.thetaNames.enumerated() {
            guard let t = jsonNumber(theta[name]) else { continue }
            let absTol = abs(t) < 0.05 ? 2e-3 : 0
            #expect(close(fit.theta[k], t, rel: 1e-3, abs: absTol), "\(id): θ[\(name)] \(fit.theta[k]) vs \(t)")
        }
        let sigma = jsonNumber(ref["sigma"])!
        #expect(close(fit.sigma!, sigma, rel: 1e-3), "\(id): σ \(fit.sigma!) vs \(sigma)")

        let rows = ref["varcorr"] as! [[String: Any]]
        #expect(fit.varCorr.count == rows.count, "\(id): VarCorr rows")
        for row in rows {
            let group = row["group"] as! String, t1 = row["term1"] as? String, t2 = row["term2"] as? String
            let ours = fit.varCorr.filter { $0.group == group && $0.term1 == t1 && $0.term2 == t2 }
            #expect(ours.count == 1, "\(id): VarCorr row \(group) \(t1 ?? "-") \(t2 ?? "-")")
            guard let o = ours.first else { continue }
            if let sd = jsonNumber(row["sd"]) {
                // a zero sd (singular fit) is compared on the scale of the residual sd
                #expect(close(o.sd ?? .nan, sd, rel: 1e-3, abs: sd == 0 ? 2e-3 * sigma : 0), "\(id): sd \(group) \(t1 ?? "") \(o.sd ?? .nan) vs \(sd)")
            }
            if let corr = jsonNumber(row["corr"]) {
                #expect(close(o.corr ?? .nan, corr, rel: 1e-3), "\(id): corr \(group) \(t1 ?? "") \(t2 ?? "") \(o.corr ?? .nan) vs \(corr)")
            }
        }
    }

    @Test(arguments: ids)
    func flagsAndBookkeeping(id: String) async throws {
        let ref = try Fixtures.fit(id)
        let fit = try await ReferenceFits.shared.fit(id)
        #expect(fit.singular == (ref["singular"] as! Bool), "\(id): singular")
        #expect(fit.droppedColumns == (ref["dropped_columns"] as? [String] ?? []), "\(id)")
        #expect(fit.omittedRows == (ref["na_omitted_rows"] as? [Int] ?? []), "\(id)")
        #expect(fit.nobs == ref["nobs"] as! Int)
        var groups = [String: Int]()
        for g in fit.groupCounts { groups[g.name] = g.levels }
        #expect(groups == ref["ngroups"] as! [String: Int])
        #expect(fit.family == "gaussian" && fit.link == "identity")
        // lme4's messages: rank deficiency and singular fits are reported
        let messages = ref["lme4_messages"] as? [String] ?? []
        let rankMessage = fit.messages.contains { $0.contains("rank deficient") }
        #expect(rankMessage == messages.contains { $0.contains("rank deficient") }, "\(id): \(fit.messages) vs \(messages)")
        let singularMessage = fit.messages.contains { $0.contains("singular") }
        #expect(singularMessage == (ref["singular"] as! Bool), "\(id)")
    }

    @Test(arguments: ids)
    func fittedValuesAndResiduals(id: String) async throws {
        let ref = try Fixtures.fit(id)
        let fit = try await ReferenceFits.shared.fit(id)
        let fitted = (ref["fitted_head"] as! [Any]).map { jsonNumber($0)! }
        let resid = (ref["resid_head"] as! [Any]).map { jsonNumber($0)! }
        #expect(fitted.count == 10 && resid.count == 10)
        #expect(fit.fitted.count == fit.nobs && fit.residuals.count == fit.nobs)
        for i in 0..<10 {
            #expect(close(fit.fitted[i], fitted[i], rel: 1e-4), "\(id): fitted[\(i)] \(fit.fitted[i]) vs \(fitted[i])")
            // a residual is a difference: its error is relative to the response it comes from
            let y = fitted[i] + resid[i]
            #expect(close(fit.residuals[i], resid[i], rel: 1e-4, abs: 1e-6 * abs(y)), "\(id): resid[\(i)] \(fit.residuals[i]) vs \(resid[i])")
            #expect(close(fit.response[i], y, rel: 1e-12, abs: 1e-9))
        }
    }

    /// The reference sd of a term's column: the VarCorr row of the block holding the column.
    static func referenceSD(_ ref: [String: Any], design: MixedModelDesign, group: String, column: String) -> Double? {
        guard let term = design.terms.first(where: { $0.factor.name == group }),
              let c = term.columnNames.firstIndex(of: column),
              let block = term.blocks.first(where: { $0.columns.contains(c) }) else { return nil }
        let rows = ref["varcorr"] as! [[String: Any]]
        return rows.first { ($0["group"] as? String) == block.name && ($0["term1"] as? String) == column && $0["term2"] is NSNull }
            .flatMap { jsonNumber($0["sd"]) }
    }

    /// Conditional modes (lme4's ranef) by group, level and column: relative 1e-3, or 1e-3 of the
    /// column's random-effect sd for values near zero.
    @Test(arguments: ids)
    func conditionalModes(id: String) async throws {
        let ref = try Fixtures.fit(id)
        let fit = try await ReferenceFits.shared.fit(id)
        let design = try Fixtures.design(ref)
        let sigma = jsonNumber(ref["sigma"])!
        let ranef = ref["ranef"] as! [String: [String: [String: Any]]]
        var compared = 0
        for (group, levels) in ranef {
            guard let est = fit.randomEffects.first(where: { $0.group == group }) else {
                Issue.record("\(id): no random effects for \(group)"); continue
            }
            for (c, column) in est.columns.enumerated() {
                let sd = Self.referenceSD(ref, design: design, group: group, column: column) ?? .nan
                #expect(!sd.isNaN, "\(id): sd of \(group) \(column)")
                let absTol = 1e-3 * max(sd, 1e-6 * sigma)
                for (l, label) in est.levels.enumerated() {
                    guard let b = jsonNumber(levels[label]?[column]) else { Issue.record("\(id): \(group) \(label) \(column) missing"); continue }
                    let v = est.value(level: l, column: c)
                    #expect(close(v, b, rel: 1e-3, abs: absTol), "\(id): ranef \(group)[\(label), \(column)] \(v) vs \(b)")
                    compared += 1
                }
            }
        }
        #expect(compared > 0)
    }

    /// Conditional standard deviations (square roots of the diagonal of lme4's postVar), relative 1e-3.
    @Test(arguments: ids)
    func conditionalStandardDeviations(id: String) async throws {
        let ref = try Fixtures.fit(id)
        guard let condSD = ref["condvar_sd"] as? [String: [String: [String: Any]]] else { return }
        let fit = try await ReferenceFits.shared.fit(id)
        let sigma = jsonNumber(ref["sigma"])!
        var compared = 0
        for (group, levels) in condSD {
            guard let est = fit.randomEffects.first(where: { $0.group == group }) else {
                Issue.record("\(id): no random effects for \(group)"); continue
            }
            guard let cv = est.conditionalVariances else { Issue.record("\(id): no conditional variances for \(group)"); continue }
            let k = est.columns.count
            #expect(cv.count == est.levels.count * k * k)
            for (l, label) in est.levels.enumerated() {
                for (c, column) in est.columns.enumerated() {
                    guard let s = jsonNumber(levels[label]?[column]) else { Issue.record("\(id): \(group) \(label) \(column) missing"); continue }
                    let v = cv[l * k * k + c + c * k].squareRoot()
                    // a zero (singular) conditional sd is compared on the residual sd's scale
                    #expect(close(v, s, rel: 1e-3, abs: s == 0 ? 1e-3 * sigma : 0), "\(id): condVar sd \(group)[\(label), \(column)] \(v) vs \(s)")
                    compared += 1
                }
            }
        }
        #expect(compared > 0)
    }

    /// The JSON the CLI prints carries the same numbers as the fit.
    @Test func jsonOfSleepstudy() async throws {
        let fit = try await ReferenceFits.shared.fit("sleepstudy_corr_reml")
        let text = fit.json().serialized(indent: 2)
        // (parsed with the order-keeping reader: Foundation's parser on Linux rounds the last digit)
        let obj = try OrderedJSON.parse(text)
        #expect(obj["objective"] == .number(fit.objective))
        #expect(obj["fixef"]?.keys == ["(Intercept)", "Days"])
        #expect(obj["fixef"]?["Days"] == .number(fit.fixedEffects[1]))
        #expect(obj["theta"]?.keys == ["Subject.(Intercept)", "Subject.Days.(Intercept)", "Subject.Days"])
        #expect(obj["nobs"] == .number(180))
        #expect(obj["ngroups"] == .object([("Subject", .number(18))]))
        #expect(obj["singular"] == .bool(false))
        #expect(obj["sigma"] == .number(fit.sigma!))
    }
}
