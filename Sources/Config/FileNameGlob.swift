/// An fnmatch(3)-style pattern on a file name, matched case-insensitively. Written out rather
/// than calling fnmatch because glibc's FNM_CASEFOLD is not visible to Swift, and so that a
/// malformed pattern is a configuration error instead of a pattern that silently never matches.
///
/// Syntax: `*` any run of characters, `?` one character, `[abc]`, `[a-z]`, `[!…]` or `[^…]`
/// for sets, `\` makes the next character literal. POSIX classes (`[[:digit:]]`) are rejected.
struct FileNameGlob: Sendable, Equatable {
    /// Why a pattern cannot be compiled.
    struct SyntaxError: Error, Equatable {
        let reason: String
    }

    private enum Token: Sendable, Equatable {
        case literal(Character)
        case any
        case star
        case set(negated: Bool, ranges: [ClosedRange<Character>])

        func matches(_ c: Character) -> Bool {
            switch self {
            case let .literal(l): return l == c
            case .any: return true
            case .star: return false
            case let .set(negated, ranges): return ranges.contains { $0.contains(c) } != negated
            }
        }
    }

    private let tokens: [Token]

    init(_ pattern: String) throws(SyntaxError) {
        guard !pattern.isEmpty else { throw SyntaxError(reason: "empty pattern") }
        guard !pattern.contains("/") else {
            throw SyntaxError(reason: "patterns match the file name only and cannot contain /")
        }
        let chars = Array(pattern.lowercased())
        var tokens = [Token]()
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "*":
                // Consecutive stars match the same as one.
                if tokens.last != .star { tokens.append(.star) }
                i += 1
            case "?":
                tokens.append(.any)
                i += 1
            case "\\":
                guard i + 1 < chars.count else { throw SyntaxError(reason: "pattern ends with a lone \\") }
                tokens.append(.literal(chars[i + 1]))
                i += 2
            case "[":
                let (token, next) = try Self.bracket(chars, from: i)
                tokens.append(token)
                i = next
            default:
                tokens.append(.literal(c))
                i += 1
            }
        }
        self.tokens = tokens
    }

    /// Parses the set starting at `chars[start] == "["`; returns it and the index after `]`.
    private static func bracket(_ chars: [Character], from start: Int) throws(SyntaxError) -> (Token, Int) {
        var i = start + 1
        var negated = false
        if i < chars.count, chars[i] == "!" || chars[i] == "^" {
            negated = true
            i += 1
        }
        var ranges = [ClosedRange<Character>]()
        var first = true
        while i < chars.count {
            var c = chars[i]
            // A `]` right after the opening (or the negation) is a member, as in fnmatch.
            if c == "]" && !first { return (.set(negated: negated, ranges: ranges), i + 1) }
            first = false
            if c == "[", i + 1 < chars.count, chars[i + 1] == ":" || chars[i + 1] == "=" || chars[i + 1] == "." {
                throw SyntaxError(reason: "character classes like [:digit:] are not supported; list the characters, e.g. [0-9]")
            }
            if c == "\\" {
                guard i + 1 < chars.count else { break }
                i += 1
                c = chars[i]
            }
            if i + 2 < chars.count, chars[i + 1] == "-", chars[i + 2] != "]" {
                var hi = chars[i + 2]
                var end = i + 2
                if hi == "\\" {
                    guard i + 3 < chars.count else { break }
                    hi = chars[i + 3]
                    end = i + 3
                }
                guard c <= hi else { throw SyntaxError(reason: "range \(c)-\(hi) is reversed") }
                ranges.append(c...hi)
                i = end + 1
            } else {
                ranges.append(c...c)
                i += 1
            }
        }
        throw SyntaxError(reason: "[ without a closing ]")
    }

    /// Whether `name` (a file name, not a path) matches, ignoring case.
    func matches(_ name: String) -> Bool {
        let chars = Array(name.lowercased())
        var p = 0, n = 0
        // Greedy-with-backtrack over the last star only: linear in practice, never exponential.
        var starP = -1, starN = 0
        while n < chars.count {
            if p < tokens.count, tokens[p] == .star {
                starP = p
                starN = n
                p += 1
            } else if p < tokens.count, tokens[p].matches(chars[n]) {
                p += 1
                n += 1
            } else if starP >= 0 {
                p = starP + 1
                starN += 1
                n = starN
            } else {
                return false
            }
        }
        while p < tokens.count, tokens[p] == .star { p += 1 }
        return p == tokens.count
    }
}
