import Foundation

/// CLIP's byte-level BPE tokenizer, reproducing open_clip's `SimpleTokenizer` id for id, so prompts reach the
/// text tower exactly as they did in training and in the reference implementation.
///
/// Text is cleaned by `TextCleaner` (ftfy subset, HTML unescaping, whitespace collapsing, lowercasing), split
/// with open_clip's pattern `<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`
/// (case-insensitive, Python `regex` semantics), and each piece's UTF-8 bytes are merged by rank.
/// Immutable after `init` apart from an internal, lock-protected cache, so one instance can serve all threads.
public struct CLIPTokenizer: Sendable {
    /// Id that opens every tokenized prompt.
    public static let startOfText: Int32 = 49406
    /// Id that closes every tokenized prompt; the text tower reads its features at this position.
    public static let endOfText: Int32 = 49407

    /// Number of merges used, as in `merges[1:49152-256-2+1]` (the file holds a few more).
    private static let mergeCount = 49152 - 256 - 2
    private static let resourceName = "bpe_simple_vocab_16e6.txt"
    // open_clip 3.x spells them like this (OpenAI's original used <|startoftext|>): text that contains them
    // literally becomes the special id, as in the reference tokenizer.
    private static let specialTokens = ["<start_of_text>", "<end_of_text>"]
    private static let wordEnd = "</w>"

    private struct Merge: Sendable {
        let rank: UInt32
        let merged: Int32
    }

    /// Id of each byte's symbol inside a word, and at the end of a word ("…</w>").
    private let byteIDs: [Int32]
    private let finalByteIDs: [Int32]
    /// (left id << 32 | right id) -> rank and id of the merged symbol.
    private let merges: [UInt64: Merge]
    /// The literal special-token texts (scalars) and their ids.
    private let specials: [([Unicode.Scalar], Int32)]
    private let cache = BPECache()

    /// Number of distinct token ids (49408 for CLIP), the row count the token embedding must have.
    public let vocabularySize: Int

    /// Loads the merges shipped with the engine (OpenAI's `bpe_simple_vocab_16e6.txt.gz`).
    public init() throws {
        guard let url = Bundle.module.url(forResource: Self.resourceName, withExtension: "gz") else {
            throw EngineError.tokenizerResource(path: Self.resourceName + ".gz",
                                                reason: "not found in the Engine resource bundle")
        }
        try self.init(mergesGzipPath: url.path)
    }

    /// Loads a user-supplied merges file in the same gzip'ed format, for checkpoints that ship their own copy.
    public init(mergesGzipPath path: String) throws {
        let compressed: Data
        do {
            compressed = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EngineError.tokenizerResource(path: path, reason: "cannot read file: \(error.localizedDescription)")
        }
        let bytes: [UInt8]
        do {
            bytes = try Gzip.decompress([UInt8](compressed))
        } catch let failure as Gzip.DecompressionError {
            throw EngineError.tokenizerResource(path: path, reason: failure.reason)
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw EngineError.tokenizerResource(path: path, reason: "decompressed text is not valid UTF-8")
        }
        try self.init(mergesText: text, path: path)
    }

