import TOMLKit

/// How configuration values and keys are written in error messages: as TOML, so the operator
/// can search the file for exactly what is quoted.
enum ConfigValueText {
    /// Longest rendering of one value; a whole misplaced table should not flood the journal.
    static let maxLength = 160

    /// `value` as TOML source, shortened to `maxLength` characters.
    static func render(_ value: TOMLValueConvertible) -> String {
        let text = full(value)
        guard text.count > maxLength else { return text }
        return String(text.prefix(maxLength - 1)) + "…"
    }

    private static func full(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: return quote(value.string ?? "")
        case .int: return value.int.map { String($0) } ?? "?"
        case .double: return value.double.map { String($0) } ?? "?"
        case .bool: return value.bool.map { String($0) } ?? "?"
        case .array:
            guard let array = value.array else { return "[]" }
            return "[" + array.map { full($0) }.joined(separator: ", ") + "]"
        case .table:
            guard let table = value.table else { return "{}" }
            let items = table.keys.map { key in "\(keySegment(key)) = \(table[key].map(full) ?? "?")" }
            return items.isEmpty ? "{}" : "{ " + items.joined(separator: ", ") + " }"
        case .date, .time, .dateTime: return value.debugDescription
        }
    }

    /// A TOML basic string with the escapes TOML requires.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A key as it would be written in the file: bare when TOML allows, quoted otherwise.
    static func keySegment(_ key: String) -> String {
        let bare = !key.isEmpty && key.unicodeScalars.allSatisfy { s in
            ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s) || s == "_" || s == "-"
        }
        return bare ? key : quote(key)
    }

    /// "a string", "an integer", … for "expected X, not Y" messages.
    static func typeName(_ type: TOMLType) -> String {
        switch type {
        case .string: return "a string"
        case .int: return "an integer"
        case .double: return "a float"
        case .bool: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        }
    }

    /// "a", "a or b", "a, b or c".
    static func alternatives(_ words: [String]) -> String {
        guard let last = words.last else { return "" }
        guard words.count > 1 else { return last }
        return words.dropLast().joined(separator: ", ") + " or " + last
    }

    /// A number as the operator would write it (no ".0" on whole values).
    static func number(_ x: Double) -> String {
        if x.isFinite, x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return String(x)
    }
}
