/// A model term: an interaction of variables (an empty set is the intercept).
public struct Term: Equatable, Sendable {
    /// Indices into the owning term list's `variables`, in increasing order.
    public var variables: [Int]
    /// R's term label: the variables' labels joined by ":" (e.g. `age:Sex`).
    public var label: String
    /// The term's order (number of variables).
    public var order: Int { variables.count }
}

/// The terms of one model-matrix specification (the fixed part, or the left side of a bar),
/// expanded by R's formula algebra and ordered as R's `terms()` orders them.
public struct TermList: Equatable, Sendable {
    /// The variables in order of first appearance (name, call such as `log(x)`, `factor(g)`).
    public var variables: [FormulaExpression]
    /// The terms, ordered by order (main effects first), then by appearance.
    public var terms: [Term]
    /// Whether the model matrix has an intercept column.
    public var hasIntercept: Bool

    /// R's label for variable i (its deparsed expression).
    public func variableLabel(_ i: Int) -> String { variables[i].deparsed }
}

/// A random-effects term of the formula after lme4's expansion of `||` and `/`:
/// `(lhs | g)` with its own model matrix and grouping factor.
public struct RandomTermSpec: Equatable, Sendable {
    /// The left side's terms (intercept included unless `0 +` or `- 1`).
    public var lhs: TermList
    /// The grouping factor's component variables (more than one for `a:b`), in label order.
    public var grouping: [FormulaExpression]
    /// The grouping factor's name (`Subject`, `cask:batch`).
    public var groupName: String
    /// Which bar of the formula this came from (pieces of one `||` share it).
    public var barIndex: Int
    /// Whether the term came from `||` (its pieces are uncorrelated).
    public var fromDoubleBar: Bool
    /// Where the bar is in the formula text.
    public var range: SourceRange
}

/// A parsed lme4 model formula: response, fixed-effects terms, offsets, random-effects terms.
public struct Formula: Equatable, Sendable {
    /// The formula as written.
    public let text: String
    /// The response expression (`y`, `log(y)`, `cbind(s, n - s)`), if any.
    public let response: FormulaExpression?
    /// The fixed-effects terms.
    public let fixed: TermList
    /// `offset(...)` expressions of the fixed part.
    public let offsets: [FormulaExpression]
    /// The random-effects terms in the order of lme4's `findbars` (`||` and `/` expanded), before
    /// its reordering by number of levels.
    public let random: [RandomTermSpec]

    /// Parses and expands an lme4 formula. Throws `FormulaError` with the position of any problem.
    public init(_ text: String) throws {
        self.text = text
        var parser = try FormulaParser(text)
        let (response, rhs) = try parser.parseFormula()
        self.response = response
        let algebra = TermAlgebra(text: text)
        // split the additive chain into fixed pieces and bars
        var pieces = [(sign: Bool, expr: FormulaExpression)]()
        algebra.flattenSum(rhs, positive: true, into: &pieces)
        var fixedPieces = [(sign: Bool, expr: FormulaExpression)]()
        var offsets = [FormulaExpression]()
        var random = [RandomTermSpec]()
        var barIndex = 0
        for (sign, e) in pieces {
            if let bar = TermAlgebra.bar(e) {
                guard sign else { throw FormulaError("a random-effects term cannot be subtracted", at: e.range.start, in: text) }
                random += try algebra.expandBar(op: bar.op, lhs: bar.lhs, rhs: bar.rhs, range: e.range, barIndex: barIndex)
                barIndex += 1
                continue
            }
            try algebra.rejectNestedBars(e)
            if case .call(let f, let args, let r) = e.unparenthesized, f == "offset" {
                guard sign else { throw FormulaError("an offset cannot be subtracted", at: r.start, in: text) }
                guard args.count == 1 else { throw FormulaError("offset() takes exactly one argument", at: r.start, in: text) }
                offsets.append(args[0])
                continue
            }
            fixedPieces.append((sign, e))
        }
        self.fixed = try algebra.termList(fixedPieces, defaultIntercept: true)
        self.offsets = offsets
        self.random = random
        if let response {
            if TermAlgebra.bar(response) != nil {
                throw FormulaError("the response cannot be a random-effects term", at: response.range.start, in: text)
            }
            try algebra.rejectNestedBars(response)
        }
    }

