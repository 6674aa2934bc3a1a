extension Formula {
    /// The random-effects terms as written (each bar once, with its parentheses), for rebuilding a formula.
    public var randomTermTexts: [String] {
        let chars = Array(text)
        var seen = Set<Int>()
        var out = [String]()
        for r in random where !seen.contains(r.barIndex) {
            seen.insert(r.barIndex)
            var s = String(chars[r.range.start..<r.range.end])
            if !s.hasPrefix("(") { s = "(" + s + ")" }
            out.append(s)
        }
        return out
    }

    /// The fixed-effects terms that can be dropped one at a time while respecting marginality
    /// (R's `drop.scope`): terms not contained in another term of the model.
    public var droppableFixedTerms: [String] {
        let terms = fixed.terms
        return terms.filter { t in
            !terms.contains { other in other.label != t.label && Set(t.variables).isSubset(of: Set(other.variables)) }
        }.map { $0.label }
    }

    /// The formula with one fixed-effects term removed (intercept, other terms, offsets and the
    /// random-effects terms kept).
    public func droppingFixedTerm(_ label: String) throws -> Formula {
        var parts = [fixed.hasIntercept ? "1" : "0"]
        parts += fixed.terms.map { $0.label }.filter { $0 != label }
        parts += offsets.map { "offset(\($0.deparsed))" }
        parts += randomTermTexts
        let lhs = response.map { $0.deparsed + " " } ?? ""
        return try Formula(lhs + "~ " + parts.joined(separator: " + "))
    }
}
