/// One column of a `DataTable`: numbers, or a categorical variable stored as integer codes.
public enum DataColumn: Sendable, Equatable {
    /// Numeric values; `Double.nan` marks a missing value (R's `NA`).
    case numeric([Double])
    /// Category codes into `levels` (0-based); −1 marks a missing value.
    case categorical(codes: [Int32], levels: [String])

    /// Number of rows.
    public var count: Int {
        switch self {
        case .numeric(let v): return v.count
        case .categorical(let c, _): return c.count
        }
    }

    /// Whether row `i` is missing.
    @inlinable public func isMissing(_ i: Int) -> Bool {
        switch self {
        case .numeric(let v): return v[i].isNaN
        case .categorical(let c, _): return c[i] < 0
        }
    }

    /// A categorical column from string labels; `nil` entries are missing. Levels are sorted
    /// in the C locale (byte order), as the `lmm` tool sorts them.
    public static func categorical(_ labels: [String?]) -> DataColumn {
        let distinct = Set(labels.compactMap { $0 }).sorted(by: cLocaleLess)
        var index = [String: Int32](minimumCapacity: distinct.count)
        for (k, l) in distinct.enumerated() { index[l] = Int32(k) }
        return .categorical(codes: labels.map { $0.map { index[$0]! } ?? -1 }, levels: distinct)
    }
}

/// Byte-wise (C locale) string order, as R's `sort` in the C locale.
@inlinable public func cLocaleLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// A columnar data set: named columns of equal length, numeric or categorical.
///
/// Read one from CSV with `DataTable(csvFile:)`, or build one from Swift arrays with
/// `DataTable(columns:)`. A `DataTable` is an immutable value and may be shared between threads.
public struct DataTable: Sendable {
    /// Column names, in file order.
    public let columnNames: [String]
    /// Columns, in the order of `columnNames`.
    public let columns: [DataColumn]
    /// Number of rows.
    public let rowCount: Int
    private let index: [String: Int]

    /// A table from named columns of equal length.
    public init(columns named: [(String, DataColumn)]) throws {
        guard !named.isEmpty else { throw DataError.noColumns }
        var seen = [String: Int]()
        for (k, (name, _)) in named.enumerated() {
            if name.isEmpty { throw DataError.emptyColumnName(position: k + 1) }
            if let first = seen[name] { throw DataError.duplicateColumnName(name, first: first + 1, second: k + 1) }
            seen[name] = k
        }
        let n = named[0].1.count
        for (name, c) in named where c.count != n {
            throw DataError.columnLengthMismatch(column: name, expected: n, found: c.count)
        }
        columnNames = named.map { $0.0 }
        columns = named.map { $0.1 }
        rowCount = n
        index = seen
    }

    /// A table from numeric and string columns given as dictionaries (columns sorted by name).
    public init(numeric: [String: [Double]] = [:], categorical: [String: [String?]] = [:]) throws {
        var cols = [(String, DataColumn)]()
        for (k, v) in numeric { cols.append((k, .numeric(v))) }
        for (k, v) in categorical { cols.append((k, .categorical(v))) }
        try self.init(columns: cols.sorted { $0.0 < $1.0 })
    }

    /// The column with this name, if any.
    public func column(_ name: String) -> DataColumn? {
        index[name].map { columns[$0] }
    }

    /// Whether a column with this name exists.
    public func hasColumn(_ name: String) -> Bool { index[name] != nil }

    /// Column names closest to `name` (edit distance), best first, for "did you mean" messages.
    public func closestColumnNames(to name: String, limit: Int = 3) -> [String] {
        let scored = columnNames.map { ($0, editDistance($0.lowercased(), name.lowercased())) }
        let threshold = max(2, name.count / 2)
        return scored.filter { $0.1 <= threshold }.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
            .prefix(limit).map { $0.0 }
    }

    /// The table with only the given rows, in the given order (levels of categorical columns kept).
    public func rows(_ selection: [Int]) -> DataTable {
        let cols: [(String, DataColumn)] = zip(columnNames, columns).map { name, c in
            switch c {
            case .numeric(let v): return (name, .numeric(selection.map { v[$0] }))
            case .categorical(let codes, let levels): return (name, .categorical(codes: selection.map { codes[$0] }, levels: levels))
            }
        }
        return try! DataTable(columns: cols)
    }
}

/// Levenshtein distance between two strings (by Unicode scalars).
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    var cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}
