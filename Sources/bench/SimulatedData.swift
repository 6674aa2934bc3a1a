import SparseLMM

/// A generated data set: named columns of equal length, numeric or categorical, in a fixed order.
/// It becomes a `DataTable` for our engine (no CSV in between) and a CSV file for R, holding the
/// same values.
struct SimulatedData {
    /// One column.
    enum Column {
        /// Numbers. Values are quantised at generation (`quantised`) so that their shortest
        /// decimal form, written to CSV and parsed by R, is exactly the double our engine sees.
        case numeric([Double])
        /// Integer-valued numbers (counts, 0/1 responses), written without a decimal point.
        case integer([Double])
        /// A categorical variable: codes into `labels`.
        case factor(codes: [Int32], labels: [String])

        var count: Int {
            switch self {
            case .numeric(let v), .integer(let v): return v.count
            case .factor(let c, _): return c.count
            }
        }
    }

    /// Columns in CSV order.
    var columns: [(name: String, column: Column)]

    /// Number of rows.
    var rowCount: Int { columns.first?.column.count ?? 0 }

    /// Names of the categorical columns (R must read them as factors).
    var factorNames: [String] {
        columns.compactMap { if case .factor = $0.column { return $0.name } else { return nil } }
    }

    /// The table our engine fits (factor levels in label order, i.e. the order R's `factor()` gives
    /// them, because labels are zero-padded).
    func dataTable() throws -> DataTable {
        try DataTable(columns: columns.map { name, column in
            switch column {
            case .numeric(let v), .integer(let v): return (name, DataColumn.numeric(v))
            case .factor(let codes, let labels): return (name, DataColumn.categorical(codes: codes, levels: labels))
            }
        })
    }

    /// Rounds to 6 decimal places, so that the CSV text and the in-memory value agree exactly.
    static func quantised(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }

    /// Zero-padded labels `prefix1`…`prefixN` (sorted label order = numeric order).
    static func labels(_ prefix: String, count: Int) -> [String] {
        let width = String(count).count
        return (1...count).map { k in
            let s = String(k)
            return prefix + String(repeating: "0", count: width - s.count) + s
        }
    }
}
