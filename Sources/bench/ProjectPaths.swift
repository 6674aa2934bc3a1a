import Foundation

/// Where the benchmark finds the project: the repository root (for the reference data, the R
/// scripts in perf/ and a scratch folder for CSV files), and its own executable (to run each
/// workload in a child process).
struct ProjectPaths: Sendable {
    /// The repository root, if found (a folder holding Package.swift and perf/lme4_fit.R).
    let root: String?
    /// The reference CSV files and schema.json.
    let dataDirectory: String?
    /// This executable.
    let executable: String

    /// Looks for the root above the working directory, then above the executable.
    init(dataDirectory override: String?) {
        let fm = FileManager.default
        let exe = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        executable = exe
        func search(from start: String) -> String? {
            var url = URL(fileURLWithPath: start).standardizedFileURL
            for _ in 0..<8 {
                if fm.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
                   fm.fileExists(atPath: url.appendingPathComponent("perf/lme4_fit.R").path) {
                    return url.path
                }
                let parent = url.deletingLastPathComponent()
                if parent.path == url.path { break }
                url = parent
            }
            return nil
        }
        let found = search(from: fm.currentDirectoryPath)
            ?? search(from: URL(fileURLWithPath: exe).deletingLastPathComponent().path)
        root = found
        if let override {
            dataDirectory = override
        } else if let found, fm.fileExists(atPath: found + "/Tests/Fixtures/data/schema.json") {
            dataDirectory = found + "/Tests/Fixtures/data"
        } else {
            dataDirectory = nil
        }
    }

    /// The R script that fits one model with lme4 or glmmTMB.
    var rScript: String? { root.map { $0 + "/perf/lme4_fit.R" } }

    /// A scratch folder for simulated CSV files and R's result files (ignored by git), created
    /// on demand.
    func scratchDirectory() throws -> String {
        let dir = (root.map { $0 + "/perf/tmp" }) ?? (NSTemporaryDirectory() + "sparselmm-bench")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
