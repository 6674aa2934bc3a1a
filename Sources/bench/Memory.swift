import Foundation

/// Process memory, as the kernel counts it.
enum Memory {
    /// Peak resident set size of this process so far, in MiB.
    ///
    /// On Linux this is `VmHWM` from /proc/self/status, the high-water mark of this program's own
    /// address space. `getrusage`'s `ru_maxrss` is not used there because Linux carries the
    /// parent's peak across fork and exec into it: a child started by a 100 MB parent reports
    /// at least 100 MB. Elsewhere `ru_maxrss` (bytes on macOS).
    static func peakResidentMiB() -> Double {
        if let hwm = statusField("VmHWM:") { return hwm / 1024 }
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / (1024 * 1024)
        #endif
    }

    /// Current resident set size in MiB (`VmRSS`), nil where there is no /proc.
    static func currentResidentMiB() -> Double? {
        statusField("VmRSS:").map { $0 / 1024 }
    }

    /// A "Name:   value kB" line of /proc/self/status, in KiB.
    private static func statusField(_ name: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return nil }
        return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Double($0) }
    }
}
