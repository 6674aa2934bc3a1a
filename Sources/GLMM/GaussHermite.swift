import CSparseShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gauss-Hermite quadrature for the standard normal density: nodes zₖ and weights ωₖ with
/// Σ ωₖ f(zₖ) ≈ ∫ f(z) φ(z) dz, exact for polynomials of degree < 2n. Computed by the
/// Golub-Welsch algorithm: the nodes are the eigenvalues of the Jacobi matrix of the
/// probabilists' Hermite polynomials (off-diagonal √k), the weights the squared first
/// components of its normalised eigenvectors.
public struct GaussHermiteRule: Sendable {
    /// The nodes zₖ, in increasing order (the Jacobi matrix's eigenvalues as LAPACK's `dsyev` returns them).
    public let nodes: [Double]
    /// The weights ωₖ (they sum to 1).
    public let weights: [Double]

    /// The n-point rule (n ≥ 1; one point is z = 0 with weight 1).
    public init(points n: Int) {
        precondition(n >= 1)
        if n == 1 { nodes = [0]; weights = [1]; return }
        var j = [Double](repeating: 0, count: n * n)
        for k in 1..<n {
            let s = Double(k).squareRoot()
            j[k + (k - 1) * n] = s
            j[(k - 1) + k * n] = s
        }
        var w = [Double](repeating: 0, count: n)
        let info = j.withUnsafeMutableBufferPointer { a in w.withUnsafeMutableBufferPointer { csshim_dsyev(Int32(n), a.baseAddress!, Int32(n), $0.baseAddress!) } }
        precondition(info == 0, "dsyev failed")
        nodes = w
        weights = (0..<n).map { j[0 + $0 * n] * j[0 + $0 * n] }
    }
}