    /// Whether the formula has at least one random-effects term.
    public var hasRandomEffects: Bool { !random.isEmpty }
}

/// A signed sum of terms in order of first appearance, each once: `+ t` appends the terms not yet
/// present, `- t` removes them (R's `terms()` on `a + b - a`).
struct TermSum {
    private(set) var terms = [[Int]]()
    private var present = Set<[Int]>()

    /// Adds (`sign`) or removes the terms; `tooMany` is thrown past `TermAlgebra.maximumTerms`.
    mutating func add(_ ts: [[Int]], sign: Bool, tooMany: () -> FormulaError) throws {
        if sign {
            for t in ts where present.insert(t).inserted { terms.append(t) }
            if terms.count > TermAlgebra.maximumTerms { throw tooMany() }
        } else {
            let removed = Set(ts)
            terms.removeAll { removed.contains($0) }
            present.subtract(removed)
        }
    }
}

/// R's formula algebra (`+ - : * / ^ %in%`, `0`, `1`, `-1`) and lme4's bar expansion.
struct TermAlgebra {
    let text: String

    func error(_ m: String, _ pos: Int) -> FormulaError { FormulaError(m, at: pos, in: text) }

    /// `(a | g)`, `(a || g)` (with or without the parentheses): the bar's parts.
    static func bar(_ e: FormulaExpression) -> (op: String, lhs: FormulaExpression, rhs: FormulaExpression)? {
        if case .binary(let op, let a, let b, _) = e.unparenthesized, op == "|" || op == "||" { return (op, a, b) }
        return nil
    }

    /// Throws if a bar appears anywhere but at the top level of the sum.
    func rejectNestedBars(_ e: FormulaExpression) throws {
        switch e {
        case .binary(let op, let a, let b, let r):
            if op == "|" || op == "||" {
                throw error("a random-effects term '(... \(op) ...)' must be added to the formula with '+'", r.start)
            }
            try rejectNestedBars(a); try rejectNestedBars(b)
        case .unary(_, let a, _): try rejectNestedBars(a)
        case .paren(let a, _): try rejectNestedBars(a)
        case .call(_, let args, _): for a in args { try rejectNestedBars(a) }
        default: break
        }
    }

    /// Flattens a chain of binary/unary `+` and `-` (through parentheses) into signed pieces.
    func flattenSum(_ e: FormulaExpression, positive: Bool, into out: inout [(sign: Bool, expr: FormulaExpression)]) {
        switch e {
        case .binary("+", let a, let b, _):
            flattenSum(a, positive: positive, into: &out)
            flattenSum(b, positive: positive, into: &out)
        case .binary("-", let a, let b, _):
            flattenSum(a, positive: positive, into: &out)
            flattenSum(b, positive: !positive, into: &out)
        case .unary("-", let a, _):
            flattenSum(a, positive: !positive, into: &out)
        case .unary("+", let a, _):
            flattenSum(a, positive: positive, into: &out)
        case .paren(let inner, _) where TermAlgebra.bar(e) == nil:
            if case .binary(let op, _, _, _) = inner, op == "+" || op == "-" {
                flattenSum(inner, positive: positive, into: &out)
            } else {
                out.append((positive, e))
            }
        default:
            out.append((positive, e))
        }
    }

    /// Builds a term list from signed additive pieces.
    func termList(_ pieces: [(sign: Bool, expr: FormulaExpression)], defaultIntercept: Bool) throws -> TermList {
        var vars = VariableTable()
        var intercept = defaultIntercept
        var sum = TermSum()
        for (sign, e) in pieces {
            if case .number(let v, _, let r) = e.unparenthesized {
                if v == 1 { intercept = sign; continue }
                if v == 0 { if sign { intercept = false; continue } else { throw error("'-0' is not a valid term", r.start) } }
                throw error("the number \(e.deparsed) is not a valid term (only 0 and 1 are)", r.start)
            }
            try sum.add(try expand(e, &vars), sign: sign) { tooManyTerms(at: e.range.start) }
        }
        let terms = sum.terms
        // R orders terms by their order, keeping the order of appearance within an order
        let ordered = terms.enumerated().sorted { a, b in
            a.element.count != b.element.count ? a.element.count < b.element.count : a.offset < b.offset
        }.map { $0.element }
        let list = ordered.map { t in
            Term(variables: t, label: t.map { vars.exprs[$0].deparsed }.joined(separator: ":"))
        }
        return TermList(variables: vars.exprs, terms: list, hasIntercept: intercept)
    }

