/// A fully crossed subjects × items experiment with three two-level within-subject, within-item
/// factors coded ±0.5 (like Kliegl et al.'s kb07), for the maximal model
/// `y ~ 1 + a + b + c + (1 + a + b + c | subj) + (1 + a + b + c | item)` (10 + 10 = 20 θ):
///
///     y = 5 + 0.4 a + 0.25 b + 0.15 c + Z_subj s + Z_item w + e,   e ~ N(0, 1)
///
/// Every subject sees every item once; the condition (a, b, c) of subject s on item i is the
/// Latin square cell (s + i) mod 8. Subject effects (intercept, a, b, c) ~ N(0, Σ_s) with SDs
/// 0.6, 0.3, 0.25, 0.2 and all correlations 0.3; item effects ~ N(0, Σ_i) with SDs 0.4, 0.2,
/// 0.15, 0.1 and correlations 0.2. Columns: y, a, b, c, subj, item.
struct MaximalSlopesSimulation: Sendable {
    var subjects: Int
    var items: Int

    static let subjectSD = [0.6, 0.3, 0.25, 0.2], subjectCorrelation = 0.3
    static let itemSD = [0.4, 0.2, 0.15, 0.1], itemCorrelation = 0.2

    var recipe: String {
        "y = 5 + 0.4a + 0.25b + 0.15c + subject and item effects on (1, a, b, c) + e; a, b, c = ±0.5 by a Latin square (cell (s+i) mod 8); \(subjects) subjects × \(items) items, fully crossed; subject SDs 0.6/0.3/0.25/0.2 (corr 0.3), item SDs 0.4/0.2/0.15/0.1 (corr 0.2), e~N(0,1)"
    }

    /// The lower Cholesky factor (4 × 4, row-major) of D R D with R equicorrelated.
    static func choleskyFactor(sd: [Double], correlation rho: Double) -> [[Double]] {
        let k = sd.count
        var a = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for i in 0..<k { for j in 0..<k { a[i][j] = sd[i] * sd[j] * (i == j ? 1 : rho) } }
        var l = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for j in 0..<k {
            var d = a[j][j]
            for m in 0..<j { d -= l[j][m] * l[j][m] }
            l[j][j] = d.squareRoot()
            for i in (j + 1)..<k {
                var s = a[i][j]
                for m in 0..<j { s -= l[i][m] * l[j][m] }
                l[i][j] = s / l[j][j]
            }
        }
        return l
    }

    /// A correlated 4-vector of effects: L z with z standard normal.
    static func draw(_ l: [[Double]], _ rng: inout Xoshiro256StarStar) -> [Double] {
        let z = (0..<l.count).map { _ in rng.normal() }
        return (0..<l.count).map { i in (0...i).reduce(0) { $0 + l[i][$1] * z[$1] } }
    }

    func generate(seed: UInt64) -> SimulatedData {
        var effectRNG = Xoshiro256StarStar(seed: seed, stream: "maximal.effects")
        var noiseRNG = Xoshiro256StarStar(seed: seed, stream: "maximal.noise")
        let ls = MaximalSlopesSimulation.choleskyFactor(sd: MaximalSlopesSimulation.subjectSD,
                                                        correlation: MaximalSlopesSimulation.subjectCorrelation)
        let li = MaximalSlopesSimulation.choleskyFactor(sd: MaximalSlopesSimulation.itemSD,
                                                        correlation: MaximalSlopesSimulation.itemCorrelation)
        let subjectEffects = (0..<subjects).map { _ in MaximalSlopesSimulation.draw(ls, &effectRNG) }
        let itemEffects = (0..<items).map { _ in MaximalSlopesSimulation.draw(li, &effectRNG) }
        var y = [Double](), a = [Double](), b = [Double](), c = [Double](), subj = [Int32](), item = [Int32]()
        for s in 0..<subjects {
            for i in 0..<items {
                let cell = (s + i) % 8
                let row = [1, cell & 1 == 0 ? -0.5 : 0.5, (cell >> 1) & 1 == 0 ? -0.5 : 0.5, (cell >> 2) & 1 == 0 ? -0.5 : 0.5]
                let beta = [5, 0.4, 0.25, 0.15]
                var mean = 0.0
                for k in 0..<4 { mean += row[k] * (beta[k] + subjectEffects[s][k] + itemEffects[i][k]) }
                y.append(SimulatedData.quantised(mean + noiseRNG.normal()))
                a.append(row[1]); b.append(row[2]); c.append(row[3])
                subj.append(Int32(s)); item.append(Int32(i))
            }
        }
        return SimulatedData(columns: [
            ("y", .numeric(y)), ("a", .numeric(a)), ("b", .numeric(b)), ("c", .numeric(c)),
            ("subj", .factor(codes: subj, labels: SimulatedData.labels("s", count: subjects))),
            ("item", .factor(codes: item, labels: SimulatedData.labels("i", count: items))),
        ])
    }
}
