import Testing
import Foundation
@testable import SparseLMM

/// Reading CSV text into a `DataTable`: the header, type inference, missing values, quoting, line
/// ends, encodings, level order, and every error with its exact message.
@Suite struct CSVReaderTests {
    /// The numbers of a numeric column (fails the test otherwise).
    func numbers(_ t: DataTable, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> [Double] {
        guard case .numeric(let v)? = t.column(name) else {
            Issue.record("column \(name) is not numeric: \(String(describing: t.column(name)))", sourceLocation: sourceLocation)
            return []
        }
        return v
    }

    /// The codes and levels of a categorical column (fails the test otherwise).
    func categories(_ t: DataTable, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> (codes: [Int32], levels: [String]) {
        guard case .categorical(let c, let l)? = t.column(name) else {
            Issue.record("column \(name) is not categorical: \(String(describing: t.column(name)))", sourceLocation: sourceLocation)
            return ([], [])
        }
        return (c, l)
    }

    /// NaN-aware equality of number lists (NaN = missing).
    func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    func error(_ text: String) -> DataError? {
        do { _ = try DataTable(csvText: text); return nil } catch let e as DataError { return e } catch { return nil }
    }

    // MARK: header and types

    @Test func headerAndTypeInference() throws {
        let t = try DataTable(csvText: "x,g,y\n1,a,2.5\n2,b,-3e2\n10,a,0.125\n")
        #expect(t.columnNames == ["x", "g", "y"])
        #expect(t.rowCount == 3)
        #expect(numbers(t, "x") == [1, 2, 10])
        #expect(numbers(t, "y") == [2.5, -300, 0.125])
        let g = categories(t, "g")
        #expect(g.levels == ["a", "b"])
        #expect(g.codes == [0, 1, 0])
        #expect(t.hasColumn("g") && !t.hasColumn("G"))
        #expect(t.column("nope") == nil)
    }

    @Test func numberSyntaxes() throws {
        let t = try DataTable(csvText: "v\n+4\n.5\n5.\n1e-3\n-2.5E+2\n007\nInf\n-Inf\n123456789012345678\n")
        #expect(numbers(t, "v") == [4, 0.5, 5, 0.001, -250, 7, .infinity, -.infinity, Double("123456789012345678")!])
    }

    /// Text that only looks numeric at first makes the column categorical, earlier rows included.
    @Test(arguments: ["1e", "1.2.3", "0x10", "--1", "1,5", "TRUE", "1 2"])
    func notANumberMakesTheColumnCategorical(field: String) throws {
        let quoted = field.contains(",") ? "\"\(field)\"" : field
        let t = try DataTable(csvText: "v,w\n3,1\n\(quoted),2\n10,3\n")
        let v = categories(t, "v")
        #expect(v.levels == ["10", "3", field].sorted(by: cLocaleLess))
        #expect(v.codes.map { v.levels[Int($0)] } == ["3", field, "10"])
        #expect(numbers(t, "w") == [1, 2, 3])
    }

    @Test func lateTextReplaysEarlierRowsWithMissingValues() throws {
        let t = try DataTable(csvText: "x,k\nNA,1\n1,2\n,3\n2,4\nfoo,5\n1,6\n")
        let x = categories(t, "x")
        #expect(x.levels == ["1", "2", "foo"])
        #expect(x.codes == [-1, 0, -1, 1, 2, 0])
        #expect(numbers(t, "k") == [1, 2, 3, 4, 5, 6])
    }

    @Test func spacesAroundUnquotedFieldsAndNamesAreTrimmed() throws {
        let t = try DataTable(csvText: " a , b \n 1 , x \n2\t,\ty\n")
        #expect(t.columnNames == ["a", "b"])
        #expect(numbers(t, "a") == [1, 2])
        #expect(categories(t, "b").levels == ["x", "y"])
    }

    // MARK: missing values

    @Test func emptyFieldAndNAAreMissing() throws {
        let t = try DataTable(csvText: "x,g\n1,a\n,NA\nNA,\n4,b\nNaN,c\n")
        #expect(same(numbers(t, "x"), [1, .nan, .nan, 4, .nan]))
        let g = categories(t, "g")
        #expect(g.levels == ["a", "b", "c"])
        #expect(g.codes == [0, -1, -1, 1, 2])
        #expect(t.column("x")!.isMissing(1) && t.column("g")!.isMissing(2) && !t.column("g")!.isMissing(3))
    }

    @Test func aColumnOfOnlyMissingValuesIsNumeric() throws {
        let t = try DataTable(csvText: "x,y\nNA,1\n,2\n")
        #expect(same(numbers(t, "x"), [.nan, .nan]))
    }

    @Test func lowercaseNaIsALabel() throws {
        let t = try DataTable(csvText: "g\nna\nNA\nn/a\n")
        let g = categories(t, "g")
        #expect(g.levels == ["n/a", "na"])
        #expect(g.codes == [1, -1, 0])
    }

    // MARK: quoting

    @Test func quotedFields() throws {
        let text = "name,val\n\"Smith, J\",1\n\"say \"\"hi\"\"\",2\n\"line1\nline2\",3\n\"plain\",4\n"
        let t = try DataTable(csvText: text)
        #expect(t.rowCount == 4)
        let n = categories(t, "name")
        #expect(n.levels == ["Smith, J", "line1\nline2", "plain", "say \"hi\""])
        #expect(n.codes.map { n.levels[Int($0)] } == ["Smith, J", "say \"hi\"", "line1\nline2", "plain"])
        #expect(numbers(t, "val") == [1, 2, 3, 4])
    }

    @Test func quotedHeaderNamesAndQuotedNumbers() throws {
        let t = try DataTable(csvText: "\"my col\",\"b,c\"\n\"1\",\"2.5\"\n\"3\",4\n")
        #expect(t.columnNames == ["my col", "b,c"])
        #expect(numbers(t, "my col") == [1, 3])
        #expect(numbers(t, "b,c") == [2.5, 4])
    }

    @Test func quotedFieldWithCRLFInside() throws {
        let t = try DataTable(csvText: "a,b\r\n\"x\r\ny\",1\r\nz,2\r\n")
        #expect(categories(t, "a").levels == ["x\r\ny", "z"])
        #expect(numbers(t, "b") == [1, 2])
    }

    @Test func doubledQuotesInALateTextColumnSurviveTheReplay() throws {
        let t = try DataTable(csvText: "v\n\"1\"\n\"a\"\"b\"\n2\n")
        let v = categories(t, "v")
        #expect(v.levels == ["1", "2", "a\"b"])
        #expect(v.codes == [0, 2, 1])
    }

    // MARK: line ends, blank lines, encodings

    @Test func crlfLineEnds() throws {
        let t = try DataTable(csvText: "a,b\r\n1,x\r\n2,y\r\n")
        #expect(t.columnNames == ["a", "b"])
        #expect(numbers(t, "a") == [1, 2])
        #expect(categories(t, "b").levels == ["x", "y"])
    }

    @Test func bareCarriageReturnLineEnds() throws {
        let t = try DataTable(csvText: "a,b\r1,x\r2,y\r")
        #expect(numbers(t, "a") == [1, 2])
        #expect(categories(t, "b").levels == ["x", "y"])
        #expect(error("a,b\r1,x\r2\r")?.description == "line 3 has 1 field, but the header has 2")
    }

    @Test func noNewlineAtTheEnd() throws {
        let t = try DataTable(csvText: "a,b\n1,x\n2,y")
        #expect(t.rowCount == 2)
        #expect(categories(t, "b").codes == [0, 1])
    }

    @Test func blankLinesAreSkipped() throws {
        let t = try DataTable(csvText: "\n\na,b\n\n1,2\n\r\n\n3,4\n\n")
        #expect(t.columnNames == ["a", "b"])
        #expect(numbers(t, "a") == [1, 3])
        #expect(numbers(t, "b") == [2, 4])
    }

    @Test func utf8LabelsAndByteOrderMark() throws {
        let t = try DataTable(csvText: "\u{FEFF}größe,g\n1,Äpfel\n2,Zebra\n3,älg\n4,Äpfel\n")
        #expect(t.columnNames == ["größe", "g"])
        #expect(numbers(t, "größe") == [1, 2, 3, 4])
        // C locale: byte order, so "Zebra" (Z = 0x5A) before "Äpfel" (0xC3 0x84) before "älg" (0xC3 0xA4)
        let g = categories(t, "g")
        #expect(g.levels == ["Zebra", "Äpfel", "älg"])
        #expect(g.codes == [1, 0, 2, 1])
    }

    @Test func byteOrderMarkAloneIsAnEmptyFile() {
        #expect(error("\u{FEFF}") == .emptyFile)
    }

    @Test func levelsAreSortedInTheCLocale() throws {
        let t = try DataTable(csvText: "g\nb\nB\na\n10\n9\n_x\nA\nb\n")
        let g = categories(t, "g")
        #expect(g.levels == ["10", "9", "A", "B", "_x", "a", "b"])
        #expect(g.codes == [6, 3, 5, 0, 1, 4, 2, 6])
        #expect(DataColumn.categorical(["b", nil, "B", "a"]) == .categorical(codes: [2, -1, 0, 1], levels: ["B", "a", "b"]))
    }

    // MARK: the reference datasets

    @Test(arguments: ["sleepstudy.csv", "sleepstudy_na.csv", "sleepstudy_rankdef.csv", "Dyestuff.csv", "Dyestuff2.csv",
                      "Penicillin.csv", "Pastes.csv", "cbpp.csv", "grouseticks.csv", "VerbAgg.csv", "InstEval.csv",
                      "Rail.csv", "Orthodont.csv", "sim_nb_counts.csv"])
    func referenceDatasetMatchesItsSchema(file: String) throws {
        let schema = Fixtures.schema[file] as! [String: Any]
        let t = try Fixtures.table(file)
        #expect(t.rowCount == schema["nrow"] as! Int)
        let cols = schema["columns"] as! [[String: Any]]
        #expect(t.columnNames == cols.map { $0["name"] as! String })
        for c in cols {
            let name = c["name"] as! String
            if (c["type"] as! String) == "factor" {
                let levels = c["levels"] as! [String]
                if levels.allSatisfy({ Double($0) != nil }) {
                    // numeric-looking labels are read as numbers (`--factor` makes them a factor)
                    let v = numbers(t, name)
                    #expect(Set(v.map { RNumberFormat.asCharacter($0) }) == Set(levels), "\(file) \(name)")
                } else {
                    let g = categories(t, name)
                    #expect(g.levels == levels.sorted(by: cLocaleLess), "\(file) \(name)")
                    #expect(!g.codes.contains(-1))
                }
            } else {
                #expect(numbers(t, name).count == t.rowCount, "\(file) \(name)")
            }
        }
    }

    @Test func sleepstudyValues() throws {
        let t = try Fixtures.table("sleepstudy_na.csv")
        let r = numbers(t, "Reaction"), d = numbers(t, "Days")
        #expect(Array(r.prefix(2)) == [249.56, 258.7047])
        // NA rows of the schema note: Reaction in rows 3, 27, 58, 100, 151 and Days in row 122
        #expect((0..<180).filter { r[$0].isNaN }.map { $0 + 1 } == [3, 27, 58, 100, 151])
        #expect((0..<180).filter { d[$0].isNaN }.map { $0 + 1 } == [122])
        #expect(numbers(t, "Subject").prefix(3) == [308, 308, 308])
    }

    // MARK: errors

    @Test func raggedRows() {
        #expect(error("a,b\n1,2\n3\n") == .raggedRow(line: 3, expected: 2, found: 1))
        #expect(error("a,b\n1,2\n3\n")?.description == "line 3 has 1 field, but the header has 2")
        #expect(error("a,b\n1,2,3\n")?.description == "line 2 has 3 fields, but the header has 2")
        #expect(error("a,b\n1,2,\n")?.description == "line 2 has 3 fields, but the header has 2")
    }

    @Test func raggedRowLineNumbersCountPhysicalLines() {
        // blank lines and line breaks inside quotes count
        #expect(error("a,b\n\n1,2\n\n3\n")?.description == "line 5 has 1 field, but the header has 2")
        #expect(error("a,b\n\"x\ny\nz\",1\n4\n")?.description == "line 5 has 1 field, but the header has 2")
        #expect(error("a,b\r\n1,2\r\n3,4,5\r\n")?.description == "line 3 has 3 fields, but the header has 2")
    }

    @Test func emptyFiles() {
        #expect(error("")?.description == "the data file is empty: expected a header row followed by data rows")
        #expect(error("\n\n\r\n") == .emptyFile)
    }

    @Test func headerOnly() {
        #expect(error("a,b\n")?.description == "the data file has a header row but no data rows")
        #expect(error("a,b") == .noDataRows)
        #expect(error("a,b\n\n\n") == .noDataRows)
    }

    @Test func duplicateAndEmptyColumnNames() {
        #expect(error("a,b,a\n1,2,3\n")?.description == "duplicate column name 'a' (columns 1 and 3 of the header)")
        #expect(error("x, a ,a\n1,2,3\n")?.description == "duplicate column name 'a' (columns 2 and 3 of the header)")
        #expect(error("a,,b\n1,2,3\n")?.description == "column 2 of the header has an empty name")
        #expect(error("a,b,\n1,2,3\n")?.description == "column 3 of the header has an empty name")
        #expect(error("a,\"\"\n1,2\n") == .emptyColumnName(position: 2))
    }

    @Test func unterminatedQuotes() {
        #expect(error("a,b\n1,\"abc\n2,3\n")?.description == "unterminated quoted field starting on line 2")
        #expect(error("\"a,b\n1,2\n")?.description == "unterminated quoted field starting on line 1")
        #expect(error("a,b\n\"x\ny\",1\n2,\"oops\n")?.description == "unterminated quoted field starting on line 4")
    }

    @Test func invalidUTF8() {
        let header = Array("a,b\n1,".utf8) + [0xFF, 0xFE] + Array("\n".utf8)
        #expect(throws: DataError.invalidUTF8(line: 2)) { try DataTable(csvBytes: header) }
        #expect(DataError.invalidUTF8(line: 2).description == "line 2 is not valid UTF-8 text")
        #expect(throws: DataError.invalidUTF8(line: 1)) { try DataTable(csvBytes: [0xC3, 0x28] + Array(",b\n1,2\n".utf8)) }
    }

    @Test func unreadableFiles() throws {
        let missing = "/nonexistent-dir/no-such-file.csv"
        #expect(throws: DataError.fileNotReadable(path: missing, reason: "No such file or directory")) {
            try DataTable(csvFile: missing)
        }
        #expect(DataError.fileNotReadable(path: missing, reason: "No such file or directory").description
                == "cannot read data file '/nonexistent-dir/no-such-file.csv': No such file or directory")
        let dir = FileManager.default.temporaryDirectory.path
        #expect(throws: DataError.fileNotReadable(path: dir, reason: "it is a directory")) { try DataTable(csvFile: dir) }
    }

