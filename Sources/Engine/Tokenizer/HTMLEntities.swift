/// HTML character references, decoded the two ways open_clip's text cleaning decodes them: Python's
/// `html.unescape` (lenient: legacy names without `;`, longest-prefix matching) and ftfy's stricter
/// `unescape_html` (only `&...;` forms, plus all-caps names such as `&EACUTE;`).
///
/// Numeric references (`&#NN;`, `&#xHH;`) are complete. Named references are a subset of the 2,231 HTML5 names:
/// the 253 HTML 4 names (Latin-1, symbols, Greek, typography, plus `apos`), the all-caps aliases
/// `AMP COPY GT LT QUOT REG TRADE`, and every legacy name that HTML5 accepts without a semicolon (all of which
/// are in that set, so prefix matching such as `&ampx` -> `&x` behaves exactly as in Python). Other HTML5 names
/// (`&checkmark;`, `&Jscr;`, ...) are left as text.
enum HTMLEntities {
    /// (name, code point, also accepted without a trailing `;`). Values are those of Python's `html.entities.html5`.
    private static let entries: [(String, UInt32, Bool)] = [
        ("Aacute", 0x00C1, true), ("aacute", 0x00E1, true), ("Acirc", 0x00C2, true),
        ("acirc", 0x00E2, true), ("acute", 0x00B4, true), ("AElig", 0x00C6, true),
        ("aelig", 0x00E6, true), ("Agrave", 0x00C0, true), ("agrave", 0x00E0, true),
        ("alefsym", 0x2135, false), ("Alpha", 0x0391, false), ("alpha", 0x03B1, false),
        ("AMP", 0x0026, true), ("amp", 0x0026, true), ("and", 0x2227, false),
        ("ang", 0x2220, false), ("apos", 0x0027, false), ("Aring", 0x00C5, true),
        ("aring", 0x00E5, true), ("asymp", 0x2248, false), ("Atilde", 0x00C3, true),
        ("atilde", 0x00E3, true), ("Auml", 0x00C4, true), ("auml", 0x00E4, true),
        ("bdquo", 0x201E, false), ("Beta", 0x0392, false), ("beta", 0x03B2, false),
        ("brvbar", 0x00A6, true), ("bull", 0x2022, false), ("cap", 0x2229, false),
        ("Ccedil", 0x00C7, true), ("ccedil", 0x00E7, true), ("cedil", 0x00B8, true),
        ("cent", 0x00A2, true), ("Chi", 0x03A7, false), ("chi", 0x03C7, false),
        ("circ", 0x02C6, false), ("clubs", 0x2663, false), ("cong", 0x2245, false),
        ("COPY", 0x00A9, true), ("copy", 0x00A9, true), ("crarr", 0x21B5, false),
        ("cup", 0x222A, false), ("curren", 0x00A4, true), ("Dagger", 0x2021, false),
        ("dagger", 0x2020, false), ("dArr", 0x21D3, false), ("darr", 0x2193, false),
        ("deg", 0x00B0, true), ("Delta", 0x0394, false), ("delta", 0x03B4, false),
        ("diams", 0x2666, false), ("divide", 0x00F7, true), ("Eacute", 0x00C9, true),
        ("eacute", 0x00E9, true), ("Ecirc", 0x00CA, true), ("ecirc", 0x00EA, true),
        ("Egrave", 0x00C8, true), ("egrave", 0x00E8, true), ("empty", 0x2205, false),
        ("emsp", 0x2003, false), ("ensp", 0x2002, false), ("Epsilon", 0x0395, false),
        ("epsilon", 0x03B5, false), ("equiv", 0x2261, false), ("Eta", 0x0397, false),
        ("eta", 0x03B7, false), ("ETH", 0x00D0, true), ("eth", 0x00F0, true),
        ("Euml", 0x00CB, true), ("euml", 0x00EB, true), ("euro", 0x20AC, false),
        ("exist", 0x2203, false), ("fnof", 0x0192, false), ("forall", 0x2200, false),
        ("frac12", 0x00BD, true), ("frac14", 0x00BC, true), ("frac34", 0x00BE, true),
        ("frasl", 0x2044, false), ("Gamma", 0x0393, false), ("gamma", 0x03B3, false),
        ("ge", 0x2265, false), ("GT", 0x003E, true), ("gt", 0x003E, true),
        ("hArr", 0x21D4, false), ("harr", 0x2194, false), ("hearts", 0x2665, false),
        ("hellip", 0x2026, false), ("Iacute", 0x00CD, true), ("iacute", 0x00ED, true),
        ("Icirc", 0x00CE, true), ("icirc", 0x00EE, true), ("iexcl", 0x00A1, true),
        ("Igrave", 0x00CC, true), ("igrave", 0x00EC, true), ("image", 0x2111, false),
        ("infin", 0x221E, false), ("int", 0x222B, false), ("Iota", 0x0399, false),
        ("iota", 0x03B9, false), ("iquest", 0x00BF, true), ("isin", 0x2208, false),
        ("Iuml", 0x00CF, true), ("iuml", 0x00EF, true), ("Kappa", 0x039A, false),
        ("kappa", 0x03BA, false), ("Lambda", 0x039B, false), ("lambda", 0x03BB, false),
        ("lang", 0x27E8, false), ("laquo", 0x00AB, true), ("lArr", 0x21D0, false),
        ("larr", 0x2190, false), ("lceil", 0x2308, false), ("ldquo", 0x201C, false),
        ("le", 0x2264, false), ("lfloor", 0x230A, false), ("lowast", 0x2217, false),
        ("loz", 0x25CA, false), ("lrm", 0x200E, false), ("lsaquo", 0x2039, false),
        ("lsquo", 0x2018, false), ("LT", 0x003C, true), ("lt", 0x003C, true),
        ("macr", 0x00AF, true), ("mdash", 0x2014, false), ("micro", 0x00B5, true),
        ("middot", 0x00B7, true), ("minus", 0x2212, false), ("Mu", 0x039C, false),
        ("mu", 0x03BC, false), ("nabla", 0x2207, false), ("nbsp", 0x00A0, true),
        ("ndash", 0x2013, false), ("ne", 0x2260, false), ("ni", 0x220B, false),
        ("not", 0x00AC, true), ("notin", 0x2209, false), ("nsub", 0x2284, false),
        ("Ntilde", 0x00D1, true), ("ntilde", 0x00F1, true), ("Nu", 0x039D, false),
        ("nu", 0x03BD, false), ("Oacute", 0x00D3, true), ("oacute", 0x00F3, true),
        ("Ocirc", 0x00D4, true), ("ocirc", 0x00F4, true), ("OElig", 0x0152, false),
        ("oelig", 0x0153, false), ("Ograve", 0x00D2, true), ("ograve", 0x00F2, true),
        ("oline", 0x203E, false), ("Omega", 0x03A9, false), ("omega", 0x03C9, false),
        ("Omicron", 0x039F, false), ("omicron", 0x03BF, false), ("oplus", 0x2295, false),
        ("or", 0x2228, false), ("ordf", 0x00AA, true), ("ordm", 0x00BA, true),
        ("Oslash", 0x00D8, true), ("oslash", 0x00F8, true), ("Otilde", 0x00D5, true),
        ("otilde", 0x00F5, true), ("otimes", 0x2297, false), ("Ouml", 0x00D6, true),
        ("ouml", 0x00F6, true), ("para", 0x00B6, true), ("part", 0x2202, false),
        ("permil", 0x2030, false), ("perp", 0x22A5, false), ("Phi", 0x03A6, false),
        ("phi", 0x03C6, false), ("Pi", 0x03A0, false), ("pi", 0x03C0, false),
        ("piv", 0x03D6, false), ("plusmn", 0x00B1, true), ("pound", 0x00A3, true),
        ("Prime", 0x2033, false), ("prime", 0x2032, false), ("prod", 0x220F, false),
        ("prop", 0x221D, false), ("Psi", 0x03A8, false), ("psi", 0x03C8, false),
        ("QUOT", 0x0022, true), ("quot", 0x0022, true), ("radic", 0x221A, false),
        ("rang", 0x27E9, false), ("raquo", 0x00BB, true), ("rArr", 0x21D2, false),
        ("rarr", 0x2192, false), ("rceil", 0x2309, false), ("rdquo", 0x201D, false),
        ("real", 0x211C, false), ("REG", 0x00AE, true), ("reg", 0x00AE, true),
        ("rfloor", 0x230B, false), ("Rho", 0x03A1, false), ("rho", 0x03C1, false),
        ("rlm", 0x200F, false), ("rsaquo", 0x203A, false), ("rsquo", 0x2019, false),
        ("sbquo", 0x201A, false), ("Scaron", 0x0160, false), ("scaron", 0x0161, false),
        ("sdot", 0x22C5, false), ("sect", 0x00A7, true), ("shy", 0x00AD, true),
        ("Sigma", 0x03A3, false), ("sigma", 0x03C3, false), ("sigmaf", 0x03C2, false),
        ("sim", 0x223C, false), ("spades", 0x2660, false), ("sub", 0x2282, false),
        ("sube", 0x2286, false), ("sum", 0x2211, false), ("sup", 0x2283, false),
        ("sup1", 0x00B9, true), ("sup2", 0x00B2, true), ("sup3", 0x00B3, true),
        ("supe", 0x2287, false), ("szlig", 0x00DF, true), ("Tau", 0x03A4, false),
        ("tau", 0x03C4, false), ("there4", 0x2234, false), ("Theta", 0x0398, false),
        ("theta", 0x03B8, false), ("thetasym", 0x03D1, false), ("thinsp", 0x2009, false),
        ("THORN", 0x00DE, true), ("thorn", 0x00FE, true), ("tilde", 0x02DC, false),
        ("times", 0x00D7, true), ("TRADE", 0x2122, false), ("trade", 0x2122, false),
        ("Uacute", 0x00DA, true), ("uacute", 0x00FA, true), ("uArr", 0x21D1, false),
        ("uarr", 0x2191, false), ("Ucirc", 0x00DB, true), ("ucirc", 0x00FB, true),
        ("Ugrave", 0x00D9, true), ("ugrave", 0x00F9, true), ("uml", 0x00A8, true),
        ("upsih", 0x03D2, false), ("Upsilon", 0x03A5, false), ("upsilon", 0x03C5, false),
        ("Uuml", 0x00DC, true), ("uuml", 0x00FC, true), ("weierp", 0x2118, false),
        ("Xi", 0x039E, false), ("xi", 0x03BE, false), ("Yacute", 0x00DD, true),
        ("yacute", 0x00FD, true), ("yen", 0x00A5, true), ("Yuml", 0x0178, false),
        ("yuml", 0x00FF, true), ("Zeta", 0x0396, false), ("zeta", 0x03B6, false),
        ("zwj", 0x200D, false), ("zwnj", 0x200C, false)
    ]

