/// A JSON number that is not an Int64 literal (`1e+18`, `123.0`, `9.223372036854776e+18`) read into an integer
/// field as JSONDecoder reads it: from the digits of its minimal text, exactly, not through the Double (so
/// `9.223372036854776e+18` is 9223372036854776000 for a UInt64 and too large for an Int64); nil when the text is
/// not a whole number (`1.5`, `1e-07`) or has more than 20 digits before any trailing zeros.
struct WholeNumber: Equatable {
    var negative: Bool
    var magnitude: UInt64

    init?(_ d: Double) {
        guard d.isFinite else { return nil }
        // The text the minimal form carries (JSONValue.appendMinimal): "1e+18", "123.0", "-0.0", "1.5e-07".
        let text = Array(String(d).utf8)
        var i = 0
        negative = text.first == UInt8(ascii: "-")
        if negative { i += 1 }
        var digits: [UInt8] = []
        var fraction = 0
        var seenPoint = false
        while i < text.count, text[i] != UInt8(ascii: "e"), text[i] != UInt8(ascii: "E") {
            if text[i] == UInt8(ascii: ".") { seenPoint = true } else {
                digits.append(text[i] - UInt8(ascii: "0"))
                if seenPoint { fraction += 1 }
            }
            i += 1
        }
        var exponent = 0
        if i < text.count {
            i += 1
            var sign = 1
            if i < text.count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
                if text[i] == UInt8(ascii: "-") { sign = -1 }
                i += 1
            }
            var e = 0
            while i < text.count { e = e * 10 + Int(text[i] - UInt8(ascii: "0")); i += 1 }
            exponent = sign * e
        }
        var scale = exponent - fraction
        // Trailing zeros carry no value: "123.0" is 1230 × 10^-1, i.e. 123.
        while scale < 0, let last = digits.last, last == 0 { digits.removeLast(); scale += 1 }
        while digits.first == 0 { digits.removeFirst() }
        if digits.isEmpty { magnitude = 0; return }
        guard scale >= 0, digits.count + scale <= 20 else { return nil }
        var m: UInt64 = 0
        for digit in digits + Array(repeating: 0, count: scale) {
            let (times10, o1) = m.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { return nil }
            m = sum
        }
        magnitude = m
    }

    var int64: Int64? {
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    var uint64: UInt64? { negative && magnitude != 0 ? nil : magnitude }
}
