#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// R's ways of laying numbers out as lme4's `summary` prints them: `format` of a vector (one
/// notation, one number of decimals and one width for all), `zapsmall`, `format.pval`, and the
/// `print` layouts of named vectors and character matrices.
enum RPrint {
    /// `round(x, decimals)`.
    static func round(_ x: Double, _ decimals: Int) -> Double {
        guard x.isFinite else { return x }
        let scale = pow(10, Double(decimals))
        let r = (x * scale).rounded() / scale
        return r.isFinite ? r : x
    }

    /// `zapsmall(x, digits)` as R 4.2 computes it: round to floor(digits − log10(max|x|) + ½)
    /// decimals, at least 0.
    static func zapsmall(_ x: [Double], digits: Int) -> [Double] {
        let mx = x.filter { $0.isFinite }.map { abs($0) }.max() ?? 0
        let decimals = mx > 0 ? max(0, Int(floor(Double(digits) - log10(mx) + 0.5))) : digits
        return x.map { round($0, decimals) }
    }

    /// R's `formatReal`: the significant digits (at most `digits`, trailing zeros dropped) and
    /// the decimal exponent of x rounded to `digits` significant digits.
    static func significantDigits(_ x: Double, digits: Int) -> (nsig: Int, exponent: Int) {
        let s = RNumberFormat.printf("%.\(max(0, digits - 1))e", x)   // -d.ddde±XX
        guard let e = s.firstIndex(of: "e"), let exponent = Int(s[s.index(after: e)...]) else { return (1, 0) }
        var sig = s[..<e].filter { $0.isNumber }
        while sig.count > 1 && sig.last == "0" { sig.removeLast() }
        return (sig.count, exponent)
    }

    /// `format(x, digits = digits, nsmall = nsmall)` of a numeric vector: fixed notation with the
    /// fewest decimals (at least `nsmall`) that show every entry to `digits` significant digits,
    /// or scientific notation when that is narrower; every entry right-justified to one width.
    static func format(_ x: [Double], digits: Int, nsmall: Int = 0) -> [String] {
        var rgt = 0, left = 1, neg = 0, mxns = 1, mxe = 1
        var finite = false
        for v in x where v.isFinite {
            finite = true
            if v < 0 { neg = 1 }
            if v == 0 { continue }
            let (nsig, kp) = significantDigits(v, digits: digits)
            left = max(left, kp + 1)
            rgt = max(rgt, nsig - kp - 1)
            mxns = max(mxns, nsig)
            mxe = max(mxe, abs(kp) >= 100 ? 3 : 2)
        }
        var out: [String]
        let fixedWidth = neg + left + (rgt > 0 ? rgt + 1 : 0)
        let sciWidth = neg + (mxns > 1 ? mxns + 1 : mxns) + 2 + mxe
        if !finite || fixedWidth <= sciWidth {
            let decimals = max(rgt, nsmall)
            out = x.map { $0.isFinite ? RNumberFormat.printf("%.\(decimals)f", $0) : special($0) }
        } else {
            out = x.map { $0.isFinite ? RNumberFormat.printf("%.\(mxns - 1)e", $0) : special($0) }
        }
        let width = out.map { $0.count }.max() ?? 0
        return out.map { String(repeating: " ", count: width - $0.count) + $0 }
    }

    static func special(_ x: Double) -> String { x.isNaN ? "NaN" : x > 0 ? "Inf" : "-Inf" }

    /// `format.pval(p, digits, eps = .Machine$double.eps)` as R 4.2 has it: p-values of 10⁻⁴ and
    /// above (10⁻³ when `digits` is 1) formatted together, smaller ones together (usually
    /// scientific), and those below the machine epsilon as `< 2e-16` (`<2e-16` when every one is).
    static func formatPValues(_ p: [Double], digits: Int) -> [String] {
        let eps = 2.220446049250313e-16
        var out = [String](repeating: "NA", count: p.count)
        let ok = p.indices.filter { !p[$0].isNaN }
        let tiny = ok.filter { p[$0] < eps }
        let rest = ok.filter { p[$0] >= eps }
        func fixedNotation(_ x: Double) -> Bool {
            guard x > 0 else { return true }
            let exponent = floor(log10(x))
            return exponent >= -3 || (exponent == -4 && digits > 1)
        }
        let fixed = rest.filter { fixedNotation(p[$0]) }
        let small = rest.filter { !fixedNotation(p[$0]) }
        for group in [fixed, small] where !group.isEmpty {
            let f = format(group.map { p[$0] }, digits: digits)
            for (k, i) in group.enumerated() { out[i] = f[k].trimmingLeadingSpaces() }
        }
        if !tiny.isEmpty {
            var d = max(1, digits - 2)
            let sep: String
            if !rest.isEmpty {
                let nc = rest.map { out[$0].count }.max() ?? 0
                if d > 1 && d + 6 > nc { d = max(1, nc - 7) }
                sep = d == 1 && nc <= 6 ? "" : " "
            } else {
                sep = d == 1 ? "" : " "
            }
            let epsText = RNumberFormat.printf("%.\(d - 1)e", eps)
            for i in tiny { out[i] = "<" + sep + epsText }
        }
        return out
    }

    /// A column of R's `print.anova` table other than its test statistic, degrees of freedom and
    /// p-value columns, as `printCoefmat` lays it out: `format(zapsmall(x, digits), digits = digits)`
    /// of the whole column, missing entries (nil or not finite) printed empty. Zapping first rounds
    /// twice: R 4.2 prints a BIC of 1814.8505 as 1814.8 (zapsmall to 1814.85, a double just below
    /// that, then 5 significant digits).
    static func anovaColumn(_ x: [Double?], digits: Int = 5) -> [String] {
        let present = x.compactMap { $0 }.filter { $0.isFinite }
        let formatted = format(zapsmall(present, digits: digits), digits: digits)
        var k = 0
        return x.map { v in
            guard let v, v.isFinite else { return "" }
            defer { k += 1 }
            return formatted[k].trimmingLeadingSpaces()
        }
    }

    /// `print` of a named vector: every name and value right-justified to the widest of them all,
    /// one space apart; the names line over the values line.
    static func namedVector(names: [String], values: [String]) -> String {
        let width = (names + values).map { $0.count }.max() ?? 0
        func line(_ cells: [String]) -> String {
            cells.map { String(repeating: " ", count: width - $0.count) + $0 }.joined(separator: " ")
        }
        return line(names) + "\n" + line(values) + "\n"
    }

    /// `print(m, quote = FALSE, right = right)` of a character matrix: row names left-justified in
    /// the first column, then each column as wide as its header and entries, justified left or
    /// right (headers too), one space apart; trailing spaces dropped.
    static func matrix(rowNames: [String], columnNames: [String], rows: [[String]], right: Bool) -> String {
        let nameWidth = rowNames.map { $0.count }.max() ?? 0
        let widths = columnNames.indices.map { c in ([columnNames[c]] + rows.map { $0[c] }).map { $0.count }.max() ?? 0 }
        func pad(_ s: String, _ w: Int) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return right ? fill + s : s + fill
        }
        func line(_ name: String, _ cells: [String]) -> String {
            var l = name + String(repeating: " ", count: nameWidth - name.count)
            for (c, cell) in cells.enumerated() { l += " " + pad(cell, widths[c]) }
            while l.hasSuffix(" ") { l.removeLast() }
            return l + "\n"
        }
        return line("", columnNames) + zip(rowNames, rows).map { line($0, $1) }.joined()
    }
}

extension String {
    func trimmingLeadingSpaces() -> String { String(drop(while: { $0 == " " })) }
}
