/// The block structure of Z'WZ for a set of random-effects terms, and the map from each
/// observation to the blocks it contributes to.
///
/// Z's columns are grouped in blocks, one per (term, level), of the term's k columns. Z'WZ is
/// made of dense k₁ × k₂ blocks, one per pair of blocks that share an observation: the diagonal
/// block of every level, and for two terms t₁ < t₂ every pair of levels seen together. The
/// pattern is found once, in time linear in n (bucketing by the second level, no sorting), and
/// `accumulate` refills the values for new weights (each PIRLS step of a GLMM).
final class CrossProductPattern {
    /// Columns per term.
    let k: [Int]
    /// Levels per term.
    let levels: [Int]
    /// First block of each term (blocks are (term, level), numbered term by term).
    let blockStart: [Int]
    /// First Z column of each term; q in total.
    let columnStart: [Int]
    let q: Int
    let n: Int
    /// Term and level of each block.
    let blockTerm: [Int32]
    /// Block pairs: the diagonal pair of block B is pair B; cross pairs follow.
    var pairFirst: [Int32]   // block of the pair's rows (t₁)
    var pairSecond: [Int32]  // block of the pair's columns (t₂)
    /// Offset of each pair's dense values (k₁ × k₂, column-major) in `values`.
    var pairOffset: [Int]
    /// The accumulated values Σ wᵢ zᵢ₁ zᵢ₂' of every pair.
    var values: [Double]
    /// For each pair of terms (t₁ < t₂), each observation's cross pair (index into the pairs).
    let termPairs: [(Int, Int)]
    let rowPair: [[Int32]]
    /// Each observation's level per term.
    let codes: [[Int32]]
    /// Each term's model matrix, row by row (empty for an intercept-only term).
    let zvalues: [[Double]]

    init(terms: [RandomEffectsTerm]) {
        k = terms.map { $0.columnCount }
        levels = terms.map { $0.levelCount }
        n = terms.first?.factor.codes.count ?? 0
        codes = terms.map { $0.factor.codes }
        zvalues = terms.map { $0.values }
        var bs = [Int](), cs = [Int]()
        var b = 0, c = 0
        for t in terms.indices { bs.append(b); cs.append(c); b += levels[t]; c += levels[t] * k[t] }
        blockStart = bs
        columnStart = cs
        q = c
        let nb = b
        var bt = [Int32](repeating: 0, count: nb)
        for t in terms.indices { for a in 0..<levels[t] { bt[bs[t] + a] = Int32(t) } }
        blockTerm = bt
        pairFirst = (0..<nb).map { Int32($0) }
        pairSecond = pairFirst
        var offsets = [Int](), off = 0
        for blk in 0..<nb { offsets.append(off); off += k[Int(bt[blk])] * k[Int(bt[blk])] }
        // cross pairs, term pair by term pair
        var tps = [(Int, Int)](), rowPairs = [[Int32]]()
        for t1 in terms.indices {
            for t2 in terms.indices where t2 > t1 {
                tps.append((t1, t2))
                let c1 = codes[t1], c2 = codes[t2]
                let l1 = levels[t1], l2 = levels[t2]
                // bucket observations by their level of t₂
                var count = [Int](repeating: 0, count: l2 + 1)
                for i in 0..<n { count[Int(c2[i]) + 1] += 1 }
                for a in 0..<l2 { count[a + 1] += count[a] }
                var order = [Int32](repeating: 0, count: n)
                var fill = count
                for i in 0..<n { let a = Int(c2[i]); order[fill[a]] = Int32(i); fill[a] += 1 }
                var marker = [Int32](repeating: -1, count: l1)
                var pairOf = [Int32](repeating: 0, count: l1)
                var rp = [Int32](repeating: 0, count: n)
                let kk = k[t1] * k[t2]
                for a2 in 0..<l2 {
                    for s in count[a2]..<count[a2 + 1] {
                        let i = Int(order[s])
                        let a1 = Int(c1[i])
                        if marker[a1] != Int32(a2) {
                            marker[a1] = Int32(a2)
                            pairOf[a1] = Int32(pairFirst.count)
                            pairFirst.append(Int32(bs[t1] + a1))
                            pairSecond.append(Int32(bs[t2] + a2))
                            offsets.append(off)
                            off += kk
                        }
                        rp[i] = pairOf[a1]
                    }
                }
                rowPairs.append(rp)
            }
        }
        termPairs = tps
        rowPair = rowPairs
        pairOffset = offsets
        values = [Double](repeating: 0, count: off)
    }