    /// Builds the vocabulary exactly like `SimpleTokenizer.__init__` from the decompressed merges text.
    init(mergesText: String, path: String) throws {
        // Split on U+000A only, like Python's str.split('\n') (a Swift Character would join "\r\n").
        let lines = mergesText.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > Self.mergeCount else {
            throw EngineError.tokenizerResource(
                path: path, reason: "expected a header line and at least \(Self.mergeCount) merges, found \(max(lines.count - 1, 0)) lines")
        }
        var mergePairs: [([Unicode.Scalar], [Unicode.Scalar])] = []
        mergePairs.reserveCapacity(Self.mergeCount)
        for (offset, line) in lines[1 ... Self.mergeCount].enumerated() {
            let parts = line.split(whereSeparator: TextCleaner.isPythonSpace)
            guard parts.count == 2 else {
                throw EngineError.tokenizerResource(
                    path: path, reason: "line \(offset + 2): expected two symbols separated by a space, found \(parts.count)")
            }
            mergePairs.append((Array(parts[0]), Array(parts[1])))
        }

        // Vocabulary order: byte symbols, byte symbols + "</w>", merged symbols, special tokens.
        // Like Python's dict(zip(vocab, range)), a repeated string keeps its last index.
        let (byteSymbols, vocabularyOrder) = Self.byteEncoder()
        let wordEnd = Array(Self.wordEnd.unicodeScalars)
        var encoder: [[Unicode.Scalar]: Int32] = [:]
        encoder.reserveCapacity(49408)
        var nextID: Int32 = 0
        func add(_ symbol: [Unicode.Scalar]) {
            encoder[symbol] = nextID
            nextID += 1
        }
        for byte in vocabularyOrder { add([byteSymbols[byte]]) }
        for byte in vocabularyOrder { add([byteSymbols[byte]] + wordEnd) }
        for (left, right) in mergePairs { add(left + right) }
        for special in Self.specialTokens { add(Array(special.unicodeScalars)) }

        var byteIDs = [Int32](repeating: 0, count: 256)
        var finalByteIDs = [Int32](repeating: 0, count: 256)
        for byte in 0 ..< 256 {
            byteIDs[byte] = encoder[[byteSymbols[byte]]] ?? 0
            finalByteIDs[byte] = encoder[[byteSymbols[byte]] + wordEnd] ?? 0
        }
        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(mergePairs.count)
        for (rank, (left, right)) in mergePairs.enumerated() {
            // A merge whose halves are not symbols can never apply; Python keeps it but never matches it.
            guard let leftID = encoder[left], let rightID = encoder[right], let mergedID = encoder[left + right] else {
                continue
            }
            merges[Self.pairKey(leftID, rightID)] = Merge(rank: UInt32(rank), merged: mergedID)
        }
        self.byteIDs = byteIDs
        self.finalByteIDs = finalByteIDs
        self.merges = merges
        self.specials = Self.specialTokens.compactMap { token in
            let scalars = Array(token.unicodeScalars)
            return encoder[scalars].map { (scalars, $0) }
        }
        self.vocabularySize = encoder.count
    }

    // MARK: public API

