import Foundation

/// Runs other programs: this benchmark in child mode, Rscript, git.
enum Subprocess {
    /// How a finished process ended.
    struct Outcome {
        /// Exit status, or the signal number when `signalled`.
        var status: Int32
        var signalled: Bool
        /// Captured standard output (only when asked for).
        var output: String
        var seconds: Double

        var succeeded: Bool { !signalled && status == 0 }
        var description: String { signalled ? "killed by signal \(status)" : "exit status \(status)" }
    }

    /// Runs `executable` with `arguments`, standard error passed through to ours; standard output
    /// passed through too, or captured when `captureOutput` (for small outputs only).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    workingDirectory: String? = nil, captureOutput: Bool = false) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let pipe = Pipe()
        if captureOutput { process.standardOutput = pipe }
        let t0 = Clock.now()
        try process.run()
        var data = Data()
        if captureOutput { data = pipe.fileHandleForReading.readDataToEndOfFile() }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       signalled: process.terminationReason == .uncaughtSignal,
                       output: String(decoding: data, as: UTF8.self),
                       seconds: Clock.now() - t0)
    }

    /// The full path of a program on PATH, if any.
    static func which(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = String(dir) + "/" + program
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
