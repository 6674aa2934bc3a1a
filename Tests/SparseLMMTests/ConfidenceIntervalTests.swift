import Testing
import Foundation
@testable import SparseLMM
import GLMM

/// Profile and Wald confidence intervals against lme4's `confint`.
@Suite struct ConfidenceIntervalTests {
    /// The Gaussian reference fits with profile intervals.
    static let gaussianProfileFits: [String] = Fixtures.fitIDs.filter { id in
        guard let ref = try? Fixtures.fit(id) else { return false }
        return (ref["family"] as? String ?? "gaussian") == "gaussian" && ref["profile_ci"] is [String: Any]
    }

    @Test(arguments: gaussianProfileFits)
    func profileIntervalsMatchLme4(id: String) async throws {
        let ref = try Fixtures.fit(id)
        let design = try Fixtures.design(ref)
        let profile = try await LikelihoodProfile.compute(design: design)
        let ci = try profile.confidenceIntervals(level: 0.95)
        let expected = ref["profile_ci"] as! [String: [String: Double]]
        #expect(ci.intervals.count == expected.count)
        for (name, bounds) in expected {
            let row = try #require(ci[name], "\(id): no interval for \(name)")
            let width = abs(bounds["upper"]! - bounds["lower"]!)
            for (label, ours, theirs) in [("lower", row.lower, bounds["lower"]!), ("upper", row.upper, bounds["upper"]!)] {
                let value = try #require(ours, "\(id) \(name).\(label) missing")
                #expect(abs(value - theirs) <= 1e-3 * width + 1e-9, "\(id) \(name).\(label): \(value) vs lme4 \(theirs)")
            }
        }
    }
}

/// Profile intervals of GLMMs (lme4 profiles cbpp's binomial and Poisson models).
@Suite struct GeneralizedProfileTests {
    static let glmmProfileFits: [String] = Fixtures.fitIDs.filter { id in
        guard let ref = try? Fixtures.fit(id) else { return false }
        return (ref["family"] as? String ?? "gaussian") != "gaussian" && ref["profile_ci"] is [String: Any]
    }

    @Test(arguments: glmmProfileFits)
    func profileIntervalsMatchLme4(id: String) async throws {
        let ref = try Fixtures.fit(id)
        let design = try Fixtures.design(ref)
        let family: Family = (ref["family"] as! String) == "binomial" ? .binomial : .poisson
        let nAGQ = (ref["nAGQ"] as? Int) ?? 1
        let model = try GeneralizedLinearMixedModel(design: design, family: family)
        let fit = try model.fit(nAGQ: nAGQ)
        let profile = try await LikelihoodProfile.compute(design: design, family: family, fit: fit, workers: 2)
        let ci = try profile.confidenceIntervals(level: 0.95)
        let expected = ref["profile_ci"] as! [String: [String: Double]]
        #expect(ci.intervals.count == expected.count)
        for (name, bounds) in expected {
            let row = try #require(ci[name], "\(id): no interval for \(name)")
            let width = abs(bounds["upper"]! - bounds["lower"]!)
            for (label, ours, theirs) in [("lower", row.lower, bounds["lower"]!), ("upper", row.upper, bounds["upper"]!)] {
                let value = try #require(ours, "\(id) \(name).\(label) missing")
                #expect(abs(value - theirs) <= 1e-3 * width, "\(id) \(name).\(label): \(value) vs lme4 \(theirs)")
            }
        }
    }
}

