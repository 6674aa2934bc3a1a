#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DataTable {
    /// Reads a CSV file: a header row, then one row per observation. A column is numeric when
    /// every non-missing field parses as a number, otherwise categorical (levels sorted in the C
    /// locale). An empty field or `NA` is missing. Quoted fields (with `""` for a quote, embedded
    /// commas and line breaks), CRLF line ends, a UTF-8 byte-order mark and blank lines are handled.
    public init(csvFile path: String) throws {
        let bytes = try readFileBytes(path)
        try self.init(csvBytes: bytes)
    }

    /// Parses CSV text (see `init(csvFile:)`).
    public init(csvText: String) throws {
        try self.init(csvBytes: Array(csvText.utf8))
    }

    /// Parses CSV bytes (see `init(csvFile:)`).
    public init(csvBytes bytes: [UInt8]) throws {
        let parsed = try bytes.withUnsafeBufferPointer { try CSVParser.parse($0) }
        try self.init(columns: parsed)
    }
}

/// Reads a whole file into memory.
func readFileBytes(_ path: String) throws -> [UInt8] {
    guard let f = fopen(path, "rb") else {
        throw DataError.fileNotReadable(path: path, reason: String(cString: strerror(errno)))
    }
    defer { fclose(f) }
    var st = stat()
    if fstat(fileno(f), &st) != 0 {
        throw DataError.fileNotReadable(path: path, reason: String(cString: strerror(errno)))
    }
    if (st.st_mode & S_IFMT) == S_IFDIR {
        throw DataError.fileNotReadable(path: path, reason: "it is a directory")
    }
    var out = [UInt8]()
    out.reserveCapacity(Int(st.st_size) + 1)
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let got = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if got > 0 { out.append(contentsOf: chunk[0..<got]) }
        if got < chunk.count {
            if ferror(f) != 0 { throw DataError.fileNotReadable(path: path, reason: String(cString: strerror(errno))) }
            break
        }
    }
    return out
}

/// A byte-level CSV tokenizer and column builder.
enum CSVParser {
    /// One field of the current record: a byte range, or (quoted with doubled quotes) owned bytes.
    struct Field {
        var start: Int
        var end: Int
        var quoted: Bool
        var unescaped: [UInt8]?
    }

    static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    /// Tokenizes records one by one.
    struct Tokenizer {
        let b: UnsafeBufferPointer<UInt8>
        var pos = 0
        var line = 1  // physical line number of the next record's first byte

        init(_ b: UnsafeBufferPointer<UInt8>) {
            self.b = b
            if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { pos = 3 }
        }

        /// Reads the next non-blank record into `fields`; returns its line number, or nil at the end.
        mutating func next(_ fields: inout [Field]) throws -> Int? {
            fields.removeAll(keepingCapacity: true)
            // skip blank lines
            while pos < b.count {
                if b[pos] == lf { pos += 1; line += 1; continue }
                if b[pos] == cr { pos += 1; if pos < b.count && b[pos] == lf { pos += 1 }; line += 1; continue }
                break
            }
            if pos >= b.count { return nil }
            let recordLine = line
            while true {
                // one field
                var s = pos
                while s < b.count && (b[s] == space || b[s] == tab) { s += 1 }
                if s < b.count && b[s] == quote {
                    let quoteLine = line
                    var k = s + 1
                    var owned: [UInt8]? = nil
                    let contentStart = k
                    while true {
                        guard k < b.count else { throw DataError.unterminatedQuote(line: quoteLine) }
                        let c = b[k]
                        if c == quote {
                            if k + 1 < b.count && b[k + 1] == quote {
                                if owned == nil { owned = Array(b[contentStart..<k]) }
                                owned!.append(quote)
                                k += 2
                                continue
                            }
                            break
                        }
                        if c == lf { line += 1 } else if c == cr && !(k + 1 < b.count && b[k + 1] == lf) { line += 1 }
                        owned?.append(c)
                        k += 1
                    }
                    fields.append(Field(start: contentStart, end: k, quoted: true, unescaped: owned))
                    k += 1
                    // anything after the closing quote up to the separator is ignored if blank
                    while k < b.count && (b[k] == space || b[k] == tab) { k += 1 }
                    if k < b.count && b[k] != comma && b[k] != lf && b[k] != cr {
                        // text after a closing quote: keep it, as R does, by extending the field
                        var extra = fields[fields.count - 1].unescaped ?? Array(b[contentStart..<(k - 1)])
                        while k < b.count && b[k] != comma && b[k] != lf && b[k] != cr { extra.append(b[k]); k += 1 }
                        fields[fields.count - 1].unescaped = extra
                    }
                    pos = k
                } else {
                    var k = s
                    while k < b.count && b[k] != comma && b[k] != lf && b[k] != cr { k += 1 }
                    var e = k
                    while e > s && (b[e - 1] == space || b[e - 1] == tab) { e -= 1 }
                    fields.append(Field(start: s, end: e, quoted: false, unescaped: nil))
                    pos = k
                }
                if pos >= b.count { return recordLine }
                let c = b[pos]
                if c == comma { pos += 1; continue }
                if c == cr { pos += 1; if pos < b.count && b[pos] == lf { pos += 1 } }
                else { pos += 1 }
                line += 1
                return recordLine
            }
        }

