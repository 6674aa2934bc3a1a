/// An error in a model formula: what is wrong and where (a character offset into the formula).
/// `description` shows the formula with a caret under the position.
public struct FormulaError: Error, Equatable, CustomStringConvertible {
    /// The formula as given.
    public let formula: String
    /// 0-based character offset of the problem.
    public let position: Int
    /// What is wrong.
    public let message: String

    /// An error `message` at character offset `position` (clamped to the formula) in `formula`.
    public init(_ message: String, at position: Int, in formula: String) {
        self.message = message
        self.position = max(0, min(position, formula.count))
        self.formula = formula
    }

    public var description: String {
        "formula error at position \(position + 1): \(message)\n  \(formula)\n  \(String(repeating: " ", count: position))^"
    }
}
