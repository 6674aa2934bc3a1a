// libFuzzer entry point for the formula parser and the model matrices it builds (built only by
// scripts/fuzz.sh; see Fuzz/FuzzCSV). The input is a formula over a fixed 24-row table with
// numeric columns y, x, z, w, n (counts), s (successes) and factors g, h, a, b; a formula that
// parses and builds is fitted when it has few covariance parameters. Any input must end in a
// value or a thrown error, never a crash.
import SparseLMM

private let table: DataTable = {
    let rows = 24
    func column(_ f: (Int) -> Double) -> DataColumn { .numeric((0..<rows).map(f)) }
    return try! DataTable(columns: [
        ("y", column { Double(($0 * 37) % 11) * 0.7 + Double($0 % 3) }),
        ("x", column { Double($0 % 6) }),
        ("z", column { Double(($0 * 5) % 7) - 3 }),
        ("w", column { 1 + Double($0 % 4) }),
        ("n", column { Double(5 + $0 % 3) }),
        ("s", column { Double($0 % 5) }),
        ("g", .categorical((0..<rows).map { "g\($0 % 6)" })),
        ("h", .categorical((0..<rows).map { "h\($0 % 4)" })),
        ("a", .categorical((0..<rows).map { $0 % 2 == 0 ? "lo" : "hi" })),
        ("b", .categorical((0..<rows).map { "b\(($0 / 2) % 3)" })),
    ])
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormula(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size <= 512 else { return 0 }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    guard let formula = try? Formula(text),
          let design = try? MixedModelDesign(formula: formula, data: table) else { return 0 }
    guard design.thetaCount <= 6, let model = try? LinearMixedModel(design: design) else { return 0 }
    _ = try? model.fit()
    return 0
}

// SwiftPM links an executable target with `main` renamed to `FuzzFormula_main`, so libFuzzer's own
// `main` is not pulled in: this one hands the command line to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("FuzzFormula_main")
public func FuzzFormulaMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc, arguments = argv
    return runFuzzerDriver(&count, &arguments, { data, size in fuzzFormula(data, size) })
}
