import Testing
import Foundation
@testable import SparseLMM
import GLMM

/// The bad-input battery: every bad input the project handles, with the exact error it must give
/// (type and message) and never a crash — defective CSV, formula syntax, columns and levels that do
/// not exist, data a Gaussian model cannot use, family/response mismatches of GLMMs, options, new
/// data for prediction, numerically degenerate data. Some run through the `lmm` binary: exit status
/// 1 for bad input, 64 for a usage error, the message on standard error (docs/cli.md).
@Suite struct BadInputTests {
    // MARK: helpers

    /// The error thrown by reading `csv` and building (and, if `fit`, setting up) the model.
    static func failure(csv: String, formula: String, options: DataOptions = DataOptions(), fit: Bool = true) -> Error? {
        do {
            let table = try DataTable(csvText: csv)
            let design = try MixedModelDesign(formula: formula, data: table, options: options)
            if fit { _ = try LinearMixedModel(design: design).fit() }
            return nil
        } catch {
            return error
        }
    }

    static func failure(table: DataTable, formula: String, options: DataOptions = DataOptions()) -> Error? {
        do {
            let design = try MixedModelDesign(formula: formula, data: table, options: options)
            _ = try LinearMixedModel(design: design).fit()
            return nil
        } catch {
            return error
        }
    }

    /// A small valid data set: y, x, g (3 levels), h (2 levels), with n rows.
    static func small(rows n: Int = 12) -> String {
        var s = "y,x,g,h,w,c\n"
        for i in 0..<n {
            s += "\(Double(i % 5) + 0.5 * Double(i)),\(i % 4),G\(i % 3),H\(i % 2),\(1 + i % 3),k\n"
        }
        return s
    }

    static let sleepstudy: DataTable = try! Fixtures.table("sleepstudy.csv")
    static let orthodont: DataTable = try! Fixtures.table("Orthodont.csv")

    // MARK: CSV defects (through the model-building path)

    @Test func csvRaggedRow() {
        let e = Self.failure(csv: "y,g\n1,a\n2\n3,b\n", formula: "y ~ 1 + (1 | g)")
        #expect(e as? DataError == .raggedRow(line: 3, expected: 2, found: 1))
        #expect((e as? DataError)?.description == "line 3 has 1 field, but the header has 2")
    }

    @Test func csvEmptyFile() {
        let e = Self.failure(csv: "", formula: "y ~ 1 + (1 | g)")
        #expect((e as? DataError)?.description == "the data file is empty: expected a header row followed by data rows")
    }

    @Test func csvHeaderOnly() {
        let e = Self.failure(csv: "y,g\n", formula: "y ~ 1 + (1 | g)")
        #expect((e as? DataError)?.description == "the data file has a header row but no data rows")
    }

    @Test func csvDuplicateColumn() {
        let e = Self.failure(csv: "y,g,y\n1,a,2\n", formula: "y ~ 1 + (1 | g)")
        #expect((e as? DataError)?.description == "duplicate column name 'y' (columns 1 and 3 of the header)")
    }

    @Test func csvEmptyColumnName() {
        let e = Self.failure(csv: "y,,g\n1,2,a\n", formula: "y ~ 1 + (1 | g)")
        #expect((e as? DataError)?.description == "column 2 of the header has an empty name")
    }

    @Test func csvUnterminatedQuote() {
        let e = Self.failure(csv: "y,g\n1,a\n2,\"b\n3,c\n", formula: "y ~ 1 + (1 | g)")
        #expect((e as? DataError)?.description == "unterminated quoted field starting on line 3")
    }

    @Test func csvInvalidUTF8() {
        var bytes = Array("y,g\n1,a\n2,".utf8)
        bytes += [0xE2, 0x28, 0xA1]
        bytes += Array("\n".utf8)
        #expect(throws: DataError.invalidUTF8(line: 3)) { try DataTable(csvBytes: bytes) }
    }

