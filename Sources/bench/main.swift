import Foundation

// bench: SparseLMM's benchmark suite, side by side with R's lme4 (perf/README.md).

do {
    let options = try BenchOptions.parse(Array(CommandLine.arguments.dropFirst()))
    let paths = ProjectPaths(dataDirectory: options.dataDirectory)
    switch options.mode {
    case .help:
        print(BenchOptions.usage)
    case .list:
        Commands.list()
    case .writeData(let name, let file):
        try Commands.writeData(name: name, file: file, options: options)
    case .profile(let name, let evaluations):
        try Profiling.run(name: name, evaluations: evaluations, options: options, paths: paths)
    case .child(let name, let resultFile):
        try Commands.child(name: name, resultFile: resultFile, options: options, paths: paths)
    case .run:
        let report = try SuiteRunner(options: options, paths: paths).run()
        print(ReportTables.text(report))
        if let path = options.jsonPath {
            guard FileManager.default.createFile(atPath: path, contents: try report.json()) else {
                throw BenchError.io("cannot write \(path)")
            }
            FileHandle.standardError.write("wrote \(path)\n".data(using: .utf8)!)
        }
        if let path = options.markdownPath {
            guard FileManager.default.createFile(atPath: path, contents: ReportTables.markdown(report).data(using: .utf8)) else {
                throw BenchError.io("cannot write \(path)")
            }
            FileHandle.standardError.write("wrote \(path)\n".data(using: .utf8)!)
        }
    }
} catch {
    FileHandle.standardError.write("bench: \(error)\n".data(using: .utf8)!)
    exit(1)
}
