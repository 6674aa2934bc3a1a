import Foundation

/// Writes a `SimulatedData` as CSV: a header row, comma separated, no quoting (labels never
/// contain commas or quotes), numbers in Swift's shortest round-trip form.
enum CSVWriter {
    static func write(_ data: SimulatedData, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw BenchError.io("cannot create \(path)")
        }
        defer { try? handle.close() }
        var buffer = [UInt8]()
        buffer.reserveCapacity(1 << 20)
        buffer.append(contentsOf: data.columns.map { $0.name }.joined(separator: ",").utf8)
        buffer.append(0x0A)
        let n = data.rowCount
        for i in 0..<n {
            for (k, entry) in data.columns.enumerated() {
                if k > 0 { buffer.append(0x2C) }
                switch entry.column {
                case .numeric(let v):
                    buffer.append(contentsOf: v[i].description.utf8)
                case .integer(let v):
                    buffer.append(contentsOf: String(Int(v[i])).utf8)
                case .factor(let codes, let labels):
                    buffer.append(contentsOf: labels[Int(codes[i])].utf8)
                }
            }
            buffer.append(0x0A)
            if buffer.count > (1 << 20) - 4096 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: buffer)
    }
}
