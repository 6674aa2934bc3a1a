/// lme4's `drop1(m, test = "Chisq")`: for each fixed-effects term that can be dropped while
/// respecting marginality, the model refitted without it and the likelihood-ratio test against the
/// full model (both fitted by maximum likelihood for linear models).
public struct SingleTermDeletions: Sendable {
    /// One row of the table: the model without one term (or the full model).
    public struct Row: Sendable {
        /// The dropped term, or "<none>" for the full model.
        public var term: String
        /// Number of parameters of the model without the term.
        public var parameters: Int
        /// AIC of the model without the term.
        public var AIC: Double
        /// The likelihood-ratio statistic against the full model (nil for the full model).
        public var chisq: Double?
        /// Its degrees of freedom, the number of parameters dropped (nil for the full model).
        public var df: Int?
        /// Its p-value P(χ²_df > chisq) (nil for the full model).
        public var p: Double?
    }
    /// The full model's row, then one row per droppable term.
    public let rows: [Row]

    /// `fit(formula)` fits a formula the same way as the full model (by ML for linear models).
    /// - Throws: the errors of `fit`, and of `LikelihoodRatioTest` and `Formula.droppingFixedTerm`.
    public init(formula: Formula, fit: (Formula) throws -> MixedModelFit) throws {
        let full = try fit(formula)
        var rows = [Row(term: "<none>", parameters: full.parameterCount, AIC: full.AIC, chisq: nil, df: nil, p: nil)]
        for term in formula.droppableFixedTerms {
            let reduced = try fit(try formula.droppingFixedTerm(term))
            let lrt = try LikelihoodRatioTest(reduced, full)
            rows.append(Row(term: term, parameters: reduced.parameterCount, AIC: reduced.AIC, chisq: lrt.chisq, df: lrt.df, p: lrt.p))
        }
        self.rows = rows
    }

    /// The table as R prints it: npar (the number of parameters dropped), AIC, LRT, Pr(Chi).
    public func text() -> String {
        var t = TextTable(header: ["", "npar", "AIC", "LRT", "Pr(Chi)", ""], alignment: [.left, .right, .right, .right, .right, .left])
        // print.anova through printCoefmat: AIC and LRT each zapped and formatted as a column
        let aic = RPrint.anovaColumn(rows.map { $0.AIC }), lrt = RPrint.anovaColumn(rows.map { $0.chisq })
        for (k, r) in rows.enumerated() {
            t.add([r.term, r.df.map(String.init) ?? "", aic[k], lrt[k],
                   r.p.map { RNumberFormat.pValue($0, digits: 4) } ?? "", r.p.map { significanceStars($0) } ?? ""])
        }
        return "Single term deletions (likelihood-ratio tests; linear models fitted by ML)\n" + t.render()
            + "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n"
    }

    /// The contract's JSON: [{term, npar, AIC, Df, LRT, p}], one object per row.
    public func json() -> JSONValue {
        .array(rows.map { r in
            .object([("term", .string(r.term)), ("npar", .integer(r.parameters)), ("AIC", .finite(r.AIC)),
                     ("Df", r.df.map { .integer($0) } ?? .null), ("LRT", .finite(r.chisq)), ("p", .finite(r.p))])
        })
    }
}
