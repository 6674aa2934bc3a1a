#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A linear map from data values to pixel positions, with tick values chosen by `PrettyTicks`.
///
/// Like R's default axis style (`xaxs = "r"`), the data range is widened by 4% on each side so
/// that points do not sit on the panel border, and the ticks are the `pretty` values of that
/// range that fall inside it.
public struct LinearScale: Sendable {
    /// The data interval shown, after widening.
    public let domain: ClosedRange<Double>
    /// The pixel position of `domain.lowerBound` (for a vertical axis, the bottom: pixel
    /// positions may decrease as values increase).
    public let pixelStart: Double
    /// The pixel position of `domain.upperBound`.
    public let pixelEnd: Double
    /// The tick values inside the domain.
    public let ticks: [Double]
    /// Tick labels, one per tick, with a common number of decimals.
    public let tickLabels: [String]

    /// A scale for data between `low` and `high`, widened by `expansion` (a fraction of the
    /// range on each side), mapped onto pixels from `pixelStart` to `pixelEnd`. A degenerate
    /// range (all values equal) is widened as R's base graphics widen one: by 40% of the value on
    /// each side, or to −1…1 around zero.
    /// With `integerTicks` (counts, indices) ticks are whole numbers even for a short range.
    public init(low: Double, high: Double, pixelStart: Double, pixelEnd: Double, expansion: Double = 0.04, tickCount: Int = 5,
                integerTicks: Bool = false) {
        var lo = low.isFinite ? low : 0, hi = high.isFinite ? high : 1
        if lo > hi { swap(&lo, &hi) }
        if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300) {
            let pad = lo == 0 ? 1 : abs(lo) * 0.4
            lo -= pad
            hi += pad
        } else {
            let pad = (hi - lo) * expansion
            lo -= pad
            hi += pad
        }
        self.init(domain: lo...hi, pixelStart: pixelStart, pixelEnd: pixelEnd, tickCount: tickCount, integerTicks: integerTicks)
    }

    /// A scale with an exact data domain (no widening).
    public init(domain: ClosedRange<Double>, pixelStart: Double, pixelEnd: Double, tickCount: Int = 5, integerTicks: Bool = false) {
        self.domain = domain
        self.pixelStart = pixelStart
        self.pixelEnd = pixelEnd
        var pretty = PrettyTicks(low: domain.lowerBound, high: domain.upperBound, n: tickCount)
        if integerTicks && pretty.unit < 1 {
            pretty = PrettyTicks(values: Array(stride(from: ceil(domain.lowerBound), through: floor(domain.upperBound), by: 1)), unit: 1)
        }
        let tolerance = 1e-9 * (domain.upperBound - domain.lowerBound)
        let inside = pretty.values.filter { $0 >= domain.lowerBound - tolerance && $0 <= domain.upperBound + tolerance }
        self.ticks = inside
        self.tickLabels = formatTickValues(inside, unit: pretty.unit)
    }

    /// The same domain and ticks mapped onto other pixels.
    public func mapped(pixelStart: Double, pixelEnd: Double) -> LinearScale {
        LinearScale(domain: domain, ticks: ticks, tickLabels: tickLabels, pixelStart: pixelStart, pixelEnd: pixelEnd)
    }

    private init(domain: ClosedRange<Double>, ticks: [Double], tickLabels: [String], pixelStart: Double, pixelEnd: Double) {
        self.domain = domain
        self.ticks = ticks
        self.tickLabels = tickLabels
        self.pixelStart = pixelStart
        self.pixelEnd = pixelEnd
    }

    /// The pixel position of a data value.
    public func pixel(_ value: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        guard span > 0 else { return (pixelStart + pixelEnd) / 2 }
        return pixelStart + (value - domain.lowerBound) / span * (pixelEnd - pixelStart)
    }
}
