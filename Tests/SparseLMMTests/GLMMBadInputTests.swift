import Testing
import Foundation
import SparseLMM
import GLMM

/// GLMM-specific bad input: each gives its exact error, never a trap or NaN.
@Suite struct GLMMBadInputTests {
    static func table(_ y: [Double], _ extra: [(String, DataColumn)] = []) throws -> DataTable {
        let n = y.count
        let g: [String?] = (0..<n).map { "g\($0 % 4)" }
        return try DataTable(columns: [("y", .numeric(y)), ("x", .numeric((0..<n).map { Double($0) })), ("g", .categorical(g))] + extra)
    }

    static func model(_ formula: String, _ table: DataTable, _ family: Family, link: Link? = nil, options: DataOptions = DataOptions()) throws -> GeneralizedLinearMixedModel {
        try GeneralizedLinearMixedModel(design: MixedModelDesign(formula: formula, data: table, options: options), family: family, link: link)
    }

    @Test func negativeCountIsRejectedWithItsRow() throws {
        let t = try Self.table([1, 2, -1, 0, 3, 1, 2, 0])
        #expect(throws: GLMMError.negativeCount(response: "y", row: 3, value: -1)) { try Self.model("y ~ x + (1 | g)", t, .poisson) }
    }

    @Test func nonIntegerCountIsRejected() throws {
        let t = try Self.table([1, 2, 1.5, 0, 3, 1, 2, 0])
        #expect(throws: GLMMError.nonIntegerCount(response: "y", row: 3, value: 1.5)) { try Self.model("y ~ x + (1 | g)", t, .negativeBinomial(theta: 1)) }
    }

    @Test func binomialResponseOutsideZeroOneIsRejected() throws {
        let t = try Self.table([0, 1, 2, 0, 1, 1, 0, 0])
        #expect(throws: GLMMError.binomialResponseOutOfRange(row: 3, value: 2)) { try Self.model("y ~ x + (1 | g)", t, .binomial) }
    }

    @Test func proportionWithoutTrialsIsRejected() throws {
        let t = try Self.table([0, 1, 0.5, 0, 1, 1, 0, 0])
        #expect(throws: GLMMError.binomialNeedsTrials(row: 3, value: 0.5)) { try Self.model("y ~ x + (1 | g)", t, .binomial) }
    }

    @Test func successesExceedingTrialsAreRejected() throws {
        let t = try Self.table([1, 2, 5, 0, 1, 1, 0, 0], [("n", .numeric([3, 3, 3, 3, 3, 3, 3, 3]))])
        #expect(throws: GLMMError.negativeSuccessesOrFailures(row: 3, successes: 5, failures: -2)) {
            try Self.model("cbind(y, n - y) ~ x + (1 | g)", t, .binomial)
        }
    }

    @Test func zeroTrialsAreRejected() throws {
        let t = try Self.table([1, 2, 0, 0, 1, 1, 0, 0], [("n", .numeric([3, 3, 0, 3, 3, 3, 3, 3]))])
        #expect(throws: GLMMError.zeroTrials(row: 3)) { try Self.model("cbind(y, n - y) ~ x + (1 | g)", t, .binomial) }
    }

    @Test func weightsWithCbindAreRejected() throws {
        let t = try Self.table([1, 2, 0, 0, 1, 1, 0, 0], [("n", .numeric([3, 3, 3, 3, 3, 3, 3, 3]))])
        #expect(throws: GLMMError.weightsWithCountsResponse) {
            try Self.model("cbind(y, n - y) ~ x + (1 | g)", t, .binomial, options: DataOptions(weightsColumn: "n"))
        }
    }

    @Test func nonIntegerSuccessesWithTrialsAreRejected() throws {
        let t = try Self.table([0.5, 0.25, 0.5, 0, 1, 1, 0, 0], [("n", .numeric([3, 3, 3, 3, 3, 3, 3, 3]))])
        #expect(throws: GLMMError.nonIntegerTrials(row: 1, value: 1.5)) {
            try Self.model("y ~ x + (1 | g)", t, .binomial, options: DataOptions(weightsColumn: "n"))
        }
    }

    @Test func categoricalCountResponseIsRejected() throws {
        let n = 8
        let t = try DataTable(columns: [("y", .categorical((0..<n).map { $0 % 2 == 0 ? "a" : "b" })), ("g", .categorical((0..<n).map { "g\($0 % 4)" }))])
        #expect(throws: GLMMError.categoricalCountResponse("y")) { try Self.model("y ~ 1 + (1 | g)", t, .poisson) }
    }

    @Test func unsupportedLinkIsRejected() throws {
        let t = try Self.table([1, 2, 1, 0, 3, 1, 2, 0])
        #expect(throws: GLMMError.invalidLink(family: "poisson", link: "logit", allowed: ["log", "sqrt", "identity"])) {
            try Self.model("y ~ x + (1 | g)", t, .poisson, link: .logit)
        }
    }

    @Test func quadraturePointsOutOfRangeAreRejected() throws {
        let t = try Self.table([1, 2, 1, 0, 3, 1, 2, 0])
        let m = try Self.model("y ~ x + (1 | g)", t, .poisson)
        #expect(throws: GLMMError.invalidQuadraturePoints(0)) { try m.fit(nAGQ: 0) }
        #expect(throws: GLMMError.invalidQuadraturePoints(101)) { try m.fit(nAGQ: 101) }
    }

    @Test func completeSeparationWarnsAndGivesNoNaN() throws {
        // y = 1 exactly when x > 4: the slope runs away; the fit must say so, not print NaN
        var y = [Double](), x = [Double](), g = [String?]()
        for i in 0..<40 { let xi = Double(i % 10); x.append(xi); y.append(xi > 4 ? 1 : 0); g.append("g\(i % 5)") }
        let t = try DataTable(columns: [("y", .numeric(y)), ("x", .numeric(x)), ("g", .categorical(g))])
        do {
            let fit = try Self.model("y ~ x + (1 | g)", t, .binomial).fit()
            #expect(fit.warnings.contains { $0.contains("complete separation") })
            #expect(fit.fixedEffects.allSatisfy { $0.isFinite })
            #expect(fit.objective.isFinite)
        } catch let e as GLMMError {
            // a clear PIRLS error is an acceptable answer too
            #expect(e == .pirlsStepHalvingFailed || e == .pirlsDidNotConverge(iterations: 200))
        }
    }

    @Test func allZeroGroupFitsWithoutNaN() throws {
        // one group never has an event: its conditional mode is large and negative, but finite
        var y = [Double](), x = [Double](), g = [String?]()
        var rng = SimulationRandom(seed: 3)
        for i in 0..<120 {
            let grp = i % 6
            x.append(rng.normal())
            y.append(grp == 0 ? 0 : rng.poisson(2))
            g.append("g\(grp)")
        }
        let t = try DataTable(columns: [("y", .numeric(y)), ("x", .numeric(x)), ("g", .categorical(g))])
        let fit = try Self.model("y ~ x + (1 | g)", t, .poisson).fit()
        #expect(fit.objective.isFinite)
        #expect(fit.randomEffects[0].values.allSatisfy { $0.isFinite })
        let zeroGroup = fit.randomEffects[0].levels.firstIndex(of: "g0")!
        #expect(fit.randomEffects[0].values[zeroGroup] < -1)
    }
}
