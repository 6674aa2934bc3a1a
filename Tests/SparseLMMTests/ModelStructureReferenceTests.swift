import Testing
import Foundation
@testable import SparseLMM

/// Model structures checked against R and lme4 on a small simulated data set
/// (`Tests/Fixtures/extra`, made by `Tests/Fixtures/scripts/structure_reference.R`): the fixed-effects
/// model matrix (R's column names and order, treatment contrasts, full indicator coding where R uses it,
/// values, columns dropped for rank deficiency), and lme4's random-effects structure (θ names, term order,
/// grouping factors, VarCorr names, the columns of each covariance block).
@Suite struct ModelStructureReferenceTests {
    nonisolated(unsafe) static let expected: [String: Any] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/extra/structure_expected.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func string(_ v: Any?) -> String {
        if let s = v as? String { return s }
        return (v as! [String])[0]
    }

    static let fixedFormulas: [String] = (expected["fixed"] as! [[String: Any]]).map { string($0["formula"]) }
    static let randomFormulas: [String] = (expected["random"] as! [[String: Any]]).map { string($0["formula"]) }

    static func table() throws -> DataTable { try DataTable(csvFile: Fixtures.root + "/extra/structure.csv") }

    @Test func theReferenceIsComplete() {
        #expect(Self.fixedFormulas.count == 35)
        #expect(Self.randomFormulas.count == 18)
    }

    @Test(arguments: fixedFormulas)
    func fixedEffectsModelMatrix(formula: String) throws {
        let ref = (Self.expected["fixed"] as! [[String: Any]]).first { Self.string($0["formula"]) == formula }!
        let names = ref["names"] as! [String]
        let values = (ref["X"] as! [Any]).map { jsonNumber($0)! }
        let dropped = ref["dropped"] as? [String] ?? []
        let design = try MixedModelDesign(formula: formula + " + (1 | a)", data: Self.table())
        #expect(design.fixedEffectNames == names)
        #expect(design.droppedColumns == dropped)
        #expect(design.X.count == values.count)
        if design.X.count == values.count {
            let bad = zip(design.X, values).enumerated().filter { !close($1.0, $1.1, rel: 1e-12, abs: 1e-12) }
            #expect(bad.isEmpty, "first differing entry: \(bad.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
        }
    }

    @Test(arguments: randomFormulas)
    func randomEffectsStructure(formula: String) throws {
        let ref = (Self.expected["random"] as! [[String: Any]]).first { Self.string($0["formula"]) == formula }!
        let design = try MixedModelDesign(formula: formula, data: Self.table())
        #expect(design.thetaNames == ref["theta"] as! [String])
        // grouping factors in lme4's order (its flist), with their numbers of levels
        let ngroups = ref["ngroups"] as! [String: Any]
        let order = ref["ngroups_order"] as! [String]
        #expect(design.groupCounts.map { $0.name } == order)
        for g in design.groupCounts {
            #expect(jsonNumber((ngroups[g.name] as? [Any])?.first).map { Int($0) } == g.levels, "\(g.name)")
        }
        // covariance blocks: lme4's cnms (one per piece, in order) and VarCorr's names
        let blocks = design.terms.flatMap { t in t.blocks.map { b in (t.factor.name, Array(t.columnNames[b.columns]), b.name) } }
        #expect(blocks.map { $0.0 } == ref["cnms_groups"] as! [String])
        #expect(blocks.map { $0.1 } == ref["cnms"] as! [[String]])
        #expect(blocks.map { $0.2 } == ref["varcorr"] as! [String])
    }

    /// A numeric column made a factor (a grouping factor, `factor(x)`, `--factor`) gets R's labels,
    /// `as.character` of its values (R 4.2): 15 significant digits, the shorter of fixed and scientific.
    @Test(arguments: [(Double, String)]([
        (0.1, "0.1"), (1.0 / 3, "0.333333333333333"), (1e5, "1e+05"), (123456, "123456"), (1e15, "1e+15"),
        (1e-5, "1e-05"), (0.0001, "1e-04"), (100, "100"), (-2.5, "-2.5"), (0.1 + 0.2, "0.3"), (123456.7, "123456.7"),
        (0.00012345, "0.00012345"), (100000.1, "100000.1"), (3e-4, "3e-04"), (150000, "150000"), (1200000, "1200000"),
        (2.0 / 3 * 1e-7, "6.66666666666667e-08"), (99999.999999999985, "1e+05"), (308, "308"), (0, "0"),
    ]))
    func numericFactorLabels(value: Double, label: String) {
        guard case .factor(let codes, let levels) = VariableEvaluator.factor(from: [value, .nan]) else {
            Issue.record("not a factor"); return
        }
        #expect(levels == [label])
        #expect(codes == [0, -1])
    }

    @Test func numericFactorLevelsAreInNumericOrder() {
        guard case .factor(let codes, let levels) = VariableEvaluator.factor(from: [10, 9, -1, 100, 9, 0.5]) else {
            Issue.record("not a factor"); return
        }
        #expect(levels == ["-1", "0.5", "9", "10", "100"])
        #expect(codes == [3, 2, 0, 4, 2, 1])
    }

    /// Non-syntactic column names are back-quoted in the formula and keep their back-quotes in R's
    /// column names (`colnames(model.matrix(y ~ `my var` + x_1 + `my var`:x_1))` in R 4.2).
    @Test func backQuotedColumnNames() throws {
        let table = try DataTable(csvText: "y,my var,g,x_1\n1,2,a,1\n2,3,b,2\n4,1,a,5\n3,5,b,2\n6,2,a,1\n")
        let design = try MixedModelDesign(formula: "y ~ `my var` + x_1 + `my var`:x_1 + (1 | g)", data: table)
        #expect(design.fixedEffectNames == ["(Intercept)", "`my var`", "x_1", "`my var`:x_1"])
        #expect(Array(design.X[5..<10]) == [2, 3, 1, 5, 2])
        #expect(Array(design.X[15..<20]) == [2, 6, 5, 10, 2])
    }

    /// R drops a fixed term that is the response itself, with a warning; an interaction with it stays.
    @Test func responseOnTheRightHandSide() throws {
        let dropped = try MixedModelDesign(formula: "y ~ y + x + (1 | a)", data: Self.table())
        #expect(dropped.fixedEffectNames == ["(Intercept)", "x"])
        #expect(dropped.warnings == ["the response appeared on the right-hand side and was dropped"])
        let kept = try MixedModelDesign(formula: "y ~ y:x + x + (1 | a)", data: Self.table())
        #expect(kept.fixedEffectNames == ["(Intercept)", "x", "y:x"])
        #expect(kept.warnings.isEmpty)
        #expect(throws: ModelError.noFixedEffects) { try MixedModelDesign(formula: "y ~ 0 + y + (1 | a)", data: Self.table()) }
    }

    /// The names of VarCorr groups follow R's `make.names(unique = TRUE)` when some repeat (lme4's mkVarCorr).
    @Test func varCorrNames() {
        #expect(rUniqueNames(["a", "b:a"]) == ["a", "b:a"])
        #expect(rUniqueNames(["b:a", "b:a", "a", "a"]) == ["b.a", "b.a.1", "a", "a.1"])
        #expect(rUniqueNames(["g", "g", "g"]) == ["g", "g.1", "g.2"])
        #expect(rUniqueNames(["a", "a", "a.1"]) == ["a", "a.2", "a.1"])
        #expect(rUniqueNames(["c:(b:a)", "1x", "if", "g", "g"]) == ["c..b.a.", "X1x", "if.", "g", "g.1"])
    }
}
