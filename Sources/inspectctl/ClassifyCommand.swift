import ArgumentParser
import Foundation
import Inspection

/// `inspectctl classify SUPPORT_DIR QUERY_DIR`: the support/query workflow integrators run
/// before they trust a system — a folder of labelled images per class, a folder of new images,
/// one predicted class per query file. Bad query files become error rows, never an abort.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Name the defect type of query images from a support folder of labelled examples per class.",
        discussion: """
            SUPPORT_DIR holds one folder per class (its name is the class) with .png/.jpg/.jpeg images \
            below it; QUERY_DIR is searched recursively and every visible file gets one output row. \
            Each image is encoded once; the classifier starts from the class names' text embeddings \
            and the methods given by --methods are fitted on the support images, the most accurate \
            under leave-one-out being used (as the daemon does). Output columns: \
            path,predicted_class,probability,prediction_set,method,error (prediction_set joined by ';'; \
            predicted_class is 'unknown' below --confidence-floor). \
            Exit status: 0 every query file classified and every support image used, 1 some rows are \
            errors or some support images were unusable (each reported on stderr), 3 the model could \
            not be loaded, 64 bad flags or folders.
            """)

    @Argument(help: "Folder with one subfolder of example images per class.")
    var support: String

    @Argument(help: "Folder of images to classify (searched recursively).")
    var query: String

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Write the rows to this file instead of standard output.")
    var out: String?

    @Option(name: .shortAndLong, help: "csv or json (one JSON object per line).")
    var output: String = "csv"

    @Option(help: "Comma-separated candidate methods: zero_shot, prototype, cache, linear_probe (default: all).")
    var methods: String = ClassifierMethod.allCases.map(\.rawValue).joined(separator: ",")

    @Option(name: .customLong("confidence-floor"), help: "Top probability below which the class is 'unknown'.")
    var confidenceFloor: Double = 0.5

    @Option(help: "Target coverage of the conformal prediction sets, in (0, 1).")
    var coverage: Double = 0.9

    func validate() throws {
        guard ["csv", "json"].contains(output) else { throw ValidationError("-o: expected csv or json (got \(output))") }
        _ = try parsedMethods()
        guard (0...1).contains(confidenceFloor) else {
            throw ValidationError("--confidence-floor: expected 0...1 (got \(confidenceFloor))")
        }
        guard coverage > 0, coverage < 1 else { throw ValidationError("--coverage: expected (0, 1) (got \(coverage))") }
        for (name, path) in [("SUPPORT_DIR", support), ("QUERY_DIR", query)]
        where !ClassificationFolders.isDirectory(URL(fileURLWithPath: path)) {
            throw ValidationError("\(name): not a folder (got \(path))")
        }
    }

    private func parsedMethods() throws -> [ClassifierMethod] {
        let names = methods.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = names.map(ClassifierMethod.init(rawValue:))
        guard !names.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--methods: expected a comma-separated list of "
                                  + "\(ClassifierMethod.allCases.map(\.rawValue).joined(separator: ", ")) (got \(methods))")
        }
        return parsed.compactMap { $0 }
    }

    func run() throws {
        let folders = try ClassificationFolders.scan(support: support, query: query)
        guard !folders.support.isEmpty else { throw ValidationError("SUPPORT_DIR: no class folders in \(support)") }
        let classes = folders.support.map { DefectClass(name: $0.className, description: "") }
        let inspector = try ModelOptions.inspector(try modelOptions.configuration())
        var problems = 0
        func report(_ message: String) { FileHandle.standardError.write(Data("inspectctl: \(message)\n".utf8)) }

        var encoded = [(result: InspectionResult, className: String)]()
        for (className, files) in folders.support {
            for file in files {
                guard ClassificationFolders.imageExtensions.contains(URL(fileURLWithPath: file).pathExtension.lowercased()) else {
                    report("support file skipped (not .png/.jpg/.jpeg): \(file)")
                    problems += 1
                    continue
                }
                do {
                    encoded.append((try inspector.inspect(file: file), className))
                } catch {
                    report("support file skipped: \(error)")
                    problems += 1
                }
            }
        }
        let fitted: SupportSetClassifier
        do {
            let base = try SupportSetClassifier.zeroShot(inspector: inspector, classes: classes,
                                                         confidenceFloor: confidenceFloor, coverage: coverage)
            fitted = try SupportSetClassifier(inspector: inspector, base: base, support: encoded, methods: try parsedMethods())
        } catch {
            report("cannot fit the classifier: \(error)")
            throw ExitCode(1)
        }
        let accuracies = fitted.classifier.leaveOneOutAccuracy.sorted { $0.key.rawValue < $1.key.rawValue }
            .map { "\($0.key.rawValue) \(String(format: "%.3f", $0.value))" }.joined(separator: ", ")
        report("\(encoded.count) support images in \(classes.count) classes; method \(fitted.classifier.method.rawValue)"
               + (accuracies.isEmpty ? "" : " (leave-one-out accuracy: \(accuracies))"))

        var lines = output == "csv" ? [ClassificationRow.columns.joined(separator: ",")] : []
        for file in folders.query {
            let row: ClassificationRow
            do {
                let prediction = try fitted.predict(try inspector.inspect(file: file))
                row = ClassificationRow(path: file, prediction: prediction, method: fitted.classifier.method, error: nil)
            } catch {
                // Decoder errors already name the file; others get it prepended.
                report("\(error)".contains(file) ? "\(error)" : "\(file): \(error)")
                problems += 1
                row = ClassificationRow(path: file, prediction: nil, method: fitted.classifier.method, error: "\(error)")
            }
            lines.append(output == "csv" ? row.csv : row.json)
        }
        let text = lines.map { $0 + "\n" }.joined()
        if let out {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                report("cannot write \(out): \(error.localizedDescription)")
                throw ExitCode(1)
            }
        } else {
            print(text, terminator: "")
        }
        if problems > 0 { throw ExitCode(1) }
    }
}
