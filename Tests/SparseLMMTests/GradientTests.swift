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

/// With many covariance parameters the quasi-Newton path (analytic gradient, unconstrained L-BFGS,
/// columns of λ flipped to non-negative diagonals) reaches the derivative-free optimum in far
/// fewer evaluations, and `automatic` chooses it.
@Suite struct QuasiNewtonFitTests {
    static func maximalDesign() throws -> MixedModelDesign {
        var rng = SimulationRandom(seed: 2024)
        var y = [Double](), a = [Double](), b = [Double](), subj = [String?](), item = [String?]()
        let s = (0..<24).map { _ in (0..<3).map { _ in rng.normal() } }
        let it = (0..<16).map { _ in (0..<3).map { _ in rng.normal() } }
        for i in 0..<24 {
            for j in 0..<16 {
                let ai = j % 2 == 0 ? -0.5 : 0.5, bi = (i + j) % 2 == 0 ? -0.5 : 0.5
                let u = 0.8 * s[i][0] + 0.3 * s[i][1] * ai + 0.2 * s[i][2] * bi
                let v = 0.5 * it[j][0] + 0.2 * it[j][1] * ai + 0.1 * it[j][2] * bi
                y.append(2 + 0.4 * ai - 0.2 * bi + u + v + rng.normal())
                a.append(ai); b.append(bi); subj.append("s\(i)"); item.append("i\(j)")
            }
        }
        let table = try DataTable(columns: [("y", .numeric(y)), ("a", .numeric(a)), ("b", .numeric(b)),
                                            ("subj", .categorical(subj)), ("item", .categorical(item))])
        return try MixedModelDesign(formula: "y ~ 1 + a + b + (1 + a + b | subj) + (1 + a + b | item)", data: table)
    }

    @Test func quasiNewtonReachesTheDerivativeFreeOptimum() throws {
        let design = try Self.maximalDesign()
        let bobyqa = try LinearMixedModel(design: design, optimization: .derivativeFree).fit()
        let lbfgs = try LinearMixedModel(design: design, optimization: .quasiNewton).fit()
        #expect(lbfgs.objective <= bobyqa.objective + 1e-6 * abs(bobyqa.objective))
        #expect(lbfgs.evaluations < bobyqa.evaluations / 3, "L-BFGS \(lbfgs.evaluations) vs BOBYQA \(bobyqa.evaluations) evaluations")
        for j in 0..<lbfgs.fixedEffects.count {
            #expect(close(lbfgs.fixedEffects[j], bobyqa.fixedEffects[j], rel: 1e-3, abs: 1e-4))
        }
        // canonical form: non-negative diagonals of λ
        let model = try LinearMixedModel(design: design, optimization: .quasiNewton)
        for (k, isDiagonal) in model.factor.covariance.flatMap({ $0.isDiagonal }).enumerated() where isDiagonal {
            #expect(lbfgs.theta[k] >= 0)
        }
    }

    @Test func automaticChoosesByTheNumberOfParameters() throws {
        let many = try LinearMixedModel(design: Self.maximalDesign())
        #expect(many.usesGradient)
        let few = try LinearMixedModel(design: MixedModelDesign(formula: "Reaction ~ Days + (Days | Subject)",
                                                                data: Fixtures.table("sleepstudy.csv"),
                                                                options: DataOptions(factorColumns: ["Subject"])))
        #expect(!few.usesGradient)
        #expect(try few.fit().optimizerReport.hasPrefix("BOBYQA"))
    }

    @Test func canonicalThetaFlipsWholeColumns() throws {
        let model = try LinearMixedModel(design: MixedModelDesign(formula: "Reaction ~ Days + (Days | Subject)",
                                                                  data: Fixtures.table("sleepstudy.csv"),
                                                                  options: DataOptions(factorColumns: ["Subject"])))
        // λ = [[-1, 0], [0.5, -2]] has the same λλ' as [[1, 0], [-0.5, 2]]
        #expect(model.canonicalTheta([-1, 0.5, -2]) == [1, -0.5, 2])
        #expect(close(try model.objective([-1, 0.5, -2]), try model.objective([1, -0.5, 2]), rel: 1e-12))
    }
}
