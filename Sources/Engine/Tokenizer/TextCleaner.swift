import Foundation

/// Normalises prompt text the way open_clip does before BPE, so a prompt typed here gets the ids the model was
/// trained and evaluated with.
///
/// Pipeline (open_clip `SimpleTokenizer`, `clean="lower"`): `ftfy.fix_text`, `html.unescape` twice, `strip`,
/// collapse every run of whitespace (`\s+`, Unicode) to one space, `strip`, Python `str.lower()` (full Unicode
/// lowercasing including the final-sigma rule). All steps work on Unicode scalars, like Python strings, so
/// "\r\n" and combining marks are never treated as single characters.
///
/// `ftfy.fix_text` (ftfy 6.3, default `TextFixerConfig`) is reproduced by these fixers, applied in ftfy's order
/// to each line and repeated until the line stops changing:
/// 1. `unescape_html`: ftfy's strict variant (`&name;`, `&#NN;`, `&#xHH;`, all-caps names like `&EACUTE;`);
///    as in ftfy it is switched off for a line containing `<` and for every line after it.
///    Named entities are limited to the set documented on `HTMLEntities`.
/// 2. `fix_encoding`, complete: ftfy's mojibake detector (`badness.is_bad`, ported pattern for pattern) gates
///    re-decoding text as UTF-8 after encoding it with each codec ftfy tries (Latin-1, its "sloppy"
///    Windows-1252/1251/1250/1253/1254/1257, ISO-8859-2, MacRoman, CP437), with ftfy's `restore_byte_a0`,
///    `replace_lossy_sequences` and `utf-8-variants` (CESU-8, Java's C0 80) handling; then
///    `decode_inconsistent_utf8` for mojibake embedded in otherwise correct text, and Latin-1 C1 controls read as
///    Windows-1252.
/// 3. `fix_c1_controls`, 4. `fix_latin_ligatures`, 5. `fix_character_width` (NFKC of U+FF01...U+FFEF, and
///    U+3000 -> space), 6. `uncurl_quotes`, 7. `fix_line_breaks`, 8. `remove_terminal_escapes`,
///    9. `remove_control_chars`, 10. NFC normalisation.
/// `fix_surrogates` has nothing to do: a Swift string cannot hold an unpaired surrogate.
/// Character properties come from Swift's Unicode tables, which may be newer than the Python build's.
public enum TextCleaner {
    /// Cleans `text` exactly as the tokenizer sees it (useful to log what a prompt turned into).
    public static func clean(_ text: String) -> String {
        makeString(cleanScalars(text))
    }

    /// The cleaned text as scalars, ready for the tokenizer's pre-tokenisation.
    static func cleanScalars(_ text: String) -> [Unicode.Scalar] {
        var scalars = fixText(Array(text.unicodeScalars))
        scalars = HTMLEntities.unescapePython(HTMLEntities.unescapePython(scalars))
        scalars = strip(scalars)
        scalars = collapseWhitespace(scalars)
        scalars = strip(scalars)
        return pythonLowercased(scalars)
    }

    // MARK: ftfy.fix_text

    /// ftfy's `max_decode_length`: longer lines are fixed in pieces of this many scalars.
    private static let maxSegmentLength = 1_000_000
    /// Safety bound on ftfy's "repeat until stable" loops (ftfy has none; real text settles in 2-3 rounds).
    private static let maxFixRounds = 64

    /// `ftfy.fix_text` with default settings (see the type's documentation for the implemented subset).
    static func fixText(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var unescapeHTML = true
        var position = 0
        while position < text.count {
            var end = text[position...].firstIndex(of: "\n").map { $0 + 1 } ?? text.count
            end = min(end, position + maxSegmentLength)
            let segment = Array(text[position ..< end])
            if unescapeHTML && segment.contains("<") { unescapeHTML = false }
            output.append(contentsOf: fixSegment(segment, unescapeHTML: unescapeHTML))
            position = end
        }
        return output
    }

    /// ftfy's `fix_and_explain` without the explanation.
    private static func fixSegment(_ segment: [Unicode.Scalar], unescapeHTML: Bool) -> [Unicode.Scalar] {
        var text = segment
        for _ in 0 ..< maxFixRounds {
            let original = text
            if unescapeHTML { text = HTMLEntities.unescapeFTFY(text) }
            text = fixEncoding(text)
            text = fixC1Controls(text)
            text = fixLatinLigatures(text)
            text = fixCharacterWidth(text)
            text = uncurlQuotes(text)
            text = fixLineBreaks(text)
            text = removeTerminalEscapes(text)
            text = removeControlCharacters(text)
            text = normalizeNFC(text)
            if text == original { break }
        }
        return text
    }

    // MARK: fix_encoding

    /// ftfy's `fix_encoding`: one re-decoding step at a time until nothing changes.
    static func fixEncoding(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var text = text
        for _ in 0 ..< maxFixRounds {
            let fixed = fixEncodingStep(text)
            if fixed == text { break }
            text = fixed
        }
        return text
    }

    /// ftfy's `_fix_encoding_one_step_and_explain`.
    private static func fixEncodingStep(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if text.isEmpty || text.allSatisfy({ $0.isASCII }) || !Mojibake.isBad(text[...]) { return text }

        var latin1Possible = false
        for (codec, isLatin1) in SingleByteCodec.all {
            guard var bytes = codec.encode(text) else { continue }
            if isLatin1 { latin1Possible = true }
            if codec.restoresByteA0, BytePattern.firstMatch(in: bytes, patterns: BytePattern.alteredUTF8) != nil {
                bytes = restoreByteA0(bytes)
            }
            if codec.isSloppy {
                bytes = BytePattern.substitute(in: bytes, patterns: BytePattern.lossyUTF8) { _ in [0xEF, 0xBF, 0xBD] }
            }
            let variants = bytes.contains(0xED) || bytes.contains(0xC0)
            if let decoded = decodeUTF8(bytes, allowVariants: variants) { return decoded }
        }

        if Mojibake.containsUTF8Sequence(text) {
            let fixed = decodeInconsistentUTF8(text)
            if fixed != text { return fixed }
        }

        // ftfy then reads Latin-1 text as strict Windows-1252 (its "already Windows-1252" early exit can never
        // trigger, because it tests for a codec name it never records).
        if latin1Possible && !text.contains(where: { undefinedInWindows1252.contains($0.value) }) {
            let fixed = fixC1Controls(text)
            if fixed != text { return fixed }
        }
        if text.contains(where: isC1Control) { return fixC1Controls(text) }
        return text
    }

