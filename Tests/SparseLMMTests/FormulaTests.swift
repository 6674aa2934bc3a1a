import Testing
@testable import SparseLMM

/// One formula and the fixed-effect term labels (in order) and intercept R's `terms()` gives it.
struct TermCase: Sendable, CustomTestStringConvertible {
    let formula: String
    let labels: [String]
    let intercept: Bool
    var testDescription: String { formula }
}

/// One formula and lme4's random-effects pieces (`findbars` after `||` and `/` expansion), in order:
/// left-side term labels, whether the piece has an intercept, and the grouping factor's name.
struct BarCase: Sendable, CustomTestStringConvertible {
    let formula: String
    let pieces: [(labels: [String], intercept: Bool, group: String)]
    var testDescription: String { formula }
}

/// One syntax error: the formula, the exact message and the 0-based position of the problem.
struct SyntaxCase: Sendable, CustomTestStringConvertible {
    let formula: String
    let message: String
    let position: Int
    var testDescription: String { formula }
}

/// Parsing lme4 formulas: R's formula algebra (term expansion, order and labels), lme4's expansion
/// of random-effects terms, deparsed names, and syntax errors with their position.
/// Expected labels come from R 4.2 (`Tests/Fixtures/scripts/formula_terms.R`).
@Suite struct FormulaTests {
    static let termCases: [TermCase] = [
        TermCase(formula: "y ~ a*b", labels: ["a", "b", "a:b"], intercept: true),
        TermCase(formula: "y ~ (a+b)^2", labels: ["a", "b", "a:b"], intercept: true),
        TermCase(formula: "y ~ (a+b+c)^2", labels: ["a", "b", "c", "a:b", "a:c", "b:c"], intercept: true),
        TermCase(formula: "y ~ a*b*c", labels: ["a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"], intercept: true),
        TermCase(formula: "y ~ a/b", labels: ["a", "a:b"], intercept: true),
        TermCase(formula: "y ~ a:b", labels: ["a:b"], intercept: true),
        TermCase(formula: "y ~ b:a + a", labels: ["a", "b:a"], intercept: true),
        TermCase(formula: "y ~ a*b - a", labels: ["b", "a:b"], intercept: true),
        TermCase(formula: "y ~ a - 1", labels: ["a"], intercept: false),
        TermCase(formula: "y ~ 0 + a", labels: ["a"], intercept: false),
        TermCase(formula: "y ~ a + 0", labels: ["a"], intercept: false),
        TermCase(formula: "y ~ -1 + a", labels: ["a"], intercept: false),
        TermCase(formula: "y ~ 1", labels: [], intercept: true),
        TermCase(formula: "y ~ a + b %in% a", labels: ["a", "a:b"], intercept: true),
        TermCase(formula: "y ~ factor(x)", labels: ["factor(x)"], intercept: true),
        TermCase(formula: "y ~ I(x^2)", labels: ["I(x^2)"], intercept: true),
        TermCase(formula: "y ~ log(x)", labels: ["log(x)"], intercept: true),
        TermCase(formula: "y ~ x + offset(log(n))", labels: ["x"], intercept: true),
        TermCase(formula: "cbind(s, n - s) ~ x", labels: ["x"], intercept: true),
        TermCase(formula: "y ~ a:b + a", labels: ["a", "a:b"], intercept: true),
        TermCase(formula: "y ~ c + b:a + a*c", labels: ["c", "a", "b:a", "c:a"], intercept: true),
        TermCase(formula: "y ~ (a+b)*c", labels: ["a", "b", "c", "a:c", "b:c"], intercept: true),
        TermCase(formula: "y ~ a*b + b:a", labels: ["a", "b", "a:b"], intercept: true),
        TermCase(formula: "y ~ x + I(x^2) + log(x + 1)", labels: ["x", "I(x^2)", "log(x + 1)"], intercept: true),
        TermCase(formula: "y ~ (a + b + c)^3 - a:b:c", labels: ["a", "b", "c", "a:b", "a:c", "b:c"], intercept: true),
        TermCase(formula: "y ~ a + (b + c)", labels: ["a", "b", "c"], intercept: true),
        TermCase(formula: "y ~ a/(b + c)", labels: ["a", "a:b", "a:c"], intercept: true),
        TermCase(formula: "y ~ (a + b)/c", labels: ["a", "b", "a:b:c"], intercept: true),
        TermCase(formula: "y ~ a + 1 - 1", labels: ["a"], intercept: false),
        TermCase(formula: "y ~ I(1e5 * x) + I(x/2) + I(-x)", labels: ["I(1e+05 * x)", "I(x/2)", "I(-x)"], intercept: true),
        TermCase(formula: "y ~ sqrt(x) + exp(x)", labels: ["sqrt(x)", "exp(x)"], intercept: true),
        TermCase(formula: "y ~ `my var` + x", labels: ["`my var`", "x"], intercept: true),
    ]