    /// Variables keyed by their deparsed text, in order of first appearance.
    struct VariableTable {
        var exprs = [FormulaExpression]()
        var index = [String: Int]()
        mutating func id(_ e: FormulaExpression) -> Int {
            let key = e.deparsed
            if let k = index[key] { return k }
            exprs.append(e)
            index[key] = exprs.count - 1
            return exprs.count - 1
        }
    }

    /// Expands a non-additive expression (or a parenthesised sum) into terms (sorted variable sets).
    func expand(_ e: FormulaExpression, _ vars: inout VariableTable) throws -> [[Int]] {
        switch e {
        case .name, .call:
            if case .call(let f, _, let r) = e {
                if f == "offset" { throw error("offset() must be added to the formula with '+' at the top level", r.start) }
                if f == "cbind" { throw error("cbind() may appear only as the response", r.start) }
            }
            return [[vars.id(e)]]
        case .number(let v, _, let r):
            throw error(v == 1 || v == 0 ? "'\(e.deparsed)' cannot be combined with other terms here" : "the number \(e.deparsed) is not a valid term", r.start)
        case .paren(let inner, _):
            var pieces = [(sign: Bool, expr: FormulaExpression)]()
            flattenSum(inner, positive: true, into: &pieces)
            var sum = TermSum()
            for (sign, p) in pieces {
                if case .number(let v, _, let r) = p.unparenthesized {
                    throw error(v == 1 || v == 0 ? "an intercept ('\(p.deparsed)') cannot appear inside parentheses here" : "the number \(p.deparsed) is not a valid term", r.start)
                }
                try sum.add(try expand(p, &vars), sign: sign) { tooManyTerms(at: p.range.start) }
            }
            return sum.terms
        case .binary(let op, let a, let b, let r):
            switch op {
            case ":", "%in%":
                return try interact(try expand(a, &vars), try expand(b, &vars), at: r.start)
            case "*":
                let x = try expand(a, &vars), y = try expand(b, &vars)
                return try union(union(x, y, at: r.start), interact(x, y, at: r.start), at: r.start)
            case "/":
                let x = try expand(a, &vars), y = try expand(b, &vars)
                let all = Array(Set(x.flatMap { $0 })).sorted()
                return try union(x, interact([all], y, at: r.start), at: r.start)
            case "^":
                guard case .number(let v, _, _) = b.unparenthesized, v >= 1, v == v.rounded() else {
                    throw error("the power in '(...)^n' must be a positive whole number", b.range.start)
                }
                let x = try expand(a, &vars)
                var result = TermSum()
                try result.add(x, sign: true) { tooManyTerms(at: b.range.start) }
                var power = x
                // beyond x.count factors nothing new appears (and a huge n must not overflow Int)
                let factors = v >= Double(x.count) ? x.count : Int(v)
                for _ in 1..<max(1, factors) {
                    power = try interact(power, x, at: b.range.start)
                    try result.add(power, sign: true) { tooManyTerms(at: b.range.start) }
                }
                return result.terms
            case "+", "-":
                return try expand(.paren(e, r), &vars)
            case "|", "||":
                throw error("a random-effects term '(... \(op) ...)' must be added to the formula with '+'", r.start)
            default:
                throw error("operator '\(op)' is not allowed outside I(); write I(\(e.deparsed))", r.start)
            }
        case .unary(let op, _, let r):
            throw error("unary '\(op)' is only allowed before a term in a sum (as in '- 1' or '- x')", r.start)
        }
    }

    /// The most terms a formula may expand into: `(a + b + … + o)^8` would give tens of thousands
    /// of interactions, which no model can estimate, before the columns are even looked up.
    static let maximumTerms = 10_000

    /// `x:y`: every pairwise interaction of the terms, each once, in R's order.
    func interact(_ x: [[Int]], _ y: [[Int]], at position: Int) throws -> [[Int]] {
        var out = [[Int]](), seen = Set<[Int]>()
        for a in x {
            for b in y {
                let t = Self.sortedUnion(a, b)
                if seen.insert(t).inserted {
                    out.append(t)
                    if out.count > Self.maximumTerms { throw tooManyTerms(at: position) }
                }
            }
        }
        return out
    }

