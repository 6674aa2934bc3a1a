import Foundation
import SparseLMM

/// The reference datasets (Tests/Fixtures/data/*.csv) with their column types from schema.json.
enum FixtureData {
    /// The CSV's path in the data folder.
    static func path(_ file: String, in directory: String) -> String { directory + "/" + file }

    /// Reads the CSV (this is what "load" times for fixture workloads).
    static func table(_ file: String, in directory: String) throws -> DataTable {
        try DataTable(csvFile: path(file, in: directory))
    }

    /// The data options the schema asks for: factors with numeric-looking labels read as factors
    /// (`factorColumns`), and the schema's level order (`levelOrders`) where it is not the sorted
    /// order, for factors of up to 60 levels (the order only matters for fixed-effect contrasts).
    /// The same rule as the test suite's fixtures.
    static func options(for file: String, formula: String, in directory: String) throws -> DataOptions {
        let schemaPath = directory + "/schema.json"
        guard let bytes = FileManager.default.contents(atPath: schemaPath) else {
            throw BenchError.io("cannot read \(schemaPath)")
        }
        guard let schema = try JSONSerialization.jsonObject(with: bytes) as? [String: Any],
              let entry = schema[file] as? [String: Any],
              let columns = entry["columns"] as? [[String: Any]] else {
            throw BenchError.io("\(schemaPath) has no entry for \(file)")
        }
        var options = DataOptions()
        for column in columns where (column["type"] as? String) == "factor" {
            guard let name = column["name"] as? String, let levels = column["levels"] as? [String],
                  formula.contains(name) else { continue }
            let numeric = levels.allSatisfy { Double($0) != nil }
            let sorted = numeric ? levels.sorted { Double($0)! < Double($1)! } : levels.sorted()
            if levels.count <= 60 && levels != sorted {
                options.levelOrders[name] = levels
            } else if numeric {
                options.factorColumns.append(name)
            }
        }
        return options
    }
}
