import Foundation
import Testing
@testable import Engine

/// Reference strings and ids for the tokenizer, read at run time from the fixture folder (the bundled
/// Fixtures, or the folder named by INSPECTD_FIXTURES).
private struct TokenizerReference {
    let directory: URL
    let manifest: [String: Any]
    let reference: SafeTensorsFile

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func load() throws -> TokenizerReference {
        let directory: URL
        if let override = ProcessInfo.processInfo.environment["INSPECTD_FIXTURES"], !override.isEmpty {
            directory = URL(fileURLWithPath: override)
        } else if let bundled = Bundle.module.url(forResource: "Fixtures", withExtension: nil) {
            directory = bundled
        } else {
            throw Failure(description: "bundled Fixtures folder not found")
        }
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        guard let manifest = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "\(directory.path)/manifest.json is not a JSON object")
        }
        let reference = try SafeTensorsFile(path: directory.appendingPathComponent("reference.safetensors").path)
        return TokenizerReference(directory: directory, manifest: manifest, reference: reference)
    }

    func strings(_ key: String) throws -> [String] {
        guard let strings = manifest[key] as? [String] else {
            throw Failure(description: "manifest.json has no string list '\(key)'")
        }
        return strings
    }

    /// The prompt learner's two prompts, built from the manifest's prompt design like AnomalyCLIP does.
    func promptLearnerStrings() throws -> [String] {
        guard let config = manifest["config"] as? [String: Any],
              let design = config["prompt_design"] as? [String: Any],
              let length = (design["Prompt_length"] as? NSNumber)?.intValue else {
            throw Failure(description: "manifest.json lacks config.prompt_design.Prompt_length")
        }
        let prefix = Array(repeating: "X", count: length).joined(separator: " ")
        return [prefix + " object.", prefix + " damaged object."]
    }

    /// Rows of an int32 [rows, contextLength] tensor.
    func rows(_ name: String, count: Int) throws -> [[Int32]] {
        let info = try reference.info(name)
        guard info.shape.count == 2, info.shape[0] == count else {
            throw Failure(description: "\(name): shape \(info.shape), expected [\(count), context]")
        }
        let values = try reference.int32s(name, shape: info.shape)
        let width = info.shape[1]
        return (0 ..< count).map { Array(values[($0 * width) ..< (($0 + 1) * width)]) }
    }
}

/// Loaded once: building the merge table takes a noticeable fraction of a second in debug builds.
private let sharedTokenizer = Result { try CLIPTokenizer() }

@Suite("CLIP tokenizer")
struct TokenizerTests {
    // MARK: fixture parity

    private func checkRows(strings: [String], tensor: String) throws {
        let tokenizer = try sharedTokenizer.get()
        let reference = try TokenizerReference.load()
        let expected = try reference.rows(tensor, count: strings.count)
        let contextLength = expected.first?.count ?? 77
        let actual = tokenizer.tokenize(strings, contextLength: contextLength)
        var matching = 0
        for (index, string) in strings.enumerated() {
            if actual[index] == expected[index] {
                matching += 1
            } else {
                Issue.record("""
                    \(tensor) row \(index) mismatch for \(string.debugDescription)
                      cleaned:  \(TextCleaner.clean(string).debugDescription)
                      expected: \(expected[index])
                      actual:   \(actual[index])
                    """)
            }
        }
        #expect(matching == strings.count, "\(tensor): \(matching) of \(strings.count) rows match")
    }

    @Test("tokenizer_strings reproduce tokenizer.ids")
    func tokenizerStrings() throws {
        let reference = try TokenizerReference.load()
        try checkRows(strings: reference.strings("tokenizer_strings"), tensor: "tokenizer.ids")
    }

    @Test("plain_prompts reproduce clip.text_tokens")
    func plainPrompts() throws {
        let reference = try TokenizerReference.load()
        try checkRows(strings: reference.strings("plain_prompts"), tensor: "clip.text_tokens")
    }

    @Test("prompt-learner prompts reproduce acl.prompt_tokens")
    func promptLearnerPrompts() throws {
        let reference = try TokenizerReference.load()
        try checkRows(strings: reference.promptLearnerStrings(), tensor: "acl.prompt_tokens")
    }

    // MARK: vocabulary and framing

    @Test func vocabulary() throws {
        let tokenizer = try sharedTokenizer.get()
        #expect(tokenizer.vocabularySize == 49408)
        #expect(CLIPTokenizer.startOfText == 49406)
        #expect(CLIPTokenizer.endOfText == 49407)
        #expect(tokenizer.encode("<start_of_text><end_of_text>") == [49406, 49407])
    }

