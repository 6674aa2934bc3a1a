/// How a variable enters a model matrix: as a number, or as a factor with these levels.
public enum VariableKind: Sendable, Equatable {
    /// A numeric variable, entering the columns by its value.
    case numeric
    /// A categorical variable with these levels (in level order; the first is the reference of
    /// treatment contrasts), entering the columns by level indicators.
    case factor(levels: [String])
}

/// One model variable of a recipe: its expression and how it is coded.
public struct RecipeVariable: Sendable, Equatable {
    /// The variable's expression in the formula (`Days`, `log(x)`), evaluated on new data.
    public let expression: FormulaExpression
    /// Whether it is numeric or categorical (with its levels).
    public let kind: VariableKind
    /// R's label (the deparsed expression).
    public var label: String { expression.deparsed }
}

/// One model-matrix column: the product of its factors' parts, each a numeric variable
/// (`level == -1`) or the indicator of one level of a factor variable.
public struct ColumnRecipe: Sendable, Equatable {
    /// The column's name, as R names it (`Days`, `period2`, `Days:SexMale`).
    public let name: String
    /// The factors whose product is the column (none for the intercept).
    public let parts: [Part]
    /// One factor of a column's product.
    public struct Part: Sendable, Equatable {
        /// The index of the variable in the recipe's `variables`.
        public let variable: Int
        /// The level whose indicator this part is (0-based, in the variable's level order), or
        /// −1 for a numeric variable's value.
        public let level: Int32
    }
}

/// How to compute a model matrix (fixed effects, or the left side of a random-effects term) from
/// the model's variables — R's `model.matrix` with treatment contrasts — so that the same columns
/// can be rebuilt on new data for prediction.
public struct ModelMatrixRecipe: Sendable, Equatable {
    /// The variables the columns use.
    public let variables: [RecipeVariable]
    /// The columns, in R's order.
    public var columns: [ColumnRecipe]
    /// For each column, the index of its term in `termLabels` (−1 for the intercept): R's `assign`.
    public var assign: [Int]
    /// The term labels, in R's order.
    public let termLabels: [String]

    /// Column names.
    public var columnNames: [String] { columns.map { $0.name } }

    /// Builds the recipe for a term list whose variables have been evaluated (`values[i]` for
    /// `terms.variables[i]`). R's rule (`TermCode` in R's model.c, Chambers & Hastie 1992, p. 38):
    /// a factor in a term is coded by treatment contrasts when the term without it is empty (a main
    /// effect) or contained in a preceding term, otherwise by indicators of all its levels; without
    /// an intercept, the first factor with two or more levels (first term containing one, first in
    /// variable order) is coded by indicators.
    init(terms: TermList, values: [VariableValues], formula: String) throws {
        var vars = [RecipeVariable]()
        for (i, e) in terms.variables.enumerated() {
            switch values[i] {
            case .numeric: vars.append(RecipeVariable(expression: e, kind: .numeric))
            case .factor(_, let levels): vars.append(RecipeVariable(expression: e, kind: .factor(levels: levels)))
            }
        }
        variables = vars
        termLabels = terms.terms.map { $0.label }
        var cols = [ColumnRecipe]()
        var assign = [Int]()
        if terms.hasIntercept {
            cols.append(ColumnRecipe(name: "(Intercept)", parts: []))
            assign.append(-1)
        }
        let termSets = terms.terms.map { Set($0.variables) }
        // (term, variable) pairs coded by indicators of all levels rather than contrasts
        var indicators = Set<[Int]>()
        for (ti, term) in terms.terms.enumerated() {
            for v in term.variables {
                let margin = termSets[ti].subtracting([v])
                if !margin.isEmpty && !termSets[..<ti].contains(where: { margin.isSubset(of: $0) }) { indicators.insert([ti, v]) }
            }
        }
        if !terms.hasIntercept {
            search: for (ti, term) in terms.terms.enumerated() {
                for v in term.variables {
                    if case .factor(let levels) = vars[v].kind, levels.count > 1 { indicators.insert([ti, v]); break search }
                }
            }
        }
        for (ti, term) in terms.terms.enumerated() {
            var product: [[ColumnRecipe.Part]] = [[]]
            var names: [[String]] = [[]]
            for v in term.variables {
                var options = [(String, ColumnRecipe.Part)]()
                switch vars[v].kind {
                case .numeric:
                    options = [(vars[v].label, ColumnRecipe.Part(variable: v, level: -1))]
                case .factor(let levels):
                    let contrasts = !indicators.contains([ti, v])
                    if contrasts && levels.count < 2 {
                        throw FormulaError("the factor '\(vars[v].label)' has only one level (\(levels.first.map { "'\($0)'" } ?? "none")) in the data used, so it has no contrasts; remove it from the formula",
                                           at: vars[v].expression.range.start, in: formula)
                    }
                    let range = contrasts ? 1..<levels.count : 0..<levels.count
                    options = range.map { (vars[v].label + levels[$0], ColumnRecipe.Part(variable: v, level: Int32($0))) }
                }
                var newProduct = [[ColumnRecipe.Part]](), newNames = [[String]]()
                for (name, part) in options {
                    for (p, nm) in zip(product, names) {
                        newProduct.append(p + [part])
                        newNames.append(nm + [name])
                    }
                }
                product = newProduct
                names = newNames
            }
            for (p, nm) in zip(product, names) {
                cols.append(ColumnRecipe(name: nm.joined(separator: ":"), parts: p))
                assign.append(ti)
            }
        }
        columns = cols
        self.assign = assign
    }

    /// Evaluates column `c` at every row into `out` (n values), given the variables' values.
    func fill(column c: Int, values: [VariableValues], into out: UnsafeMutableBufferPointer<Double>) {
        out.initialize(repeating: 1)
        for part in columns[c].parts {
            switch values[part.variable] {
            case .numeric(let x):
                for i in 0..<out.count { out[i] *= x[i] }
            case .factor(let codes, _):
                for i in 0..<out.count where codes[i] != part.level { out[i] = 0 }
            }
        }
    }

    /// The model matrix (n × columns, column-major) for evaluated variables.
    func matrix(values: [VariableValues], rows n: Int) -> [Double] {
        let p = columns.count
        var x = [Double](repeating: 0, count: n * p)
        x.withUnsafeMutableBufferPointer { buf in
            for c in 0..<p {
                fill(column: c, values: values, into: UnsafeMutableBufferPointer(rebasing: buf[(c * n)..<((c + 1) * n)]))
            }
        }
        return x
    }

    /// The recipe restricted to the kept columns (after rank-deficient columns are dropped).
    func keeping(_ kept: [Int]) -> ModelMatrixRecipe {
        var r = self
        r.columns = kept.map { columns[$0] }
        r.assign = kept.map { assign[$0] }
        return r
    }
}