    var pairCount: Int { pairFirst.count }

    /// First Z column of a block.
    @inline(__always) func firstColumn(ofBlock b: Int) -> Int {
        let t = Int(blockTerm[b])
        return columnStart[t] + (b - blockStart[t]) * k[t]
    }

    /// Recomputes `values` = the blocks of Z'WZ for observation weights w (all ones if nil).
    func accumulate(weights w: UnsafeBufferPointer<Double>?) {
        values.withUnsafeMutableBufferPointer { v in
            v.update(repeating: 0)
            let nt = k.count
            let n = self.n
            pairOffset.withUnsafeBufferPointer { offset in
            for t in 0..<nt {
                let kt = k[t], bs = blockStart[t]
                codes[t].withUnsafeBufferPointer { c in
                if zvalues[t].isEmpty {
                    // a scalar term's diagonal blocks are 1 × 1 and numbered as its levels
                    let diagonal = offset.baseAddress! + bs
                    if let w { for i in 0..<n { v[diagonal[Int(c[i])]] += w[i] } }
                    else { for i in 0..<n { v[diagonal[Int(c[i])]] += 1 } }
                    return
                }
                zvalues[t].withUnsafeBufferPointer { z in
                    for i in 0..<n {
                        let wi = w?[i] ?? 1
                        let base = offset[bs + Int(c[i])]
                        let zi = i * kt
                        for cc in 0..<kt {
                            let s = wi * z[zi + cc]
                            for r in 0..<kt { v[base + r + cc * kt] += s * z[zi + r] }
                        }
                    }
                }
                }
            }
            for (tp, (t1, t2)) in termPairs.enumerated() {
                let k1 = k[t1], k2 = k[t2]
                let z1 = zvalues[t1], z2 = zvalues[t2]
                rowPair[tp].withUnsafeBufferPointer { rp in
                if z1.isEmpty && z2.isEmpty {
                    if let w { for i in 0..<n { v[offset[Int(rp[i])]] += w[i] } }
                    else { for i in 0..<n { v[offset[Int(rp[i])]] += 1 } }
                    return
                }
                for i in 0..<n {
                    let wi = w?[i] ?? 1
                    let base = offset[Int(rp[i])]
                    for cc in 0..<k2 {
                        let s = wi * (z2.isEmpty ? 1 : z2[i * k2 + cc])
                        for r in 0..<k1 { v[base + r + cc * k1] += s * (z1.isEmpty ? 1 : z1[i * k1 + r]) }
                    }
                }
                }
            }
            }
        }
    }

    /// Z'W M for an n × m column-major matrix M (q × m, column-major; weights all ones if nil).
    func zTransposeTimes(_ m: UnsafeBufferPointer<Double>, columns: Int, weights w: UnsafeBufferPointer<Double>?,
                         into out: UnsafeMutableBufferPointer<Double>) {
        out.update(repeating: 0)
        let n = self.n, q = self.q
        for t in 0..<k.count {
            let kt = k[t], cs = columnStart[t]
            codes[t].withUnsafeBufferPointer { c in
                zvalues[t].withUnsafeBufferPointer { z in
                    for j in 0..<columns {
                        let mj = m.baseAddress! + j * n, oj = out.baseAddress! + j * q + cs
                        if z.isEmpty {
                            if let w { for i in 0..<n { oj[Int(c[i])] += w[i] * mj[i] } }
                            else { for i in 0..<n { oj[Int(c[i])] += mj[i] } }
                        } else {
                            for i in 0..<n {
                                let s = (w?[i] ?? 1) * mj[i]
                                let base = Int(c[i]) * kt
                                for r in 0..<kt { oj[base + r] += s * z[i * kt + r] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// out = Z v for a q-vector v (n values).
    func zTimes(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        out.update(repeating: 0)
        for t in 0..<k.count {
            let c = codes[t], kt = k[t], cs = columnStart[t]
            let z = zvalues[t]
            if z.isEmpty {
                for i in 0..<n { out[i] += v[cs + Int(c[i])] }
            } else {
                for i in 0..<n {
                    let base = cs + Int(c[i]) * kt
                    var s = 0.0
                    for r in 0..<kt { s += z[i * kt + r] * v[base + r] }
                    out[i] += s
                }
            }
        }
    }
}
