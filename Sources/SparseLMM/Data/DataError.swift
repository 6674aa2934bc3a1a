/// Errors reading or assembling a data set. Each message names the problem and where it is.
public enum DataError: Error, Equatable, CustomStringConvertible {
    /// The file cannot be opened or read (the system's reason).
    case fileNotReadable(path: String, reason: String)
    /// The file has no header row.
    case emptyFile
    /// The file has a header row but no data rows.
    case noDataRows
    /// A table built from named columns has none.
    case noColumns
    /// A column with an empty name (1-based column number).
    case emptyColumnName(position: Int)
    /// Two columns with the same name (their 1-based column numbers).
    case duplicateColumnName(String, first: Int, second: Int)
    /// A row whose number of fields differs from the header's.
    case raggedRow(line: Int, expected: Int, found: Int)
    /// A quoted field that is never closed (the line it starts on).
    case unterminatedQuote(line: Int)
    /// A line that is not valid UTF-8.
    case invalidUTF8(line: Int)
    /// A named column whose length differs from the first column's.
    case columnLengthMismatch(column: String, expected: Int, found: Int)

    public var description: String {
        switch self {
        case .fileNotReadable(let path, let reason):
            return "cannot read data file '\(path)': \(reason)"
        case .emptyFile:
            return "the data file is empty: expected a header row followed by data rows"
        case .noDataRows:
            return "the data file has a header row but no data rows"
        case .noColumns:
            return "the data set has no columns"
        case .emptyColumnName(let position):
            return "column \(position) of the header has an empty name"
        case .duplicateColumnName(let name, let first, let second):
            return "duplicate column name '\(name)' (columns \(first) and \(second) of the header)"
        case .raggedRow(let line, let expected, let found):
            return "line \(line) has \(found) field\(found == 1 ? "" : "s"), but the header has \(expected)"
        case .unterminatedQuote(let line):
            return "unterminated quoted field starting on line \(line)"
        case .invalidUTF8(let line):
            return "line \(line) is not valid UTF-8 text"
        case .columnLengthMismatch(let column, let expected, let found):
            return "column '\(column)' has \(found) values, but the first column has \(expected)"
        }
    }
}
