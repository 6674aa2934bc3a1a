#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A model variable evaluated on the data: numbers, or a factor (codes into levels, −1 missing).
public enum VariableValues: Sendable, Equatable {
    /// One number per row (NaN missing).
    case numeric([Double])
    /// One level code per row (0-based into `levels`, −1 missing).
    case factor(codes: [Int32], levels: [String])

    var count: Int {
        switch self {
        case .numeric(let v): return v.count
        case .factor(let c, _): return c.count
        }
    }

    func isMissing(_ i: Int) -> Bool {
        switch self {
        case .numeric(let v): return v[i].isNaN
        case .factor(let c, _): return c[i] < 0
        }
    }

    /// The values at the given rows, with factor levels that no longer occur dropped (as lme4's
    /// model frame drops unused levels).
    func subset(_ rows: [Int]) -> VariableValues {
        switch self {
        case .numeric(let v):
            return .numeric(rows.map { v[$0] })
        case .factor(let c, let levels):
            var used = [Bool](repeating: false, count: levels.count)
            for r in rows where c[r] >= 0 { used[Int(c[r])] = true }
            var newCode = [Int32](repeating: -1, count: levels.count)
            var kept = [String]()
            for (k, u) in used.enumerated() where u { newCode[k] = Int32(kept.count); kept.append(levels[k]) }
            return .factor(codes: rows.map { c[$0] < 0 ? -1 : newCode[Int(c[$0])] }, levels: kept)
        }
    }
}

/// Evaluates formula expressions (column names, `factor()`, `I()`, arithmetic, `log`…) on a table.
struct VariableEvaluator {
    let table: DataTable
    let formula: String

    static let numericFunctions: Set<String> = ["log", "log2", "log10", "log1p", "exp", "expm1", "sqrt", "abs",
                                                 "sin", "cos", "tan", "scale", "I", "as.numeric"]

    func error(_ m: String, _ pos: Int) -> FormulaError { FormulaError(m, at: pos, in: formula) }

    func column(_ name: String, at range: SourceRange) throws -> DataColumn {
        if name == "." && table.column(".") == nil {
            throw error("'.' (all other columns) is not supported: list the predictors by name", range.start)
        }
        guard let c = table.column(name) else {
            let s = table.closestColumnNames(to: name)
            let hint = s.isEmpty ? "" : " (did you mean \(s.map { "'\($0)'" }.joined(separator: ", "))?)"
            throw error("unknown column '\(name)'\(hint)", range.start)
        }
        return c
    }

    /// Evaluates `e` as a model variable; `asFactor` converts a numeric result to a factor;
    /// `logicalAsFactor` codes a comparison as R's model matrix codes a logical (a FALSE/TRUE factor),
    /// otherwise it stays numeric 0/1 (a response).
    func evaluate(_ e: FormulaExpression, asFactor: Bool = false, logicalAsFactor: Bool = true) throws -> VariableValues {
        if !logicalAsFactor && !asFactor && VariableEvaluator.isLogical(e) { return .numeric(try numeric(e)) }
        let v = try evaluateVariable(e)
        if asFactor, case .numeric(let x) = v { return VariableEvaluator.factor(from: x) }
        return v
    }

    /// A factor from numbers: levels are the distinct values in numeric order, labelled as R does.
    static func factor(from x: [Double]) -> VariableValues {
        let distinct = Array(Set(x.filter { !$0.isNaN })).sorted()
        var index = [Double: Int32](minimumCapacity: distinct.count)
        for (k, v) in distinct.enumerated() { index[v] = Int32(k) }
        return .factor(codes: x.map { $0.isNaN ? -1 : index[$0]! }, levels: distinct.map { RNumberFormat.asCharacter($0) })
    }

    func evaluateVariable(_ e: FormulaExpression) throws -> VariableValues {
        switch e {
        case .name(let n, let r):
            switch try column(n, at: r) {
            case .numeric(let v): return .numeric(v)
            case .categorical(let c, let l): return .factor(codes: c, levels: l)
            }
        case .paren(let inner, _):
            return try evaluateVariable(inner)
        case .call(let f, let args, let r) where f == "factor" || f == "as.factor":
            guard args.count == 1 else { throw error("\(f)() takes exactly one argument", r.start) }
            return try evaluate(args[0], asFactor: true)
        default:
            let x = try numeric(e)
            if VariableEvaluator.isLogical(e) { return VariableEvaluator.logicalFactor(x) }
            return .numeric(x)
        }
    }

    /// Whether an expression gives R a logical vector (a comparison, possibly inside `I()` or
    /// parentheses): R's model matrix codes it as a factor with levels FALSE and TRUE (`I(x > 0)TRUE`).
    static func isLogical(_ e: FormulaExpression) -> Bool {
        switch e.unparenthesized {
        case .binary(let op, _, _, _): return ["==", "!=", "<", ">", "<=", ">="].contains(op)
        case .call("I", let args, _) where args.count == 1: return isLogical(args[0])
        default: return false
        }
    }

    /// A logical variable (1 = TRUE, 0 = FALSE, NaN = NA) as R's factor of it: the levels that occur, in
    /// the order FALSE, TRUE.
    static func logicalFactor(_ x: [Double]) -> VariableValues {
        let hasFalse = x.contains(0), hasTrue = x.contains(1)
        let levels = (hasFalse ? ["FALSE"] : []) + (hasTrue ? ["TRUE"] : [])
        let trueCode: Int32 = hasFalse ? 1 : 0
        return .factor(codes: x.map { $0.isNaN ? -1 : ($0 == 0 ? 0 : trueCode) }, levels: levels)
    }