    /// The union of two sorted variable sets, sorted (a term's variables are kept sorted).
    static func sortedUnion(_ a: [Int], _ b: [Int]) -> [Int] {
        var out = [Int]()
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) { out.append(a[i]); i += 1 }
            else if i == a.count || b[j] < a[i] { out.append(b[j]); j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        return out
    }

    /// `x + y` of two term lists: y's new terms after x's.
    func union(_ x: [[Int]], _ y: [[Int]], at position: Int) throws -> [[Int]] {
        var sum = TermSum()
        for part in [x, y] { try sum.add(part, sign: true) { tooManyTerms(at: position) } }
        return sum.terms
    }

    func tooManyTerms(at position: Int) -> FormulaError {
        error("the formula expands into more than \(Self.maximumTerms) terms here; use fewer variables or a lower power in (...)^n", position)
    }

    /// lme4's expansion of one bar: `(e || g)` into uncorrelated pieces, `g = a/b` into `a` and `b:a`.
    func expandBar(op: String, lhs: FormulaExpression, rhs: FormulaExpression, range: SourceRange, barIndex: Int) throws -> [RandomTermSpec] {
        try rejectNestedBars(lhs)
        let groupings = try groupingFactors(rhs)
        var lhsPieces = [(sign: Bool, expr: FormulaExpression)]()
        flattenSum(lhs, positive: true, into: &lhsPieces)
        let full = try termList(lhsPieces, defaultIntercept: true)
        if full.terms.isEmpty && !full.hasIntercept {
            throw error("the random-effects term has no columns (its left side removes the intercept and adds nothing)", lhs.range.start)
        }
        var lists = [TermList]()
        if op == "|" {
            lists = [full]
        } else {
            if full.hasIntercept { lists.append(TermList(variables: full.variables, terms: [], hasIntercept: true)) }
            for t in full.terms {
                // each piece keeps only its own variables
                let used = t.variables
                let vs = used.map { full.variables[$0] }
                let term = Term(variables: Array(0..<vs.count), label: t.label)
                lists.append(TermList(variables: vs, terms: [term], hasIntercept: false))
            }
        }
        // lme4 expands `||` first (expandDoubleVerts), then `/` in each piece (expandSlash)
        var out = [RandomTermSpec]()
        for l in lists {
            for g in groupings {
                out.append(RandomTermSpec(lhs: l, grouping: g.parts, groupName: g.name, barIndex: barIndex,
                                          fromDoubleBar: op == "||", range: range))
            }
        }
        return out
    }

    /// Grouping factors of a bar's right side in lme4's order and with lme4's names (its
    /// `expandSlash`): `g`, `a:b`, `a/b` (= `b:a`, then `a`), `a/b/c` (= `c:(b:a)`, `b:a`, `a`).
    func groupingFactors(_ e: FormulaExpression) throws -> [(name: String, parts: [FormulaExpression])] {
        switch e.unparenthesized {
        case .binary("/", let a, let b, _):
            let outer = try groupingFactors(a)
            let inner = try interactionParts(b)
            guard let first = outer.first else { return [] }
            // R deparses `inner:outer` with parentheses around an interaction on the right
            let innerName = inner.map { $0.deparsed }.joined(separator: ":")
            let outerName = first.parts.count > 1 ? "(\(first.name))" : first.name
            return [(innerName + ":" + outerName, inner + first.parts)] + outer
        default:
            let parts = try interactionParts(e)
            return [(parts.map { $0.deparsed }.joined(separator: ":"), parts)]
        }
    }

    func interactionParts(_ e: FormulaExpression) throws -> [FormulaExpression] {
        switch e.unparenthesized {
        case .binary(":", let a, let b, _):
            return try interactionParts(a) + interactionParts(b)
        case .name:
            return [e.unparenthesized]
        case .call(let f, let args, let r):
            guard (f == "factor" || f == "as.factor"), args.count == 1, case .name = args[0].unparenthesized else {
                throw error("a grouping factor must be a column name or an interaction of column names (a:b)", r.start)
            }
            return [args[0].unparenthesized]
        case .number(_, _, let r):
            throw error("a grouping factor must be a column name, not a number", r.start)
        default:
            throw error("a grouping factor must be a column name, an interaction (a:b) or a nesting (a/b)", e.range.start)
        }
    }
}
