/// One row of a confidence-interval table: a parameter's name and its end points, nil where
/// the method gives none (lme4's NA, e.g. Wald intervals of variance parameters).
public struct ConfidenceInterval: Sendable, Equatable {
    /// lme4's name: `.sig01`, `.sig02`, …, `.sigma`, or a fixed effect's name.
    public var name: String
    /// Lower end point (nil: not available).
    public var lower: Double?
    /// Upper end point (nil: not available).
    public var upper: Double?

    /// A row with the given name and end points.
    public init(name: String, lower: Double?, upper: Double?) {
        self.name = name
        self.lower = lower
        self.upper = upper
    }
}

/// How a table of confidence intervals was computed.
public enum ConfidenceIntervalMethod: String, Sendable, CaseIterable {
    /// Estimate ± z·SE (fixed effects only).
    case wald
    /// Inversion of the likelihood-ratio test: the profile ζ = ±z.
    case profile
    /// Percentiles of a parametric bootstrap.
    case boot
}

/// A table of confidence intervals as lme4's `confint` returns it: rows named `.sig01`, …,
/// `.sigma` (Gaussian models) and the fixed effects, at one confidence level.
public struct ConfidenceIntervals: Sendable {
    /// How the intervals were computed.
    public var method: ConfidenceIntervalMethod
    /// The confidence level (0.95 for 95% intervals).
    public var level: Double
    /// The rows, in lme4's order.
    public var intervals: [ConfidenceInterval]
    /// Notes for the reader (what NA means, bootstrap failures, profile warnings).
    public var notes: [String]

    /// A table of `intervals` at confidence `level`, computed by `method`.
    public init(method: ConfidenceIntervalMethod, level: Double, intervals: [ConfidenceInterval], notes: [String] = []) {
        self.method = method
        self.level = level
        self.intervals = intervals
        self.notes = notes
    }

    /// The row of a parameter.
    public subscript(name: String) -> ConfidenceInterval? {
        intervals.first { $0.name == name }
    }

    /// The column titles lme4 prints (R's `format.perc(c(a, 1 - a), 3)`): `2.5 %` and `97.5 %`.
    public var columnTitles: [String] {
        let a = (1 - level) / 2
        return RNumberFormat.column([100 * a, 100 * (1 - a)], digits: 3).map { $0 + " %" }
    }

    /// The table as R prints lme4's `confint` matrix: row names left-aligned, each column
    /// formatted on its own with 7 significant digits, NA where no end point is available.
    public func text() -> String {
        let titles = columnTitles
        func column(_ values: [Double?]) -> [String] {
            let finite = values.compactMap { $0 }.filter { $0.isFinite }
            let formatted = RNumberFormat.column(finite, digits: 7)
            var k = 0
            return values.map { v in
                guard let v else { return "NA" }
                if !v.isFinite { return v.isNaN ? "NA" : (v > 0 ? "Inf" : "-Inf") }
                defer { k += 1 }
                return formatted[k]
            }
        }
        let lower = column(intervals.map { $0.lower })
        let upper = column(intervals.map { $0.upper })
        var table = TextTable(header: ["", titles[0], titles[1]], alignment: [.left, .right, .right])
        for (i, row) in intervals.enumerated() { table.add([row.name, lower[i], upper[i]]) }
        return table.render()
    }

    /// {name: {lower, upper}} with null for a missing end point.
    public func json() -> JSONValue {
        .object(intervals.map { ($0.name, .object([("lower", .finite($0.lower)), ("upper", .finite($0.upper))])) })
    }
}

/// lme4's names of the covariance parameters on the standard-deviation/correlation scale:
/// `.sig01`, `.sig02`, … (two digits, as `sprintf(".sig%02d", i)`).
public func varianceParameterNames(count: Int) -> [String] {
    (0..<count).map { i in
        let k = i + 1
        return k < 10 ? ".sig0\(k)" : ".sig\(k)"
    }
}
