import Synchronization
import SparseLMM
#if canImport(Glibc)
import Glibc
#endif

/// A progress bar on standard error, drawn only when standard error is a terminal (never into
/// a file or a pipe), redrawn at most ten times a second, and only once the work has taken
/// longer than `delay` seconds (short jobs print nothing). Safe to update from several threads.
final class ProgressBar: Sendable {
    private struct State {
        var lastDraw = 0.0
        var drawn = false
        var finished = false
    }
    private let state = Mutex(State())
    private let label: String
    private let start: Double
    private let delay: Double
    private let enabled: Bool

    init(label: String, delay: Double = 0.4) {
        self.label = label
        self.delay = delay
        start = ProgressBar.now()
        enabled = isatty(2) != 0
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
    }

    /// Reports `done` of `total` units finished.
    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        let t = ProgressBar.now()
        state.withLock { s in
            guard !s.finished else { return }
            let elapsed = t - start
            guard elapsed >= delay, done == total || t - s.lastDraw >= 0.1 else { return }
            s.lastDraw = t
            s.drawn = true
            let width = 30
            let fraction = total > 0 ? Double(done) / Double(total) : 1
            let filled = min(width, Int((fraction * Double(width)).rounded(.down)))
            let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
            var line = "\r\(label) [\(bar)] \(Int((fraction * 100).rounded(.down)))% \(done)/\(total) \(formatSeconds(elapsed))"
            if done > 0 && done < total {
                line += ", ~\(formatSeconds(elapsed / Double(done) * Double(total - done))) left"
            }
            writeAll(2, line + "\u{1B}[K")
        }
    }

    /// Clears the bar (if it was drawn) so that later messages start on a clean line.
    func finish() {
        guard enabled else { return }
        state.withLock { s in
            if s.drawn { writeAll(2, "\r\u{1B}[K") }
            s.finished = true
        }
    }

    private func formatSeconds(_ s: Double) -> String {
        s < 60 ? RNumberFormat.fixed(s, 1) + " s" : "\(Int(s) / 60) min \(Int(s) % 60) s"
    }
}