    /// BPE ids of the cleaned text, without start/end tokens (what `SimpleTokenizer.encode` returns).
    public func encode(_ text: String) -> [Int32] {
        let cleaned = TextCleaner.cleanScalars(text)
        var ids: [Int32] = []
        for piece in Self.pieces(of: cleaned) {
            if let special = specials.first(where: { $0.0.elementsEqual(piece) }) {
                ids.append(special.1)
                continue
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(piece.count * 2)
            for scalar in piece {
                Unicode.UTF8.encode(scalar) { bytes.append($0) }
            }
            ids.append(contentsOf: bpeIDs(bytes))
        }
        return ids
    }

    /// Model input for one prompt: start token, ids, end token, zero padding. Longer prompts are cut to
    /// `contextLength` with the end token forced into the last slot, as open_clip does; the result always has
    /// exactly `contextLength` entries (none for a non-positive length).
    public func tokenize(_ text: String, contextLength: Int = 77) -> [Int32] {
        guard contextLength > 0 else { return [] }
        var tokens = [Self.startOfText] + encode(text) + [Self.endOfText]
        if tokens.count > contextLength {
            tokens.removeLast(tokens.count - contextLength)
            tokens[contextLength - 1] = Self.endOfText
        }
        tokens.append(contentsOf: repeatElement(0, count: contextLength - tokens.count))
        return tokens
    }

    /// `tokenize` for a batch, one row per prompt, in order.
    public func tokenize(_ texts: [String], contextLength: Int = 77) -> [[Int32]] {
        texts.map { tokenize($0, contextLength: contextLength) }
    }

    // MARK: pre-tokenisation

    /// Splits cleaned text like `regex.findall` with CLIP's pattern; whitespace and unmatched scalars are dropped.
    static func pieces(of text: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var pieces: [ArraySlice<Unicode.Scalar>] = []
        var index = 0
        let count = text.count
        while index < count {
            if let length = literalMatch(in: text, at: index) {
                pieces.append(text[index ..< index + length])
                index += length
                continue
            }
            var end = index + 1
            switch characterClass(text[index]) {
            case .letter:
                while end < count, characterClass(text[end]) == .letter { end += 1 }
            case .number:
                break
            case .other:
                while end < count, characterClass(text[end]) == .other { end += 1 }
            case .space, .unmatched:
                index += 1
                continue
            }
            pieces.append(text[index ..< end])
            index = end
        }
        return pieces
    }

    private enum CharacterClass {
        case letter, number, space, other, unmatched
    }

    /// `[\p{L}]`, `[\p{N}]`, `\s` or `[^\s\p{L}\p{N}]` under re.IGNORECASE. U+0345 (combining ypogegrammeni)
    /// case-folds to a letter, so with IGNORECASE the negated class rejects it and no alternative matches it.
    private static func characterClass(_ scalar: Unicode.Scalar) -> CharacterClass {
        if scalar.isASCII {
            switch scalar.value {
            case 0x41 ... 0x5A, 0x61 ... 0x7A: return .letter
            case 0x30 ... 0x39: return .number
            case 0x09 ... 0x0D, 0x20: return .space
            default: return .other
            }
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            if TextCleaner.isRegexSpace(scalar) { return .space }
            return scalar.value == 0x0345 ? .unmatched : .other
        }
    }

    /// The literal alternatives, tried in the pattern's order: special tokens, then contractions.
    private static let literals: [[Unicode.Scalar]] =
        (specialTokens + ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]).map { Array($0.unicodeScalars) }

    /// Length of the first literal alternative matching at `index`, compared case-insensitively.
    private static func literalMatch(in text: [Unicode.Scalar], at index: Int) -> Int? {
        let first = text[index]
        guard first == "'" || first == "<" else { return nil }
        for literal in literals where index + literal.count <= text.count {
            if zip(literal, text[index...]).allSatisfy({ caseFolded($0.1) == $0.0 }) { return literal.count }
        }
        return nil
    }

