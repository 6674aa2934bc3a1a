extension MixedModelFit {
    /// The fit as the `lmm` JSON contract's object (docs/cli-contract.md), keys in contract order.
    public func json() -> JSONValue {
        let p = fixedEffects.count
        var fields: [(String, JSONValue)] = [
            ("formula", .string(formula)),
            ("family", .string(family)),
            ("link", .string(link)),
            ("method", .string(method)),
            ("nAGQ", .integer(nAGQ)),
            ("nobs", .integer(nobs)),
            ("ngroups", .object(groupCounts.map { ($0.name, .integer($0.levels)) })),
            ("objective", .finite(objective)),
            ("logLik", .finite(logLik)),
            ("AIC", .finite(AIC)),
            ("BIC", .finite(BIC)),
            ("df", .integer(parameterCount)),
            ("deviance", .finite(deviance)),
            ("df_resid", .integer(residualDegreesOfFreedom)),
            ("theta", .object(zip(thetaNames, theta).map { ($0, .finite($1)) })),
            ("sigma", .finite(family == "gaussian" ? sigma : (sigma ?? 1))),
            ("fixef", .object(zip(fixedEffectNames, fixedEffects).map { ($0, .finite($1)) })),
            ("se", .object(zip(fixedEffectNames, standardErrors).map { ($0, .finite($1)) })),
            ("vcov", .array((0..<p).map { i in .array((0..<p).map { j in .finite(covariance[i + j * p]) }) })),
            ("varcorr", .array(varCorr.map { r in
                .object([("group", .string(r.group)),
                         ("term1", r.term1.map { .string($0) } ?? .null),
                         ("term2", r.term2.map { .string($0) } ?? .null),
                         ("variance", .finite(r.variance)),
                         ("sd", .finite(r.sd)),
                         ("corr", .finite(r.corr))])
            })),
            ("nb_theta", .finite(negativeBinomialTheta)),
            ("converged", .bool(converged)),
            ("singular", .bool(singular)),
            ("dropped_columns", .array(droppedColumns.map { .string($0) })),
            ("na_omitted_rows", .integer(omittedRows.count)),
            ("na_omitted_row_numbers", .array(omittedRows.map { .integer($0) })),
            ("iterations", .integer(evaluations)),
            ("fit_seconds", .number(fitSeconds)),
            ("optimizer", .string(optimizerReport)),
            ("warnings", .array(warnings.map { .string($0) })),
            ("messages", .array(messages.map { .string($0) })),
        ]
        fields.append(("ranef", ranefJSON(conditionalSD: false)))
        if randomEffects.contains(where: { $0.conditionalVariances != nil }) {
            fields.append(("condvar_sd", ranefJSON(conditionalSD: true)))
        }
        fields.append(("fitted_head", .array(fitted.prefix(10).map { .finite($0) })))
        fields.append(("resid_head", .array(residuals.prefix(10).map { .finite($0) })))
        return .object(fields)
    }

    /// {group: {level: {term: value}}} of the conditional modes (or their conditional SDs).
    func ranefJSON(conditionalSD: Bool) -> JSONValue {
        var groups = [(String, [(String, [(String, JSONValue)])])]()
        for re in randomEffects {
            let k = re.columns.count
            var levels = [(String, [(String, JSONValue)])]()
            for (l, label) in re.levels.enumerated() {
                var cols = [(String, JSONValue)]()
                for (c, name) in re.columns.enumerated() {
                    if conditionalSD {
                        guard let cv = re.conditionalVariances else { continue }
                        cols.append((name, .finite(cv[l * k * k + c + c * k].squareRoot())))
                    } else {
                        cols.append((name, .finite(re.value(level: l, column: c))))
                    }
                }
                levels.append((label, cols))
            }
            if let g = groups.firstIndex(where: { $0.0 == re.group }) {
                // several terms on one factor: merge their columns per level
                for (l, entry) in levels.enumerated() { groups[g].1[l].1 += entry.1 }
            } else {
                groups.append((re.group, levels))
            }
        }
        return .object(groups.map { g in (g.0, .object(g.1.map { ($0.0, .object($0.1)) })) })
    }
}
