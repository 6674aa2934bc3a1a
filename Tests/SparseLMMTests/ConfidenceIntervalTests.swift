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
        let profile = try await LikelihoodProfile.compute(design: design, family: family, fit: fit)
        let ci = try profile.confidenceIntervals(level: 0.95)
        let expected = ref["profile_ci"] as! [String: [String: Double]]
        #expect(ci.intervals.count == expected.count)
        for (name, bounds) in expected {
            let row = try #require(ci[name], "\(id): no interval for \(name)")
            let width = abs(bounds["upper"]! - bounds["lower"]!)
            for (label, ours, theirs) in [("lower", row.lower, bounds["lower"]!), ("upper", row.upper, bounds["upper"]!)] {
                let value = try #require(ours, "\(id) \(name).\(label) missing")
                #expect(abs(value - theirs) <= 2e-3 * width, "\(id) \(name).\(label): \(value) vs lme4 \(theirs)")
            }
        }
    }
}