    @Test func csvUnreadableFile() {
        let path = "/definitely/not/here.csv"
        do {
            _ = try DataTable(csvFile: path)
            Issue.record("no error")
        } catch let e as DataError {
            #expect(e.description.hasPrefix("cannot read data file '/definitely/not/here.csv': "))
            #expect(e.description.contains("No such file or directory"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    // MARK: formula syntax, with positions

    @Test func formulaMissingTilde() {
        let e = Self.failure(table: Self.sleepstudy, formula: "Reaction Days + (1 | Subject)")
        #expect(e as? FormulaError == FormulaError("unexpected name 'Days'", at: 9, in: "Reaction Days + (1 | Subject)"))
    }

    @Test func formulaUnmatchedParenthesis() {
        let f = "Reaction ~ Days + (Days | Subject"
        #expect(Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError == FormulaError("missing ')' to close '('", at: 18, in: f))
        let g = "Reaction ~ Days + Days | Subject)"
        #expect(Self.failure(table: Self.sleepstudy, formula: g) as? FormulaError == FormulaError("unmatched ')'", at: 32, in: g))
    }

    @Test func formulaTrailingOperator() {
        let f = "Reaction ~ Days + (1 | Subject) +"
        #expect(Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError == FormulaError("missing operand after '+'", at: 32, in: f))
    }

    @Test func formulaUnknownCharacter() {
        let f = "Reaction ~ Days # comment + (1 | Subject)"
        #expect(Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError == FormulaError("unexpected character '#'", at: 16, in: f))
    }

    @Test func formulaBarNotAdded() {
        let f = "Reaction ~ Days * (1 | Subject)"
        let e = Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError
        #expect(e == FormulaError("a random-effects term '(... | ...)' must be added to the formula with '+'", at: 19, in: f))
        #expect(e?.description == """
            formula error at position 20: a random-effects term '(... | ...)' must be added to the formula with '+'
              Reaction ~ Days * (1 | Subject)
                                 ^
            """)
    }

    @Test func formulaWithoutRandomEffects() {
        let e = Self.failure(table: Self.sleepstudy, formula: "Reaction ~ Days")
        #expect(e as? ModelError == .noRandomEffects)
        #expect((e as? ModelError)?.description == "the formula has no random-effects term such as (1 | group): this engine fits mixed models")
    }

    @Test func formulaWithoutResponse() {
        let e = Self.failure(table: Self.sleepstudy, formula: "~ Days + (1 | Subject)")
        #expect((e as? ModelError)?.description == "the formula has no response: write it as 'response ~ predictors'")
    }

    @Test func formulaWithoutFixedEffects() {
        let e = Self.failure(table: Self.sleepstudy, formula: "Reaction ~ 0 + (1 | Subject)")
        #expect((e as? ModelError)?.description == "the model has no fixed effects (use '1' for an intercept)")
    }

    // MARK: columns, functions and values

    @Test func unknownColumnWithSuggestion() {
        let f = "Reaction ~ days + (1 | Subject)"
        let e = Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError
        #expect(e == FormulaError("unknown column 'days' (did you mean 'Days'?)", at: 11, in: f))
    }

    @Test func unknownGroupingColumnWithSuggestion() {
        let f = "Reaction ~ Days + (1 | Subjct)"
        let e = Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError
        #expect(e == FormulaError("unknown column 'Subjct' (did you mean 'Subject'?)", at: 23, in: f))
    }

    @Test func unknownColumnWithoutSuggestion() {
        let f = "Reaction ~ Days + (1 | zzzzzz)"
        #expect((Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError)?.message == "unknown column 'zzzzzz'")
    }

    @Test func nonNumericResponseForAGaussianModel() {
        let e = Self.failure(table: Self.orthodont, formula: "Sex ~ age + (1 | Subject)")
        #expect(e as? ModelError == .categoricalResponse("Sex"))
        #expect((e as? ModelError)?.description
                == "the response 'Sex' is not numeric: a Gaussian model needs a numeric response (for a two-level factor use --family binomial)")
    }

    @Test func categoricalColumnInArithmetic() {
        let f = "distance ~ log(Sex) + (1 | Subject)"
        let e = Self.failure(table: Self.orthodont, formula: f) as? FormulaError
        #expect(e == FormulaError("the column 'Sex' is categorical; it cannot be used as a number here", at: 15, in: f))
    }

    @Test func groupingFactorWithOneLevel() {
        let e = Self.failure(csv: Self.small(), formula: "y ~ x + (1 | c)")
        #expect(e as? ModelError == .groupingFactorOneLevel(group: "c"))
        #expect((e as? ModelError)?.description
                == "the grouping factor 'c' has only one level: a random effect needs at least two groups (drop the term or use a factor with several levels)")
    }

    @Test func groupingFactorWithOneLevelLeftAfterMissingRows() {
        // h has two levels, but every row of level H1 has a missing response
        let csv = "y,h\n1,H0\n,H1\n2,H0\nNA,H1\n3,H0\n"
        #expect(Self.failure(csv: csv, formula: "y ~ 1 + (1 | h)") as? ModelError == .groupingFactorOneLevel(group: "h"))
    }

    @Test func asManyLevelsAsObservations() {
        var csv = "y,id\n"
        for i in 0..<10 { csv += "\(Double(i * i) * 0.3),id\(i)\n" }
        let e = Self.failure(csv: csv, formula: "y ~ 1 + (1 | id)")
        #expect(e as? ModelError == .levelsNotFewerThanObservations(group: "id", levels: 10, nobs: 10))
        #expect((e as? ModelError)?.description == "the grouping factor 'id' has 10 levels for 10 observations: a Gaussian model needs fewer levels than observations, or the random-effects variance and the residual variance cannot be told apart")
    }

    @Test func tooManyRandomEffectsForTheData() {
        // 6 groups of 2 observations: (x | g) has 12 random effects for 12 observations
        var csv = "y,x,g\n"
        for i in 0..<12 { csv += "\(Double(i) * 1.7 + Double(i % 3)),\(i % 2),g\(i / 2)\n" }
        let e = Self.failure(csv: csv, formula: "y ~ x + (x | g)")
        #expect(e as? ModelError == .tooManyRandomEffects(term: "x | g", count: 12, nobs: 12))
        #expect((e as? ModelError)?.description == "the random-effects term 'x | g' has 12 random effects for 12 observations (the number of observations must exceed the number of random effects): its variance parameters and the residual variance are unidentifiable; simplify the term")
    }

    @Test func infiniteValue() {
        let csv = "y,x,g\n1,0.5,a\n2,Inf,b\n3,1.5,a\n4,2,b\n"
        let e = Self.failure(csv: csv, formula: "y ~ x + (1 | g)")
        #expect(e as? ModelError == .nonFiniteValue(variable: "x", row: 2))
        #expect((e as? ModelError)?.description == "the variable 'x' has an infinite value in data row 2; remove or fix that row")
    }

    @Test func infiniteValueFromATransformation() {
        // log(0) = −∞ in row 1 of sleepstudy (Days = 0)
        let e = Self.failure(table: Self.sleepstudy, formula: "Reaction ~ log(Days) + (1 | Subject)")
        #expect(e as? ModelError == .nonFiniteValue(variable: "log(Days)", row: 1))
    }

    @Test func logOfANegativeValue() {
        let f = "Reaction ~ log(Days - 3) + (1 | Subject)"
        let e = Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError
        #expect(e == FormulaError("'log(Days - 3)' is not a number (NaN) in data row 1", at: 11, in: f))
    }

    @Test func zeroOverZeroInsideI() {
        let f = "Reaction ~ I(Days/Days) + (1 | Subject)"
        let e = Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError
        #expect(e == FormulaError("'Days/Days' is not a number (NaN) in data row 1", at: 13, in: f))
    }

    @Test(arguments: [(0.0, "a zero value (0)"), (-2.0, "a negative value (-2)")])
    func invalidWeight(value: Double, wording: String) {
        let table = try! DataTable(columns: [("y", .numeric([1, 4, 2, 5, 3, 7])), ("g", .categorical(["a", "b", "a", "b", "a", "b"])),
                                             ("w", .numeric([1, 1, 1, value, 1, 1]))])
        let e = Self.failure(table: table, formula: "y ~ 1 + (1 | g)", options: DataOptions(weightsColumn: "w"))
        #expect(e as? ModelError == .invalidWeight(column: "w", row: 4, value: value))
        #expect((e as? ModelError)?.description == "the weights column 'w' has \(wording) in data row 4: weights must be positive")
    }

    @Test func allRowsMissing() {
        let csv = "y,x,g\nNA,1,a\n2,,b\n,3,a\n4,NA,b\n"
        let e = Self.failure(csv: csv, formula: "y ~ x + (1 | g)")
        #expect(e as? ModelError == .noCompleteRows(variables: ["y", "x", "g"]))
        #expect((e as? ModelError)?.description == "no complete observations: every row has a missing value in one of 'y', 'x', 'g'")
    }

    @Test func constantResponse() {
        let csv = "y,g\n5,a\n5,b\n5,a\n5,b\n5,c\n"
        let e = Self.failure(csv: csv, formula: "y ~ 1 + (1 | g)")
        #expect(e as? ModelError == .constantResponse("y"))
        #expect((e as? ModelError)?.description == "the response 'y' has zero variance (every observation is the same): there is nothing to model")
    }

    @Test func asManyFixedEffectsAsObservations() {
        // 6 observations, 6 linearly independent fixed-effect columns
        let csv = "y,id,g\n1,a,u\n3,b,v\n2,c,u\n5,d,v\n4,e,u\n7,f,v\n"
        let e = Self.failure(csv: csv, formula: "y ~ id + (1 | g)")
        #expect(e as? ModelError == .tooFewObservations(nobs: 6, needed: 7))
        #expect((e as? ModelError)?.description == "only 6 complete observations; the model needs at least 7")
    }

    @Test func cbindOutsideTheResponse() {
        let f = "Reaction ~ cbind(Days, Days) + (1 | Subject)"
        #expect(Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError
                == FormulaError("cbind() may appear only as the response", at: 11, in: f))
    }

    @Test func cbindResponseWithOneArgument() {
        let f = "cbind(Reaction) ~ Days + (1 | Subject)"
        #expect(Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError
                == FormulaError("cbind() in the response takes two arguments: cbind(successes, failures)", at: 0, in: f))
    }

    @Test func unsupportedFunction() {
        let f = "Reaction ~ poly(Days, 2) + (1 | Subject)"
        let e = Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError
        #expect(e == FormulaError("unknown function 'poly' (supported: factor, I, offset, log, log2, log10, log1p, exp, expm1, sqrt, abs, sin, cos, tan, scale)", at: 11, in: f))
    }

    @Test func scaleOfAConstant() {
        let csv = "y,k,g\n1,2,a\n2,2,b\n3,2,a\n5,2,b\n"
        let f = "y ~ scale(k) + (1 | g)"
        #expect(Self.failure(csv: csv, formula: f) as? FormulaError
                == FormulaError("scale() of a constant: the standard deviation is zero", at: 4, in: f))
    }

    @Test func factorWithTwoArguments() {
        let f = "Reaction ~ factor(Days, 2) + (1 | Subject)"
        #expect(Self.failure(table: Self.sleepstudy, formula: f) as? FormulaError
                == FormulaError("factor() takes exactly one argument", at: 11, in: f))
    }

    // MARK: options

    @Test func unknownLevelInLevels() {
        let e = Self.failure(table: Self.orthodont, formula: "distance ~ age + Sex + (1 | Subject)",
                             options: DataOptions(levelOrders: ["Sex": ["Female", "Mal"]]))
        #expect(e as? ModelError == .unknownLevel(column: "Sex", level: "Mal", known: ["Female", "Male"]))
        #expect((e as? ModelError)?.description == "the level 'Mal' given for column 'Sex' does not occur in the data (levels: 'Female', 'Male')")
    }

    @Test func incompleteLevels() {
        let e = Self.failure(table: Self.orthodont, formula: "distance ~ age + Sex + (1 | Subject)",
                             options: DataOptions(levelOrders: ["Sex": ["Male"]]))
        #expect(e as? ModelError == .levelMissingFromOrder(column: "Sex", level: "Female"))
        #expect((e as? ModelError)?.description == "the level order given for column 'Sex' omits the level 'Female' that occurs in the data: list every level")
    }

    @Test func levelListedTwice() {
        let e = Self.failure(table: Self.orthodont, formula: "distance ~ age + Sex + (1 | Subject)",
                             options: DataOptions(levelOrders: ["Sex": ["Male", "Female", "Male"]]))
        #expect((e as? ModelError)?.description == "the level 'Male' is listed twice in --levels for column 'Sex'")
    }

    @Test func levelsForAnUnknownColumn() {
        let e = Self.failure(table: Self.orthodont, formula: "distance ~ age + Sex + (1 | Subject)",
                             options: DataOptions(levelOrders: ["sex": ["Male", "Female"]]))
        // the closest names first: 'Sex' (case only), then 'fem' (two edits)
        #expect(e as? ModelError == .unknownColumn("sex", suggestions: ["Sex", "fem"], context: "--levels"))
        #expect((e as? ModelError)?.description == "unknown column 'sex' in --levels (did you mean 'Sex', 'fem'?)")
    }

    @Test func factorForAnUnknownColumn() {
        let e = Self.failure(table: Self.sleepstudy, formula: "Reaction ~ Days + (1 | Subject)",
                             options: DataOptions(factorColumns: ["Subjects"]))
        #expect((e as? ModelError)?.description == "unknown column 'Subjects' in --factor (did you mean 'Subject'?)")
    }

    @Test func unknownWeightsColumn() {
        let e = Self.failure(table: Self.sleepstudy, formula: "Reaction ~ Days + (1 | Subject)",
                             options: DataOptions(weightsColumn: "weight"))
        #expect((e as? ModelError)?.description == "unknown column 'weight' in --weights")
    }

    @Test func categoricalWeightsAndOffsetColumns() {
        let w = Self.failure(table: Self.orthodont, formula: "distance ~ age + (1 | Subject)", options: DataOptions(weightsColumn: "Sex"))
        #expect((w as? ModelError)?.description == "the weights column 'Sex' is not numeric")
        let o = Self.failure(table: Self.orthodont, formula: "distance ~ age + (1 | Subject)", options: DataOptions(offsetColumn: "Sex"))
        #expect((o as? ModelError)?.description == "the offset column 'Sex' is not numeric")
    }

    // MARK: the command-line tool

    static var lmmPath: String? { LMMExecutable.path }
    typealias Run = LMMExecutable.Run
    static func lmm(_ arguments: [String]) throws -> Run { try LMMExecutable.run(arguments) }

    static func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("badinput-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func lmmBinaryIsFound() {
        #expect(Self.lmmPath != nil, "the lmm executable was not found next to the tests (build it with swift build --build-tests)")
    }

    @Test(.enabled(if: lmmPath != nil)) func cliSucceedsOnGoodInput() throws {
        let r = try Self.lmm(["fit", Fixtures.dataPath("sleepstudy.csv"), "Reaction ~ Days + (Days | Subject)", "--format", "json"])
        #expect(r.status == 0)
        let json = try OrderedJSON.parse(r.stdout)
        guard case .number(let objective)? = json["objective"] else { Issue.record("no objective"); return }
        #expect(close(objective, 1743.62827195995, rel: 1e-6))
    }

    @Test(.enabled(if: lmmPath != nil)) func cliRaggedCSV() throws {
        let path = try Self.temporaryFile("y,g\n1,a\n2\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try Self.lmm(["fit", path, "y ~ 1 + (1 | g)"])
        #expect(r.status == 1)
        #expect(r.stderr == "error: line 3 has 1 field, but the header has 2\n")
        #expect(r.stdout.isEmpty)
    }

    @Test(.enabled(if: lmmPath != nil)) func cliMissingFile() throws {
        let r = try Self.lmm(["fit", "/definitely/not/here.csv", "y ~ 1 + (1 | g)"])
        #expect(r.status == 1)
        #expect(r.stderr == "error: cannot read data file '/definitely/not/here.csv': No such file or directory\n")
        #expect(r.stdout.isEmpty)
    }

    @Test(.enabled(if: lmmPath != nil)) func cliUnknownColumn() throws {
        let r = try Self.lmm(["fit", Fixtures.dataPath("sleepstudy.csv"), "Reaction ~ days + (1 | Subject)"])
        #expect(r.status == 1)
        #expect(r.stderr == """
            error: formula error at position 12: unknown column 'days' (did you mean 'Days'?)
              Reaction ~ days + (1 | Subject)
                         ^

            """)
        #expect(r.stdout.isEmpty)
    }

    @Test(.enabled(if: lmmPath != nil)) func cliUnknownLevel() throws {
        let r = try Self.lmm(["fit", Fixtures.dataPath("Orthodont.csv"), "distance ~ age + Sex + (1 | Subject)", "--levels", "Sex=Male,Femal"])
        #expect(r.status == 1)
        #expect(r.stderr == "error: the level 'Femal' given for column 'Sex' does not occur in the data (levels: 'Female', 'Male')\n")
    }

    @Test(.enabled(if: lmmPath != nil)) func cliConstantResponse() throws {
        let path = try Self.temporaryFile("y,g\n5,a\n5,b\n5,a\n5,b\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try Self.lmm(["fit", path, "y ~ 1 + (1 | g)", "--format", "json"])
        #expect(r.status == 1)
        #expect(r.stderr == "error: the response 'y' has zero variance (every observation is the same): there is nothing to model\n")
        #expect(r.stdout.isEmpty)
    }

    @Test(.enabled(if: lmmPath != nil)) func cliConflictingOptions() throws {
        let r = try Self.lmm(["fit", Fixtures.dataPath("sleepstudy.csv"), "Reaction ~ Days + (1 | Subject)", "--ml", "--reml"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--reml and --ml are mutually exclusive"))
        #expect(r.stdout.isEmpty)
    }

    @Test(.enabled(if: lmmPath != nil)) func cliMalformedLevelsOption() throws {
        let r = try Self.lmm(["fit", Fixtures.dataPath("Orthodont.csv"), "distance ~ age + Sex + (1 | Subject)", "--levels", "Sex"])
        #expect(r.status == 1)
        #expect(r.stderr == "error: --levels expects COL=A,B,C, got 'Sex'\n")
    }

    // MARK: numerically degenerate data

    @Test func perfectFitByTheFixedEffects() {
        var csv = "y,x,g\n"
        for i in 1...20 { csv += "\(2 * i + 1),\(i),g\(i % 4)\n" }
        let e = Self.failure(csv: csv, formula: "y ~ x + (1 | g)")
        #expect(e as? ModelError == .perfectFit("y"))
    }

    @Test func overflowingCrossProducts() {
        var csv = "y,big,g\n"
        for i in 1...20 { csv += "\(i),\(i)e300,g\(i % 4)\n" }
        let e = Self.failure(csv: csv, formula: "y ~ big + (1 | g)")
        #expect(e as? ModelError == .nonFiniteCrossProducts)
    }

    @Test func dotForAllColumnsIsNotSupported() {
        let e = Self.failure(csv: Self.small(), formula: "y ~ . + (1 | g)")
        #expect((e as? FormulaError)?.message == "'.' (all other columns) is not supported: list the predictors by name")
        #expect((e as? FormulaError)?.position == 4)
    }

    @Test func responseOnTheRightIsDroppedWithAWarningThatReachesTheFit() throws {
        let design = try MixedModelDesign(formula: "Reaction ~ Reaction + Days + (1 | Subject)", data: Self.sleepstudy,
                                          options: DataOptions(factorColumns: ["Subject"]))
        let fit = try LinearMixedModel(design: design).fit()
        #expect(fit.warnings.contains("the response appeared on the right-hand side and was dropped"))
        #expect(fit.fixedEffectNames == ["(Intercept)", "Days"])
    }

    // MARK: family and response mismatches (GLMMs)

    static func glmmTable(_ y: [Double], _ extra: [(String, DataColumn)] = []) throws -> DataTable {
        let n = y.count
        let g: [String?] = (0..<n).map { "g\($0 % 4)" }
        return try DataTable(columns: [("y", .numeric(y)), ("x", .numeric((0..<n).map { Double($0) })), ("g", .categorical(g))] + extra)
    }

    static func glmmModel(_ formula: String, _ table: DataTable, _ family: Family, link: Link? = nil, options: DataOptions = DataOptions()) throws -> GeneralizedLinearMixedModel {
        try GeneralizedLinearMixedModel(design: MixedModelDesign(formula: formula, data: table, options: options), family: family, link: link)
    }

    @Test func negativeCountIsRejectedWithItsRow() throws {
        let t = try Self.glmmTable([1, 2, -1, 0, 3, 1, 2, 0])
        #expect(throws: GLMMError.negativeCount(response: "y", row: 3, value: -1)) { try Self.glmmModel("y ~ x + (1 | g)", t, .poisson) }
    }

    @Test func nonIntegerCountIsRejected() throws {
        let t = try Self.glmmTable([1, 2, 1.5, 0, 3, 1, 2, 0])
        #expect(throws: GLMMError.nonIntegerCount(response: "y", row: 3, value: 1.5)) { try Self.glmmModel("y ~ x + (1 | g)", t, .negativeBinomial(theta: 1)) }
    }

    @Test func binomialResponseOutsideZeroOneIsRejected() throws {
        let t = try Self.glmmTable([0, 1, 2, 0, 1, 1, 0, 0])
        #expect(throws: GLMMError.binomialResponseOutOfRange(row: 3, value: 2)) { try Self.glmmModel("y ~ x + (1 | g)", t, .binomial) }
    }

    @Test func proportionWithoutTrialsIsRejected() throws {
        let t = try Self.glmmTable([0, 1, 0.5, 0, 1, 1, 0, 0])
        #expect(throws: GLMMError.binomialNeedsTrials(row: 3, value: 0.5)) { try Self.glmmModel("y ~ x + (1 | g)", t, .binomial) }
    }

    @Test func successesExceedingTrialsAreRejected() throws {
        let t = try Self.glmmTable([1, 2, 5, 0, 1, 1, 0, 0], [("n", .numeric([3, 3, 3, 3, 3, 3, 3, 3]))])
        #expect(throws: GLMMError.negativeSuccessesOrFailures(row: 3, successes: 5, failures: -2)) {
            try Self.glmmModel("cbind(y, n - y) ~ x + (1 | g)", t, .binomial)
        }
    }

    @Test func zeroTrialsAreRejected() throws {
        let t = try Self.glmmTable([1, 2, 0, 0, 1, 1, 0, 0], [("n", .numeric([3, 3, 0, 3, 3, 3, 3, 3]))])
        #expect(throws: GLMMError.zeroTrials(row: 3)) { try Self.glmmModel("cbind(y, n - y) ~ x + (1 | g)", t, .binomial) }
    }

    @Test func weightsWithCbindAreRejected() throws {
        let t = try Self.glmmTable([1, 2, 0, 0, 1, 1, 0, 0], [("n", .numeric([3, 3, 3, 3, 3, 3, 3, 3]))])
        #expect(throws: GLMMError.weightsWithCountsResponse) {
            try Self.glmmModel("cbind(y, n - y) ~ x + (1 | g)", t, .binomial, options: DataOptions(weightsColumn: "n"))
        }
    }

    @Test func nonIntegerSuccessesWithTrialsAreRejected() throws {
        let t = try Self.glmmTable([0.5, 0.25, 0.5, 0, 1, 1, 0, 0], [("n", .numeric([3, 3, 3, 3, 3, 3, 3, 3]))])
        #expect(throws: GLMMError.nonIntegerTrials(row: 1, value: 1.5)) {
            try Self.glmmModel("y ~ x + (1 | g)", t, .binomial, options: DataOptions(weightsColumn: "n"))
        }
    }

    @Test func nonIntegerFailuresInCbindAreNamedAsFailures() throws {
        let t = try Self.glmmTable([1, 2, 0, 0, 1, 1, 0, 0], [("n", .numeric([3, 3, 2.5, 3, 3, 3, 3, 3]))])
        #expect(throws: GLMMError.nonIntegerFailures(row: 3, value: 2.5)) {
            try Self.glmmModel("cbind(y, n - y) ~ x + (1 | g)", t, .binomial)
        }
        #expect(GLMMError.nonIntegerFailures(row: 3, value: 2.5).description
                == "the number of failures (2.5) in data row 3 is not a whole number: cbind(successes, failures) needs counts")
    }

    @Test func categoricalCountResponseIsRejected() throws {
        let n = 8
        let t = try DataTable(columns: [("y", .categorical((0..<n).map { $0 % 2 == 0 ? "a" : "b" })), ("g", .categorical((0..<n).map { "g\($0 % 4)" }))])
        #expect(throws: GLMMError.categoricalCountResponse("y")) { try Self.glmmModel("y ~ 1 + (1 | g)", t, .poisson) }
    }

    @Test func unsupportedLinkIsRejected() throws {
        let t = try Self.glmmTable([1, 2, 1, 0, 3, 1, 2, 0])
        #expect(throws: GLMMError.invalidLink(family: "poisson", link: "logit", allowed: ["log", "sqrt", "identity"])) {
            try Self.glmmModel("y ~ x + (1 | g)", t, .poisson, link: .logit)
        }
    }

    @Test func quadraturePointsOutOfRangeAreRejected() throws {
        let t = try Self.glmmTable([1, 2, 1, 0, 3, 1, 2, 0])
        let m = try Self.glmmModel("y ~ x + (1 | g)", t, .poisson)
        #expect(throws: GLMMError.invalidQuadraturePoints(0)) { try m.fit(nAGQ: 0) }
        #expect(throws: GLMMError.invalidQuadraturePoints(101)) { try m.fit(nAGQ: 101) }
    }

    @Test func completeSeparationWarnsAndGivesNoNaN() throws {
        // y = 1 exactly when x > 4: the slope runs away; the fit must say so, not print NaN
        var y = [Double](), x = [Double](), g = [String?]()
        for i in 0..<40 { let xi = Double(i % 10); x.append(xi); y.append(xi > 4 ? 1 : 0); g.append("g\(i % 5)") }
        let t = try DataTable(columns: [("y", .numeric(y)), ("x", .numeric(x)), ("g", .categorical(g))])
        do {
            let fit = try Self.glmmModel("y ~ x + (1 | g)", t, .binomial).fit()
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
        let fit = try Self.glmmModel("y ~ x + (1 | g)", t, .poisson).fit()
        #expect(fit.objective.isFinite)
        #expect(fit.randomEffects[0].values.allSatisfy { $0.isFinite })
        let zeroGroup = fit.randomEffects[0].levels.firstIndex(of: "g0")!
        #expect(fit.randomEffects[0].values[zeroGroup] < -1)
    }

    // MARK: new data for prediction

    static func fittedSleepstudy() throws -> (MixedModelDesign, MixedModelFit) {
        let design = try MixedModelDesign(formula: "Reaction ~ Days + (Days | Subject)", data: Self.sleepstudy,
                                          options: DataOptions(factorColumns: ["Subject"]))
        return (design, try LinearMixedModel(design: design).fit())
    }

    @Test func predictionOfAnUnseenGroupingLevel() throws {
        let (design, fit) = try Self.fittedSleepstudy()
        let new = try DataTable(csvText: "Days,Subject\n3,999\n")
        #expect(throws: NewDataPredictor.PredictionError.newGroupingLevel(group: "Subject", level: "999", row: 1)) {
            try NewDataPredictor(design: design).linearPredictor(newData: new, beta: fit.fixedEffects, randomEffects: fit.randomEffects)
        }
        // allowed: the population-level prediction
        let eta = try NewDataPredictor(design: design).linearPredictor(newData: new, beta: fit.fixedEffects,
                                                                       randomEffects: fit.randomEffects, allowNewLevels: true)
        #expect(close(eta[0], fit.fixedEffects[0] + 3 * fit.fixedEffects[1], rel: 1e-12))
    }

    @Test func predictionOfAnUnseenFixedEffectLevel() throws {
        let table = Self.orthodont
        let design = try MixedModelDesign(formula: "distance ~ age + Sex + (1 | Subject)", data: table)
        let fit = try LinearMixedModel(design: design).fit()
        let new = try DataTable(csvText: "age,Sex,Subject\n10,Other,M01\n")
        #expect(throws: NewDataPredictor.PredictionError.newFactorLevel(variable: "Sex", level: "Other", row: 1)) {
            try NewDataPredictor(design: design).linearPredictor(newData: new, beta: fit.fixedEffects, randomEffects: nil)
        }
    }

    @Test func predictionWithAMissingColumn() throws {
        let (design, fit) = try Self.fittedSleepstudy()
        let new = try DataTable(csvText: "Subject\n308\n")
        do {
            _ = try NewDataPredictor(design: design).linearPredictor(newData: new, beta: fit.fixedEffects, randomEffects: nil)
            Issue.record("a prediction without the Days column must fail")
        } catch let e as FormulaError {
            #expect(e.message == "unknown column 'Days'")
        }
    }

    @Test func predictionOfEmptyNewData() throws {
        let (design, fit) = try Self.fittedSleepstudy()
        let empty = try DataTable(columns: [("Days", .numeric([])), ("Subject", .categorical([]))])
        #expect(throws: NewDataPredictor.PredictionError.emptyNewData) {
            try NewDataPredictor(design: design).linearPredictor(newData: empty, beta: fit.fixedEffects, randomEffects: nil)
        }
    }

    @Test func predictionWithMissingValuesGivesNaNRows() throws {
        let (design, fit) = try Self.fittedSleepstudy()
        let new = try DataTable(csvText: "Days,Subject\n3,308\nNA,308\n")
        let eta = try NewDataPredictor(design: design).linearPredictor(newData: new, beta: fit.fixedEffects, randomEffects: fit.randomEffects)
        #expect(eta[0].isFinite && eta[1].isNaN)
    }

    // MARK: command-line options

    @Test func cliOptionErrorsNameTheOption() throws {
        try #require(Self.lmmPath != nil)
        let data = Fixtures.dataPath("sleepstudy.csv"), f = "Reaction ~ Days + (1 | Subject)"
        let cases: [([String], String)] = [
            (["fit", data, f, "--family", "gamma"], "error: unknown family 'gamma' (choose gaussian, binomial, poisson or negative-binomial)"),
            (["fit", data, f, "--link", "log"], "error: the gaussian family is fitted with the identity link only, got 'log'"),
            (["fit", data, f, "--nagq", "3"], "error: --nagq applies to GLMMs (binomial, poisson, negative-binomial), not to gaussian models"),
            (["fit", data, f, "--nagq", "0"], "error: --nagq must be a whole number from 1 to 100, got 0"),
            (["fit", data, f, "--ddf", "containment"], "error: --ddf must be satterthwaite or kenward-roger, got 'containment'"),
            (["fit", data, f, "--optimizer", "newton"], "error: --optimizer must be auto, bobyqa or lbfgs, got 'newton'"),
            (["fit", data, f, "--se", "sandwich"], "error: --se must be auto, lme4, exact or conditional, got 'sandwich'"),
            (["predict", data, f, "--newdata", data, "--re-form", "some"], "error: --re-form must be all or none, got 'some'"),
        ]
        for (args, message) in cases {
            let r = try Self.lmm(args)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr.hasPrefix(message), "\(args): \(r.stderr)")
        }
        let usage = try Self.lmm(["fit", data, f, "--no-such-option"])
        #expect(usage.status == 64)
    }
}
