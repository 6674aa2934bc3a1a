import Testing
import Foundation
@testable import SparseLMM

/// The analytic gradient of the profiled REML and ML objectives agrees with central differences,
/// for scalar, vector-valued, uncorrelated, crossed and nested terms, with weights.
@Suite struct GradientTests {
    static let cases: [(String, String, [String], String?)] = [
        ("sleepstudy.csv", "Reaction ~ Days + (Days | Subject)", ["Subject"], nil),
        ("sleepstudy.csv", "Reaction ~ Days + (Days || Subject)", ["Subject"], nil),
        ("Penicillin.csv", "diameter ~ 1 + (1 | plate) + (1 | sample)", [], nil),
        ("Pastes.csv", "strength ~ 1 + (1 | batch/cask)", [], nil),
        ("Orthodont.csv", "distance ~ age * Sex + (age | Subject)", [], nil),
        ("Orthodont.csv", "distance ~ age + (age | Subject) + (1 | Sex)", [], "age"),
    ]

    @Test(arguments: 0..<6)
    func analyticGradientMatchesFiniteDifferences(index: Int) throws {
        let (file, formula, factors, weights) = Self.cases[index]
        var opts = DataOptions(factorColumns: factors)
        opts.weightsColumn = weights   // Orthodont's age (8 to 14) as positive prior weights
        let design = try MixedModelDesign(formula: formula, data: Fixtures.table(file), options: opts)
        for criterion in [Criterion.reml, .ml] {
            let model = try LinearMixedModel(design: design, criterion: criterion, factorKind: .supernodal)
            // a point away from the optimum, with off-diagonal elements non-zero
            let theta = model.thetaStart.enumerated().map { k, v in v == 1 ? 0.7 + 0.13 * Double(k) : 0.2 }
            let (value, gradient) = try model.objectiveAndGradient(theta)
            #expect(close(value, try model.objective(theta), rel: 1e-12))
            for k in theta.indices {
                let h = 1e-5
                var a = theta, b = theta
                a[k] += h; b[k] -= h
                let fd = (try model.objective(a) - model.objective(b)) / (2 * h)
                #expect(abs(gradient[k] - fd) <= 1e-5 * max(1, abs(fd)), "\(formula) \(criterion) θ[\(k)]: analytic \(gradient[k]) vs \(fd)")
            }
        }
    }
}
