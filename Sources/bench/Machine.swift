import CSparseShim
import Foundation
import SparseLMM

/// The machine and software a run measured, for the report.
struct MachineInfo: Codable, Sendable {
    var cpu: String
    /// Online logical processors.
    var cores: Int
    var memoryGb: Double?
    var os: String?
    var kernel: String?
    var cholmodVersion: String
    /// Dense Cholesky (LAPACK dpotrf through OpenBLAS) on a 2000 × 2000 matrix with the run's
    /// BLAS thread count: the rate CHOLMOD's supernodal blocks can reach at best.
    var denseCholeskyGflops: Double
    var blasThreads: Int
    /// The CPU kernels OpenBLAS chose when it loaded ("Haswell", "SkylakeX", …; OPENBLAS_CORETYPE
    /// overrides its detection). Optional: older reports do not have it.
    var blasKernels: String?
    /// /proc/loadavg (1, 5, 15 minutes) when the run started: other work on the machine skews timings.
    var loadAverage: [Double]?
    var gitCommit: String?
    var gitDirty: Bool?
    /// ISO 8601, UTC.
    var date: String

    /// The 1, 5 and 15-minute load averages, where /proc has them.
    static func loadAverage() -> [Double]? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        let v = text.split(separator: " ").prefix(3).compactMap { Double($0) }
        return v.count == 3 ? v : nil
    }

    /// Reads /proc, uname, git and measures the dense Cholesky rate (about a second).
    static func current(paths: ProjectPaths) -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let cpu = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memKiB = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Double($0) }
        let osRelease = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let os = osRelease.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }

        var commit: String? = nil, dirty: Bool? = nil
        if let git = Subprocess.which("git"), let root = paths.root {
            if let r = try? Subprocess.run(git, ["-C", root, "rev-parse", "HEAD"], captureOutput: true), r.succeeded {
                commit = r.output.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if let r = try? Subprocess.run(git, ["-C", root, "status", "--porcelain", "--untracked-files=no"], captureOutput: true),
               r.succeeded {
                dirty = !r.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            }
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return MachineInfo(
            cpu: cpu, cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryGb: memKiB.map { $0 / (1024 * 1024) }, os: os, kernel: "\(release) \(machine)",
            cholmodVersion: "\(CHOLMOD_MAIN_VERSION).\(CHOLMOD_SUB_VERSION).\(CHOLMOD_SUBSUB_VERSION)",
            denseCholeskyGflops: csshim_dpotrf_rate(2000, 3) / 1e9,
            blasThreads: BLASThreads.current, blasKernels: csshim_blas_kernel_name().map { String(cString: $0) }, loadAverage: loadAverage(),
            gitCommit: commit, gitDirty: dirty, date: formatter.string(from: Date()))
    }
}
