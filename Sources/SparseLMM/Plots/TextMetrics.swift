/// Estimated width in pixels of `text` set in a sans-serif font of `size` pixels, from
/// per-character advance widths of Helvetica/Arial (in em), rounded up slightly so that
/// labels laid out with it do not touch in common renderers. There is no font file to
/// measure with: SVG text is drawn by the viewer, so this is an estimate by design.
public func estimatedTextWidth(_ text: String, size: Double) -> Double {
    var em = 0.0
    for c in text.unicodeScalars { em += characterAdvance(c) }
    return em * size * 1.05
}

/// The approximate advance width of one character in em (Helvetica metrics, grouped).
func characterAdvance(_ c: Unicode.Scalar) -> Double {
    switch c {
    case "i", "j", "l", "'", "|": return 0.24
    case " ", ".", ",", ":", ";", "!", "f", "t", "I", "/", "\\", "[", "]": return 0.29
    case "(", ")", "-", "r", "`", "{", "}", "*": return 0.34
    case "\"": return 0.36
    case "0"..."9", "$", "_", "?", "#": return 0.56
    case "a", "b", "c", "d", "e", "g", "h", "k", "n", "o", "p", "q", "s", "u", "v", "x", "y", "z": return 0.53
    case "+", "=", "<", ">", "~", "\u{2212}", "\u{00B1}": return 0.59
    case "w", "C", "D", "H", "N", "R", "U": return 0.73
    case "m", "M", "%": return 0.85
    case "W", "@": return 0.95
    case "O", "Q", "G": return 0.78
    case "A"..."Z", "&": return 0.67
    default: return c.value < 0x80 ? 0.56 : 0.75
    }
}
