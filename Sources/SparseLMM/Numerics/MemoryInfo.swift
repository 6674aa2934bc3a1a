#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the machine's memory allows, read from the operating system.
public enum MemoryInfo {
    /// Bytes available for new allocations: MemAvailable from /proc/meminfo on Linux, else the
    /// physical memory.
    public static func availableBytes() -> Double {
        if let f = fopen("/proc/meminfo", "r") {
            defer { fclose(f) }
            var line = [CChar](repeating: 0, count: 256)
            while fgets(&line, Int32(line.count), f) != nil {
                let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if s.hasPrefix("MemAvailable:") {
                    let digits = s.split(separator: " ").dropFirst().first.flatMap { Double($0) }
                    if let kb = digits { return kb * 1024 }
                }
            }
        }
        return physicalBytes()
    }

    /// Physical memory in bytes.
    public static func physicalBytes() -> Double {
        Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Peak resident set size of this process so far, in bytes.
    public static func peakResidentBytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) * 1024
    }
}