    @Test func emptyPromptIsStartEndAndPadding() throws {
        let tokens = try sharedTokenizer.get().tokenize("   \n\t ")
        #expect(tokens.count == 77)
        #expect(Array(tokens.prefix(2)) == [CLIPTokenizer.startOfText, CLIPTokenizer.endOfText])
        #expect(tokens.dropFirst(2).allSatisfy { $0 == 0 })
    }

    @Test func truncationKeepsContextLengthAndEndsWithEndOfText() throws {
        let tokenizer = try sharedTokenizer.get()
        let long = Array(repeating: "word", count: 200).joined(separator: " ")
        let ids = tokenizer.encode(long)
        #expect(ids.count == 200)
        let tokens = tokenizer.tokenize(long)
        #expect(tokens.count == 77)
        #expect(tokens.first == CLIPTokenizer.startOfText)
        #expect(tokens.last == CLIPTokenizer.endOfText)
        #expect(Array(tokens[1 ..< 76]) == Array(ids.prefix(75)))
        // Exactly full: start + 75 ids + end needs no cut.
        let exact = Array(repeating: "word", count: 75).joined(separator: " ")
        #expect(tokenizer.tokenize(exact) == [CLIPTokenizer.startOfText] + ids.prefix(75) + [CLIPTokenizer.endOfText])
        #expect(tokenizer.tokenize(long, contextLength: 5).count == 5)
        #expect(tokenizer.tokenize(long, contextLength: 1) == [CLIPTokenizer.endOfText])
        #expect(tokenizer.tokenize(long, contextLength: 0).isEmpty)
    }

    @Test func batchMatchesSingle() throws {
        let tokenizer = try sharedTokenizer.get()
        let prompts = ["a photo of a damaged object.", "", "ＦＵＬＬ width"]
        #expect(tokenizer.tokenize(prompts, contextLength: 16) == prompts.map { tokenizer.tokenize($0, contextLength: 16) })
    }

    @Test func longWordsStayFast() throws {
        let tokenizer = try sharedTokenizer.get()
        let start = Date()
        let word = String(repeating: "abcdefghij", count: 5_000)
        let ids = tokenizer.encode(word)
        #expect(!ids.isEmpty)
        #expect(ids.allSatisfy { $0 >= 0 && $0 < 49406 })
        #expect(Date().timeIntervalSince(start) < 20, "BPE of a 50k-byte word should not be quadratic")
    }

    @Test func userSuppliedMergesFile() throws {
        // The same merges file, loaded through the user-supplied-path initializer from the source tree.
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/Engine/Resources/bpe_simple_vocab_16e6.txt.gz")
        guard FileManager.default.fileExists(atPath: file.path) else { return }  // sources not available
        let tokenizer = try CLIPTokenizer(mergesGzipPath: file.path)
        #expect(tokenizer.vocabularySize == 49408)
        let prompt = "a photo of a damaged object."
        #expect(tokenizer.encode(prompt) == (try sharedTokenizer.get()).encode(prompt))
    }

    @Test func unreadableMergesFileThrows() throws {
        let missing = "/nonexistent/inspectd/merges.txt.gz"
        #expect(throws: EngineError.self) { try CLIPTokenizer(mergesGzipPath: missing) }
        let notGzip = FileManager.default.temporaryDirectory.appendingPathComponent("inspectd-not-gzip-\(UUID().uuidString).gz")
        try Data("plain text".utf8).write(to: notGzip)
        defer { try? FileManager.default.removeItem(at: notGzip) }
        do {
            _ = try CLIPTokenizer(mergesGzipPath: notGzip.path)
            Issue.record("a non-gzip file was accepted")
        } catch let error as EngineError {
            guard case let .tokenizerResource(path, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == notGzip.path)
        }
    }

    // MARK: cleaner

