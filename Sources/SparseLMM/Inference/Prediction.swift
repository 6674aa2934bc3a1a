/// Predictions of a fitted model on new data, as lme4's `predict(m, newdata, re.form, allow.new.levels)`:
/// the linear predictor offset + Xβ̂ (`re.form = NA`), plus Zb̃ for the random effects
/// (`re.form = NULL`, all terms). Variables are evaluated on the new rows with the fitted model's
/// recipes, and factor levels are matched by label: a fixed-effect factor level that was not in the
/// fitted data is an error; a grouping-factor level that was not is an error unless new levels are
/// allowed, in which case those rows get the population-level prediction (random effects zero).
/// Rows with a missing value in a variable the prediction needs give NaN.
public struct NewDataPredictor: Sendable {
    /// The fitted model's design: its formula, recipes, factor levels and data options.
    public let design: MixedModelDesign

    /// A predictor for the model fitted on `design`.
    public init(design: MixedModelDesign) { self.design = design }

    /// Errors of prediction on new data.
    public enum PredictionError: Error, Equatable, CustomStringConvertible {
        /// A fixed-effect factor has a level that was not in the fitted data (row 1-based).
        case newFactorLevel(variable: String, level: String, row: Int)
        /// A grouping factor has a level that was not in the fitted data, and new levels are not allowed.
        case newGroupingLevel(group: String, level: String, row: Int)
        /// The new data has no rows.
        case emptyNewData

        public var description: String {
            switch self {
            case .newFactorLevel(let v, let l, let row):
                return "new data row \(row): the factor '\(v)' has the level '\(l)', which is not in the data the model was fitted to"
            case .newGroupingLevel(let g, let l, let row):
                return "new data row \(row): the level '\(l)' of grouping factor '\(g)' is not in the data the model was fitted to; allow new levels (--allow-new-levels) to predict it at the population level"
            case .emptyNewData:
                return "the new data has no rows"
            }
        }
    }

    /// The linear predictor η for each row of `newData` (NaN where a needed value is missing).
    /// - Parameters:
    ///   - newData: the new data, as read (the fitted model's `--factor` conversions are applied to it).
    ///   - beta: β̂ in the order of the design's fixed-effect columns.
    ///   - randomEffects: the conditional modes per term (in the design's term order), or nil for
    ///     population-level predictions (lme4's `re.form = NA`).
    ///   - allowNewLevels: predict rows with a new grouping-factor level at the population level
    ///     (lme4's `allow.new.levels`) instead of throwing.
    /// - Throws: `PredictionError` for empty new data or a new level; `ModelError` for a missing
    ///   or non-numeric offset column; the evaluator's errors for a variable it cannot evaluate.
    public func linearPredictor(newData: DataTable, beta: [Double], randomEffects: [RandomEffectsEstimates]?,
                                allowNewLevels: Bool = false) throws -> [Double] {
        let n = newData.rowCount
        guard n > 0 else { throw PredictionError.emptyNewData }
        // --factor conversions only: levels are matched by label, not by position
        let table = try MixedModelDesign.applyOptions(DataOptions(factorColumns: design.options.factorColumns), to: newData)
        let evaluator = VariableEvaluator(table: table, formula: design.formula.text)
        var missing = [Bool](repeating: false, count: n)
        var eta = [Double](repeating: 0, count: n)

        let xValues = try recipeValues(design.fixedRecipe, evaluator: evaluator, missing: &missing)
        let x = design.fixedRecipe.matrix(values: xValues, rows: n)
        for (j, b) in beta.enumerated() { for i in 0..<n { eta[i] += x[i + j * n] * b } }

        for e in design.formula.offsets {
            let o = try evaluator.numeric(e)
            for i in 0..<n { if o[i].isNaN { missing[i] = true } else { eta[i] += o[i] } }
        }
        if let col = design.options.offsetColumn {
            guard let c = table.column(col) else {
                throw ModelError.unknownColumn(col, suggestions: table.closestColumnNames(to: col), context: "the new data (offset column)")
            }
            guard case .numeric(let o) = c else { throw ModelError.invalidOption("the offset column '\(col)' is not numeric in the new data") }
            for i in 0..<n { if o[i].isNaN { missing[i] = true } else { eta[i] += o[i] } }
        }

        if let randomEffects {
            for (t, term) in design.terms.enumerated() {
                guard let spec = design.formula.random.first(where: { $0.groupName == term.factor.name }) else { continue }
                let levelIndex = Dictionary(uniqueKeysWithValues: term.factor.levels.enumerated().map { ($1, $0) })
                let parts = try spec.grouping.map { try evaluator.evaluate($0, asFactor: true) }
                var codes = [Int](repeating: -1, count: n)
                for i in 0..<n {
                    var labels = [String]()
                    var absent = false
                    for p in parts {
                        guard case .factor(let c, let l) = p else { continue }
                        if c[i] < 0 { absent = true; break }
                        labels.append(l[Int(c[i])])
                    }
                    if absent { missing[i] = true; continue }
                    let label = labels.joined(separator: ":")
                    if let k = levelIndex[label] { codes[i] = k }
                    else if !allowNewLevels && !missing[i] {
                        throw PredictionError.newGroupingLevel(group: term.factor.name, level: label, row: i + 1)
                    }
                }
                let k = term.columnCount
                let b = randomEffects[t].values
                var offset = 0
                for recipe in term.recipes {
                    let vals = try recipeValues(recipe, evaluator: evaluator, missing: &missing)
                    let m = recipe.matrix(values: vals, rows: n)
                    let kb = recipe.columns.count
                    for i in 0..<n where codes[i] >= 0 {
                        for c in 0..<kb { eta[i] += m[i + c * n] * b[codes[i] * k + offset + c] }
                    }
                    offset += kb
                }
            }
        }
        for i in 0..<n where missing[i] { eta[i] = .nan }
        return eta
    }

    /// The recipe's variables evaluated on the new data, factor levels mapped to the fitted ones.
    func recipeValues(_ recipe: ModelMatrixRecipe, evaluator: VariableEvaluator, missing: inout [Bool]) throws -> [VariableValues] {
        var out = [VariableValues]()
        for v in recipe.variables {
            switch v.kind {
            case .numeric:
                let x = try evaluator.numeric(v.expression)
                for i in x.indices where x[i].isNaN { missing[i] = true }
                out.append(.numeric(x))
            case .factor(let levels):
                guard case .factor(let c, let l) = try evaluator.evaluate(v.expression, asFactor: true) else { fatalError("asFactor") }
                let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Int32($0)) })
                var codes = [Int32](repeating: -1, count: c.count)
                let used = Set(recipe.columns.flatMap { $0.parts.map { $0.variable } })
                let variableIndex = recipe.variables.firstIndex(of: v) ?? -1
                for i in c.indices {
                    if c[i] < 0 { missing[i] = true; continue }
                    if let k = index[l[Int(c[i])]] { codes[i] = k }
                    else if used.contains(variableIndex) {
                        throw PredictionError.newFactorLevel(variable: v.label, level: l[Int(c[i])], row: i + 1)
                    }
                }
                out.append(.factor(codes: codes, levels: levels))
            }
        }
        return out
    }
}
