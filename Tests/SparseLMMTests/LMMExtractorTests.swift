import Testing
import Foundation
import SparseLMM

/// lme4's `coef`, `residuals(type = "response" / "pearson")` and the scaled residuals
/// (`residuals(m, scaled = TRUE)`) on sleepstudy, against `Tests/Fixtures/extra/lmm_extractors.json`
/// (made by `Tests/Fixtures/scripts/lmm_extractors_reference.R`).
@Suite struct LMMExtractorTests {
    nonisolated(unsafe) static let reference: [String: Any] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/extra/lmm_extractors.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func fit(_ id: String) throws -> (ref: [String: Any], fit: MixedModelFit) {
        let ref = reference[id] as! [String: Any]
        let design = try Fixtures.design(ref)
        return (ref, try LinearMixedModel(design: design, criterion: .reml).fit())
    }

    @Test(arguments: ["sleepstudy_corr_reml", "sleepstudy_uncorr_reml"])
    func coefficientsAreFixedPlusRandomEffects(id: String) throws {
        let (ref, fit) = try Self.fit(id)
        let expected = (ref["coef"] as! [String: Any])["Subject"] as! [String: [String: Double]]
        let coef = fit.coefficients()
        // the uncorrelated model's two terms on Subject are merged into one table, as lme4 does
        #expect(coef.count == 1)
        let subject = try #require(coef.first { $0.group == "Subject" })
        #expect(subject.names == ["(Intercept)", "Days"])
        #expect(Set(subject.levels) == Set(expected.keys))
        for (l, level) in subject.levels.enumerated() {
            for (j, name) in subject.names.enumerated() {
                let e = try #require(expected[level]?[name])
                #expect(close(subject.values[l][j], e, rel: 1e-5), "\(id) coef \(level) \(name): \(subject.values[l][j]) vs \(e)")
            }
        }
    }

    @Test(arguments: ["sleepstudy_corr_reml", "sleepstudy_uncorr_reml"])
    func residualsAndScaledResidualsAreLme4s(id: String) throws {
        let (ref, fit) = try Self.fit(id)
        #expect(close(fit.sigma ?? .nan, ref["sigma"] as! Double, rel: 1e-5))
        let cases: [(String, [Double])] = [
            ("resid_response", fit.residuals(.response)), ("resid_pearson", fit.residuals(.pearson)),
            ("resid_scaled", fit.scaledResiduals),
        ]
        for (key, ours) in cases {
            let expected = ref[key] as! [Double]
            #expect(ours.count == expected.count, "\(id) \(key) length")
            let scale = key == "resid_scaled" ? 1.0 : ref["sigma"] as! Double
            var firstBad: (Int, Double, Double)?
            for (k, (o, e)) in zip(ours, expected).enumerated() where firstBad == nil && !close(o, e, rel: 1e-4, abs: 1e-5 * scale) {
                firstBad = (k, o, e)
            }
            #expect(firstBad == nil, "\(id) \(key)[\(firstBad?.0 ?? -1)]: \(firstBad?.1 ?? 0) vs lme4 \(firstBad?.2 ?? 0)")
        }
        // lme4's default for a linear model is the response residual; unweighted, Pearson is the same
        #expect(fit.residuals() == fit.residuals(.response))
    }
}
