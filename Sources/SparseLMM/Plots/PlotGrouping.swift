/// A categorical variable over the model's observations, used to group, colour or panel them:
/// its name, level labels and each observation's level (−1: missing).
public struct PlotGrouping: Sendable, Equatable {
    /// The variable's name.
    public let name: String
    /// Level labels, in level order.
    public let levels: [String]
    /// One code per observation of the model (the design's rows), 0-based.
    public let codes: [Int32]

    /// A grouping from its levels and one code per observation.
    public init(name: String, levels: [String], codes: [Int32]) {
        self.name = name
        self.levels = levels
        self.codes = codes
    }

    /// The grouping called `name`: a grouping factor of the model (`Subject`, `cask:batch`) or,
    /// when `data` is given, a column of the data (read with the design's `--factor`/`--levels`
    /// options; a numeric column is treated as categorical with its sorted distinct values).
    public init(named name: String, design: MixedModelDesign, data: DataTable?) throws {
        if let term = design.terms.first(where: { $0.factor.name == name }) {
            self.init(name: name, levels: term.factor.levels, codes: term.factor.codes)
            return
        }
        let available = PlotGrouping.availableNames(design: design, data: data)
        guard let data, data.hasColumn(name) else { throw PlotError.unknownGroup(name, available: available) }
        let table = try MixedModelDesign.applyOptions(design.options, to: data)
        guard let column = table.column(name) else { throw PlotError.unknownGroup(name, available: available) }
        let rows = design.dataRows
        guard rows.allSatisfy({ $0 < column.count }) else {
            throw PlotError.fitDoesNotMatchDesign("the data has fewer rows than the design uses")
        }
        switch column {
        case .categorical(let codes, let levels):
            self.init(name: name, levels: levels, codes: rows.map { codes[$0] })
        case .numeric(let values):
            guard case .factor(let codes, let levels) = VariableEvaluator.factor(from: rows.map { values[$0] }) else {
                throw PlotError.unknownGroup(name, available: available)
            }
            self.init(name: name, levels: levels, codes: codes)
        }
    }

    /// The model's grouping factors, then the data's categorical columns.
    static func availableNames(design: MixedModelDesign, data: DataTable?) -> [String] {
        var names = [String]()
        for t in design.terms where !names.contains(t.factor.name) { names.append(t.factor.name) }
        if let data {
            for (n, c) in zip(data.columnNames, data.columns) {
                if case .categorical = c, !names.contains(n) { names.append(n) }
            }
        }
        return names
    }

    /// Observation indices per level, in observation order.
    var members: [[Int]] {
        var out = [[Int]](repeating: [], count: levels.count)
        for (i, c) in codes.enumerated() where c >= 0 && Int(c) < levels.count { out[Int(c)].append(i) }
        return out
    }
}

/// Checks that a fit belongs to a design (same number of observations).
func checkFit(_ fit: MixedModelFit, matches design: MixedModelDesign) throws {
    guard fit.nobs == design.nobs, fit.fitted.count == design.nobs else {
        throw PlotError.fitDoesNotMatchDesign("the fit has \(fit.nobs) observations, the design \(design.nobs)")
    }
}