    @Test func readsAFileFromDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csvreader-\(UUID().uuidString).csv").path
        try "y,g\r\n1.5,a\r\n2.5,b\r\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let t = try DataTable(csvFile: path)
        #expect(numbers(t, "y") == [1.5, 2.5])
        #expect(categories(t, "g").levels == ["a", "b"])
    }

    // MARK: tables built in code

    @Test func tablesFromColumns() throws {
        let t = try DataTable(columns: [("y", .numeric([1, 2, 3])), ("g", .categorical(["b", "a", nil]))])
        #expect(t.rowCount == 3)
        #expect(categories(t, "g").codes == [1, 0, -1])
        #expect(throws: DataError.noColumns) { try DataTable(columns: []) }
        #expect(throws: DataError.columnLengthMismatch(column: "g", expected: 3, found: 2)) {
            try DataTable(columns: [("y", .numeric([1, 2, 3])), ("g", .numeric([1, 2]))])
        }
        #expect(DataError.columnLengthMismatch(column: "g", expected: 3, found: 2).description
                == "column 'g' has 2 values, but the first column has 3")
        #expect(throws: DataError.duplicateColumnName("y", first: 1, second: 2)) {
            try DataTable(columns: [("y", .numeric([1])), ("y", .numeric([2]))])
        }
        #expect(throws: DataError.emptyColumnName(position: 2)) {
            try DataTable(columns: [("y", .numeric([1])), ("", .numeric([2]))])
        }
        #expect(DataError.noColumns.description == "the data set has no columns")
    }

    @Test func rowSelectionKeepsLevels() throws {
        let t = try DataTable(csvText: "y,g\n1,a\n2,b\n3,c\n")
        let s = t.rows([2, 0])
        #expect(numbers(s, "y") == [3, 1])
        let g = categories(s, "g")
        #expect(g.levels == ["a", "b", "c"])
        #expect(g.codes == [2, 0])
    }

    @Test func closestColumnNames() throws {
        let t = try DataTable(csvText: "Reaction,Days,Subject\n1,2,a\n")
        #expect(t.closestColumnNames(to: "days") == ["Days"])
        #expect(t.closestColumnNames(to: "Reacton") == ["Reaction"])
        #expect(t.closestColumnNames(to: "zzzzzzzz").isEmpty)
    }
}