    /// Windows-1252 meaning of bytes 0x80...0x9F; the five undefined bytes map to themselves.
    /// Python's `html.unescape` uses it for `&#128;`...`&#159;`, ftfy for C1 control characters.
    static let windows1252C1: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// Keys as in `html.entities.html5`: `"amp;"` for every name, `"amp"` for the legacy ones.
    private static let html5: [String: [Unicode.Scalar]] = {
        var table: [String: [Unicode.Scalar]] = [:]
        for (name, code, legacy) in entries {
            guard let scalar = Unicode.Scalar(code) else { continue }
            table[name + ";"] = [scalar]
            if legacy { table[name] = [scalar] }
        }
        return table
    }()

    /// ftfy's `HTML_ENTITIES`: `"amp;"`-style keys plus all-caps variants of all-lowercase names whose
    /// all-caps spelling is not itself decoded by `html.unescape` (`EACUTE;` -> "É", `SZLIG;` -> "SS").
    private static let ftfyTable: [String: [Unicode.Scalar]] = {
        var table: [String: [Unicode.Scalar]] = [:]
        for (name, code, _) in entries {
            guard let scalar = Unicode.Scalar(code) else { continue }
            table[name + ";"] = [scalar]
        }
        for (name, code, _) in entries where name == name.lowercased() {
            guard let scalar = Unicode.Scalar(code) else { continue }
            let upper = name.uppercased() + ";"
            let reference = Array(("&" + upper).unicodeScalars)
            if unescapePython(reference) == reference {
                table[upper] = Array(String(Character(scalar)).uppercased().unicodeScalars)
            }
        }
        return table
    }()

