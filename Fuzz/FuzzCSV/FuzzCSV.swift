// libFuzzer entry point for the CSV reader (built only by scripts/fuzz.sh, which sets
// SPARSELMM_FUZZ=1 so that Package.swift declares this target, and compiles every Swift module
// with -sanitize=fuzzer,address). Any input must give a table or a thrown DataError: a trap,
// an overflow or an out-of-bounds access is a crash that libFuzzer reports and saves.
import SparseLMM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let table = try? DataTable(csvBytes: bytes) else { return 0 }
    // A table that reads is taken one step further: the first column as the response, the
    // second as a grouping factor (both only when their names are plain identifiers).
    let names = table.columnNames
    guard names.count >= 2, names.prefix(2).allSatisfy(isIdentifier) else { return 0 }
    _ = try? MixedModelDesign(formula: "\(names[0]) ~ 1 + (1 | \(names[1]))", data: table)
    return 0
}

private func isIdentifier(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first.properties.isAlphabetic else { return false }
    return name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "." }
        && name.unicodeScalars.allSatisfy { $0.isASCII }
}

// SwiftPM links an executable target with `main` renamed to `FuzzCSV_main`, so libFuzzer's own
// `main` is not pulled in: this one hands the command line to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("FuzzCSV_main")
public func FuzzCSVMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc, arguments = argv
    return runFuzzerDriver(&count, &arguments, { data, size in fuzzCSV(data, size) })
}
