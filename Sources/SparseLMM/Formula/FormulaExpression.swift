/// A half-open range of character offsets into the formula text.
public struct SourceRange: Equatable, Sendable {
    /// Offset of the first character.
    public var start: Int
    /// Offset just past the last character.
    public var end: Int
}

/// The syntax tree of an R model formula (or of an expression inside one).
public indirect enum FormulaExpression: Equatable, Sendable {
    /// A column name (possibly back-quoted in the source).
    case name(String, SourceRange)
    /// A numeric literal, with its source text.
    case number(Double, String, SourceRange)
    /// A function call such as `log(x)`, `I(x^2)`, `cbind(a, b - a)`, `offset(z)`.
    case call(String, [FormulaExpression], SourceRange)
    /// A binary operator: `~ + - * / : ^ | || %in%` and the comparisons inside `I()`.
    case binary(String, FormulaExpression, FormulaExpression, SourceRange)
    /// Unary `-` or `+`.
    case unary(String, FormulaExpression, SourceRange)
    /// A parenthesised expression.
    case paren(FormulaExpression, SourceRange)

    /// Where the expression is in the formula.
    public var range: SourceRange {
        switch self {
        case .name(_, let r), .number(_, _, let r), .call(_, _, let r), .binary(_, _, _, let r),
             .unary(_, _, let r), .paren(_, let r):
            return r
        }
    }

    /// The expression without enclosing parentheses.
    public var unparenthesized: FormulaExpression {
        if case .paren(let e, _) = self { return e.unparenthesized }
        return self
    }

    /// R's `deparse` of the expression: spaces around `+ - * ~ |` and comparisons, none around
    /// `/ ^ :`; this is how R names model-matrix columns such as `I(x^2)` or `log(x + 1)`.
    public var deparsed: String {
        switch self {
        case .name(let n, _):
            return isSyntacticName(n) ? n : "`\(n)`"
        case .number(let v, let text, _):
            return deparseNumber(v, text)
        case .call(let f, let args, _):
            return "\(f)(\(args.map { $0.deparsed }.joined(separator: ", ")))"
        case .binary(let op, let a, let b, _):
            switch op {
            case "/", "^", ":": return "\(a.deparsed)\(op)\(b.deparsed)"
            default: return "\(a.deparsed) \(op) \(b.deparsed)"
            }
        case .unary(let op, let e, _):
            return "\(op)\(e.deparsed)"
        case .paren(let e, _):
            return "(\(e.deparsed))"
        }
    }
}

/// Whether R would print the name without back-quotes.
func isSyntacticName(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first else { return false }
    if !(first.properties.isAlphabetic || first == ".") { return false }
    if first == ".", s.count > 1, let second = s.unicodeScalars.dropFirst().first, ("0"..."9").contains(second) { return false }
    return s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "_" }
}

/// R's deparse of a number literal (`2`, `0.5`, `1e+05`).
func deparseNumber(_ v: Double, _ text: String) -> String {
    RNumberFormat.asCharacter(v)
}
