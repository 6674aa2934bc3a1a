/// Errors of the benchmark driver (the engine's own errors pass through unchanged).
enum BenchError: Error, CustomStringConvertible {
    /// A command-line usage error.
    case usage(String)
    /// A workload name that is not in the suite.
    case unknownWorkload(String)
    /// A file could not be read or written.
    case io(String)
    /// A child process (our fit in its own process, or R) failed.
    case child(String)

    var description: String {
        switch self {
        case .usage(let m): return m
        case .unknownWorkload(let n): return "no workload named '\(n)' (bench --list shows them)"
        case .io(let m): return m
        case .child(let m): return m
        }
    }
}