    @Test(arguments: termCases)
    func fixedTermsFollowR(_ c: TermCase) throws {
        // a random-effects term is required by the engine but does not change the fixed terms
        let f = try Formula(c.formula + " + (1 | g)")
        #expect(f.fixed.terms.map { $0.label } == c.labels)
        #expect(f.fixed.hasIntercept == c.intercept)
        #expect(f.fixed.terms.allSatisfy { $0.order == $0.label.split(separator: ":").count })
    }

    @Test func termsAreOrderedByOrderThenAppearance() throws {
        let f = try Formula("y ~ a:b:c + c:d + e + (1 | g)")
        #expect(f.fixed.terms.map { $0.label } == ["e", "c:d", "a:b:c"])
        #expect(f.fixed.terms.map { $0.order } == [1, 2, 3])
        #expect(f.fixed.variables.map { $0.deparsed } == ["a", "b", "c", "d", "e"])
    }

    @Test func responsesAndOffsets() throws {
        let f = try Formula("cbind(s, n - s) ~ x + offset(log(n)) + offset(z) + (1 | g)")
        #expect(f.response?.deparsed == "cbind(s, n - s)")
        guard case .call("cbind", let args, _)? = f.response else { Issue.record("response is a cbind call"); return }
        #expect(args.map { $0.deparsed } == ["s", "n - s"])
        #expect(f.offsets.map { $0.deparsed } == ["log(n)", "z"])
        #expect(f.fixed.terms.map { $0.label } == ["x"])
        #expect(try Formula("log(y) ~ x + (1 | g)").response?.deparsed == "log(y)")
        #expect(try Formula("~ x + (1 | g)").response == nil)
        #expect(try Formula("y ~ x + (1 | g)").hasRandomEffects)
        #expect(try !Formula("y ~ x").hasRandomEffects)
    }

    /// R's deparse: spaces around `+ - * ==` and `|`, none around `/ ^ :`, numbers as R prints them.
    @Test(arguments: [
        ("I(x^2)", "I(x^2)"), ("I(x ^ 2)", "I(x^2)"), ("log(x+1)", "log(x + 1)"), ("I(a*b)", "I(a * b)"),
        ("I(x/2)", "I(x/2)"), ("I(-x)", "I(-x)"), ("I(x==1)", "I(x == 1)"), ("I(x>=0.5)", "I(x >= 0.5)"),
        ("I(2.50*x)", "I(2.5 * x)"), ("I(100000*x)", "I(1e+05 * x)"), ("I(0.0001*x)", "I(1e-04 * x)"),
        ("log(x,2)", "log(x, 2)"), ("`a b`", "`a b`"), ("`ab`", "ab"), ("I((x+1)^2)", "I((x + 1)^2)"),
        ("factor(x)", "factor(x)"), ("x.1", "x.1"), ("`1x`", "`1x`"), ("I(3L*x)", "I(3 * x)"),
    ])
    func deparsedNames(source: String, deparsed: String) throws {
        let f = try Formula("y ~ \(source) + (1 | g)")
        #expect(f.fixed.terms.map { $0.label } == [deparsed])
    }

    static let barCases: [BarCase] = [
        BarCase(formula: "y ~ x + (x | g)", pieces: [(["x"], true, "g")]),
        BarCase(formula: "y ~ (x || g)", pieces: [([], true, "g"), (["x"], false, "g")]),
        BarCase(formula: "y ~ (x + z || g)", pieces: [([], true, "g"), (["x"], false, "g"), (["z"], false, "g")]),
        BarCase(formula: "y ~ (0 + x || g)", pieces: [(["x"], false, "g")]),
        BarCase(formula: "y ~ (1 | a/b)", pieces: [([], true, "b:a"), ([], true, "a")]),
        BarCase(formula: "y ~ (1 | a:b)", pieces: [([], true, "a:b")]),
        BarCase(formula: "y ~ (1 | a/b/c)", pieces: [([], true, "c:(b:a)"), ([], true, "b:a"), ([], true, "a")]),
        BarCase(formula: "y ~ (1 | g) + (0 + x | g)", pieces: [([], true, "g"), (["x"], false, "g")]),
        BarCase(formula: "y ~ (x | a/b)", pieces: [(["x"], true, "b:a"), (["x"], true, "a")]),
        BarCase(formula: "y ~ (x || a/b)", pieces: [([], true, "b:a"), ([], true, "a"), (["x"], false, "b:a"), (["x"], false, "a")]),
        BarCase(formula: "y ~ (1 + x + x:z | g)", pieces: [(["x", "x:z"], true, "g")]),
        BarCase(formula: "y ~ (-1 + x | g)", pieces: [(["x"], false, "g")]),
        BarCase(formula: "y ~ (x - 1 | g)", pieces: [(["x"], false, "g")]),
        BarCase(formula: "y ~ (1 | factor(g))", pieces: [([], true, "g")]),
        BarCase(formula: "y ~ x + (1 | g) + (1 | h)", pieces: [([], true, "g"), ([], true, "h")]),
    ]

