#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress display on standard error for long operations: it appears only when
/// standard error is a terminal and the operation has run for `delay` seconds, refreshes at most
/// five times a second, and is erased when the operation ends.
final class ProgressLine {
    let label: String
    let delay: Double
    let start: Double
    var lastDraw = 0.0
    var shown = false
    let enabled: Bool

    init(label: String, delay: Double = 2) {
        self.label = label
        self.delay = delay
        start = ProgressLine.now()
        enabled = isatty(2) != 0
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
    }

    /// Shows `detail` (e.g. "evaluation 57, objective 237661.54") with the elapsed time.
    func update(_ detail: String) {
        guard enabled else { return }
        let t = ProgressLine.now()
        guard t - start >= delay, t - lastDraw >= 0.2 else { return }
        lastDraw = t
        shown = true
        writeAll(2, "\r\u{1B}[2K\(label): \(detail), \(RNumberFormatForProgress.seconds(t - start))")
    }

    /// Erases the line.
    func finish() {
        if shown { writeAll(2, "\r\u{1B}[2K") }
    }
}

enum RNumberFormatForProgress {
    static func seconds(_ s: Double) -> String {
        let tenths = Int((s * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