/// Wald intervals, levels, formatting and errors.
@Suite struct ConfidenceIntervalTableTests {
    /// lme4: confint(lmer(Reaction ~ Days + (Days | Subject), sleepstudy), method = "Wald").
    @Test func waldIntervalsMatchLme4() throws {
        let ci = try WaldIntervals.compute(fit: SleepstudyModel.fit, level: 0.95)
        #expect(ci.intervals.map { $0.name } == [".sig01", ".sig02", ".sig03", ".sigma", "(Intercept)", "Days"])
        for name in [".sig01", ".sig02", ".sig03", ".sigma"] {
            #expect(ci[name]?.lower == nil && ci[name]?.upper == nil)
        }
        #expect(close(ci["(Intercept)"]!.lower!, 238.02914111736226, rel: 1e-6))
        #expect(close(ci["(Intercept)"]!.upper!, 264.7810685796077, rel: 1e-6))
        #expect(close(ci["Days"]!.lower!, 7.43759392986527, rel: 1e-5))
        #expect(close(ci["Days"]!.upper!, 13.4969779893267, rel: 1e-5))
        // R's print of the matrix
        #expect(ci.text() == [
            "                 2.5 %    97.5 %",
            ".sig01              NA        NA",
            ".sig02              NA        NA",
            ".sig03              NA        NA",
            ".sigma              NA        NA",
            "(Intercept) 238.029141 264.78107",
            "Days          7.437594  13.49698",
        ].joined(separator: "\n") + "\n")
        let json = ci.json().serialized()
        #expect(json.contains("\".sig01\":{\"lower\":null,\"upper\":null}"))
    }

    /// The text table is R's print of a confint matrix: columns formatted separately to 7
    /// significant digits, NA for a missing end, R's percentage headers.
    @Test func textTableIsRsPrint() {
        let ci = ConfidenceIntervals(method: .profile, level: 0.9, intervals: [
            ConfidenceInterval(name: ".sig01", lower: 0, upper: 2.08404348901022),
            ConfidenceInterval(name: ".sig02", lower: -1, upper: nil),
            ConfidenceInterval(name: ".sigma", lower: 1.5, upper: 3.1),
            ConfidenceInterval(name: "(Intercept)", lower: 1234.5678, upper: 1239.1),
            ConfidenceInterval(name: "x", lower: 0.001234, upper: 5),
        ])
        #expect(ci.text() == """
                                5 %        95 %
            .sig01         0.000000    2.084043
            .sig02        -1.000000          NA
            .sigma         1.500000    3.100000
            (Intercept) 1234.567800 1239.100000
            x              0.001234    5.000000

            """)
        #expect(ConfidenceIntervals(method: .wald, level: 0.99, intervals: []).columnTitles == ["0.5 %", "99.5 %"])
    }

    @Test func invalidLevelsAreRejected() async throws {
        for level in [0.0, 1.0, -0.5, 1.5, .nan] {
            #expect(throws: InferenceError.self) { try WaldIntervals.compute(fit: SleepstudyModel.fit, level: level) }
        }
        let options = LikelihoodProfile.Options(levels: [1.2])
        await #expect(throws: InferenceError.self) {
            try await LikelihoodProfile.compute(design: SleepstudyModel.design, which: ["Days"], options: options)
        }
        await #expect(throws: InferenceError.unknownParameter("Dayz", known: [".sig01", ".sig02", ".sig03", ".sigma", "(Intercept)", "Days"])) {
            try await LikelihoodProfile.compute(design: SleepstudyModel.design, which: ["Dayz"])
        }
    }

    /// Intervals at a level the profile was not computed for are read off the profiled points
    /// by monotone interpolation; they agree with exact end points to well within 1e-3 of the width.
    @Test func interpolatedLevelsAgreeWithExactOnes() async throws {
        var options = LikelihoodProfile.Options(levels: [0.95])
        options.zetaMax = 2.7
        let profile = try await LikelihoodProfile.compute(design: SleepstudyModel.design, options: options, workers: 2)
        let exact = try await LikelihoodProfile.compute(design: SleepstudyModel.design, options: LikelihoodProfile.Options(levels: [0.8, 0.99]), workers: 2)
        for level in [0.8, 0.99] {
            let a = try profile.confidenceIntervals(level: level), b = try exact.confidenceIntervals(level: level)
            for (r, s) in zip(a.intervals, b.intervals) {
                let width = s.upper! - s.lower!
                #expect(abs(r.lower! - s.lower!) <= 1e-3 * width, "\(r.name) \(level) lower \(r.lower!) vs \(s.lower!)")
                #expect(abs(r.upper! - s.upper!) <= 1e-3 * width, "\(r.name) \(level) upper \(r.upper!) vs \(s.upper!)")
            }
        }
        // the profile passes through ζ = 0 at the estimate and increases
        for p in profile.profiles {
            #expect(p.zeta(at: p.estimate) == 0)
            #expect(zip(p.zeta, p.zeta.dropFirst()).allSatisfy { $0 <= $1 + 1e-6 }, "\(p.name) is not monotone")
        }
    }

    /// One worker or two: the same profile.
    @Test func parallelProfileEqualsSerial() async throws {
        let one = try await LikelihoodProfile.compute(design: SleepstudyModel.design, which: [".sig02", "Days"], workers: 1)
        let two = try await LikelihoodProfile.compute(design: SleepstudyModel.design, which: [".sig02", "Days"], workers: 2)
        for (a, b) in zip(one.profiles, two.profiles) {
            #expect(a.name == b.name && a.values == b.values && a.zeta == b.zeta)
        }
    }

    /// The sd/cor scale converts θ and back (lme4's Cv_to_Sv and Sv_to_Cv).
    @Test func standardDeviationScaleRoundTrips() throws {
        let scale = StandardDeviationScale(design: SleepstudyModel.design)
        let fit = SleepstudyModel.fit
        let v = scale.sdcor(theta: fit.theta, sigma: fit.sigma!)
        // VarCorr: sd (Intercept), corr, sd Days
        #expect(close(v[0], fit.varCorr[0].sd!, rel: 1e-12))
        #expect(close(v[1], fit.varCorr[2].corr!, rel: 1e-12))
        #expect(close(v[2], fit.varCorr[1].sd!, rel: 1e-12))
        let back = try #require(scale.theta(sdcor: v, sigma: fit.sigma!))
        for (a, b) in zip(back, fit.theta) { #expect(abs(a - b) <= 1e-12 * max(1, abs(b))) }
        #expect(scale.names == [".sig01", ".sig02", ".sig03"])
        #expect(scale.descriptiveNames == ["sd_(Intercept)|Subject", "cor_Days.(Intercept)|Subject", "sd_Days|Subject"])
        // a correlation of ±1 and a zero standard deviation are positive semidefinite
        #expect(scale.theta(sdcor: [10, 1, 2], sigma: 1) == [10, 2, 0])
        #expect(scale.theta(sdcor: [0, 0.5, 2], sigma: 1) == [0, 0, 2])
        #expect(scale.theta(sdcor: [1, 0.5, 2], sigma: 0) == nil)
    }
}
