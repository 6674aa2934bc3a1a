/// Options that say how to read the data for a model, as the `lmm` tool's flags do.
public struct DataOptions: Sendable, Equatable {
    /// Numeric columns to treat as categorical (R's `factor()`), as `--factor`.
    public var factorColumns: [String]
    /// Level order per categorical column (first = reference level), as `--levels`.
    public var levelOrders: [String: [String]]
    /// Prior weights column (binomial: the number of trials when the response is a proportion).
    public var weightsColumn: String?
    /// Offset column, added to the linear predictor.
    public var offsetColumn: String?

    /// Options for reading a model's data; the defaults read every column as it is, without
    /// weights or offset.
    /// - Parameters:
    ///   - factorColumns: numeric columns to treat as categorical.
    ///   - levelOrders: level order per categorical column (every level, the reference first).
    ///   - weightsColumn: the prior weights column, if any.
    ///   - offsetColumn: the offset column, if any.
    public init(factorColumns: [String] = [], levelOrders: [String: [String]] = [:],
                weightsColumn: String? = nil, offsetColumn: String? = nil) {
        self.factorColumns = factorColumns
        self.levelOrders = levelOrders
        self.weightsColumn = weightsColumn
        self.offsetColumn = offsetColumn
    }
}

/// The response of a model, as evaluated from the formula's left side.
public enum ResponseValues: Sendable, Equatable {
    /// A numeric response.
    case numeric([Double])
    /// A categorical response (a binomial response with two levels: the first is failure).
    case factor(codes: [Int32], levels: [String])
    /// `cbind(successes, failures)`.
    case counts(successes: [Double], failures: [Double])
}

/// A mixed model's data and structure, built from a formula and a table: the response, the
/// fixed-effects model matrix X (treatment contrasts, R's names, rank-deficient columns dropped),
/// the random-effects terms in lme4's order, weights, offsets, and the rows used (rows with a
/// missing value in any variable the model uses are omitted, as R's `na.omit`).
public struct MixedModelDesign: Sendable {
    /// The parsed formula.
    public let formula: Formula
    /// The response's label (its expression as R deparses it).
    public let responseName: String
    /// The response values of the rows used.
    public internal(set) var response: ResponseValues
    /// Prior weights of the rows used, if any.
    public let weights: [Double]?
    /// The total offset (formula offsets plus the offset column) of the rows used, if any.
    public internal(set) var offset: [Double]?
    /// How X's columns are computed (kept columns only).
    public internal(set) var fixedRecipe: ModelMatrixRecipe
    /// The fixed-effects model matrix, n × p, column-major.
    public internal(set) var X: [Double]
    /// Fixed-effect columns dropped because they are linearly dependent on earlier columns.
    public let droppedColumns: [String]
    /// The random-effects terms in lme4's order.
    public let terms: [RandomEffectsTerm]
    /// Number of observations used.
    public let nobs: Int
    /// The data rows used (0-based), in order.
    public let dataRows: [Int]
    /// The data rows omitted for missing values (1-based, as R reports them).
    public let omittedRows: [Int]
    /// The options the data was read with.
    public let options: DataOptions
    /// The data set (after `--factor`/`--levels`), all rows; `dataRows` selects the ones used.
    /// Shared, not copied: a `DataTable` is a value with copy-on-write storage.
    public let data: DataTable
    /// Warnings about the model as specified, in R's words (e.g. a response on the right-hand side).
    public let warnings: [String]

    /// Number of fixed-effect columns p.
    public var p: Int { fixedRecipe.columns.count }
    /// Number of random effects q.
    public var q: Int { terms.reduce(0) { $0 + $1.randomEffectCount } }
    /// Fixed-effect column names.
    public var fixedEffectNames: [String] { fixedRecipe.columnNames }
    /// Number of covariance parameters θ.
    public var thetaCount: Int { terms.reduce(0) { $0 + $1.parameterCount } }
    /// Names of θ in lme4's order.
    public var thetaNames: [String] { terms.flatMap { $0.parameterNames } }

    /// Number of levels per grouping factor name (lme4's `ngroups`).
    public var groupCounts: [(name: String, levels: Int)] {
        var seen = Set<String>()
        var out = [(String, Int)]()
        for t in terms where !seen.contains(t.factor.name) {
            seen.insert(t.factor.name)
            out.append((t.factor.name, t.levelCount))
        }
        return out
    }

