import Foundation
import SparseLMM

/// Reference datasets and lme4 results copied into the project (Tests/Fixtures).
enum Fixtures {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()   // SparseLMMTests
        url.deleteLastPathComponent()   // Tests
        return url.appendingPathComponent("Fixtures").path
    }()

    static func dataPath(_ name: String) -> String { root + "/data/" + name }

    static func table(_ name: String) throws -> DataTable { try DataTable(csvFile: dataPath(name)) }

    /// A reference fit's JSON.
    static func fit(_ id: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/fits/" + id + ".json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// All reference fit ids (not the likelihood-ratio files).
    static var fitIDs: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root + "/fits")) ?? []
        return files.filter { $0.hasSuffix(".json") && !$0.hasPrefix("lrt_") }.map { String($0.dropLast(5)) }.sorted()
    }

    nonisolated(unsafe) static let schema: [String: Any] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: root + "/data/schema.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    /// The data options a reference model needs: `--levels` for factors whose level order is not
    /// sorted, `--factor` for numeric-looking factors (the rule of shared/tools/check_references.py).
    static func options(for ref: [String: Any]) -> DataOptions {
        let dataset = ref["dataset"] as! String
        let formula = ref["formula"] as! String
        var opts = DataOptions(weightsColumn: ref["weights_column"] as? String, offsetColumn: ref["offset_column"] as? String)
        let columns = ((schema[dataset] as? [String: Any])?["columns"] as? [[String: Any]]) ?? []
        for c in columns where (c["type"] as? String) == "factor" {
            let name = c["name"] as! String
            guard formula.contains(name) else { continue }
            let levels = c["levels"] as! [String]
            let numeric = levels.allSatisfy { Double($0) != nil }
            let sorted = numeric ? levels.sorted { Double($0)! < Double($1)! } : levels.sorted()
            if levels.count <= 60 && levels != sorted {
                opts.levelOrders[name] = levels
            } else if numeric {
                opts.factorColumns.append(name)
            }
        }
        return opts
    }

    /// The reference model's design.
    static func design(_ ref: [String: Any]) throws -> MixedModelDesign {
        try MixedModelDesign(formula: ref["formula"] as! String, data: table(ref["dataset"] as! String), options: options(for: ref))
    }
}

/// |a − b| ≤ rel·|b| + abs.
func close(_ a: Double, _ b: Double, rel: Double, abs absTol: Double = 0) -> Bool {
    abs(a - b) <= rel * abs(b) + absTol
}

/// A number from a JSONSerialization value (NSNumber, Int or Double).
func jsonNumber(_ v: Any?) -> Double? {
    switch v {
    case let d as Double: return d
    case let i as Int: return Double(i)
    case let n as NSNumber: return n.doubleValue
    default: return nil
    }
}
