#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maximum-likelihood estimate of the negative-binomial shape θ for fixed means μ (MASS's
/// `theta.ml`): Newton iterations on the score Σ wᵢ[ψ(θ + yᵢ) − ψ(θ) + log θ + 1 − log(θ + μᵢ)
/// − (yᵢ + θ)/(μᵢ + θ)], started at the moment estimate n / Σ wᵢ(yᵢ/μᵢ − 1)².
func negativeBinomialThetaML(y: [Double], mu: [Double], weights w: [Double]) -> Double {
    let n = y.count
    var denom = 0.0
    for i in 0..<n { let r = y[i] / mu[i] - 1; denom += w[i] * r * r }
    var theta = denom > 0 ? Double(n) / denom : 1
    if !theta.isFinite || theta <= 0 { theta = 1 }
    for _ in 0..<100 {
        var score = 0.0, info = 0.0
        for i in 0..<n {
            let t = theta, yi = y[i], mi = mu[i]
            score += w[i] * (digamma(t + yi) - digamma(t) + log(t) + 1 - log(t + mi) - (yi + t) / (mi + t))
            info += w[i] * (-trigamma(t + yi) + trigamma(t) - 1 / t + 2 / (mi + t) - (yi + t) / ((mi + t) * (mi + t)))
        }
        guard info > 0, score.isFinite else { break }
        let step = score / info
        var next = theta + step
        if next <= 0 { next = theta / 2 }
        if abs(next - theta) < 1e-10 * theta { theta = next; break }
        theta = next
    }
    return theta
}

/// ψ(x), the digamma function (asymptotic series after upward recurrence).
func digamma(_ x0: Double) -> Double {
    var x = x0, r = 0.0
    while x < 6 { r -= 1 / x; x += 1 }
    let f = 1 / (x * x)
    return r + log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))))
}

/// ψ'(x), the trigamma function.
func trigamma(_ x0: Double) -> Double {
    var x = x0, r = 0.0
    while x < 6 { r += 1 / (x * x); x += 1 }
    let f = 1 / (x * x)
    return r + 1 / x + f / 2 + f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f / 30)))
}
