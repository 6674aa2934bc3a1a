/// A recursive-descent parser for R's formula syntax, with R's operator precedence
/// (lowest first): `~`, `|` `||`, comparisons, `+ -`, `* /`, `%in%`, `:`, unary `- +`, `^`.
struct FormulaParser {
    enum Token: Equatable {
        case name(String)
        case number(Double, String)
        case op(String)
        case lparen, rparen, comma
        case end
    }

    struct Lexeme {
        var token: Token
        var range: SourceRange
    }

    let text: String
    let chars: [Character]
    var lexemes: [Lexeme] = []
    var k = 0

    init(_ text: String) throws {
        self.text = text
        self.chars = Array(text)
        lexemes = try lex()
    }

    func error(_ message: String, at position: Int) -> FormulaError {
        FormulaError(message, at: position, in: text)
    }

    // MARK: lexer

    func lex() throws -> [Lexeme] {
        var out = [Lexeme]()
        var i = 0
        let c = chars
        func isNameStart(_ ch: Character) -> Bool { ch.isLetter || ch == "." || ch == "_" }
        func isNameChar(_ ch: Character) -> Bool { ch.isLetter || ch.isNumber || ch == "." || ch == "_" }
        while i < c.count {
            let ch = c[i]
            if ch == " " || ch == "\t" || ch == "\n" || ch == "\r" { i += 1; continue }
            let start = i
            if ch.isNumber || (ch == "." && i + 1 < c.count && c[i + 1].isNumber) {
                var j = i
                while j < c.count && (c[j].isNumber || c[j] == ".") { j += 1 }
                if j < c.count && (c[j] == "e" || c[j] == "E") {
                    var t = j + 1
                    if t < c.count && (c[t] == "+" || c[t] == "-") { t += 1 }
                    if t < c.count && c[t].isNumber {
                        j = t
                        while j < c.count && c[j].isNumber { j += 1 }
                    }
                }
                if j < c.count && c[j] == "L" { j += 1 }  // R integer suffix
                let raw = String(c[i..<j])
                let body = raw.hasSuffix("L") ? String(raw.dropLast()) : raw
                guard let v = Double(body) else { throw error("'\(raw)' is not a valid number", at: start) }
                out.append(Lexeme(token: .number(v, body), range: SourceRange(start: start, end: j)))
                i = j
                continue
            }
            if isNameStart(ch) {
                var j = i
                while j < c.count && isNameChar(c[j]) { j += 1 }
                out.append(Lexeme(token: .name(String(c[i..<j])), range: SourceRange(start: start, end: j)))
                i = j
                continue
            }
            if ch == "`" {
                var j = i + 1
                while j < c.count && c[j] != "`" { j += 1 }
                guard j < c.count else { throw error("unterminated back-quoted name", at: start) }
                let name = String(c[(i + 1)..<j])
                guard !name.isEmpty else { throw error("empty back-quoted name", at: start) }
                out.append(Lexeme(token: .name(name), range: SourceRange(start: start, end: j + 1)))
                i = j + 1
                continue
            }
            switch ch {
            case "(": out.append(Lexeme(token: .lparen, range: SourceRange(start: i, end: i + 1))); i += 1
            case ")": out.append(Lexeme(token: .rparen, range: SourceRange(start: i, end: i + 1))); i += 1
            case ",": out.append(Lexeme(token: .comma, range: SourceRange(start: i, end: i + 1))); i += 1
            case "~", "+", "-", "*", "/", ":", "^":
                out.append(Lexeme(token: .op(String(ch)), range: SourceRange(start: i, end: i + 1))); i += 1
            case "|":
                if i + 1 < c.count && c[i + 1] == "|" {
                    out.append(Lexeme(token: .op("||"), range: SourceRange(start: i, end: i + 2))); i += 2
                } else {
                    out.append(Lexeme(token: .op("|"), range: SourceRange(start: i, end: i + 1))); i += 1
                }
            case "%":
                var j = i + 1
                while j < c.count && c[j] != "%" { j += 1 }
                guard j < c.count else { throw error("unterminated %...% operator", at: start) }
                let op = String(c[i...j])
                guard op == "%in%" else { throw error("unsupported operator \(op) (only %in% is allowed)", at: start) }
                out.append(Lexeme(token: .op(op), range: SourceRange(start: i, end: j + 1))); i = j + 1
            case "<", ">", "=", "!":
                var op = String(ch)
                if i + 1 < c.count && c[i + 1] == "=" { op += "=" }
                guard op != "=" && op != "!" else {
                    throw error(op == "=" ? "unexpected '=' (use '~' to separate the response from the predictors)" : "unexpected '!'", at: start)
                }
                out.append(Lexeme(token: .op(op), range: SourceRange(start: i, end: i + op.count))); i += op.count
            default:
                throw error("unexpected character '\(ch)'", at: start)
            }
        }
        out.append(Lexeme(token: .end, range: SourceRange(start: c.count, end: c.count)))
        return out
    }

    // MARK: parser

    var current: Lexeme { lexemes[k] }

    mutating func advance() -> Lexeme { let l = lexemes[k]; k += 1; return l }

