/// A likelihood-ratio test between two nested fitted models, as lme4's `anova(m0, m1)`: the
/// models are ordered by their number of parameters, Chisq = deviance₀ − deviance₁ (−2 log-
/// likelihood, ML for linear models), Df = npar₁ − npar₀, p = P(χ²_Df > Chisq).
public struct LikelihoodRatioTest: Sendable {
    /// Per model: npar, AIC, BIC, logLik, deviance, in increasing npar.
    public struct Model: Sendable {
        /// The model's label in the table (`m0`, `m1` unless given).
        public var label: String
        /// The model's formula.
        public var formula: String
        /// Number of parameters (npar).
        public var parameters: Int
        /// Akaike's information criterion.
        public var AIC: Double
        /// The Bayesian information criterion.
        public var BIC: Double
        /// The log-likelihood (REML log-likelihood when compared on the REML criterion).
        public var logLik: Double
        /// −2 logLik.
        public var deviance: Double
    }
    /// The two models, the null model (fewer parameters) first.
    public let models: [Model]
    /// The likelihood-ratio statistic deviance₀ − deviance₁.
    public let chisq: Double
    /// Degrees of freedom npar₁ − npar₀.
    public let df: Int
    /// P(χ²_Df > Chisq) (NaN when Df is 0).
    public let p: Double
    /// The p-value of the 50:50 mixture of χ²_{Df−1} and χ²_{Df} (Self & Liang 1987), for testing
    /// a variance component on the boundary of its parameter space.
    public let boundaryCorrectedP: Double
    /// Whether the fits were compared on the REML criterion (both REML, same fixed effects).
    public let reml: Bool

    /// Compares two fits; the one with fewer parameters is the null model.
    /// - Parameters:
    ///   - a: one fit.
    ///   - b: the other fit, to the same observations and on the same criterion.
    ///   - labels: the names of `a` and `b` in the table.
    /// - Throws: `ModelError.invalidOption` when the fits used different numbers of observations,
    ///   one is REML and the other ML, or both are REML with different fixed effects.
    public init(_ a: MixedModelFit, _ b: MixedModelFit, labels: (String, String) = ("m0", "m1")) throws {
        guard a.nobs == b.nobs else {
            throw ModelError.invalidOption("the models were fitted to different numbers of observations (\(a.nobs) and \(b.nobs)): compare models fitted to the same rows")
        }
        let remlA = a.method == "REML", remlB = b.method == "REML"
        guard remlA == remlB else {
            throw ModelError.invalidOption("one model was fitted by REML and the other by ML: refit both by ML to compare them")
        }
        if remlA && a.fixedEffectNames != b.fixedEffectNames {
            throw ModelError.invalidOption("REML criteria of models with different fixed effects cannot be compared: refit them by ML (drop --no-refit)")
        }
        var ordered = [(a, labels.0), (b, labels.1)]
        if b.parameterCount < a.parameterCount { ordered.reverse() }
        models = ordered.map { f, l in
            Model(label: l, formula: f.formula, parameters: f.parameterCount, AIC: f.AIC, BIC: f.BIC, logLik: f.logLik, deviance: f.deviance)
        }
        let x = max(0, models[0].deviance - models[1].deviance)
        chisq = models[0].deviance - models[1].deviance
        df = models[1].parameters - models[0].parameters
        p = df > 0 ? chiSquaredUpperTail(x, df: Double(df)) : .nan
        if df > 0 {
            let lower = df > 1 ? chiSquaredUpperTail(x, df: Double(df - 1)) : (x > 0 ? 0 : 1)
            boundaryCorrectedP = 0.5 * lower + 0.5 * p
        } else {
            boundaryCorrectedP = .nan
        }
        reml = remlA
    }

    /// lme4's table: npar, AIC, BIC, logLik, deviance, Chisq, Df, Pr(>Chisq).
    /// - Parameters:
    ///   - dataName: printed on a `Data:` line (no such line when nil).
    ///   - boundaryCorrection: report `boundaryCorrectedP` (with a note) instead of `p`.
    public func text(dataName: String?, boundaryCorrection: Bool) -> String {
        var s = ""
        if let dataName { s += "Data: \(dataName)\n" }
        s += "Models:\n"
        for m in models { s += "\(m.label): \(m.formula)\n" }
        let header = ["", "npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", boundaryCorrection ? "Pr(>Chisq) (boundary)" : "Pr(>Chisq)", ""]
        let pv = boundaryCorrection ? boundaryCorrectedP : p
        // print.anova's columns as printCoefmat lays them out (digits 5): zapsmall then format for
        // AIC, BIC, logLik and deviance, each column as a whole; Chisq rounded to 4 decimals
        let aic = RPrint.anovaColumn(models.map { $0.AIC }), bic = RPrint.anovaColumn(models.map { $0.BIC })
        let logLik = RPrint.anovaColumn(models.map { $0.logLik }), deviance = RPrint.anovaColumn(models.map { $0.deviance })
        let chisqText = RPrint.format([RPrint.round(chisq, 4)], digits: 5)[0]
        let rows: [[String]] = [
            [models[0].label, String(models[0].parameters), aic[0], bic[0], logLik[0], deviance[0], "", "", "", ""],
            [models[1].label, String(models[1].parameters), aic[1], bic[1], logLik[1], deviance[1],
             chisqText, String(df), RNumberFormat.pValue(pv, digits: 4), significanceStars(pv)],
        ]
        var table = TextTable(header: header, alignment: [.left] + Array(repeating: .right, count: 8) + [.left])
        for r in rows { table.add(r) }
        s += table.render()
        s += "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n"
        if reml { s += "Models compared on the REML criterion (same fixed effects, --no-refit).\n" }
        if boundaryCorrection {
            s += "Boundary correction: a variance parameter tested at zero lies on the edge of its parameter space, so the\n"
            s += "likelihood-ratio statistic follows a 50:50 mixture of chi-squared distributions with \(df - 1) and \(df) df\n"
            s += "(Self and Liang 1987); the p-value is half of each tail. Uncorrected p = \(RNumberFormat.pValue(p, digits: 4)).\n"
        }
        return s
    }

    /// The contract's JSON: {Chisq, Df, p, p_boundary, refit_REML, models: [{label, formula, npar,
    /// AIC, BIC, logLik, deviance}]}.
    public func json() -> JSONValue {
        .object([
            ("Chisq", .finite(chisq)),
            ("Df", .integer(df)),
            ("p", .finite(p)),
            ("p_boundary", .finite(boundaryCorrectedP)),
            ("refit_REML", .bool(!reml)),
            ("models", .array(models.map { m in
                .object([("label", .string(m.label)), ("formula", .string(m.formula)), ("npar", .integer(m.parameters)),
                         ("AIC", .finite(m.AIC)), ("BIC", .finite(m.BIC)), ("logLik", .finite(m.logLik)), ("deviance", .finite(m.deviance))])
            })),
        ])
    }
}
