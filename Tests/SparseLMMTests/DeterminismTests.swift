import Testing
import Foundation
import SparseLMM
import GLMM

/// The same data and formula give bit-identical results run to run, agree to 1e-10 across BLAS
/// thread counts, and fits run concurrently in a task group (one model object per task) give the
/// same results as one at a time.
@Suite(.serialized) struct DeterminismTests {
    static func sleepstudyDesign() throws -> MixedModelDesign {
        try MixedModelDesign(formula: "Reaction ~ Days + (Days | Subject)", data: Fixtures.table("sleepstudy.csv"),
                             options: DataOptions(factorColumns: ["Subject"]))
    }

    static func pastesDesign() throws -> MixedModelDesign {
        try MixedModelDesign(formula: "strength ~ 1 + (1 | batch/cask)", data: Fixtures.table("Pastes.csv"))
    }

    static func cbppDesign() throws -> MixedModelDesign {
        try MixedModelDesign(formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)", data: Fixtures.table("cbpp.csv"),
                             options: DataOptions(factorColumns: ["herd", "period"]))
    }

    /// Every number a fit reports, for bitwise comparison.
    static func signature(_ f: MixedModelFit) -> [Double] {
        [f.objective] + f.theta + f.fixedEffects + f.standardErrors + f.covariance + [f.sigma ?? 0]
            + f.randomEffects.flatMap { $0.values } + f.fitted
    }

    @Test func repeatedFitsAreBitIdentical() throws {
        let design = try Self.sleepstudyDesign()
        let a = Self.signature(try LinearMixedModel(design: design).fit())
        let b = Self.signature(try LinearMixedModel(design: design).fit())
        #expect(a == b)
        let g1 = Self.signature(try GeneralizedLinearMixedModel(design: Self.cbppDesign(), family: .binomial).fit())
        let g2 = Self.signature(try GeneralizedLinearMixedModel(design: Self.cbppDesign(), family: .binomial).fit())
        #expect(g1 == g2)
    }

    @Test func glmmStandardErrorsDoNotDependOnTheHessianWorkers() throws {
        for method in [GeneralizedLinearMixedModel.StandardErrorMethod.lme4Hessian, .exactHessian] {
            let one = try GeneralizedLinearMixedModel(design: Self.cbppDesign(), family: .binomial)
            let two = try GeneralizedLinearMixedModel(design: Self.cbppDesign(), family: .binomial)
            two.workers = 2
            #expect(try one.fit(standardErrors: method).standardErrors == two.fit(standardErrors: method).standardErrors)
        }
    }

    @Test func glmmExactStandardErrorsDoNotDependOnTheHessianWorkersWithASupernodalFactor() throws {
        // a supernodal factor: the workers restore the main model's factorisation at the optimum
        // into factors that have never been factorised (SparseCholesky.canRestore)
        let one = try GeneralizedLinearMixedModel(design: Self.cbppDesign(), family: .binomial, factorKind: .supernodal)
        let two = try GeneralizedLinearMixedModel(design: Self.cbppDesign(), family: .binomial, factorKind: .supernodal)
        two.workers = 2
        #expect(one.system.factor.isSupernodal)
        let a = try one.fit(standardErrors: .exactHessian), b = try two.fit(standardErrors: .exactHessian)
        #expect(a.standardErrors == b.standardErrors)
        // and the same as with a simplicial factor, up to round-off (lme4 with tolPwrss = 1e-12:
        // 0.2324733838 for the intercept)
        #expect(abs(a.standardErrors[0] / 0.2324733838 - 1) < 1e-4)
    }

    @Test func aFactorNeverFactorisedTakesTheValuesOfOneWithTheSameAnalysis() throws {
        let design = try MixedModelDesign(formula: "y ~ 1 + service + (1 | s) + (1 | d)",
                                          data: Fixtures.table("InstEval.csv"),
                                          options: DataOptions(factorColumns: ["s", "d", "service"]))
        let factored = try LinearMixedModel(design: design), fresh = try LinearMixedModel(design: design)
        let theta = factored.thetaStart
        _ = try factored.objective(theta)
        let values = try #require(factored.system.factor.snapshot())
        #expect(fresh.system.factor.canRestore(values))
        fresh.system.factor.restore(values)
        #expect(fresh.system.factor.logDeterminant == factored.system.factor.logDeterminant)
        #expect(!fresh.system.factor.canRestore(Array(values.dropLast())))
    }

    @Test func resultsAgreeAcrossBLASThreadCounts() throws {
        let design = try MixedModelDesign(formula: "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)",
                                          data: Fixtures.table("InstEval.csv"),
                                          options: DataOptions(factorColumns: ["s", "d", "dept", "service"]))
        let model = try LinearMixedModel(design: design)
        let theta = model.thetaStart
        BLASThreads.set(1)
        let one = try model.objective(theta)
        BLASThreads.set(2)
        let two = try model.objective(theta)
        BLASThreads.set(1)
        #expect(abs(one - two) <= 1e-10 * abs(one))
    }

    @Test func concurrentFitsMatchSequentialOnes() async throws {
        let designs = [try Self.sleepstudyDesign(), try Self.pastesDesign(), try Self.sleepstudyDesign(), try Self.pastesDesign()]
        let sequential = try designs.map { Self.signature(try LinearMixedModel(design: $0).fit()) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            for (k, d) in designs.enumerated() {
                group.addTask { (k, Self.signature(try LinearMixedModel(design: d).fit())) }
            }
            var out = [[Double]](repeating: [], count: designs.count)
            for try await (k, s) in group { out[k] = s }
            return out
        }
        #expect(concurrent == sequential)
    }

    @Test func concurrentGLMMFitsMatchSequentialOnes() async throws {
        let design = try Self.cbppDesign()
        let sequential = Self.signature(try GeneralizedLinearMixedModel(design: design, family: .binomial).fit())
        let results = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<3 { group.addTask { Self.signature(try GeneralizedLinearMixedModel(design: design, family: .binomial).fit()) } }
            var out = [[Double]]()
            for try await s in group { out.append(s) }
            return out
        }
        for r in results { #expect(r == sequential) }
    }
}