    /// formula := [expr] '~' expr
    mutating func parseFormula() throws -> (response: FormulaExpression?, rhs: FormulaExpression) {
        if case .end = current.token { throw error("the formula is empty", at: 0) }
        var response: FormulaExpression? = nil
        if current.token != .op("~") {
            response = try parseExpression(minPrecedence: 1)
        }
        guard current.token == .op("~") else {
            if case .end = current.token { throw error("missing '~' between the response and the predictors", at: current.range.start) }
            throw error("unexpected \(describe(current.token))", at: current.range.start)
        }
        let tilde = advance()
        if case .end = current.token { throw error("missing right-hand side after '~'", at: tilde.range.end) }
        let rhs = try parseExpression(minPrecedence: 1)
        if current.token != .end {
            if current.token == .op("~") { throw error("a formula may contain only one '~'", at: current.range.start) }
            if current.token == .rparen { throw error("unmatched ')'", at: current.range.start) }
            throw error("unexpected \(describe(current.token))", at: current.range.start)
        }
        return (response, rhs)
    }

    /// A stand-alone expression (used for `--offset`-like inputs and tests).
    mutating func parseStandalone() throws -> FormulaExpression {
        let e = try parseExpression(minPrecedence: 1)
        if current.token != .end { throw error("unexpected \(describe(current.token))", at: current.range.start) }
        return e
    }

    func describe(_ t: Token) -> String {
        switch t {
        case .name(let n): return "name '\(n)'"
        case .number(_, let s): return "number \(s)"
        case .op(let o): return "'\(o)'"
        case .lparen: return "'('"
        case .rparen: return "')'"
        case .comma: return "','"
        case .end: return "end of formula"
        }
    }

    static func precedence(_ op: String) -> (Int, rightAssoc: Bool)? {
        switch op {
        case "|", "||": return (2, false)
        case "==", "!=", "<", ">", "<=", ">=": return (3, false)
        case "+", "-": return (4, false)
        case "*", "/": return (5, false)
        case "%in%": return (6, false)
        case ":": return (7, false)
        // unary minus is 8
        case "^": return (9, true)
        default: return nil
        }
    }

    mutating func parseExpression(minPrecedence: Int) throws -> FormulaExpression {
        var lhs = try parseUnary()
        while case .op(let op) = current.token, let (prec, rightAssoc) = FormulaParser.precedence(op), prec >= minPrecedence {
            let opLex = advance()
            if case .end = current.token { throw error("missing operand after '\(op)'", at: opLex.range.start) }
            if current.token == .rparen || current.token == .comma {
                throw error("missing operand after '\(op)'", at: current.range.start)
            }
            let rhs = try parseExpression(minPrecedence: rightAssoc ? prec : prec + 1)
            lhs = .binary(op, lhs, rhs, SourceRange(start: lhs.range.start, end: rhs.range.end))
        }
        return lhs
    }

    mutating func parseUnary() throws -> FormulaExpression {
        if case .op(let op) = current.token, op == "-" || op == "+" {
            let l = advance()
            if case .end = current.token { throw error("missing operand after '\(op)'", at: l.range.start) }
            let e = try parseExpression(minPrecedence: 8)
            return .unary(op, e, SourceRange(start: l.range.start, end: e.range.end))
        }
        return try parsePostfixPower()
    }

    /// primary ('^' unary)? — `^` binds tighter than unary minus on its left, looser on its right.
    mutating func parsePostfixPower() throws -> FormulaExpression {
        let base = try parsePrimary()
        if current.token == .op("^") {
            let opLex = advance()
            if case .end = current.token { throw error("missing exponent after '^'", at: opLex.range.start) }
            let exponent = try parseUnary()
            return .binary("^", base, exponent, SourceRange(start: base.range.start, end: exponent.range.end))
        }
        return base
    }

    mutating func parsePrimary() throws -> FormulaExpression {
        let l = current
        switch l.token {
        case .number(let v, let s):
            k += 1
            return .number(v, s, l.range)
        case .name(let n):
            k += 1
            if current.token == .lparen {
                let open = advance()
                var args = [FormulaExpression]()
                if current.token != .rparen {
                    while true {
                        if current.token == .end { throw error("missing ')' to close '\(n)('", at: open.range.start) }
                        if current.token == .comma { throw error("missing argument in call to \(n)()", at: current.range.start) }
                        args.append(try parseExpression(minPrecedence: 1))
                        if current.token == .comma {
                            k += 1
                            if current.token == .rparen { throw error("missing argument in call to \(n)()", at: current.range.start) }
                            continue
                        }
                        break
                    }
                }
                guard current.token == .rparen else {
                    if current.token == .end { throw error("missing ')' to close '\(n)('", at: open.range.start) }
                    throw error("unexpected \(describe(current.token)) in call to \(n)()", at: current.range.start)
                }
                let close = advance()
                return .call(n, args, SourceRange(start: l.range.start, end: close.range.end))
            }
            return .name(n, l.range)
        case .lparen:
            k += 1
            if current.token == .rparen { throw error("empty parentheses", at: l.range.start) }
            if case .end = current.token { throw error("missing ')' to close '('", at: l.range.start) }
            let inner = try parseExpression(minPrecedence: 1)
            guard current.token == .rparen else {
                if case .end = current.token { throw error("missing ')' to close '('", at: l.range.start) }
                throw error("unexpected \(describe(current.token)) inside parentheses", at: current.range.start)
            }
            let close = advance()
            return .paren(inner, SourceRange(start: l.range.start, end: close.range.end))
        case .rparen:
            throw error("unmatched ')'", at: l.range.start)
        case .comma:
            throw error("unexpected ','", at: l.range.start)
        case .op(let o):
            if o == "~" { throw error("unexpected '~'", at: l.range.start) }
            throw error("unexpected '\(o)': an operand is missing before it", at: l.range.start)
        case .end:
            throw error("unexpected end of formula", at: l.range.start)
        }
    }
}