        func bytes(_ f: Field) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: b[f.start..<f.end])
        }
    }

    /// Parses the whole buffer into named columns.
    static func parse(_ b: UnsafeBufferPointer<UInt8>) throws -> [(String, DataColumn)] {
        var tok = Tokenizer(b)
        var fields = [Field]()
        guard let headerLine = try tok.next(&fields) else { throw DataError.emptyFile }
        var names = [String]()
        for (k, f) in fields.enumerated() {
            let raw = f.unescaped ?? Array(tok.bytes(f))
            guard let name = String(validating: raw, as: UTF8.self) else { throw DataError.invalidUTF8(line: headerLine) }
            let trimmed = name.trimmingSpaces()
            if trimmed.isEmpty {
                // a single empty header field on an otherwise empty line cannot happen (blank lines skip)
                throw DataError.emptyColumnName(position: k + 1)
            }
            names.append(trimmed)
        }
        var seen = [String: Int]()
        for (k, n) in names.enumerated() {
            if let first = seen[n] { throw DataError.duplicateColumnName(n, first: first + 1, second: k + 1) }
            seen[n] = k
        }
        let ncol = names.count
        var builders = [ColumnBuilder](repeating: ColumnBuilder(), count: ncol)
        let dataStart = (tok.pos, tok.line)
        var row = 0
        while let line = try tok.next(&fields) {
            if fields.count != ncol { throw DataError.raggedRow(line: line, expected: ncol, found: fields.count) }
            for j in 0..<ncol {
                let f = fields[j]
                if let owned = f.unescaped {
                    try owned.withUnsafeBufferPointer { try builders[j].add($0, quoted: true, row: row, line: line) }
                } else {
                    try builders[j].add(tok.bytes(f), quoted: f.quoted, row: row, line: line)
                }
                if builders[j].needsReplay {
                    try replay(b, start: dataStart, column: j, rows: row, builder: &builders[j])
                }
            }
            row += 1
        }
        if row == 0 { throw DataError.noDataRows }
        return zip(names, builders).map { ($0, $1.finish()) }
    }

    /// Re-reads rows 0..<rows of column j as text, after the column turned out to be categorical.
    static func replay(_ b: UnsafeBufferPointer<UInt8>, start: (Int, Int), column j: Int, rows: Int, builder: inout ColumnBuilder) throws {
        var tok = Tokenizer(b)
        tok.pos = start.0
        tok.line = start.1
        var fields = [Field]()
        var labels = LevelTable()
        var codes = [Int32]()
        codes.reserveCapacity(rows + 1)
        for _ in 0..<rows {
            guard let line = try tok.next(&fields) else { break }
            let f = fields[j]
            let code: Int32
            if let owned = f.unescaped {
                code = try owned.withUnsafeBufferPointer { try ColumnBuilder.code(of: $0, in: &labels, line: line) }
            } else {
                code = try ColumnBuilder.code(of: tok.bytes(f), in: &labels, line: line)
            }
            codes.append(code)
        }
        try builder.becomeCategorical(labels: labels, codes: codes)
    }
}

/// Accumulates one column: numeric while every field parses as a number, categorical after.
struct ColumnBuilder {
    var numbers: [Double] = []
    var isNumeric = true
    var labels = LevelTable()
    var codes: [Int32] = []
    /// Set when a non-numeric field arrives in a numeric column: earlier rows must be re-read as text.
    var needsReplay = false
    private var pending: [UInt8] = []
    private var pendingLine = 0

    static func isMissing(_ f: UnsafeBufferPointer<UInt8>) -> Bool {
        f.count == 0 || (f.count == 2 && f[0] == UInt8(ascii: "N") && f[1] == UInt8(ascii: "A"))
    }

    static func code(of f: UnsafeBufferPointer<UInt8>, in labels: inout LevelTable, line: Int) throws -> Int32 {
        if isMissing(f) { return -1 }
        if String(validating: f, as: UTF8.self) == nil { throw DataError.invalidUTF8(line: line) }
        return labels.code(for: f)
    }

    mutating func add(_ f: UnsafeBufferPointer<UInt8>, quoted: Bool, row: Int, line: Int) throws {
        if isNumeric {
            if ColumnBuilder.isMissing(f) { numbers.append(.nan); return }
            if let v = parseNumber(f) { numbers.append(v); return }
            // the first non-numeric field: switch to text and ask for a replay of earlier rows
            isNumeric = false
            needsReplay = true
            pending = Array(f)
            pendingLine = line
            return
        }
        codes.append(try ColumnBuilder.code(of: f, in: &labels, line: line))
    }

