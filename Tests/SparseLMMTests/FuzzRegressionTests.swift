import Testing
import SparseLMM

/// Inputs found by the fuzzers (scripts/fuzz.sh) that once crashed or hung, kept so that they
/// stay fixed. Each must end quickly in a value or in the error stated.
@Suite struct FuzzRegressionTests {
    /// FuzzFormula, timeout: a 15-variable sum raised to the 8th power expanded into ~22,000
    /// interactions with quadratic de-duplication (over 15 s) before the unknown columns were
    /// looked up. The expansion is now linear in its output and stops at 10,000 terms (its speed
    /// is the fuzzer's to watch: a timed assertion here would fail under the sanitizers).
    @Test func hugePowerOfASumIsRefused() throws {
        let f = "y ~ (xq+a/b++ ++ ol+d+(x + bit:ir*c/t+ttt/tz + Sequencea)^1 ++anb + tttB + tt)^8 +A(1)"
        #expect(throws: FormulaError("the formula expands into more than 10000 terms here; use fewer variables or a lower power in (...)^n",
                                     at: 79, in: f)) { try Formula(f) }
    }

    /// A power beyond Int's range (or beyond the number of terms) is the full interaction, not a
    /// trap converting 1e300 to Int.
    @Test func hugePowerIsTheFullInteraction() throws {
        let big = try Formula("y ~ (a + b + c)^1e300")
        let three = try Formula("y ~ (a + b + c)^3")
        #expect(big.fixed.terms.map(\.label) == three.fixed.terms.map(\.label))
        #expect(three.fixed.terms.map(\.label) == ["a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"])
    }

    /// FuzzFormula, timeout (14 s under the fuzzer's instrumentation, 2.6 s in a release build):
    /// three sums of ~20 variables raised to the 5th power. Term lists were merged and
    /// de-duplicated with array searches (quadratic); now with sets and sorted merges. The
    /// formula has no bar, which is what the design must then say.
    @Test func manyPowersOfLongSumsExpand() throws {
        let text = try String(contentsOfFile: Fixtures.root + "/extra/fuzz-formula-slow-power.txt", encoding: .utf8)
        let formula = try Formula(text)
        #expect(formula.fixed.terms.count <= 10_000)
        #expect(formula.random.isEmpty)
        let table = try DataTable(columns: [("y", .numeric([1, 2, 3])), ("x", .numeric([0, 1, 2]))])
        #expect(throws: ModelError.noRandomEffects) { try MixedModelDesign(formula: formula, data: table) }
    }
}