    /// Bytes that strict Windows-1252 leaves undefined.
    private static let undefinedInWindows1252: Set<UInt32> = [0x81, 0x8D, 0x8F, 0x90, 0x9D]

    /// ftfy's `restore_byte_a0`: put back 0xA0 bytes that became spaces inside UTF-8 sequences.
    private static func restoreByteA0(_ bytes: [UInt8]) -> [UInt8] {
        // "Ã " as a word of its own is "à" + space, except before Portuguese "às", "àquele"... (A_GRAVE_WORD_RE).
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0xC3, index + 1 < bytes.count, bytes[index + 1] == 0x20,
               !aGraveExceptions.contains(where: { bytes[(index + 2)...].starts(with: $0) }) {
                output.append(contentsOf: [0xC3, 0xA0, 0x20])
                index += 2
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return BytePattern.substitute(in: output, patterns: BytePattern.alteredUTF8) { match in
            match.map { $0 == 0x20 ? 0xA0 : $0 }
        }
    }

    private static let aGraveExceptions: [[UInt8]] = [" ", "quele", "quela", "quilo", "s "].map { Array($0.utf8) }

    /// ftfy's `decode_inconsistent_utf8`: fix each run that looks like UTF-8 mojibake on its own.
    private static func decodeInconsistentUTF8(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if let end = Mojibake.utf8SequenceEnd(in: text, at: index) {
                let run = text[index ..< end]
                if run.count < text.count && Mojibake.isBad(run) {
                    output.append(contentsOf: fixEncoding(Array(run)))
                } else {
                    output.append(contentsOf: run)
                }
                index = end
            } else {
                output.append(text[index])
                index += 1
            }
        }
        return output
    }

    /// Strict UTF-8 decoding (Python's codec), optionally with ftfy's `utf-8-variants` extensions: CESU-8
    /// surrogate pairs and Java's C0 80 for U+0000. Returns nil where Python raises UnicodeDecodeError.
    static func decodeUTF8(_ bytes: [UInt8], allowVariants: Bool) -> [Unicode.Scalar]? {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(bytes.count)
        let count = bytes.count
        var index = 0
        func continuation(_ offset: Int, _ range: ClosedRange<UInt8> = 0x80 ... 0xBF) -> UInt32? {
            guard index + offset < count, range.contains(bytes[index + offset]) else { return nil }
            return UInt32(bytes[index + offset] & 0x3F)
        }
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                output.append(Unicode.Scalar(lead))
                index += 1
                continue
            }
            if allowVariants {
                if lead == 0xC0, index + 1 < count, bytes[index + 1] == 0x80 {
                    output.append("\u{0}")
                    index += 2
                    continue
                }
                if lead == 0xED, let high = continuation(1, 0xA0 ... 0xAF), let mid = continuation(2),
                   index + 3 < count, bytes[index + 3] == 0xED,
                   let low = continuation(4, 0xB0 ... 0xBF), let last = continuation(5) {
                    let code = ((high & 0x0F) << 16) + (mid << 10) + ((low & 0x0F) << 6) + last + 0x10000
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    output.append(scalar)
                    index += 6
                    continue
                }
            }
            let code: UInt32
            let length: Int
            switch lead {
            case 0xC2 ... 0xDF:
                guard let c1 = continuation(1) else { return nil }
                code = (UInt32(lead & 0x1F) << 6) | c1
                length = 2
            case 0xE0 ... 0xEF:
                let secondRange: ClosedRange<UInt8> = lead == 0xE0 ? 0xA0 ... 0xBF : lead == 0xED ? 0x80 ... 0x9F : 0x80 ... 0xBF
                guard let c1 = continuation(1, secondRange), let c2 = continuation(2) else { return nil }
                code = (UInt32(lead & 0x0F) << 12) | (c1 << 6) | c2
                length = 3
            case 0xF0 ... 0xF4:
                let secondRange: ClosedRange<UInt8> = lead == 0xF0 ? 0x90 ... 0xBF : lead == 0xF4 ? 0x80 ... 0x8F : 0x80 ... 0xBF
                guard let c1 = continuation(1, secondRange), let c2 = continuation(2), let c3 = continuation(3) else {
                    return nil
                }
                code = (UInt32(lead & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
                length = 4
            default:
                return nil
            }
            guard let scalar = Unicode.Scalar(code) else { return nil }
            output.append(scalar)
            index += length
        }
        return output
    }

    // MARK: the other ftfy fixers

    private static func isC1Control(_ scalar: Unicode.Scalar) -> Bool {
        (0x80 ... 0x9F).contains(scalar.value)
    }