    /// Builds the design of `formula` on `data`.
    public init(formula text: String, data: DataTable, options: DataOptions = DataOptions()) throws {
        let formula = try Formula(text)
        try self.init(formula: formula, data: data, options: options)
    }

    /// Builds the design of a parsed formula on `data`.
    public init(formula: Formula, data rawData: DataTable, options: DataOptions = DataOptions()) throws {
        self.formula = formula
        self.options = options
        guard let responseExpr = formula.response else { throw ModelError.missingResponse }
        guard formula.hasRandomEffects else { throw ModelError.noRandomEffects }
        let data = try MixedModelDesign.applyOptions(options, to: rawData)
        self.data = data
        let evaluator = VariableEvaluator(table: data, formula: formula.text)
        let nAll = data.rowCount

        // evaluate every variable on all rows
        var missingSources = [(String, VariableValues)]()
        var response: ResponseValues
        var responseParts = [VariableValues]()
        if case .call("cbind", let args, let r) = responseExpr.unparenthesized {
            guard args.count == 2 else {
                throw FormulaError("cbind() in the response takes two arguments: cbind(successes, failures)", at: r.start, in: formula.text)
            }
            let s = try evaluator.numeric(args[0]), f = try evaluator.numeric(args[1])
            responseParts = [.numeric(s), .numeric(f)]
            response = .counts(successes: s, failures: f)
        } else {
            let v = try evaluator.evaluate(responseExpr, logicalAsFactor: false)
            responseParts = [v]
            switch v {
            case .numeric(let y): response = .numeric(y)
            case .factor(let c, let l): response = .factor(codes: c, levels: l)
            }
        }
        for p in responseParts { missingSources.append((responseExpr.deparsed, p)) }

        let fixedValues = try formula.fixed.variables.map { try evaluator.evaluate($0) }
        for (e, v) in zip(formula.fixed.variables, fixedValues) { missingSources.append((e.deparsed, v)) }
        let offsetValues = try formula.offsets.map { try evaluator.numeric($0) }
        for (e, v) in zip(formula.offsets, offsetValues) { missingSources.append((e.deparsed, .numeric(v))) }
        var randomValues = [[VariableValues]]()
        var groupingValues = [[VariableValues]]()
        for spec in formula.random {
            let lv = try spec.lhs.variables.map { try evaluator.evaluate($0) }
            let gv = try spec.grouping.map { try evaluator.evaluate($0, asFactor: true) }
            for (e, v) in zip(spec.lhs.variables, lv) { missingSources.append((e.deparsed, v)) }
            for (e, v) in zip(spec.grouping, gv) { missingSources.append((e.deparsed, v)) }
            randomValues.append(lv)
            groupingValues.append(gv)
        }
        var weightValues: [Double]? = nil
        if let w = options.weightsColumn {
            guard let c = data.column(w) else {
                throw ModelError.unknownColumn(w, suggestions: data.closestColumnNames(to: w), context: "--weights")
            }
            guard case .numeric(let v) = c else { throw ModelError.invalidOption("the weights column '\(w)' is not numeric") }
            weightValues = v
            missingSources.append((w, .numeric(v)))
        }
        var offsetColumnValues: [Double]? = nil
        if let o = options.offsetColumn {
            guard let c = data.column(o) else {
                throw ModelError.unknownColumn(o, suggestions: data.closestColumnNames(to: o), context: "--offset")
            }
            guard case .numeric(let v) = c else { throw ModelError.invalidOption("the offset column '\(o)' is not numeric") }
            offsetColumnValues = v
            missingSources.append((o, .numeric(v)))
        }

        // complete cases
        var complete = [Bool](repeating: true, count: nAll)
        for (_, v) in missingSources {
            for i in 0..<nAll where complete[i] && v.isMissing(i) { complete[i] = false }
        }
        let rows = (0..<nAll).filter { complete[$0] }
        let omitted = (0..<nAll).filter { !complete[$0] }.map { $0 + 1 }
        if rows.isEmpty {
            var names = [String]()
            for (n, _) in missingSources where !names.contains(n) { names.append(n) }
            throw ModelError.noCompleteRows(variables: names)
        }
        // infinite values are errors (R's "NA/NaN/Inf in ..."), reported with their data row
        for (name, v) in missingSources {
            if case .numeric(let x) = v {
                for i in rows where x[i].isInfinite { throw ModelError.nonFiniteValue(variable: name, row: i + 1) }
            }
        }
        if let w = weightValues {
            for i in rows where !(w[i] > 0) {
                throw ModelError.invalidWeight(column: options.weightsColumn!, row: i + 1, value: w[i])
            }
        }
        let n = rows.count
        self.nobs = n
        self.dataRows = rows
        self.omittedRows = omitted
        self.responseName = responseExpr.deparsed

        switch response {
        case .numeric(let y): self.response = .numeric(rows.map { y[$0] })
        case .factor:
            guard case .factor(let c, let l) = responseParts[0].subset(rows) else { fatalError("unreachable") }
            self.response = .factor(codes: c, levels: l)
        case .counts(let s, let f): self.response = .counts(successes: rows.map { s[$0] }, failures: rows.map { f[$0] })
        }
        self.weights = weightValues.map { w in rows.map { w[$0] } }
        if offsetValues.isEmpty && offsetColumnValues == nil {
            self.offset = nil
        } else {
            var total = [Double](repeating: 0, count: n)
            for v in offsetValues + (offsetColumnValues.map { [$0] } ?? []) {
                for (k, i) in rows.enumerated() { total[k] += v[i] }
            }
            self.offset = total
        }

        // fixed effects
        let fixedSubset = fixedValues.map { $0.subset(rows) }
        // R's model.matrix drops a term that is the response itself ("the response appeared on the
        // right-hand side and was dropped"); lme4 then fits the model without it
        var fixedTerms = formula.fixed
        var warnings = [String]()
        let responseLabel = responseExpr.deparsed
        let isResponse = { (t: Term) in t.order == 1 && formula.fixed.variableLabel(t.variables[0]) == responseLabel }
        if fixedTerms.terms.contains(where: isResponse) {
            fixedTerms.terms.removeAll(where: isResponse)
            warnings.append("the response appeared on the right-hand side and was dropped")
        }
        self.warnings = warnings
        let fullRecipe = try ModelMatrixRecipe(terms: fixedTerms, values: fixedSubset, formula: formula.text)
        guard !fullRecipe.columns.isEmpty else { throw ModelError.noFixedEffects }
        let fullX = fullRecipe.matrix(values: fixedSubset, rows: n)
        let (kept, dropped) = linearlyDependentColumns(fullX, rows: n, columns: fullRecipe.columns.count)
        if kept.isEmpty { throw ModelError.allFixedEffectsDropped }
        self.droppedColumns = dropped.map { fullRecipe.columns[$0].name }
        self.fixedRecipe = fullRecipe.keeping(kept)
        if dropped.isEmpty {
            self.X = fullX
        } else {
            var x = [Double](repeating: 0, count: n * kept.count)
            for (k, j) in kept.enumerated() { for i in 0..<n { x[i + k * n] = fullX[i + j * n] } }
            self.X = x
        }

        // random effects: lme4's pieces, ordered and merged
        var pieces = [RandomPiece]()
        for (s, spec) in formula.random.enumerated() {
            let lv = randomValues[s].map { $0.subset(rows) }
            let recipe = try ModelMatrixRecipe(terms: spec.lhs, values: lv, formula: formula.text)
            let factor = try MixedModelDesign.groupingFactor(name: spec.groupName, parts: groupingValues[s].map { $0.subset(rows) })
            if factor.levels.count < 2 { throw ModelError.groupingFactorOneLevel(group: spec.groupName) }
            let k = recipe.columns.count
            let isIntercept = k == 1 && recipe.columns[0].parts.isEmpty
            var values = [Double]()
            if !isIntercept {
                values = [Double](repeating: 0, count: n * k)
                let m = recipe.matrix(values: lv, rows: n)
                for i in 0..<n { for c in 0..<k { values[i * k + c] = m[i + c * n] } }
            }
            pieces.append(RandomPiece(factor: factor, recipe: recipe, values: values, isIntercept: isIntercept,
                                      label: "\(spec.lhs.terms.isEmpty && spec.lhs.hasIntercept ? "1" : spec.lhs.terms.map { $0.label }.joined(separator: " + ")) | \(spec.groupName)"))
        }
        self.pieceLabels = pieces.map { $0.label }
        self.pieceSizes = pieces.map { ($0.recipe.columns.count, $0.factor.levels.count) }
        self.terms = MixedModelDesign.assembleTerms(pieces, n: n)
    }