    /// Evaluates an arithmetic expression to numbers (NaN where an input is missing).
    func numeric(_ e: FormulaExpression) throws -> [Double] {
        let n = table.rowCount
        switch e {
        case .name(let name, let r):
            switch try column(name, at: r) {
            case .numeric(let v): return v
            case .categorical:
                throw error("the column '\(name)' is categorical; it cannot be used as a number here", r.start)
            }
        case .number(let v, _, _):
            return [Double](repeating: v, count: n)
        case .paren(let inner, _):
            return try numeric(inner)
        case .unary(let op, let a, _):
            let x = try numeric(a)
            return op == "-" ? x.map { -$0 } : x
        case .binary(let op, let a, let b, let r):
            let x = try numeric(a), y = try numeric(b)
            var out = [Double](repeating: 0, count: n)
            switch op {
            case "+": for i in 0..<n { out[i] = x[i] + y[i] }
            case "-": for i in 0..<n { out[i] = x[i] - y[i] }
            case "*": for i in 0..<n { out[i] = x[i] * y[i] }
            case "/": for i in 0..<n { out[i] = x[i] / y[i] }
            case "^": for i in 0..<n { out[i] = pow(x[i], y[i]) }
            case "==": for i in 0..<n { out[i] = x[i].isNaN || y[i].isNaN ? .nan : (x[i] == y[i] ? 1 : 0) }
            case "!=": for i in 0..<n { out[i] = x[i].isNaN || y[i].isNaN ? .nan : (x[i] != y[i] ? 1 : 0) }
            case "<": for i in 0..<n { out[i] = x[i].isNaN || y[i].isNaN ? .nan : (x[i] < y[i] ? 1 : 0) }
            case ">": for i in 0..<n { out[i] = x[i].isNaN || y[i].isNaN ? .nan : (x[i] > y[i] ? 1 : 0) }
            case "<=": for i in 0..<n { out[i] = x[i].isNaN || y[i].isNaN ? .nan : (x[i] <= y[i] ? 1 : 0) }
            case ">=": for i in 0..<n { out[i] = x[i].isNaN || y[i].isNaN ? .nan : (x[i] >= y[i] ? 1 : 0) }
            case ":":
                throw error("':' (interaction) cannot be used in arithmetic; inside I() write '*' for a product", r.start)
            default:
                throw error("operator '\(op)' cannot be used in arithmetic", r.start)
            }
            try checkProducedNaN(out, from: [x, y], e)
            return out
        case .call(let f, let args, let r):
            switch f {
            case "I", "as.numeric":
                guard args.count == 1 else { throw error("\(f)() takes exactly one argument", r.start) }
                return try numeric(args[0])
            case "log":
                guard args.count == 1 || args.count == 2 else { throw error("log() takes one or two arguments", r.start) }
                let x = try numeric(args[0])
                var out = x.map { Glibc.log($0) }
                if args.count == 2 {
                    let base = try numeric(args[1])
                    for i in 0..<n { out[i] /= Glibc.log(base[i]) }
                }
                try checkProducedNaN(out, from: [x], e)
                return out
            case "log2", "log10", "log1p", "exp", "expm1", "sqrt", "abs", "sin", "cos", "tan":
                guard args.count == 1 else { throw error("\(f)() takes exactly one argument", r.start) }
                let x = try numeric(args[0])
                let fn: (Double) -> Double
                switch f {
                case "log2": fn = { Glibc.log2($0) }
                case "log10": fn = { Glibc.log10($0) }
                case "log1p": fn = { Glibc.log1p($0) }
                case "exp": fn = { Glibc.exp($0) }
                case "expm1": fn = { Glibc.expm1($0) }
                case "sqrt": fn = { $0.squareRoot() }
                case "abs": fn = { Swift.abs($0) }
                case "sin": fn = { Glibc.sin($0) }
                case "cos": fn = { Glibc.cos($0) }
                default: fn = { Glibc.tan($0) }
                }
                let out = x.map(fn)
                try checkProducedNaN(out, from: [x], e)
                return out
            case "scale":
                guard args.count == 1 else { throw error("scale() takes exactly one argument here", r.start) }
                let x = try numeric(args[0])
                let present = x.filter { !$0.isNaN }
                guard present.count > 1 else { return x.map { _ in .nan } }
                let mean = present.reduce(0, +) / Double(present.count)
                let sd = (present.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(present.count - 1)).squareRoot()
                guard sd > 0 else { throw error("scale() of a constant: the standard deviation is zero", r.start) }
                return x.map { ($0 - mean) / sd }
            case "factor", "as.factor":
                throw error("\(f)() gives a categorical variable; it cannot be used in arithmetic", r.start)
            case "offset":
                throw error("offset() must be added to the formula at its top level", r.start)
            case "cbind":
                throw error("cbind() may appear only as the response", r.start)
            default:
                throw error("unknown function '\(f)' (supported: factor, I, offset, log, log2, log10, log1p, exp, expm1, sqrt, abs, sin, cos, tan, scale)", r.start)
            }
        }
    }

    /// An arithmetic result that is NaN where all inputs were present is an invalid operation
    /// (log of a negative number, 0/0): report it rather than dropping the row silently.
    func checkProducedNaN(_ out: [Double], from inputs: [[Double]], _ e: FormulaExpression) throws {
        for i in 0..<out.count where out[i].isNaN {
            if inputs.allSatisfy({ !$0[i].isNaN }) {
                throw error("'\(e.deparsed)' is not a number (NaN) in data row \(i + 1)", e.range.start)
            }
        }
    }
}
