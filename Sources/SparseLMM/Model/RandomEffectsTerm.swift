/// A block of a random-effects term's columns with its own unstructured covariance; a term made
/// from `(x | g)` has one block, a term made from `(x || g)` one block per uncorrelated piece.
public struct CovarianceBlock: Sendable, Equatable {
    /// The block's columns within the term.
    public let columns: Range<Int>
    /// lme4's VarCorr name of the block: the grouping factor's name, made unique (`g`, `g.1`…).
    public let name: String
    /// Number of columns.
    public var size: Int { columns.count }
    /// Number of covariance parameters: the lower triangle of the block's relative covariance factor.
    public var parameterCount: Int { size * (size + 1) / 2 }
}

/// A grouping factor: its name, levels and each observation's level.
public struct GroupingFactor: Sendable, Equatable {
    /// The factor's name (`Subject`, `cask:batch`).
    public let name: String
    /// Level labels (for an interaction, the parts' labels joined by ":").
    public let levels: [String]
    /// Each observation's level (0-based).
    public let codes: [Int32]
}

/// One random-effects term of the model as lme4 builds it: a grouping factor with ℓ levels, a
/// model matrix with k columns, and so k·ℓ random effects, ordered by level then column. Its
/// relative covariance factor λ (k × k, lower triangular) is block diagonal over `blocks`.
public struct RandomEffectsTerm: Sendable {
    /// The grouping factor.
    public let factor: GroupingFactor
    /// Names of the term's model-matrix columns (`(Intercept)`, `Days`).
    public let columnNames: [String]
    /// The covariance blocks (one for a correlated term).
    public let blocks: [CovarianceBlock]
    /// How each block's columns are computed from the data (for prediction on new data).
    public let recipes: [ModelMatrixRecipe]
    /// The model matrix, row by row (k values per observation); empty for an intercept-only term.
    public let values: [Double]

    /// Number of columns k.
    public var columnCount: Int { columnNames.count }
    /// Number of levels ℓ.
    public var levelCount: Int { factor.levels.count }
    /// Number of random effects k·ℓ.
    public var randomEffectCount: Int { columnCount * levelCount }
    /// Number of covariance parameters.
    public var parameterCount: Int { blocks.reduce(0) { $0 + $1.parameterCount } }
    /// Whether the term is `(1 | g)`: one column of ones.
    public var isInterceptOnly: Bool { values.isEmpty }

    /// The model-matrix value of column c at observation i.
    @inlinable public func value(_ i: Int, _ c: Int) -> Double {
        values.isEmpty ? 1 : values[i * columnNames.count + c]
    }

    /// lme4's names of the covariance parameters θ: `g.col` on the diagonal, `g.row.col` below it,
    /// the lower triangle of each block column by column.
    public var parameterNames: [String] {
        var names = [String]()
        for b in blocks {
            for c in b.columns {
                for r in c..<b.columns.upperBound {
                    names.append(r == c ? "\(factor.name).\(columnNames[c])" : "\(factor.name).\(columnNames[r]).\(columnNames[c])")
                }
            }
        }
        return names
    }
}