    /// lme4's terms before merging, for identifiability checks: label and (columns, levels).
    let pieceLabels: [String]
    let pieceSizes: [(columns: Int, levels: Int)]

    struct RandomPiece {
        var factor: GroupingFactor
        var recipe: ModelMatrixRecipe
        var values: [Double]
        var isIntercept: Bool
        var label: String
    }

    /// Orders lme4's pieces as `mkReTrms` does (when some piece has more levels than the one
    /// before it, by `rev(order(nlevels))`), then merges neighbouring pieces on the same grouping
    /// factor into one term with several covariance blocks.
    static func assembleTerms(_ pieces: [RandomPiece], n: Int) -> [RandomEffectsTerm] {
        var order = Array(pieces.indices)
        let nl = pieces.map { $0.factor.levels.count }
        if zip(nl, nl.dropFirst()).contains(where: { $1 > $0 }) {
            // R's order() is stable ascending; rev() then reverses ties too
            order = order.sorted { nl[$0] != nl[$1] ? nl[$0] < nl[$1] : $0 < $1 }.reversed()
        }
        // VarCorr names: lme4's mkVarCorr applies make.names(unique = TRUE) to the pieces' group
        // names (in final order) when some name occurs more than once
        let uniqueNames = rUniqueNames(order.map { pieces[$0].factor.name })
        var terms = [RandomEffectsTerm]()
        var t = 0
        while t < order.count {
            var group = [t]
            while t + group.count < order.count && pieces[order[t + group.count]].factor == pieces[order[t]].factor {
                group.append(t + group.count)
            }
            let members = group.map { pieces[order[$0]] }
            var names = [String](), blocks = [CovarianceBlock]()
            for (g, m) in zip(group, members) {
                let start = names.count
                names += m.recipe.columnNames
                blocks.append(CovarianceBlock(columns: start..<names.count, name: uniqueNames[g]))
            }
            let k = names.count
            var values = [Double]()
            if !(members.count == 1 && members[0].isIntercept) {
                values = [Double](repeating: 0, count: n * k)
                var offset = 0
                for m in members {
                    let km = m.recipe.columns.count
                    for i in 0..<n {
                        for c in 0..<km { values[i * k + offset + c] = m.isIntercept ? 1 : m.values[i * km + c] }
                    }
                    offset += km
                }
            }
            terms.append(RandomEffectsTerm(factor: members[0].factor, columnNames: names, blocks: blocks,
                                           recipes: members.map { $0.recipe }, values: values))
            t += group.count
        }
        return terms
    }

