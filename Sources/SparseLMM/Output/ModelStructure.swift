/// A model's structure before fitting: what the design holds and what the symbolic analysis of
/// Z'Z predicts for the factorisation (fill, flops, memory).
public struct ModelStructure: Sendable {
    /// The model formula, as written.
    public let formula: String
    /// Number of observations used.
    public let nobs: Int
    /// Number of data rows omitted for missing values.
    public let omittedRows: Int
    /// Names of the fixed-effect columns kept.
    public let fixedEffectNames: [String]
    /// Fixed-effect columns dropped because they are linearly dependent on earlier columns.
    public let droppedColumns: [String]
    /// (group, levels, columns, θ count) per term, in lme4's order.
    public let terms: [(group: String, levels: Int, columns: [String], parameters: Int)]
    /// Number of levels per grouping factor (lme4's `ngroups`).
    public let groupCounts: [(name: String, levels: Int)]
    /// Number of random effects q (the order of Z'Z).
    public let q: Int
    /// Stored entries of Z'Z (one triangle, diagonal included).
    public let crossProductEntries: Int
    /// Entries of the Cholesky factor L.
    public let factorEntries: Double
    /// Whether CHOLMOD chose a supernodal factorisation (else simplicial).
    public let supernodal: Bool
    /// lme4's names of the covariance parameters θ.
    public let thetaNames: [String]

    /// Builds the pattern of Z'Z and analyses it (no numeric factorisation).
    /// - Throws: `ModelError.insufficientMemory` when the predicted factor would not fit in memory.
    public init(design: MixedModelDesign) throws {
        formula = design.formula.text
        nobs = design.nobs
        omittedRows = design.omittedRows.count
        fixedEffectNames = design.fixedEffectNames
        droppedColumns = design.droppedColumns
        terms = design.terms.map { ($0.factor.name, $0.levelCount, $0.columnNames, $0.parameterCount) }
        groupCounts = design.groupCounts
        let pattern = CrossProductPattern(terms: design.terms)
        q = pattern.q
        let cov = design.terms.map { CovarianceFactor(size: $0.columnCount, blocks: $0.blocks.map { $0.columns }) }
        let factor = try RandomEffectsFactor(pattern: pattern, covariance: cov)
        crossProductEntries = factor.crossProductEntries
        factorEntries = factor.factorEntries
        supernodal = factor.isSupernodal
        thetaNames = design.thetaNames
    }

    /// Plain-text report.
    public func text() -> String {
        var s = "Model structure (not fitted)\n"
        s += "Formula: \(formula)\n"
        s += "Observations: \(nobs)" + (omittedRows > 0 ? " (\(omittedRows) omitted for missing values)" : "") + "\n"
        s += "Fixed-effect columns (\(fixedEffectNames.count)): \(fixedEffectNames.joined(separator: ", "))\n"
        if !droppedColumns.isEmpty { s += "Dropped (rank deficient): \(droppedColumns.joined(separator: ", "))\n" }
        s += "Random-effects terms:\n"
        for t in terms {
            s += "  \(t.group): \(t.levels) levels × \(t.columns.count) column\(t.columns.count == 1 ? "" : "s") (\(t.columns.joined(separator: ", "))), \(t.parameters) covariance parameter\(t.parameters == 1 ? "" : "s")\n"
        }
        s += "q (random effects): \(q)\n"
        s += "nnz(Z'Z), one triangle: \(crossProductEntries)\n"
        s += "nnz(L) after symbolic analysis: \(Int(factorEntries)) (\(supernodal ? "supernodal" : "simplicial"); fill ratio \(RNumberFormat.significant(factorEntries / Double(max(1, crossProductEntries)), 3)))\n"
        s += "theta: \(thetaNames.joined(separator: ", "))\n"
        return s
    }

    /// The contract's JSON fields that can be filled without fitting, plus the structure.
    public func json() -> JSONValue {
        .object([
            ("formula", .string(formula)),
            ("nobs", .integer(nobs)),
            ("ngroups", .object(groupCounts.map { ($0.name, .integer($0.levels)) })),
            ("fixef", .object(fixedEffectNames.map { ($0, .null) })),
            ("dropped_columns", .array(droppedColumns.map { .string($0) })),
            ("na_omitted_rows", .integer(omittedRows)),
            ("terms", .array(terms.map { t in
                .object([("group", .string(t.group)), ("levels", .integer(t.levels)),
                         ("columns", .array(t.columns.map { .string($0) })), ("parameters", .integer(t.parameters))])
            })),
            ("theta_names", .array(thetaNames.map { .string($0) })),
            ("q", .integer(q)),
            ("nnz_ZtZ", .integer(crossProductEntries)),
            ("nnz_L", .number(factorEntries)),
            ("supernodal", .bool(supernodal)),
        ])
    }
}