    mutating func becomeCategorical(labels replayed: LevelTable, codes replayedCodes: [Int32]) throws {
        labels = replayed
        codes = replayedCodes
        numbers = []
        needsReplay = false
        let p = pending
        let line = pendingLine
        try p.withUnsafeBufferPointer { codes.append(try ColumnBuilder.code(of: $0, in: &labels, line: line)) }
        pending = []
    }

    func finish() -> DataColumn {
        if isNumeric { return .numeric(numbers) }
        // sort levels in the C locale and recode
        let levels = labels.levels
        let order = levels.indices.sorted { levels[$0].lexicographicallyPrecedes(levels[$1]) }
        var newCode = [Int32](repeating: 0, count: levels.count)
        for (k, old) in order.enumerated() { newCode[old] = Int32(k) }
        let sortedLevels = order.map { String(decoding: levels[$0], as: UTF8.self) }
        return .categorical(codes: codes.map { $0 < 0 ? -1 : newCode[Int($0)] }, levels: sortedLevels)
    }
}

/// Parses a decimal number (optionally signed, with exponent), `Inf`, `-Inf` or `NaN`.
/// Returns nil when the text is not a number. NaN is returned for "NaN" (R treats it as missing).
func parseNumber(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
    let n = f.count
    if n == 0 { return nil }
    // fast path: plain integers of up to 15 digits
    var i = 0
    var negative = false
    if f[0] == UInt8(ascii: "-") || f[0] == UInt8(ascii: "+") { negative = f[0] == UInt8(ascii: "-"); i = 1 }
    if i < n && n - i <= 15 {
        var v: Int64 = 0
        var j = i
        while j < n, f[j] >= 48, f[j] <= 57 { v = v * 10 + Int64(f[j] - 48); j += 1 }
        if j == n && j > i { return negative ? -Double(v) : Double(v) }
    }
    // validate the characters strtod would accept, rejecting hex and other C extensions
    var sawDigit = false
    var k = i
    let rest = n - i
    if rest == 3 || rest == 8 {
        let word = String(decoding: UnsafeBufferPointer(rebasing: f[i..<n]), as: UTF8.self).lowercased()
        if word == "inf" || word == "infinity" { return negative ? -.infinity : .infinity }
        if word == "nan" && i == 0 { return .nan }
    }
    var sawDot = false, sawExp = false
    while k < n {
        let c = f[k]
        if c >= 48 && c <= 57 { sawDigit = true }
        else if c == UInt8(ascii: ".") { if sawDot || sawExp { return nil }; sawDot = true }
        else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            if sawExp || !sawDigit { return nil }
            sawExp = true
            if k + 1 < n && (f[k + 1] == UInt8(ascii: "+") || f[k + 1] == UInt8(ascii: "-")) { k += 1 }
            if k + 1 >= n { return nil }
        } else { return nil }
        k += 1
    }
    if !sawDigit { return nil }
    if n >= 128 { return nil }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Double? in
        for t in 0..<n { buf[t] = CChar(bitPattern: f[t]) }
        buf[n] = 0
        var end: UnsafeMutablePointer<CChar>? = nil
        let v = strtod(buf.baseAddress!, &end)
        guard let e = end, e - buf.baseAddress! == n else { return nil }
        return v
    }
}

/// An insertion-ordered table of byte-string labels with O(1) lookup (open addressing, FNV-1a).
struct LevelTable {
    private(set) var levels: [[UInt8]] = []
    private var slots: [Int32] = [Int32](repeating: -1, count: 64)
    private var hashes: [UInt64] = []

    @inline(__always) static func hash(_ f: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in f { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        return h
    }

    mutating func code(for f: UnsafeBufferPointer<UInt8>) -> Int32 {
        let h = LevelTable.hash(f)
        var mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let c = slots[s]
            if c < 0 { break }
            if hashes[Int(c)] == h && levels[Int(c)].elementsEqual(f) { return c }
            s = (s + 1) & mask
        }
        let code = Int32(levels.count)
        levels.append(Array(f))
        hashes.append(h)
        slots[s] = code
        if levels.count * 2 > slots.count {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            mask = slots.count - 1
            for (k, hk) in hashes.enumerated() {
                var t = Int(truncatingIfNeeded: hk) & mask
                while slots[t] >= 0 { t = (t + 1) & mask }
                slots[t] = Int32(k)
            }
        }
        return code
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let s = self.unicodeScalars
        var a = s.startIndex, b = s.endIndex
        while a < b && (s[a] == " " || s[a] == "\t") { a = s.index(after: a) }
        while b > a && (s[s.index(before: b)] == " " || s[s.index(before: b)] == "\t") { b = s.index(before: b) }
        return String(s[a..<b])
    }
}