    /// A grouping factor from one or more factor variables (an interaction for several); levels
    /// that occur, ordered with the first part varying slowest, labels joined by ":".
    static func groupingFactor(name: String, parts: [VariableValues]) throws -> GroupingFactor {
        var partCodes = [[Int32]](), partLevels = [[String]]()
        for p in parts {
            guard case .factor(let c, let l) = p else { fatalError("grouping parts are factors") }
            partCodes.append(c)
            partLevels.append(l)
        }
        if parts.count == 1 { return GroupingFactor(name: name, levels: partLevels[0], codes: partCodes[0]) }
        let n = partCodes[0].count
        var keys = [Int](repeating: 0, count: n)
        for i in 0..<n {
            var key = 0
            for (c, l) in zip(partCodes, partLevels) { key = key * l.count + Int(c[i]) }
            keys[i] = key
        }
        let distinct = Array(Set(keys)).sorted()
        var index = [Int: Int32](minimumCapacity: distinct.count)
        for (k, key) in distinct.enumerated() { index[key] = Int32(k) }
        let labels = distinct.map { key -> String in
            var rest = key
            var labelParts = [String]()
            for l in partLevels.reversed() {
                labelParts.append(l[rest % l.count])
                rest /= l.count
            }
            return labelParts.reversed().joined(separator: ":")
        }
        return GroupingFactor(name: name, levels: labels, codes: keys.map { index[$0]! })
    }

