import ArgumentParser
import SparseLMM
import GLMM
#if canImport(Glibc)
import Glibc
#endif

/// Exit statuses of `lmm` (documented in docs/cli.md).
enum ExitStatus {
    /// Bad input: data, formula, options, or a model that cannot be fitted as specified.
    static let badInput: Int32 = 1
    /// A numerical failure inside the fit.
    static let numericalFailure: Int32 = 3
    /// Writing the output failed.
    static let outputFailure: Int32 = 4
}

/// Writes text to standard error.
func printError(_ s: String) {
    var text = s
    if !text.hasSuffix("\n") { text += "\n" }
    writeAll(2, text)
}

/// Writes all of `s` to a file descriptor.
func writeAll(_ fd: Int32, _ s: String) {
    var bytes = Array(s.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
        if n <= 0 { return }
        done += n
    }
}

/// Runs a command body, turning every error into a clear message on standard error and a
/// non-zero exit status (never a trap).
func runReporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as FormulaError {
        printError("error: \(e.description)")
        throw ExitCode(ExitStatus.badInput)
    } catch let e as DataError {
        printError("error: \(e.description)")
        throw ExitCode(ExitStatus.badInput)
    } catch let e as ModelError {
        printError("error: \(e.description)")
        throw ExitCode(ExitStatus.badInput)
    } catch let e as NewDataPredictor.PredictionError {
        printError("error: \(e.description)")
        throw ExitCode(ExitStatus.badInput)
    } catch let e as CommandError {
        printError("error: \(e.description)")
        throw ExitCode(ExitStatus.badInput)
    } catch let e as GLMMError {
        printError("error: \(e.description)")
        switch e {
        case .pirlsDidNotConverge, .pirlsStepHalvingFailed, .nonFiniteDeviance: throw ExitCode(ExitStatus.numericalFailure)
        default: throw ExitCode(ExitStatus.badInput)
        }
    } catch let e as LinearAlgebraError {
        printError("error: numerical failure: \(e.description)")
        throw ExitCode(ExitStatus.numericalFailure)
    } catch {
        printError("error: \(error)")
        throw ExitCode(ExitStatus.badInput)
    }
}

/// Writes the command's result to the output file or standard output.
func emit(_ text: String, to path: String?) throws {
    var s = text
    if !s.hasSuffix("\n") { s += "\n" }
    if let path {
        guard let f = fopen(path, "w") else {
            printError("error: cannot write '\(path)': \(String(cString: strerror(errno)))")
            throw ExitCode(ExitStatus.outputFailure)
        }
        defer { fclose(f) }
        fputs(s, f)
    } else {
        writeAll(1, s)
    }
}
