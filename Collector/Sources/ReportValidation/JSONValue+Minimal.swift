/// The minimal form of a document: what a store keeps of a report instead of the bytes as sent, so whitespace
/// padding (which gzip makes nearly free on the wire) costs no disk. No insignificant whitespace, members in
/// byte order of their names (one per name: the value validation saw), strings with only the escapes JSON
/// requires, numbers in the shortest form that parses back to the same value. `JSONValue.parse` of the result
/// gives back an equal value.
extension JSONValue {
    public var minimalJSON: String {
        var out: [UInt8] = []
        appendMinimal(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func appendMinimal(to out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .integer(let i): out += Array(String(i).utf8)
        // Swift's description is the shortest text that reads back as the same Double ("0.1", "1e-07",
        // "1e+300", "-0.0"), valid JSON for every finite value; the parser refuses the others.
        case .double(let d): out += Array((d.isFinite ? String(d) : "null").utf8)
        case .string(let s): JSONValue.appendString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.appendMinimal(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let names = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, name) in names.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.appendString(name, to: &out)
                out.append(UInt8(ascii: ":"))
                members[name]?.appendMinimal(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0..<0x20: out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
