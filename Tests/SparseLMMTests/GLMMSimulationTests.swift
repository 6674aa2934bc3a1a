import Testing
import Foundation
import SparseLMM
import GLMM

/// GLMMs fitted to data simulated with known parameters recover them within sampling error.
@Suite struct GLMMSimulationTests {
    /// y ~ 1 + x + (1 | g) with the given response generator.
    static func randomInterceptData(groups: Int, perGroup: Int, beta: (Double, Double), sd: Double, seed: UInt64,
                                    draw: (inout SimulationRandom, Double) -> Double) throws -> DataTable {
        var rng = SimulationRandom(seed: seed)
        var y = [Double](), x = [Double](), g = [String?]()
        for j in 0..<groups {
            let u = sd * rng.normal()
            for _ in 0..<perGroup {
                let xi = rng.normal()
                y.append(draw(&rng, beta.0 + beta.1 * xi + u))
                x.append(xi)
                g.append("g\(j)")
            }
        }
        return try DataTable(columns: [("y", .numeric(y)), ("x", .numeric(x)), ("g", .categorical(g))])
    }

    @Test func poissonRandomInterceptIsRecovered() throws {
        let data = try Self.randomInterceptData(groups: 60, perGroup: 25, beta: (0.5, 0.3), sd: 0.6, seed: 11) { rng, eta in rng.poisson(exp(eta)) }
        let design = try MixedModelDesign(formula: "y ~ 1 + x + (1 | g)", data: data)
        let fit = try GeneralizedLinearMixedModel(design: design, family: .poisson).fit()
        #expect(abs(fit.fixedEffects[0] - 0.5) < 4 * fit.standardErrors[0])
        #expect(abs(fit.fixedEffects[1] - 0.3) < 4 * fit.standardErrors[1])
        // 60 groups: the SD of an SD estimate is about sd/sqrt(2·60) ≈ 0.055
        #expect(abs(fit.theta[0] - 0.6) < 0.2)
        #expect(fit.converged)
    }

    @Test func bernoulliCrossedModelIsRecovered() throws {
        var rng = SimulationRandom(seed: 5)
        let nA = 80, nB = 40
        let a = (0..<nA).map { _ in 0.8 * rng.normal() }, b = (0..<nB).map { _ in 0.5 * rng.normal() }
        var y = [Double](), x = [Double](), ga = [String?](), gb = [String?]()
        for i in 0..<nA {
            for j in 0..<nB where (i + j) % 2 == 0 {
                let xi = rng.normal()
                let eta = -0.3 + 0.7 * xi + a[i] + b[j]
                y.append(rng.bernoulli(1 / (1 + exp(-eta))))
                x.append(xi); ga.append("a\(i)"); gb.append("b\(j)")
            }
        }
        let data = try DataTable(columns: [("y", .numeric(y)), ("x", .numeric(x)), ("a", .categorical(ga)), ("b", .categorical(gb))])
        let design = try MixedModelDesign(formula: "y ~ x + (1 | a) + (1 | b)", data: data)
        let fit = try GeneralizedLinearMixedModel(design: design, family: .binomial).fit()
        #expect(abs(fit.fixedEffects[0] + 0.3) < 4 * fit.standardErrors[0])
        #expect(abs(fit.fixedEffects[1] - 0.7) < 4 * fit.standardErrors[1])
        #expect(abs(fit.theta[0] - 0.8) < 0.35)
        #expect(abs(fit.theta[1] - 0.5) < 0.35)
    }

    @Test func negativeBinomialDispersionIsRecovered() throws {
        let data = try Self.randomInterceptData(groups: 50, perGroup: 30, beta: (1.0, 0.5), sd: 0.4, seed: 23) { rng, eta in
            rng.negativeBinomial(mu: exp(eta), theta: 2.0)
        }
        let design = try MixedModelDesign(formula: "y ~ 1 + x + (1 | g)", data: data)
        let fit = try GeneralizedLinearMixedModel(design: design, family: .negativeBinomial(theta: 1)).fit()
        #expect(abs(fit.fixedEffects[1] - 0.5) < 4 * fit.standardErrors[1])
        let nb = try #require(fit.negativeBinomialTheta)
        // 1,500 observations: the shape is estimated to within roughly ±20%
        #expect(nb > 1.5 && nb < 2.7, "negative-binomial theta \(nb)")
        #expect(abs(fit.theta[0] - 0.4) < 0.2)
    }

    @Test func binomialProportionsWithTrialsMatchTheCbindForm() throws {
        let table = try Fixtures.table("cbpp.csv")
        let opts = DataOptions(factorColumns: ["herd", "period"])
        let a = try GeneralizedLinearMixedModel(design: MixedModelDesign(formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)", data: table, options: opts),
                                                family: .binomial).fit()
        var w = opts
        w.weightsColumn = "size"
        let b = try GeneralizedLinearMixedModel(design: MixedModelDesign(formula: "prop ~ period + (1 | herd)", data: table, options: w),
                                                family: .binomial).fit()
        #expect(close(a.objective, b.objective, rel: 1e-9))
        for j in 0..<a.fixedEffects.count { #expect(close(a.fixedEffects[j], b.fixedEffects[j], rel: 1e-6)) }
    }
}