    /// Expected outputs come from open_clip's pipeline (ftfy 6.3.1, html.unescape twice, whitespace, lower).
    @Test(arguments: [
        ("Tom &amp; Jerry", "tom & jerry"),
        ("double &amp;amp; escaped", "double & escaped"),
        ("&lt;b&gt;bold&lt;/b&gt; &AMP; more", "<b>bold</b> & more"),
        ("<b>&amp;</b> &eacute;", "<b>&</b> é"),
        ("P&EACUTE;REZ", "pérez"),
        ("BUNDESSTRA&SZLIG;E", "bundesstrasse"),
        ("&ampx &notin; &#x1F600; &#0; &#128; &#59; &#xD800; &#99999999999;", "&x ∉ 😀 \u{FFFD} € ; \u{FFFD} \u{FFFD}"),
        ("cafÃ©", "café"),
        ("The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows.", "the mona lisa doesn't have eyebrows."),
        ("cafÃ© naïve", "café naïve"),
        ("voilÃ le travail", "voilà le travail"),
        ("ＦＵＬＬＷＩＤＴＨ\u{3000}ｔｅｘｔ", "fullwidth text"),
        ("ﬂuﬃeﬆ", "fluffiest"),
        ("\u{1B}[36;44mblue\u{1B}[0m", "blue"),
        ("a\r\nb\u{2028}c\td", "a b c d"),
        ("ΟΔΟΣ ΣΑΣ", "οδος σας"),
        ("İstanbul", "i\u{307}stanbul"),
        ("e\u{301}", "\u{E9}"),
        ("\u{FEFF}bom\u{200B}", "bom\u{200B}"),
        ("“curly” ‘quotes’", "\"curly\" 'quotes'"),
        ("x\u{85}y", "x…y"),
        ("\u{0}nul\u{7}bell", "nulbell"),
        ("  \u{3000} spaced\u{A0}out  ", "spaced out"),
    ])
    func cleaner(input: String, expected: String) {
        let cleaned = TextCleaner.clean(input)
        #expect(Array(cleaned.unicodeScalars) == Array(expected.unicodeScalars),
                "\(input.debugDescription) -> \(cleaned.debugDescription), expected \(expected.debugDescription)")
    }

    /// ftfy.fix_text alone, where the HTML switch-off and line handling are visible.
    @Test(arguments: [
        ("a &amp; b <x>", "a &amp; b <x>"),
        ("x &amp; y\nz <w> &amp;", "x & y\nz <w> &amp;"),
        ("&EACUTE;&amp;lt;", "É<"),
        ("cafÃ©\r\nline2", "café\nline2"),
        ("&#59; &#x41;&#65abc;", "&#59; A&#65abc;"),
    ])
    func ftfySubset(input: String, expected: String) {
        let fixed = TextCleaner.makeString(TextCleaner.fixText(Array(input.unicodeScalars)))
        #expect(Array(fixed.unicodeScalars) == Array(expected.unicodeScalars),
                "\(input.debugDescription) -> \(fixed.debugDescription), expected \(expected.debugDescription)")
    }

    @Test func preTokenizerFollowsCLIPPattern() {
        let pieces = CLIPTokenizer.pieces(of: Array("it's 42 c++ <end_of_text>x 'ſ a\u{345}b".unicodeScalars))
            .map { String(String.UnicodeScalarView($0)) }
        #expect(pieces == ["it", "'s", "4", "2", "c", "++", "<end_of_text>", "x", "'ſ", "a", "b"])
    }

    // MARK: optional bulk cross-check

    /// Bulk comparison against ids produced by a Python SimpleTokenizer run: set INSPECTD_TOKENIZER_CROSSCHECK to a
    /// JSON file `[{"text": "...", "clean": "...", "ids": [49406, ..., 49407, 0, ...]}]` (77 ids per row).
    @Test func pythonCrossCheck() throws {
        guard let path = ProcessInfo.processInfo.environment["INSPECTD_TOKENIZER_CROSSCHECK"], !path.isEmpty else {
            return
        }
        let tokenizer = try sharedTokenizer.get()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            Issue.record("\(path): expected a JSON array of objects")
            return
        }
        var failures = 0
        for row in rows {
            guard let text = row["text"] as? String, let ids = row["ids"] as? [NSNumber] else { continue }
            let expected = ids.map { $0.int32Value }
            let actual = tokenizer.tokenize(text, contextLength: expected.count)
            let cleaned = TextCleaner.clean(text)
            let expectedClean = row["clean"] as? String
            let cleanMatches = expectedClean.map { Array($0.unicodeScalars) == Array(cleaned.unicodeScalars) } ?? true
            if actual != expected || !cleanMatches {
                failures += 1
                if failures <= 20 {
                    Issue.record("""
                        mismatch for \(text.debugDescription)
                          cleaned:  \(cleaned.debugDescription) expected \(expectedClean?.debugDescription ?? "-")
                          expected: \(expected)
                          actual:   \(actual)
                        """)
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(rows.count) cross-check rows differ")
    }
}