    /// ftfy's `fix_c1_controls`: C1 controls read as (sloppy) Windows-1252, as browsers do.
    private static func fixC1Controls(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: isC1Control) else { return text }
        return text.map { scalar in
            guard isC1Control(scalar) else { return scalar }
            return Unicode.Scalar(HTMLEntities.windows1252C1[Int(scalar.value - 0x80)]) ?? scalar
        }
    }

    /// ftfy's `LIGATURES`: Latin ligatures and legacy digraphs only (æ, œ and other scripts stay).
    private static let ligatures: [UInt32: String] = [
        0x0132: "IJ", 0x0133: "ij", 0x0149: "\u{02BC}n",
        0x01C4: "D\u{017D}", 0x01C5: "D\u{017E}", 0x01C6: "d\u{017E}",
        0x01C7: "LJ", 0x01C8: "Lj", 0x01C9: "lj",
        0x01CA: "NJ", 0x01CB: "Nj", 0x01CC: "nj",
        0x01F1: "DZ", 0x01F2: "Dz", 0x01F3: "dz",
        0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl",
        0xFB05: "\u{017F}t", 0xFB06: "st",
    ]

    private static func fixLatinLigatures(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        replacing(text, map: ligatures.mapValues { Array($0.unicodeScalars) })
    }

    /// ftfy's `WIDTH_MAP`: NFKC of every changed character in U+FF01...U+FFEF, and the ideographic space.
    private static let widthMap: [UInt32: [Unicode.Scalar]] = {
        var map: [UInt32: [Unicode.Scalar]] = [0x3000: [" "]]
        for code in UInt32(0xFF01) ..< 0xFFF0 {
            guard let scalar = Unicode.Scalar(code) else { continue }
            let normalized = Array(String(Character(scalar)).precomposedStringWithCompatibilityMapping.unicodeScalars)
            if normalized != [scalar] { map[code] = normalized }
        }
        return map
    }()

    private static func fixCharacterWidth(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        replacing(text, map: widthMap)
    }

    /// ftfy's `uncurl_quotes`: U+02BC and U+2018...U+201B become `'`, U+201C...U+201F become `"`.
    private static func uncurlQuotes(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        text.map { scalar in
            switch scalar.value {
            case 0x02BC, 0x2018 ... 0x201B: return "'"
            case 0x201C ... 0x201F: return "\""
            default: return scalar
            }
        }
    }

    /// ftfy's `fix_line_breaks`: CRLF, CR, U+2028, U+2029 and U+0085 all become "\n".
    private static func fixLineBreaks(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            switch text[index] {
            case "\r":
                output.append("\n")
                if index + 1 < text.count, text[index + 1] == "\n" { index += 1 }
            case "\u{2028}", "\u{2029}", "\u{85}":
                output.append("\n")
            default:
                output.append(text[index])
            }
            index += 1
        }
        return output
    }

    /// ftfy's `remove_terminal_escapes`: drops ANSI sequences `ESC [ (digits|;)* letter`.
    private static func removeTerminalEscapes(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("\u{1B}") else { return text }
        var output: [Unicode.Scalar] = []
        var index = 0
        while index < text.count {
            if text[index] == "\u{1B}", index + 1 < text.count, text[index + 1] == "[" {
                var cursor = index + 2
                while cursor < text.count,
                      text[cursor] == ";" || text[cursor].properties.generalCategory == .decimalNumber {
                    cursor += 1
                }
                if cursor < text.count, isASCIILetter(text[cursor]) {
                    index = cursor + 1
                    continue
                }
            }
            output.append(text[index])
            index += 1
        }
        return output
    }

    /// ftfy's `remove_control_chars`: invisible controls nobody means to type; whitespace controls, C1 controls,
    /// joiners and bidi marks stay.
    private static func removeControlCharacters(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        text.filter { scalar in
            switch scalar.value {
            case 0x00 ... 0x08, 0x0B, 0x0E ... 0x1F, 0x7F, 0x206A ... 0x206F, 0xFEFF, 0xFFF9 ... 0xFFFC:
                return false
            default:
                return true
            }
        }
    }

    private static func normalizeNFC(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // Below U+0300 nothing composes or decomposes canonically.
        if text.allSatisfy({ $0.value < 0x300 }) { return text }
        return Array(makeString(text).precomposedStringWithCanonicalMapping.unicodeScalars)
    }

    // MARK: whitespace and case

    /// Python `str.isspace()`, the set `str.strip()` removes.
    static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        (0x1C ... 0x1F).contains(scalar.value) || isRegexSpace(scalar)
    }

    /// `\s` of Python's `regex` module: Unicode White_Space.
    static func isRegexSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09 ... 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000 ... 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    private static func strip(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let first = text.firstIndex(where: { !isPythonSpace($0) }),
              let last = text.lastIndex(where: { !isPythonSpace($0) }) else { return [] }
        return Array(text[first ... last])
    }

    /// `re.sub(r'\s+', ' ', text)`.
    private static func collapseWhitespace(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var inSpace = false
        for scalar in text {
            if isRegexSpace(scalar) {
                if !inSpace { output.append(" ") }
                inSpace = true
            } else {
                output.append(scalar)
                inSpace = false
            }
        }
        return output
    }

    /// Python `str.lower()`: full lowercase mappings, and capital sigma becomes final sigma when it ends a word
    /// (`\p{cased}\p{case-ignorable}* Σ !(\p{case-ignorable}* \p{cased})`).
    static func pythonLowercased(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        for (index, scalar) in text.enumerated() {
            if scalar.isASCII {
                output.append((0x41 ... 0x5A).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value) + 0x20) : scalar)
            } else if scalar == "\u{03A3}" {
                output.append(isFinalSigma(text, at: index) ? "\u{03C2}" : "\u{03C3}")
            } else {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return output
    }

    private static func isFinalSigma(_ text: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, text[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, text[before].properties.isCased else { return false }
        var after = index + 1
        while after < text.count, text[after].properties.isCaseIgnorable { after += 1 }
        return after == text.count || !text[after].properties.isCased
    }

    // MARK: helpers

    static func makeString(_ scalars: [Unicode.Scalar]) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    private static func replacing(_ text: [Unicode.Scalar], map: [UInt32: [Unicode.Scalar]]) -> [Unicode.Scalar] {
        guard text.contains(where: { map[$0.value] != nil }) else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        for scalar in text {
            if let replacement = map[scalar.value] {
                output.append(contentsOf: replacement)
            } else {
                output.append(scalar)
            }
        }
        return output
    }

    fileprivate static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x41 ... 0x5A, 0x61 ... 0x7A: return true
        default: return false
        }
    }
}

extension TextCleaner {
    // MARK: - single-byte codecs

    /// The single-byte codecs ftfy tries, in its order, when undoing UTF-8 mojibake (`CHARMAP_ENCODINGS`).
    fileprivate struct SingleByteCodec: Sendable {
        /// ftfy's "sloppy" codecs pass undefined bytes through as Latin-1 and encode U+FFFD as byte 0x1A (so they
        /// cannot encode U+001A itself); ftfy also repairs lossy sequences only after encoding with them.
        let isSloppy: Bool
        /// ftfy skips `restore_byte_a0` for MacRoman, where it would misread "en dash + space".
        let restoresByteA0: Bool
        /// Scalar -> byte for everything outside ASCII.
        let highBytes: [UInt32: UInt8]

        /// `high` lists, in hex, the scalars that bytes 0x80...0xFF decode to.
        init(isSloppy: Bool, restoresByteA0: Bool, high: String) {
            let scalars = high.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt32($0, radix: 16) }
            var table: [UInt32: UInt8] = isSloppy ? [0xFFFD: 0x1A] : [:]
            for (offset, code) in scalars.prefix(128).enumerated() { table[code] = UInt8(0x80 + offset) }
            self.isSloppy = isSloppy
            self.restoresByteA0 = restoresByteA0
            self.highBytes = table
        }

