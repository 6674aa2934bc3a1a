import SparseLMM

/// A workload's rows, ready for `MixedModelDesign`.
struct LoadedData {
    let table: DataTable
    let options: DataOptions
    /// Seconds to read the CSV or generate the rows.
    let seconds: Double
}

extension Workload {
    /// Reads the fixture CSV, or generates the simulated rows in memory (no CSV in between).
    func load(seed: UInt64, paths: ProjectPaths) throws -> LoadedData {
        switch data {
        case .fixture(let file):
            guard let dir = paths.dataDirectory else {
                throw BenchError.io("the reference data folder was not found: run bench from the repository, or pass --data-dir DIR")
            }
            let options = try FixtureData.options(for: file, formula: formula, in: dir)
            let (table, seconds) = try Clock.measure { try FixtureData.table(file, in: dir) }
            return LoadedData(table: table, options: options, seconds: seconds)
        default:
            let (table, seconds) = try Clock.measure { () throws -> DataTable in
                guard let simulated = data.simulate(seed: seed) else { fatalError("simulated data expected") }
                return try simulated.dataTable()
            }
            return LoadedData(table: table, options: DataOptions(), seconds: seconds)
        }
    }
}
