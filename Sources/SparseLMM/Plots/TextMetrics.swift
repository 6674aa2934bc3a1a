/// Estimated width in pixels of `text` set in a sans-serif font of `size` pixels. SVG text is
/// drawn by the viewer with whatever font `sans-serif` resolves to, so there is no font file to
/// measure with: the estimate uses the advance widths of DejaVu Sans (the common Linux
/// default), which are as wide as or wider than Helvetica's and Arial's for almost every
/// character, so that labels laid out with it do not collide in any of those fonts.
public func estimatedTextWidth(_ text: String, size: Double) -> Double {
    var em = 0.0
    for c in text.unicodeScalars { em += characterAdvance(c) }
    return em * size
}

/// The advance width of one character in em (DejaVu Sans; 0.7 em for characters not listed,
/// 1 em for wide East Asian characters).
func characterAdvance(_ c: Unicode.Scalar) -> Double {
    let v = Int(c.value)
    if v >= 0x20 && v < 0x7F { return asciiAdvance[v - 0x20] }
    switch c {
    case "\u{2212}", "\u{00B1}", "\u{00D7}": return 0.838
    case "\u{2013}": return 0.5
    case "\u{2014}": return 1.0
    case "\u{00B0}": return 0.5
    default: return v >= 0x1100 ? 1.0 : 0.7
    }
}

/// DejaVu Sans advance widths (em) of the printable ASCII characters, from space (0x20) to `~`.
private let asciiAdvance: [Double] = [
    0.318, 0.401, 0.460, 0.838, 0.636, 0.950, 0.780, 0.275, 0.390, 0.390, 0.500, 0.838, 0.318, 0.361, 0.318, 0.337, // space … /
    0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636,                                         // 0 … 9
    0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1.000,                                                               // : ; < = > ? @
    0.684, 0.686, 0.698, 0.770, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863,                    // A … M
    0.748, 0.787, 0.603, 0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685,                    // N … Z
    0.390, 0.337, 0.390, 0.838, 0.500, 0.500,                                                                      // [ \ ] ^ _ `
    0.613, 0.635, 0.550, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974,                    // a … m
    0.634, 0.612, 0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525,                    // n … z
    0.636, 0.337, 0.636, 0.838,                                                                                    // { | } ~
]
