import Foundation

/// Number formatting for the tables ("–" where there is no value).
enum Format {
    static let missing = "–"

    /// Seconds with three significant digits (0.0123, 1.23, 123).
    static func seconds(_ s: Double?) -> String {
        guard let s, s.isFinite else { return missing }
        if s >= 100 { return String(format: "%.0f", s) }
        if s >= 10 { return String(format: "%.1f", s) }
        if s >= 1 { return String(format: "%.2f", s) }
        return String(format: "%.3g", s)
    }

    /// Milliseconds from seconds, three significant digits.
    static func milliseconds(_ s: Double?) -> String {
        guard let s, s.isFinite else { return missing }
        return seconds(s * 1000)
    }

    static func integer(_ n: Int?) -> String {
        guard let n else { return missing }
        // thousands separators for readability
        let digits = String(n.magnitude)
        var out = ""
        for (k, ch) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// Megabytes without decimals (one below 10).
    static func megabytes(_ m: Double?) -> String {
        guard let m, m.isFinite else { return missing }
        return m < 10 ? String(format: "%.1f", m) : String(format: "%.0f", m)
    }

    /// An objective with 4 decimals.
    static func objective(_ x: Double?) -> String {
        guard let x, x.isFinite else { return missing }
        return String(format: "%.4f", x)
    }

    /// A small difference in scientific notation.
    static func difference(_ x: Double?) -> String {
        guard let x, x.isFinite else { return missing }
        return String(format: "%+.1e", x)
    }

    /// A ratio such as a speed-up (12.3×).
    static func ratio(_ x: Double?) -> String {
        guard let x, x.isFinite else { return missing }
        if x >= 100 { return String(format: "%.0f×", x) }
        if x >= 10 { return String(format: "%.1f×", x) }
        return String(format: "%.2f×", x)
    }
}

/// A plain-text or markdown table.
struct Table {
    var header: [String]
    /// Columns aligned left (the others right).
    var leftAligned: Set<Int> = [0]
    var rows: [[String]] = []

    init(_ header: [String]) { self.header = header }

    mutating func add(_ row: [String]) { rows.append(row) }

    /// Aligned text, two spaces between columns, a rule under the header.
    func text() -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return leftAligned.contains(c) ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        var out = line(header) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in rows { out += line(row) + "\n" }
        return out
    }

    /// A GitHub-flavoured markdown table.
    func markdown() -> String {
        var out = "| " + header.joined(separator: " | ") + " |\n"
        out += "|" + header.indices.map { leftAligned.contains($0) ? "---|" : "--:|" }.joined() + "\n"
        for row in rows { out += "| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
        return out
    }
}
