/// The relative covariance factor λ of one random-effects term: Σ = σ² λλ', with λ lower
/// triangular (k × k) and block diagonal over the term's covariance blocks. θ holds the lower
/// triangle of each block, column by column (lme4's order): for `(Days | Subject)` that is
/// λ₁₁, λ₂₁, λ₂₂. Diagonal elements are bounded below by zero; off-diagonal ones are free.
public struct CovarianceFactor: Sendable, Equatable {
    /// Number of columns k.
    public let size: Int
    /// The covariance blocks' column ranges.
    public let blocks: [Range<Int>]

    /// The factor of a k × k term (`size`) whose covariance blocks cover the given column ranges.
    public init(size: Int, blocks: [Range<Int>]) {
        self.size = size
        self.blocks = blocks
    }

    /// Number of parameters.
    public var parameterCount: Int { blocks.reduce(0) { $0 + $1.count * ($1.count + 1) / 2 } }

    /// Position (row, column) in λ of each parameter, in θ order.
    public var positions: [(row: Int, column: Int)] {
        var out = [(Int, Int)]()
        for b in blocks {
            for c in b { for r in c..<b.upperBound { out.append((r, c)) } }
        }
        return out
    }

    /// Whether each parameter is a diagonal element of λ.
    public var isDiagonal: [Bool] { positions.map { $0.row == $0.column } }

    /// Lower bounds: 0 on the diagonal, −∞ elsewhere (lme4's bounds).
    public var lowerBounds: [Double] { isDiagonal.map { $0 ? 0 : -.infinity } }

    /// lme4's starting values: 1 on the diagonal, 0 elsewhere.
    public var initialValues: [Double] { isDiagonal.map { $0 ? 1 : 0 } }

    /// Writes λ (k × k, column-major, zeros above the diagonal and between blocks) for the
    /// parameters `theta[0..<parameterCount]`.
    @inline(__always)
    public func fill(_ theta: UnsafePointer<Double>, into lambda: UnsafeMutablePointer<Double>) {
        let k = size
        lambda.update(repeating: 0, count: k * k)
        var t = 0
        for b in blocks {
            for c in b {
                for r in c..<b.upperBound { lambda[r + c * k] = theta[t]; t += 1 }
            }
        }
    }

    /// λ for an array of parameters.
    public func lambda(_ theta: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: size * size)
        theta.withUnsafeBufferPointer { th in out.withUnsafeMutableBufferPointer { fill(th.baseAddress!, into: $0.baseAddress!) } }
        return out
    }

    /// The relative covariance λλ' (k × k, column-major) for an array of parameters.
    public func relativeCovariance(_ theta: [Double]) -> [Double] {
        let l = lambda(theta)
        let k = size
        var s = [Double](repeating: 0, count: k * k)
        for i in 0..<k { for j in 0..<k { var acc = 0.0; for m in 0..<k { acc += l[i + m * k] * l[j + m * k] }; s[i + j * k] = acc } }
        return s
    }
}