        /// ftfy's try order.
        static let all: [(codec: SingleByteCodec, isLatin1: Bool)] = [
            (latin1, true), (sloppyWindows1252, false), (sloppyWindows1251, false), (sloppyWindows1250, false),
            (sloppyWindows1253, false), (sloppyWindows1254, false), (sloppyWindows1257, false), (iso8859_2, false),
            (macRoman, false), (cp437, false),
        ]

        static let latin1 = SingleByteCodec(isSloppy: false, restoresByteA0: true,
                                            high: (0x80 ... 0xFF).map { String($0, radix: 16) }.joined(separator: " "))
        static let sloppyWindows1252 = SingleByteCodec(
            isSloppy: true, restoresByteA0: true,
            high: (HTMLEntities.windows1252C1 + (0xA0 ... 0xFF).map { UInt32($0) })
                .map { String($0, radix: 16) }.joined(separator: " "))
        static let sloppyWindows1251 = SingleByteCodec(isSloppy: true, restoresByteA0: true, high: """
            0402 0403 201A 0453 201E 2026 2020 2021 20AC 2030 0409 2039 040A 040C 040B 040F
            0452 2018 2019 201C 201D 2022 2013 2014 0098 2122 0459 203A 045A 045C 045B 045F
            00A0 040E 045E 0408 00A4 0490 00A6 00A7 0401 00A9 0404 00AB 00AC 00AD 00AE 0407
            00B0 00B1 0406 0456 0491 00B5 00B6 00B7 0451 2116 0454 00BB 0458 0405 0455 0457
            0410 0411 0412 0413 0414 0415 0416 0417 0418 0419 041A 041B 041C 041D 041E 041F
            0420 0421 0422 0423 0424 0425 0426 0427 0428 0429 042A 042B 042C 042D 042E 042F
            0430 0431 0432 0433 0434 0435 0436 0437 0438 0439 043A 043B 043C 043D 043E 043F
            0440 0441 0442 0443 0444 0445 0446 0447 0448 0449 044A 044B 044C 044D 044E 044F
            """)
        static let sloppyWindows1250 = SingleByteCodec(isSloppy: true, restoresByteA0: true, high: """
            20AC 0081 201A 0083 201E 2026 2020 2021 0088 2030 0160 2039 015A 0164 017D 0179
            0090 2018 2019 201C 201D 2022 2013 2014 0098 2122 0161 203A 015B 0165 017E 017A
            00A0 02C7 02D8 0141 00A4 0104 00A6 00A7 00A8 00A9 015E 00AB 00AC 00AD 00AE 017B
            00B0 00B1 02DB 0142 00B4 00B5 00B6 00B7 00B8 0105 015F 00BB 013D 02DD 013E 017C
            0154 00C1 00C2 0102 00C4 0139 0106 00C7 010C 00C9 0118 00CB 011A 00CD 00CE 010E
            0110 0143 0147 00D3 00D4 0150 00D6 00D7 0158 016E 00DA 0170 00DC 00DD 0162 00DF
            0155 00E1 00E2 0103 00E4 013A 0107 00E7 010D 00E9 0119 00EB 011B 00ED 00EE 010F
            0111 0144 0148 00F3 00F4 0151 00F6 00F7 0159 016F 00FA 0171 00FC 00FD 0163 02D9
            """)
        static let sloppyWindows1253 = SingleByteCodec(isSloppy: true, restoresByteA0: true, high: """
            20AC 0081 201A 0192 201E 2026 2020 2021 0088 2030 008A 2039 008C 008D 008E 008F
            0090 2018 2019 201C 201D 2022 2013 2014 0098 2122 009A 203A 009C 009D 009E 009F
            00A0 0385 0386 00A3 00A4 00A5 00A6 00A7 00A8 00A9 00AA 00AB 00AC 00AD 00AE 2015
            00B0 00B1 00B2 00B3 0384 00B5 00B6 00B7 0388 0389 038A 00BB 038C 00BD 038E 038F
            0390 0391 0392 0393 0394 0395 0396 0397 0398 0399 039A 039B 039C 039D 039E 039F
            03A0 03A1 00D2 03A3 03A4 03A5 03A6 03A7 03A8 03A9 03AA 03AB 03AC 03AD 03AE 03AF
            03B0 03B1 03B2 03B3 03B4 03B5 03B6 03B7 03B8 03B9 03BA 03BB 03BC 03BD 03BE 03BF
            03C0 03C1 03C2 03C3 03C4 03C5 03C6 03C7 03C8 03C9 03CA 03CB 03CC 03CD 03CE 00FF
            """)
        static let sloppyWindows1254 = SingleByteCodec(isSloppy: true, restoresByteA0: true, high: """
            20AC 0081 201A 0192 201E 2026 2020 2021 02C6 2030 0160 2039 0152 008D 008E 008F
            0090 2018 2019 201C 201D 2022 2013 2014 02DC 2122 0161 203A 0153 009D 009E 0178
            00A0 00A1 00A2 00A3 00A4 00A5 00A6 00A7 00A8 00A9 00AA 00AB 00AC 00AD 00AE 00AF
            00B0 00B1 00B2 00B3 00B4 00B5 00B6 00B7 00B8 00B9 00BA 00BB 00BC 00BD 00BE 00BF
            00C0 00C1 00C2 00C3 00C4 00C5 00C6 00C7 00C8 00C9 00CA 00CB 00CC 00CD 00CE 00CF
            011E 00D1 00D2 00D3 00D4 00D5 00D6 00D7 00D8 00D9 00DA 00DB 00DC 0130 015E 00DF
            00E0 00E1 00E2 00E3 00E4 00E5 00E6 00E7 00E8 00E9 00EA 00EB 00EC 00ED 00EE 00EF
            011F 00F1 00F2 00F3 00F4 00F5 00F6 00F7 00F8 00F9 00FA 00FB 00FC 0131 015F 00FF
            """)
        static let sloppyWindows1257 = SingleByteCodec(isSloppy: true, restoresByteA0: true, high: """
            20AC 0081 201A 0083 201E 2026 2020 2021 0088 2030 008A 2039 008C 00A8 02C7 00B8
            0090 2018 2019 201C 201D 2022 2013 2014 0098 2122 009A 203A 009C 00AF 02DB 009F
            00A0 00A1 00A2 00A3 00A4 00A5 00A6 00A7 00D8 00A9 0156 00AB 00AC 00AD 00AE 00C6
            00B0 00B1 00B2 00B3 00B4 00B5 00B6 00B7 00F8 00B9 0157 00BB 00BC 00BD 00BE 00E6
            0104 012E 0100 0106 00C4 00C5 0118 0112 010C 00C9 0179 0116 0122 0136 012A 013B
            0160 0143 0145 00D3 014C 00D5 00D6 00D7 0172 0141 015A 016A 00DC 017B 017D 00DF
            0105 012F 0101 0107 00E4 00E5 0119 0113 010D 00E9 017A 0117 0123 0137 012B 013C
            0161 0144 0146 00F3 014D 00F5 00F6 00F7 0173 0142 015B 016B 00FC 017C 017E 02D9
            """)
        static let iso8859_2 = SingleByteCodec(isSloppy: false, restoresByteA0: true, high: """
            0080 0081 0082 0083 0084 0085 0086 0087 0088 0089 008A 008B 008C 008D 008E 008F
            0090 0091 0092 0093 0094 0095 0096 0097 0098 0099 009A 009B 009C 009D 009E 009F
            00A0 0104 02D8 0141 00A4 013D 015A 00A7 00A8 0160 015E 0164 0179 00AD 017D 017B
            00B0 0105 02DB 0142 00B4 013E 015B 02C7 00B8 0161 015F 0165 017A 02DD 017E 017C
            0154 00C1 00C2 0102 00C4 0139 0106 00C7 010C 00C9 0118 00CB 011A 00CD 00CE 010E
            0110 0143 0147 00D3 00D4 0150 00D6 00D7 0158 016E 00DA 0170 00DC 00DD 0162 00DF
            0155 00E1 00E2 0103 00E4 013A 0107 00E7 010D 00E9 0119 00EB 011B 00ED 00EE 010F
            0111 0144 0148 00F3 00F4 0151 00F6 00F7 0159 016F 00FA 0171 00FC 00FD 0163 02D9
            """)
        static let macRoman = SingleByteCodec(isSloppy: false, restoresByteA0: false, high: """
            00C4 00C5 00C7 00C9 00D1 00D6 00DC 00E1 00E0 00E2 00E4 00E3 00E5 00E7 00E9 00E8
            00EA 00EB 00ED 00EC 00EE 00EF 00F1 00F3 00F2 00F4 00F6 00F5 00FA 00F9 00FB 00FC
            2020 00B0 00A2 00A3 00A7 2022 00B6 00DF 00AE 00A9 2122 00B4 00A8 2260 00C6 00D8
            221E 00B1 2264 2265 00A5 00B5 2202 2211 220F 03C0 222B 00AA 00BA 03A9 00E6 00F8
            00BF 00A1 00AC 221A 0192 2248 2206 00AB 00BB 2026 00A0 00C0 00C3 00D5 0152 0153
            2013 2014 201C 201D 2018 2019 00F7 25CA 00FF 0178 2044 20AC 2039 203A FB01 FB02
            2021 00B7 201A 201E 2030 00C2 00CA 00C1 00CB 00C8 00CD 00CE 00CF 00CC 00D3 00D4
            F8FF 00D2 00DA 00DB 00D9 0131 02C6 02DC 00AF 02D8 02D9 02DA 00B8 02DD 02DB 02C7
            """)
        static let cp437 = SingleByteCodec(isSloppy: false, restoresByteA0: true, high: """
            00C7 00FC 00E9 00E2 00E4 00E0 00E5 00E7 00EA 00EB 00E8 00EF 00EE 00EC 00C4 00C5
            00C9 00E6 00C6 00F4 00F6 00F2 00FB 00F9 00FF 00D6 00DC 00A2 00A3 00A5 20A7 0192
            00E1 00ED 00F3 00FA 00F1 00D1 00AA 00BA 00BF 2310 00AC 00BD 00BC 00A1 00AB 00BB
            2591 2592 2593 2502 2524 2561 2562 2556 2555 2563 2551 2557 255D 255C 255B 2510
            2514 2534 252C 251C 2500 253C 255E 255F 255A 2554 2569 2566 2560 2550 256C 2567
            2568 2564 2565 2559 2558 2552 2553 256B 256A 2518 250C 2588 2584 258C 2590 2580
            03B1 00DF 0393 03C0 03A3 03C3 00B5 03C4 03A6 0398 03A9 03B4 221E 03C6 03B5 2229
            2261 00B1 2265 2264 2320 2321 00F7 2248 00B0 2219 00B7 221A 207F 00B2 25A0 00A0
            """)

