/// A plain-text table with right- or left-aligned columns, as R prints data frames and matrices.
struct TextTable {
    enum Alignment { case left, right }
    var header: [String]
    var alignment: [Alignment]
    var rows: [[String]] = []

    init(header: [String], alignment: [Alignment]) {
        self.header = header
        self.alignment = alignment
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    /// Renders with one space between columns (plus `lead` spaces before the first).
    func render(lead: Int = 0) -> String {
        let all = [header] + rows
        let widths = (0..<header.count).map { c in all.map { $0[c].count }.max() ?? 0 }
        var out = ""
        for row in all {
            var line = String(repeating: " ", count: lead)
            for (c, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[c] - cell.count)
                line += alignment[c] == .left ? cell + padding : padding + cell
                if c + 1 < row.count { line += " " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
