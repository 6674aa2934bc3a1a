#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The crossed users × items design lme4 was timed on (shared/reference/README.md), at any size:
///
///     y = 3 + 0.5 x + u_user + v_item + e,   u ~ N(0, 0.8²), v ~ N(0, 0.5²), e ~ N(0, 1), x ~ N(0, 1)
///
/// with Zipf-like counts (user of rank r has weight r^−0.8, item of rank r weight r^−1) and every
/// level present at least once. The Bernoulli version draws y ~ Bernoulli(logit⁻¹ η) with
/// η = −0.5 + 0.5 x + u_user + v_item (same u, v). Columns: y, x, user, item; labels `u00001`…,
/// `i0001`… (zero-padded, rank order).
struct CrossedSimulation: Sendable {
    /// The response distribution.
    enum Response: String, Sendable {
        case gaussian
        case bernoulli
    }

    var rows: Int
    var users: Int
    var items: Int
    var response: Response

    static let userExponent = 0.8
    static let itemExponent = 1.0
    static let userSD = 0.8
    static let itemSD = 0.5

    /// A one-line description of the recipe.
    var recipe: String {
        switch response {
        case .gaussian:
            return "y = 3 + 0.5x + u_user + v_item + e; u~N(0,0.8²), v~N(0,0.5²), e~N(0,1); \(users) users (weight r^-0.8) × \(items) items (weight r^-1), every level at least once"
        case .bernoulli:
            return "y ~ Bernoulli(logit⁻¹(−0.5 + 0.5x + u_user + v_item)); u~N(0,0.8²), v~N(0,0.5²); \(users) users (weight r^-0.8) × \(items) items (weight r^-1), every level at least once"
        }
    }

    func generate(seed: UInt64) -> SimulatedData {
        var userRNG = Xoshiro256StarStar(seed: seed, stream: "crossed.user")
        var itemRNG = Xoshiro256StarStar(seed: seed, stream: "crossed.item")
        var xRNG = Xoshiro256StarStar(seed: seed, stream: "crossed.x")
        var effectRNG = Xoshiro256StarStar(seed: seed, stream: "crossed.effects")
        var noiseRNG = Xoshiro256StarStar(seed: seed, stream: "crossed.noise")

        let user = ZipfSampler(count: users, exponent: CrossedSimulation.userExponent)
            .codesCoveringEveryLevel(rows: rows, &userRNG)
        let item = ZipfSampler(count: items, exponent: CrossedSimulation.itemExponent)
            .codesCoveringEveryLevel(rows: rows, &itemRNG)
        let u = (0..<users).map { _ in effectRNG.normal(mean: 0, sd: CrossedSimulation.userSD) }
        let v = (0..<items).map { _ in effectRNG.normal(mean: 0, sd: CrossedSimulation.itemSD) }
        var x = [Double](repeating: 0, count: rows)
        var y = [Double](repeating: 0, count: rows)
        for i in 0..<rows {
            x[i] = SimulatedData.quantised(xRNG.normal())
            let re = u[Int(user[i])] + v[Int(item[i])]
            switch response {
            case .gaussian:
                y[i] = SimulatedData.quantised(3 + 0.5 * x[i] + re + noiseRNG.normal())
            case .bernoulli:
                let eta = -0.5 + 0.5 * x[i] + re
                y[i] = noiseRNG.uniform() < 1 / (1 + exp(-eta)) ? 1 : 0
            }
        }
        return SimulatedData(columns: [
            ("y", response == .gaussian ? .numeric(y) : .integer(y)),
            ("x", .numeric(x)),
            ("user", .factor(codes: user, labels: SimulatedData.labels("u", count: users))),
            ("item", .factor(codes: item, labels: SimulatedData.labels("i", count: items))),
        ])
    }
}