        /// `text.encode(codec)`, or nil where ftfy's `possible_encoding` says no.
        func encode(_ text: [Unicode.Scalar]) -> [UInt8]? {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.count)
            for scalar in text {
                if scalar.isASCII && !(isSloppy && scalar.value == 0x1A) {
                    bytes.append(UInt8(scalar.value))
                } else if let byte = highBytes[scalar.value] {
                    bytes.append(byte)
                } else {
                    return nil
                }
            }
            return bytes
        }
    }

    // MARK: - byte-level patterns

    /// Fixed-length byte patterns, matched like alternations of a Python bytes regex (first alternative wins).
    fileprivate enum BytePattern {
        /// The byte ranges allowed at one position.
        typealias Element = [ClosedRange<UInt8>]

        private static let continuation: Element = [0x80 ... 0xBF]
        private static let space: Element = [0x20 ... 0x20]

        /// ftfy's `ALTERED_UTF8_RE`: UTF-8 sequences whose 0xA0 byte became a space.
        static let alteredUTF8: [[Element]] = {
            let likelyContinuation: Element = [0x80 ... 0x84, 0x86 ... 0x9F, 0xA1 ... 0xBF]
            let twoByteLeads: Element = [0xC2 ... 0xC3, 0xC5 ... 0xC5, 0xCE ... 0xCE, 0xD0 ... 0xD0, 0xD9 ... 0xD9]
            let f0: Element = [0xF0 ... 0xF0]
            return [
                [twoByteLeads, space],
                [[0xE2 ... 0xE3], space, likelyContinuation],
                [[0xE0 ... 0xE3], likelyContinuation, space],
                [f0, space, continuation, continuation],
                [f0, continuation, space, continuation],
                [f0, continuation, continuation, space],
            ]
        }()

        /// ftfy's `LOSSY_UTF8_RE`: UTF-8 sequences with bytes lost to 0x1A (U+FFFD) or "?".
        static let lossyUTF8: [[Element]] = {
            let sub: Element = [0x1A ... 0x1A]
            let subOrQuestion: Element = [0x1A ... 0x1A, 0x3F ... 0x3F]
            let subOrContinuation: Element = [0x1A ... 0x1A, 0x80 ... 0xBF]
            let anyOfThree: Element = [0x1A ... 0x1A, 0x3F ... 0x3F, 0x80 ... 0xBF]
            let ed: Element = [0xED ... 0xED]
            let threeLead: Element = [0xE0 ... 0xEF]
            let fourLead: Element = [0xF0 ... 0xF4]
            return [
                [[0xC2 ... 0xDF], sub],
                [[0xC2 ... 0xC3], [0x3F ... 0x3F]],
                [ed, [0xA0 ... 0xAF], subOrQuestion, ed, [0xB0 ... 0xBF], anyOfThree],
                [ed, [0xA0 ... 0xAF], anyOfThree, ed, [0xB0 ... 0xBF], subOrQuestion],
                [threeLead, subOrQuestion, subOrContinuation],
                [threeLead, subOrContinuation, subOrQuestion],
                [fourLead, subOrQuestion, subOrContinuation, subOrContinuation],
                [fourLead, subOrContinuation, subOrQuestion, subOrContinuation],
                [fourLead, subOrContinuation, subOrContinuation, subOrQuestion],
                [sub],
            ]
        }()

        private static func matchLength(_ bytes: [UInt8], at index: Int, patterns: [[Element]]) -> Int? {
            for pattern in patterns where index + pattern.count <= bytes.count {
                var matched = true
                for (offset, element) in pattern.enumerated() where !element.contains(where: { $0.contains(bytes[index + offset]) }) {
                    matched = false
                    break
                }
                if matched { return pattern.count }
            }
            return nil
        }

        static func firstMatch(in bytes: [UInt8], patterns: [[Element]]) -> Int? {
            bytes.indices.first { matchLength(bytes, at: $0, patterns: patterns) != nil }
        }

        /// `regex.sub(replacement, bytes)` for these fixed-length patterns.
        static func substitute(in bytes: [UInt8], patterns: [[Element]], replacement: (ArraySlice<UInt8>) -> [UInt8]) -> [UInt8] {
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            var index = 0
            while index < bytes.count {
                if let length = matchLength(bytes, at: index, patterns: patterns) {
                    output.append(contentsOf: replacement(bytes[index ..< index + length]))
                    index += length
                } else {
                    output.append(bytes[index])
                    index += 1
                }
            }
            return output
        }
    }

    // MARK: - mojibake detection

    /// ftfy 6.3's mojibake heuristics (`badness.BADNESS_RE`, `chardata.UTF8_DETECTOR_RE`), ported pattern for
    /// pattern; the character classes are ftfy's (Apache-2.0), listed as code-point ranges.
    fileprivate enum Mojibake {
        struct Category: OptionSet, Sendable {
            let rawValue: UInt16
            static let common = Category(rawValue: 1 << 0)
            static let c1 = Category(rawValue: 1 << 1)
            static let bad = Category(rawValue: 1 << 2)
            static let law = Category(rawValue: 1 << 3)
            static let currency = Category(rawValue: 1 << 4)
            static let startPunctuation = Category(rawValue: 1 << 5)
            static let endPunctuation = Category(rawValue: 1 << 6)
            static let numeric = Category(rawValue: 1 << 7)
            static let kaomoji = Category(rawValue: 1 << 8)
            static let upperAccented = Category(rawValue: 1 << 9)
            static let lowerAccented = Category(rawValue: 1 << 10)
            static let upperCommon = Category(rawValue: 1 << 11)
            static let lowerCommon = Category(rawValue: 1 << 12)
            static let box = Category(rawValue: 1 << 13)
        }

        /// ftfy's `MOJIBAKE_CATEGORIES`.
        private static let categoryRanges: [(Category, String)] = [
            (.common, "00A0 00AD 00B4 00B7 2013-2015 2019 2026"),
            (.c1, "0080-009F"),
            (.bad, """
                00A4 00A6 00A8 00AA 00AC 00AF 00B8 00BA 0192 02C6-02C7 02D8 02DB-02DC 2020-2021 2030 2310 25CA
                FFFD
                """),
            (.law, "00A7 00B6"),
            (.currency, "00A2-00A3 00A5 20A7 20AC"),
            (.startPunctuation, "00A1 00A9 00AB 00BF 0384-0385 2018 201A 201C 201E 2022 2039 F8FF"),
            (.endPunctuation, "00AE 00BB 02DD 201D 203A 2122"),
            (.numeric, """
                00B1-00B3 00B5 00B9 00BC-00BE 00D7 00F7 2044 2116 2202 2206 220F 2211 221A 221E 2229 222B 2248
                2260-2261 2264-2265
                """),
            (.kaomoji, "00B0 00D2-00D6 00D9-00DC 00F2-00F6 00F8-00FC 014C 0150 016A 0172"),
            (.upperAccented, """
                00C0-00D1 00D8 00DC-00DD 0100 0102 0104 0106 010C 010E 0110 0112 0116 0118 011A 011E 0122 012A
                0130 0136 0139 013B 013D 0141 0143 0145 0147 0152 0158 015A 015E 0160 0162 0164 016E 0170
                0178-0179 017B 017D 0490
                """),
            (.lowerAccented, """
                00DF-00F1 00FC 0101 0103 0105 0107 010D 010F 0111 0113 0117 0119 011B 011F 0123 012B 012F 0137
                013A 013C 013E 0142 0153 0155 015B 015F 0161 0165 017A 017C 017E 0491 FB01-FB02
                """),
            (.upperCommon, "00DE 0386 0388-038A 038C 038E-038F 0391-03AB 0401-042F"),
            (.lowerCommon, "03AC-03C9 0430-045F"),
            (.box, "2502 250C 2510 2518 251C 2524 252C 253C 2550-256C 2580 2584 2588 258C 2590-2593"),
        ]

        private static let categories: [UInt32: Category] = {
            var table: [UInt32: Category] = [:]
            for (category, ranges) in categoryRanges {
                for code in codePoints(ranges) { table[code, default: []].insert(category) }
            }
            return table
        }()

        /// ftfy's `UTF8_CLUES`: characters that single-byte codecs produce from UTF-8 lead/continuation bytes.
        private static let utf8FirstOf2 = Set(codePoints("""
            00C2-00DF 0100 0102 0106 010C 010E 0110 0112 0116 0118 011A 011E 0122 012A 0130 0136 0139 013B
            0141 0143 0145 0147 014C 0150 0158 015A 015E 0160 0162 016A 016E 0170 0172 0179 017B 017D
            0392-03A1 03A3-03AF 0412-042F
            """))
        private static let utf8FirstOf3 = Set(codePoints("""
            00E0-00EF 0101 0103 0105 0107 010D 010F 0113 0117 0119 011B 0123 012B 012F 0137 013A 013C 0155
            017A 03B0-03BF 0430-043F
            """))
        private static let utf8FirstOf4 = Set(codePoints("00F0 00F3 0111 011F 0161 03C0 03C3 0440 0443"))
        private static let utf8Continuation = Set(codePoints("""
            0020 0080-00BF 00C6 00D8 00E6 00F8 0104-0105 013D-013E 0141-0142 0152-0153 0156-0157 015A-015B
            015E-0161 0164-0165 0178-017E 0192 02C6-02C7 02D8 02DB-02DD 0384-0386 0388-038A 038C 038E-038F
            0401-040C 040E-040F 0451-045C 045E-045F 0490-0491 2013-2015 2018-201A 201C-201E 2020-2022 2026
            2030 2039-203A 20AC 2116 2122
            """))
        private static let utf8ContinuationStrict = Set(codePoints("""
            0080-00BF 00C6 00D8 00E6 00F8 0104-0105 013D-013E 0141-0142 0152-0153 0156-0157 015A-015B
            015E-0161 0164-0165 0178-017E 0192 02C6-02C7 02D8 02DB-02DD 0384-0386 0388-038A 038C 038E-038F
            0401-040C 040E-040F 0451-045C 045E-045F 0490-0491 2020-2021 2030 2039-203A 20AC 2116 2122
            """))

        /// Parses "00A0 2013-2015 ..." into code points.
        private static func codePoints(_ ranges: String) -> [UInt32] {
            ranges.split(whereSeparator: { $0 == " " || $0 == "\n" }).flatMap { token -> [UInt32] in
                let bounds = token.split(separator: "-").compactMap { UInt32($0, radix: 16) }
                guard let low = bounds.first, let high = bounds.last, low <= high else { return [] }
                return Array(low ... high)
            }
        }

        /// One position of a BADNESS_RE alternative.
        enum Element: Sendable {
            case category(Category)
            case categoryOr(Category, Set<UInt32>)
            case scalars(Set<UInt32>)
            case asciiLetter
            case asciiLowercase
            case asciiLetterOrSpace
            case notASCIILetter
            case whitespace  // Python `re` \s
            case word  // Python `re` \w
            case notNewline  // Python `re` .

            func matches(_ scalar: Unicode.Scalar) -> Bool {
                switch self {
                case let .category(category):
                    return Mojibake.categories[scalar.value]?.isDisjoint(with: category) == false
                case let .categoryOr(category, extra):
                    return extra.contains(scalar.value)
                        || Mojibake.categories[scalar.value]?.isDisjoint(with: category) == false
                case let .scalars(set):
                    return set.contains(scalar.value)
                case .asciiLetter:
                    return TextCleaner.isASCIILetter(scalar)
                case .asciiLowercase:
                    return (0x61 ... 0x7A).contains(scalar.value)
                case .asciiLetterOrSpace:
                    return scalar == " " || TextCleaner.isASCIILetter(scalar)
                case .notASCIILetter:
                    return !TextCleaner.isASCIILetter(scalar)
                case .whitespace:
                    return (0x1C ... 0x1F).contains(scalar.value) || TextCleaner.isRegexSpace(scalar)
                case .word:
                    let properties = scalar.properties
                    return scalar == "_" || isLetterCategory(properties.generalCategory) || properties.numericType != nil
                case .notNewline:
                    return scalar != "\n"
                }
            }

            private func isLetterCategory(_ category: Unicode.GeneralCategory) -> Bool {
                switch category {
                case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
                default: return false
                }
            }
        }

        private static func one(_ scalars: UInt32...) -> Element { .scalars(Set(scalars)) }

        /// BADNESS_RE, one array per alternative (`\s?` expanded into two alternatives; `^[ÃÂ][ ]` kept apart).
        private static let badnessPatterns: [[Element]] = {
            let lowerAcc = Category.lowerAccented, upperAcc = Category.upperAccented
            let box = Category.box, start = Category.startPunctuation, end = Category.endPunctuation
            let currency = Category.currency, numeric = Category.numeric, law = Category.law, bad = Category.bad
            let c1 = Category.c1
            let mojibakeish: Category = [bad, lowerAcc, upperAcc, box, start, end, currency, numeric, law]
            let arabicFollower = Element.categoryOr([.common, currency, bad, numeric, start],
                                                    [0x0178, 0x0160, 0x00AE, 0x00B0, 0x00B5, 0x00BB])
            let cyrillicPair = one(0x0412, 0x0413, 0x0420, 0x0421)
            let greekPair = one(0x0392, 0x0393, 0x039E, 0x039F)
            let aCircumflexOrTilde = one(0x00C3, 0x00C2)
            return [
                [.category(c1)],
                [.category(mojibakeish), .category(bad)],
                [.asciiLetter, .category([.lowerCommon, .upperCommon]), .category(bad)],
                [.category(bad), .category([lowerAcc, upperAcc, box, start, end, currency, numeric, law])],
                [.category([lowerAcc, .lowerCommon, box, end, currency, numeric]), .category(upperAcc)],
                [.category([box, end, currency, numeric]), .category(lowerAcc)],
                [.category([lowerAcc, box, end]), .category(currency)],
                [.whitespace, .category(upperAcc), .category(currency)],
                [.category([upperAcc, box]), .category([numeric, law])],
                [.category([lowerAcc, upperAcc, box, currency, end]), .category(start), .category(numeric)],
                [.category([lowerAcc, upperAcc, currency, numeric, box, law]), .category(end), .category(start)],
                [.category([currency, numeric, box]), .category(start)],
                [.asciiLowercase, .category(upperAcc), .category([start, currency])],
                [.category(box), .category(.kaomoji)],
                [.category([lowerAcc, upperAcc, currency, numeric, start, end, law]), .category(box)],
                [.category(box), .category(end)],
                [.category([lowerAcc, upperAcc]), .category([start, end]), .word],
                [one(0x0152, 0x0153), .notASCIILetter],
                [.category(upperAcc), one(0x00B0)],
                [one(0x00C2, 0x00C3, 0x00CE, 0x00D0),
                 .categoryOr([start, end], [0x20AC, 0x0153, 0x0160, 0x0161, 0x00A2, 0x00A3, 0x0178, 0x017E, 0x00A0,
                                            0x00AD, 0x00AE, 0x00A9, 0x00B0, 0x00B7, 0x00BB, 0x2013, 0x2014, 0x00B4])],
                [one(0x00D7), one(0x00B2, 0x00B3)],
                [one(0x00D8, 0x00D9), arabicFollower, one(0x00D8, 0x00D9), arabicFollower],
                [one(0x00E0), one(0x00B2, 0x00B5, 0x00B9, 0x00BC, 0x00BD, 0x00BE)],
                [one(0x221A), one(0x00B1, 0x2202, 0x2020, 0x2260, 0x00AE, 0x2122, 0x00B4, 0x2264, 0x2265, 0x00A5,
                                  0x00B5, 0x00F8)],
                [one(0x2248), one(0x00B0, 0x00A2)],
                [one(0x201A), one(0x00C4), one(0x00EC, 0x00EE, 0x00EF, 0x00F2, 0x00F4, 0x00FA, 0x00F9, 0x00FB, 0x2020,
                                               0x00B0, 0x00A2, 0x03C0)],
                [one(0x201A), one(0x00E2, 0x00F3), one(0x00E0, 0x00E4, 0x00B0, 0x00EA)],
                [one(0x0432), one(0x0402)],
                [cyrillicPair, .categoryOr([c1, bad, start, end, currency], [0x00B0, 0x00B5]), cyrillicPair],
                [one(0x0413), one(0x045E), one(0x0412), one(0x0402), one(0x0412), .notNewline, .asciiLetterOrSpace],
                [one(0x00C3), one(0x00A0, 0x00A1)],
                [.asciiLowercase, aCircumflexOrTilde, one(0x20)],
                [.asciiLowercase, .whitespace, aCircumflexOrTilde, one(0x20)],
                [.categoryOr(end, Set(0x61 ... 0x7A).union([0x2E, 0x2C, 0x3F, 0x21])), one(0x00C2),
                 .categoryOr([start, end], [0x20])],
                [one(0x03B2), one(0x20AC), one(0x2122, 0x00A0, 0x0386, 0x00AD, 0x00AE, 0x00B0)],
                [greekPair, .categoryOr([c1, bad, start, end, currency], [0x00B0]), greekPair],
                [one(0x0101), one(0x20AC)],
            ]
        }()

        /// `^[ÃÂ][ ]`: only at the start of the text.
        private static let anchoredBadnessPattern: [Element] = [one(0x00C3, 0x00C2), one(0x20)]

        private static func matches(_ pattern: [Element], _ text: ArraySlice<Unicode.Scalar>, at index: Int) -> Bool {
            guard index + pattern.count <= text.endIndex else { return false }
            for (offset, element) in pattern.enumerated() where !element.matches(text[index + offset]) {
                return false
            }
            return true
        }

        /// ftfy's `is_bad`: does any BADNESS_RE alternative occur in `text`?
        static func isBad(_ text: ArraySlice<Unicode.Scalar>) -> Bool {
            if matches(anchoredBadnessPattern, text, at: text.startIndex) { return true }
            for index in text.indices {
                for pattern in badnessPatterns where matches(pattern, text, at: index) {
                    return true
                }
            }
            return false
        }

        /// End of the UTF8_DETECTOR_RE match starting at `index`, if one starts there.
        static func utf8SequenceEnd(in text: [Unicode.Scalar], at index: Int) -> Int? {
            if index > 0 && utf8ContinuationStrict.contains(text[index - 1].value) { return nil }
            func isContinuation(_ position: Int) -> Bool {
                position < text.count && utf8Continuation.contains(text[position].value)
            }
            var position = index
            while position < text.count {
                let lead = text[position].value
                if utf8FirstOf2.contains(lead) && isContinuation(position + 1) {
                    position += 2
                } else if utf8FirstOf3.contains(lead) && isContinuation(position + 1) && isContinuation(position + 2) {
                    position += 3
                } else if utf8FirstOf4.contains(lead) && (1 ... 3).allSatisfy({ isContinuation(position + $0) }) {
                    position += 4
                } else {
                    break
                }
            }
            return position > index ? position : nil
        }

        /// `UTF8_DETECTOR_RE.search(text)`.
        static func containsUTF8Sequence(_ text: [Unicode.Scalar]) -> Bool {
            text.indices.contains { utf8SequenceEnd(in: text, at: $0) != nil }
        }
    }
}