    /// lme4's pieces: `(x || g)` → `(1 | g) + (0 + x | g)`; `(e | a/b)` → `(e | b:a) + (e | a)`;
    /// `a/b/c` → `c:(b:a)`, `b:a`, `a` (lme4's `expandDoubleVerts`, then `expandSlash`).
    @Test(arguments: barCases)
    func randomEffectsPieces(_ c: BarCase) throws {
        let f = try Formula(c.formula)
        #expect(f.random.count == c.pieces.count)
        for (spec, want) in zip(f.random, c.pieces) {
            #expect(spec.lhs.terms.map { $0.label } == want.labels)
            #expect(spec.lhs.hasIntercept == want.intercept)
            #expect(spec.groupName == want.group)
        }
    }

    @Test func barBookkeeping() throws {
        let text = "y ~ x + (x || g) + (1 | h)"
        let f = try Formula(text)
        #expect(f.random.map { $0.barIndex } == [0, 0, 1])
        #expect(f.random.map { $0.fromDoubleBar } == [true, true, false])
        let start = text.distance(from: text.startIndex, to: text.firstIndex(of: "(")!)
        #expect(f.random[0].range.start == start)
        #expect(f.random[0].grouping.map { $0.deparsed } == ["g"])
        #expect(f.fixed.terms.map { $0.label } == ["x"])
        let nested = try Formula("y ~ (1 | a/b)")
        #expect(nested.random.map { $0.grouping.map { $0.deparsed } } == [["b", "a"], ["a"]])
    }

    @Test func formulasCompareByValue() throws {
        #expect(try Formula("y ~ x + (1 | g)") == Formula("y ~ x + (1 | g)"))
        #expect(try Formula("y ~ x + (1 | g)").text == "y ~ x + (1 | g)")
    }

    // MARK: errors