    /// Simple case folding as `regex` applies it to these ASCII literals: A-Z, and U+017F (long s) for "s".
    private static func caseFolded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x41 ... 0x5A: return Unicode.Scalar(UInt8(scalar.value) + 0x20)
        case 0x017F: return "s"
        default: return scalar
        }
    }

    // MARK: BPE

    private static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Pieces longer than this are not cached: they are rare, and would make the cache's memory unbounded.
    private static let maxCachedPieceBytes = 256

    /// Cached BPE of one piece's UTF-8 bytes.
    private func bpeIDs(_ bytes: [UInt8]) -> [Int32] {
        guard bytes.count <= Self.maxCachedPieceBytes else { return bpe(bytes) }
        if let cached = cache.value(for: bytes) { return cached }
        let ids = bpe(bytes)
        cache.store(ids, for: bytes)
        return ids
    }

    /// `SimpleTokenizer.bpe` in O(n log n): repeatedly take the lowest-ranked adjacent pair and merge all its
    /// occurrences left to right, until no adjacent pair has a rank. Symbols live in a linked list; candidate
    /// pairs sit in a heap keyed by (rank, position) and are re-validated when popped.
    private func bpe(_ bytes: [UInt8]) -> [Int32] {
        let count = bytes.count
        guard let lastByte = bytes.last else { return [] }
        var ids = bytes.map { byteIDs[Int($0)] }
        ids[count - 1] = finalByteIDs[Int(lastByte)]
        if count == 1 { return ids }

        var next = Array(1 ... count)  // `count` marks the end
        var previous = Array(-1 ..< count - 1)
        var alive = [Bool](repeating: true, count: count)
        var heap = PairHeap()

        func pushPair(startingAt left: Int) {
            guard left >= 0, next[left] < count,
                  let merge = merges[Self.pairKey(ids[left], ids[next[left]])] else { return }
            heap.push(UInt64(merge.rank) << 32 | UInt64(left))
        }
        for left in 0 ..< count - 1 { pushPair(startingAt: left) }

        var batch: [Int] = []
        while let top = heap.pop() {
            // All occurrences of the current best pair, in text order (the heap orders by rank, then position).
            let rank = UInt32(truncatingIfNeeded: top >> 32)
            batch.removeAll(keepingCapacity: true)
            batch.append(Int(top & 0xFFFF_FFFF))
            while let candidate = heap.peek, UInt32(truncatingIfNeeded: candidate >> 32) == rank {
                _ = heap.pop()
                batch.append(Int(candidate & 0xFFFF_FFFF))
            }
            for left in batch where alive[left] {
                let right = next[left]
                guard right < count, let merge = merges[Self.pairKey(ids[left], ids[right])], merge.rank == rank else {
                    continue  // stale: this position no longer holds the pair
                }
                ids[left] = merge.merged
                alive[right] = false
                next[left] = next[right]
                if next[right] < count { previous[next[right]] = left }
                pushPair(startingAt: previous[left])
                pushPair(startingAt: left)
            }
        }

        var result: [Int32] = []
        var position = 0
        while position < count {
            result.append(ids[position])
            position = next[position]
        }
        return result
    }

    /// CLIP's `bytes_to_unicode`: the printable stand-in of each byte (indexed by byte value), and the order in
    /// which bytes enter the vocabulary (printable ones first, then the rest ascending).
    private static func byteEncoder() -> (symbols: [Unicode.Scalar], vocabularyOrder: [Int]) {
        var order = Array(0x21 ... 0x7E) + Array(0xA1 ... 0xAC) + Array(0xAE ... 0xFF)
        var symbols = [Unicode.Scalar](repeating: " ", count: 256)
        for byte in order { symbols[byte] = Unicode.Scalar(UInt8(byte)) }
        let printable = Set(order)
        var extra: UInt32 = 0
        for byte in 0 ..< 256 where !printable.contains(byte) {
            symbols[byte] = Unicode.Scalar(256 + extra) ?? " "
            extra += 1
            order.append(byte)
        }
        return (symbols, order)
    }
}

extension CLIPTokenizer {
    /// Min-heap of (rank << 32 | position) keys for the BPE merge loop.
    fileprivate struct PairHeap {
        private var items: [UInt64] = []

        var peek: UInt64? { items.first }

        mutating func push(_ item: UInt64) {
            items.append(item)
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard items[child] < items[parent] else { break }
                items.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> UInt64? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            if !items.isEmpty {
                items[0] = last
                var parent = 0
                while true {
                    let left = 2 * parent + 1
                    let right = left + 1
                    var smallest = parent
                    if left < items.count, items[left] < items[smallest] { smallest = left }
                    if right < items.count, items[right] < items[smallest] { smallest = right }
                    if smallest == parent { break }
                    items.swapAt(parent, smallest)
                    parent = smallest
                }
            }
            return top
        }
    }

    /// Per-piece BPE results shared by all copies of a tokenizer; bounded so arbitrary input cannot grow it forever.
    fileprivate final class BPECache: @unchecked Sendable {
        private static let capacity = 20_000
        private let lock = NSLock()
        private var entries: [[UInt8]: [Int32]] = [:]

        func value(for key: [UInt8]) -> [Int32]? {
            lock.lock()
            defer { lock.unlock() }
            return entries[key]
        }

        func store(_ value: [Int32], for key: [UInt8]) {
            lock.lock()
            defer { lock.unlock() }
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
    }
}
