#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number formatting as R prints numbers (`as.character`, `format`, `signif`).
public enum RNumberFormat {
    /// C's printf for one double (`%.*e`, `%.*f`, `%.*g`).
    public static func printf(_ format: String, _ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBufferPointer { buf in
            withVaList([value]) { vsnprintf(buf.baseAddress, buf.count, format, $0) }
        }
        return String(decoding: buffer[0..<Int(max(0, min(n, 511)))].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// R's `as.character(x)` for a double: up to 15 significant digits, fixed or scientific
    /// notation whichever is shorter (ties to fixed), as in `1`, `2.5`, `1e+05`, `1e-04`.
    public static func asCharacter(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
        if x == 0 { return "0" }
        // fewest significant digits (<= 15) that reproduce the value rounded to 15 digits
        let target = Double(printf("%.14e", x))!
        var digits = 15
        for d in 1...15 {
            if Double(printf("%.\(d - 1)e", x))! == target { digits = d; break }
        }
        let sci = scientific(x, digits: digits)
        let exponent = Int(floor(log10(abs(Double(printf("%.\(digits - 1)e", x))!))))
        let decimals = max(0, digits - 1 - exponent)
        let fixed = printf("%.\(decimals)f", x)
        return fixed.count <= sci.count ? fixed : sci
    }

    /// R-style scientific notation with `digits` significant digits: `1e+05`, `2.5e-07`.
    static func scientific(_ x: Double, digits: Int) -> String {
        let s = printf("%.\(max(0, digits - 1))e", x)
        // C prints e+05 already; R prints at least two exponent digits as well
        return s
    }

    /// `signif(x, digits)` printed as R's `format` would print it alone.
    public static func significant(_ x: Double, _ digits: Int) -> String {
        if !x.isFinite { return asCharacter(x) }
        if x == 0 { return "0" }
        let rounded = Double(printf("%.\(max(0, digits - 1))e", x))!
        return asCharacter(rounded)
    }

    /// Formats a column of numbers as R's `format(x, digits = d)`: one number of decimals for all,
    /// the fewest that show every entry with `digits` significant digits (trailing zeros dropped).
    public static func column(_ xs: [Double], digits: Int) -> [String] {
        var decimals = 0
        for x in xs where x.isFinite && x != 0 {
            let mantissa = printf("%.\(max(0, digits - 1))e", x)   // d.ddde±XX
            guard let e = mantissa.firstIndex(where: { $0 == "e" }) else { continue }
            let exponent = Int(mantissa[mantissa.index(after: e)...])!
            var sig = mantissa[..<e].filter { $0.isNumber }
            while sig.count > 1 && sig.last == "0" { sig.removeLast() }
            decimals = max(decimals, sig.count - 1 - exponent)
        }
        decimals = min(decimals, 15)
        return xs.map { x in
            if x.isNaN { return "NaN" }
            if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
            return printf("%.\(decimals)f", x)
        }
    }

    /// `x` rounded to `decimals` places and printed with them.
    public static func fixed(_ x: Double, _ decimals: Int) -> String {
        if !x.isFinite { return asCharacter(x) }
        return printf("%.\(decimals)f", x)
    }

    /// R's `format.pval(p, digits = 3)`: `< 2e-16` below machine precision, scientific for small values.
    public static func pValue(_ p: Double, digits: Int = 3) -> String {
        if p.isNaN { return "NA" }
        if p < 2.2e-16 { return "< 2e-16" }
        if p < 1e-4 { return printf("%.\(digits - 1)e", p) }
        return significant(p, digits)
    }
}