    /// Applies `--factor` and `--levels` to the table's columns.
    static func applyOptions(_ options: DataOptions, to table: DataTable) throws -> DataTable {
        if options.factorColumns.isEmpty && options.levelOrders.isEmpty { return table }
        var cols = Array(zip(table.columnNames, table.columns))
        for name in options.factorColumns {
            guard let k = table.columnNames.firstIndex(of: name) else {
                throw ModelError.unknownColumn(name, suggestions: table.closestColumnNames(to: name), context: "--factor")
            }
            if case .numeric(let x) = cols[k].1, case .factor(let c, let l) = VariableEvaluator.factor(from: x) {
                cols[k].1 = .categorical(codes: c, levels: l)
            }
        }
        for (name, order) in options.levelOrders.sorted(by: { $0.key < $1.key }) {
            guard let k = table.columnNames.firstIndex(of: name) else {
                throw ModelError.unknownColumn(name, suggestions: table.closestColumnNames(to: name), context: "--levels")
            }
            var codes: [Int32], levels: [String]
            switch cols[k].1 {
            case .numeric(let x):
                guard case .factor(let c, let l) = VariableEvaluator.factor(from: x) else { fatalError("unreachable") }
                codes = c; levels = l
            case .categorical(let c, let l):
                codes = c; levels = l
            }
            var position = [String: Int32]()
            for (i, l) in order.enumerated() {
                guard let old = levels.firstIndex(of: l) else { throw ModelError.unknownLevel(column: name, level: l, known: levels) }
                if position[l] != nil { throw ModelError.invalidOption("the level '\(l)' is listed twice in --levels for column '\(name)'") }
                position[levels[old]] = Int32(i)
            }
            var remap = [Int32](repeating: -1, count: levels.count)
            for (old, l) in levels.enumerated() {
                guard let p = position[l] else { throw ModelError.levelMissingFromOrder(column: name, level: l) }
                remap[old] = p
            }
            codes = codes.map { $0 < 0 ? -1 : remap[Int($0)] }
            cols[k].1 = .categorical(codes: codes, levels: order)
        }
        return try DataTable(columns: cols)
    }

    /// The fixed-effects variables evaluated on the rows used (in `formula.fixed.variables` order).
    public func fixedVariableValues() throws -> [VariableValues] {
        let evaluator = VariableEvaluator(table: data, formula: formula.text)
        return try formula.fixed.variables.map { try evaluator.evaluate($0).subset(dataRows) }
    }

    /// lme4's identifiability checks for a Gaussian model: every grouping factor has fewer levels
    /// than observations, and every term fewer random effects than observations.
    public func validateForGaussianModel() throws {
        for t in terms where t.levelCount >= nobs {
            throw ModelError.levelsNotFewerThanObservations(group: t.factor.name, levels: t.levelCount, nobs: nobs)
        }
        for (label, size) in zip(pieceLabels, pieceSizes) where size.columns * size.levels >= nobs {
            throw ModelError.tooManyRandomEffects(term: label, count: size.columns * size.levels, nobs: nobs)
        }
    }
}

/// lme4's VarCorr group names: the names as they are when all differ, otherwise R's
/// `make.names(names, unique = TRUE)` (`g`, `g.1` for the pieces of `(x || g)`; `b.a`, `b.a.1`, `a`,
/// `a.1` for `(x || a/b)`).
func rUniqueNames(_ names: [String]) -> [String] {
    guard Set(names).count < names.count else { return names }
    let valid = names.map(rMakeName)
    // make.unique: later duplicates get ".1", ".2"… avoiding every name already present
    var taken = Set(valid)
    var counter = [String: Int]()
    var seen = Set<String>()
    var out = [String]()
    for name in valid {
        if !seen.contains(name) { seen.insert(name); out.append(name); continue }
        var k = counter[name, default: 0] + 1
        while taken.contains("\(name).\(k)") { k += 1 }
        counter[name] = k
        let unique = "\(name).\(k)"
        taken.insert(unique)
        out.append(unique)
    }
    return out
}

/// R's `make.names` for one name: invalid characters become ".", an "X" is prefixed when the name
/// does not start with a letter or a dot not followed by a digit, and a reserved word gets a ".".
func rMakeName(_ name: String) -> String {
    var scalars = Array(name.unicodeScalars)
    let isDigit = { (u: Unicode.Scalar) in ("0"..."9").contains(u) }
    if let first = scalars.first {
        let dotDigit = first == "." && scalars.count > 1 && isDigit(scalars[1])
        if !(first.properties.isAlphabetic || first == ".") || dotDigit { scalars.insert("X", at: 0) }
    } else {
        scalars = ["X"]
    }
    var out = String.UnicodeScalarView()
    for u in scalars { out.append(u.properties.isAlphabetic || isDigit(u) || u == "." || u == "_" ? u : ".") }
    let result = String(out)
    let reserved: Set<String> = ["if", "else", "repeat", "while", "function", "for", "next", "break", "TRUE", "FALSE", "NULL",
                                 "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "NA_complex_", "in"]
    return reserved.contains(result) ? result + "." : result
}