    static let syntaxCases: [SyntaxCase] = [
        SyntaxCase(formula: "y x + (1 | g)", message: "unexpected name 'x'", position: 2),
        SyntaxCase(formula: "y + x", message: "missing '~' between the response and the predictors", position: 5),
        SyntaxCase(formula: "", message: "the formula is empty", position: 0),
        SyntaxCase(formula: "y ~", message: "missing right-hand side after '~'", position: 3),
        SyntaxCase(formula: "y ~ x + (1 | g", message: "missing ')' to close '('", position: 8),
        SyntaxCase(formula: "y ~ x + ((1 | g)", message: "missing ')' to close '('", position: 8),
        SyntaxCase(formula: "y ~ x + 1 | g)", message: "unmatched ')'", position: 13),
        SyntaxCase(formula: "y ~ x + (1 | g) )", message: "unmatched ')'", position: 16),
        SyntaxCase(formula: "y ~ x +", message: "missing operand after '+'", position: 6),
        SyntaxCase(formula: "y ~ x + (1 | g) +", message: "missing operand after '+'", position: 16),
        SyntaxCase(formula: "y ~ x * ", message: "missing operand after '*'", position: 6),
        SyntaxCase(formula: "y ~ x $ z + (1 | g)", message: "unexpected character '$'", position: 6),
        SyntaxCase(formula: "y ~ x + @ + (1 | g)", message: "unexpected character '@'", position: 8),
        SyntaxCase(formula: "y ~ x * (1 | g)", message: "a random-effects term '(... | ...)' must be added to the formula with '+'", position: 9),
        SyntaxCase(formula: "y ~ x + z:(1 | g)", message: "a random-effects term '(... | ...)' must be added to the formula with '+'", position: 11),
        SyntaxCase(formula: "y ~ x + log((1 | g))", message: "a random-effects term '(... | ...)' must be added to the formula with '+'", position: 13),
        SyntaxCase(formula: "y ~ x - (1 | g)", message: "a random-effects term cannot be subtracted", position: 8),
        SyntaxCase(formula: "y ~ x + (1 | g) ~ z", message: "a formula may contain only one '~'", position: 16),
        SyntaxCase(formula: "y ~ x + ()", message: "empty parentheses", position: 8),
        SyntaxCase(formula: "y ~ x + (1 | )", message: "missing operand after '|'", position: 13),
        SyntaxCase(formula: "y ~ x + (| g)", message: "unexpected '|': an operand is missing before it", position: 9),
        SyntaxCase(formula: "y = x + (1 | g)", message: "unexpected '=' (use '~' to separate the response from the predictors)", position: 2),
        SyntaxCase(formula: "y ~ x + `z + (1 | g)", message: "unterminated back-quoted name", position: 8),
        SyntaxCase(formula: "y ~ x + `` + (1 | g)", message: "empty back-quoted name", position: 8),
        SyntaxCase(formula: "y ~ x %% 2 + (1 | g)", message: "unsupported operator %% (only %in% is allowed)", position: 6),
        SyntaxCase(formula: "y ~ x %in z + (1 | g)", message: "unterminated %...% operator", position: 6),
        SyntaxCase(formula: "y ~ x + 2 + (1 | g)", message: "the number 2 is not a valid term (only 0 and 1 are)", position: 8),
        SyntaxCase(formula: "y ~ -0 + x + (1 | g)", message: "'-0' is not a valid term", position: 5),
        SyntaxCase(formula: "y ~ 1.2.3 + (1 | g)", message: "'1.2.3' is not a valid number", position: 4),
        SyntaxCase(formula: "y ~ x + (0 | g)", message: "the random-effects term has no columns (its left side removes the intercept and adds nothing)", position: 9),
        SyntaxCase(formula: "y ~ x + (1 | 2)", message: "a grouping factor must be a column name, not a number", position: 13),
        SyntaxCase(formula: "y ~ x + (1 | g + h)", message: "a grouping factor must be a column name, an interaction (a:b) or a nesting (a/b)", position: 13),
        SyntaxCase(formula: "y ~ x + (1 | log(g))", message: "a grouping factor must be a column name or an interaction of column names (a:b)", position: 13),
        SyntaxCase(formula: "y ~ x^z + (1 | g)", message: "the power in '(...)^n' must be a positive whole number", position: 6),
        SyntaxCase(formula: "y ~ (x + z)^0 + (1 | g)", message: "the power in '(...)^n' must be a positive whole number", position: 12),
        SyntaxCase(formula: "y ~ (x + z)^1.5 + (1 | g)", message: "the power in '(...)^n' must be a positive whole number", position: 12),
        SyntaxCase(formula: "y ~ x + offset(z, w) + (1 | g)", message: "offset() takes exactly one argument", position: 8),
        SyntaxCase(formula: "y ~ x - offset(z) + (1 | g)", message: "an offset cannot be subtracted", position: 8),
        SyntaxCase(formula: "y ~ x:offset(z) + (1 | g)", message: "offset() must be added to the formula with '+' at the top level", position: 6),
        SyntaxCase(formula: "y ~ cbind(s, f) + (1 | g)", message: "cbind() may appear only as the response", position: 4),
        SyntaxCase(formula: "y ~ x + (1 | g),", message: "unexpected ','", position: 15),
        SyntaxCase(formula: "y ~ x + (1 | g) (1 | h)", message: "unexpected '('", position: 16),
        SyntaxCase(formula: "y ~ x + !z + (1 | g)", message: "unexpected '!'", position: 8),
        SyntaxCase(formula: "y ~ log(x, ) + (1 | g)", message: "missing argument in call to log()", position: 11),
        SyntaxCase(formula: "y ~ log(, x) + (1 | g)", message: "missing argument in call to log()", position: 8),
        SyntaxCase(formula: "y ~ log(x + (1 | g)", message: "missing ')' to close 'log('", position: 7),
        SyntaxCase(formula: "y ~ x + -z:w + (1 | g)", message: "unary '-' is only allowed before a term in a sum (as in '- 1' or '- x')", position: 8),
        SyntaxCase(formula: "(1 | g) ~ x + (1 | h)", message: "the response cannot be a random-effects term", position: 0),
        SyntaxCase(formula: "y ~ (x == 1) + (1 | g)", message: "operator '==' is not allowed outside I(); write I(x == 1)", position: 5),
    ]

    @Test(arguments: syntaxCases)
    func syntaxErrors(_ c: SyntaxCase) {
        #expect(throws: FormulaError(c.message, at: c.position, in: c.formula)) { try Formula(c.formula) }
    }

    @Test func errorDescriptionShowsACaret() {
        let e = FormulaError("unexpected character '$'", at: 6, in: "y ~ x $ z")
        #expect(e.description == "formula error at position 7: unexpected character '$'\n  y ~ x $ z\n        ^")
        // positions are clamped to the formula
        #expect(FormulaError("m", at: 99, in: "y ~ x").position == 5)
        #expect(FormulaError("m", at: -3, in: "y ~ x").position == 0)
    }

    @Test func positionsCountCharactersNotBytes() {
        // "é" is one character (two UTF-8 bytes): the position of '$' is 9, not 10
        #expect(throws: FormulaError("unexpected character '$'", at: 9, in: "y ~ xé + $ + (1 | g)")) {
            try Formula("y ~ xé + $ + (1 | g)")
        }
    }
}