    // MARK: Python html.unescape

    /// Python's `html.unescape`: every `&#digits`, `&#xhex` (optional `;`) and `&name` (up to 32 characters,
    /// optional `;`) reference, with Python's rules for invalid code points and unknown names.
    static func unescapePython(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == "&", let (replacement, end) = pythonReference(in: text, at: index) {
                output.append(contentsOf: replacement)
                index = end
            } else {
                output.append(text[index])
                index += 1
            }
        }
        return output
    }

    /// Matches Python's `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)` at `start` (an `&`).
    private static func pythonReference(in text: [Unicode.Scalar], at start: Int) -> ([Unicode.Scalar], Int)? {
        let count = text.count
        var index = start + 1
        guard index < count else { return nil }
        if text[index] == "#" {
            index += 1
            let decimalStart = index
            while index < count, isASCIIDigit(text[index]) { index += 1 }
            if index > decimalStart {
                let value = parseNumber(text[decimalStart ..< index], radix: 10)
                if index < count, text[index] == ";" { index += 1 }
                return (numericReference(value), index)
            }
            guard index < count, text[index] == "x" || text[index] == "X" else { return nil }
            index += 1
            let hexStart = index
            while index < count, isASCIIHexDigit(text[index]) { index += 1 }
            guard index > hexStart else { return nil }
            let value = parseNumber(text[hexStart ..< index], radix: 16)
            if index < count, text[index] == ";" { index += 1 }
            return (numericReference(value), index)
        }
        let nameStart = index
        while index < count, index - nameStart < 32, !isNameTerminator(text[index]) { index += 1 }
        guard index > nameStart else { return nil }
        if index < count, text[index] == ";" { index += 1 }
        return (namedReference(Array(text[nameStart ..< index])), index)
    }

    /// Python's `_replace_charref` for a named reference (`name` may end in `;`).
    private static func namedReference(_ name: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if let value = lookup(html5, name[...]) { return value }
        // Longest prefix that is a (legacy, semicolon-free) name; the rest is kept as text.
        var length = name.count - 1
        while length >= 2 {
            if let value = lookup(html5, name[0 ..< length]) {
                return value + name[length...]
            }
            length -= 1
        }
        return ["&"] + name
    }

    /// Python's `_replace_charref` for a numeric reference.
    private static func numericReference(_ value: UInt32) -> [Unicode.Scalar] {
        switch value {
        case 0x00:
            return ["\u{FFFD}"]
        case 0x0D:
            return ["\r"]
        case 0x80 ... 0x9F:
            return Unicode.Scalar(windows1252C1[Int(value - 0x80)]).map { [$0] } ?? []
        case 0xD800 ... 0xDFFF, 0x110000...:
            return ["\u{FFFD}"]
        default:
            if isInvalidCodePoint(value) { return [] }
            return Unicode.Scalar(value).map { [$0] } ?? ["\u{FFFD}"]
        }
    }

    /// Python's `html._invalid_codepoints`, minus the C1 range already handled via Windows-1252.
    private static func isInvalidCodePoint(_ value: UInt32) -> Bool {
        switch value {
        case 0x01 ... 0x08, 0x0B, 0x0E ... 0x1F, 0x7F ... 0x9F, 0xFDD0 ... 0xFDEF:
            return true
        default:
            return value & 0xFFFE == 0xFFFE  // U+xFFFE and U+xFFFF of every plane
        }
    }

    // MARK: ftfy unescape_html

    /// ftfy's `unescape_html`: only references matching `&#?[0-9A-Za-z]{1,24};` are decoded, named ones from
    /// ftfy's table, numeric ones through `html.unescape` unless that leaves a `;` behind.
    static func unescapeFTFY(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var index = 0
        let count = text.count
        while index < count {
            guard text[index] == "&" else {
                output.append(text[index])
                index += 1
                continue
            }
            var cursor = index + 1
            if cursor < count, text[cursor] == "#" { cursor += 1 }
            let bodyStart = cursor
            while cursor < count, cursor - bodyStart < 24, isASCIIAlphanumeric(text[cursor]) { cursor += 1 }
            guard cursor > bodyStart, cursor < count, text[cursor] == ";" else {
                output.append("&")
                index += 1
                continue
            }
            let reference = Array(text[index ... cursor])
            if let value = lookup(ftfyTable, reference[1...]) {
                output.append(contentsOf: value)
            } else if reference.count > 1, reference[1] == "#" {
                let decoded = unescapePython(reference)
                output.append(contentsOf: decoded.contains(";") ? reference : decoded)
            } else {
                output.append(contentsOf: reference)
            }
            index = cursor + 1
        }
        return output
    }

    // MARK: helpers

    /// Dictionary lookup by scalars; only ASCII can name an entity (this also keeps Swift's canonical string
    /// equivalence, e.g. U+037E == ";", from matching what Python would not).
    private static func lookup(_ table: [String: [Unicode.Scalar]], _ name: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar]? {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII }) else { return nil }
        var key = String.UnicodeScalarView()
        key.append(contentsOf: name)
        return table[String(key)]
    }

    private static func parseNumber(_ digits: ArraySlice<Unicode.Scalar>, radix: UInt32) -> UInt32 {
        var value: UInt32 = 0
        for digit in digits {
            guard let digitValue = hexValue(digit) else { break }
            value = min(value &* radix &+ digitValue, 0x0011_0000)  // saturate: anything larger is invalid anyway
        }
        return value
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x30 ... 0x39: return scalar.value - 0x30
        case 0x41 ... 0x46: return scalar.value - 0x41 + 10
        case 0x61 ... 0x66: return scalar.value - 0x61 + 10
        default: return nil
        }
    }

    private static func isASCIIDigit(_ scalar: Unicode.Scalar) -> Bool {
        (0x30 ... 0x39).contains(scalar.value)
    }

    private static func isASCIIHexDigit(_ scalar: Unicode.Scalar) -> Bool {
        hexValue(scalar) != nil
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30 ... 0x39, 0x41 ... 0x5A, 0x61 ... 0x7A: return true
        default: return false
        }
    }

    /// Characters that end a name in Python's pattern `[^\t\n\f <&#;]`.
    private static func isNameTerminator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\u{0C}", " ", "<", "&", "#", ";": return true
        default: return false
        }
    }
}
