import Engine
import Foundation

/// `inspectctl eval`: runs the detector (zero-shot, or with K labeled shots sampled N times)
/// over an MVTec-AD folder (`<cat>/train/good`, `<cat>/test/<defect>`,
/// `<cat>/ground_truth/<defect>/*_mask.png`) or a class-folder dataset (`train/<class>`,
/// `test/<class>`) and reports the papers' metrics. Every image is encoded once; runs only
/// re-sample which labeled images build the few-shot parts.
public struct DatasetEvaluator {
    /// The zero-shot inspector (model, prompts, input size).
    public let inspector: Inspector
    /// Few-shot settings used for K > 0.
    public var settings: FewShotSettings

    /// An evaluator on `inspector`.
    public init(inspector: Inspector, settings: FewShotSettings) {
        self.inspector = inspector
        self.settings = settings
    }

    /// One test image.
    struct Item {
        let path: String
        let className: String      // "good" for normal images
        let maskPath: String?
        var isDefect: Bool { className != "good" }
    }

    /// One category's images.
    struct Category {
        let name: String
        let trainGood: [String]
        let trainByClass: [String: [String]]
        let test: [Item]
        let hasMasks: Bool
    }

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "bmp"]

    static func images(in dir: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { dir.appendingPathComponent($0).path }
    }

    static func subfolders(_ dir: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { name in
            var isDir: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path,
                                                                          isDirectory: &isDir) && isDir.boolValue
        }.sorted()
    }

    /// Finds the categories under `root` (a category folder itself, or a folder of them).
    static func categories(root: URL) throws -> [Category] {
        func isCategory(_ dir: URL) -> Bool {
            FileManager.default.fileExists(atPath: dir.appendingPathComponent("test").path)
                && FileManager.default.fileExists(atPath: dir.appendingPathComponent("train").path)
        }
        let dirs = isCategory(root) ? [root] : subfolders(root).map { root.appendingPathComponent($0) }.filter(isCategory)
        guard !dirs.isEmpty else {
            throw InspectionError.invalidLabel(
                item: root.path,
                reason: "no dataset found: expected <cat>/train/good + <cat>/test/<class> (MVTec AD) or train/<class> + test/<class>")
        }
        return dirs.map { dir in
            let train = dir.appendingPathComponent("train")
            var byClass = [String: [String]]()
            for c in subfolders(train) { byClass[c] = images(in: train.appendingPathComponent(c)) }
            let test = dir.appendingPathComponent("test")
            let gt = dir.appendingPathComponent("ground_truth")
            var items = [Item]()
            for c in subfolders(test) {
                for path in images(in: test.appendingPathComponent(c)) {
                    let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                    let mask = gt.appendingPathComponent(c).appendingPathComponent("\(stem)_mask.png").path
                    items.append(Item(path: path, className: c,
                                      maskPath: FileManager.default.fileExists(atPath: mask) ? mask : nil))
                }
            }
            return Category(name: dir.lastPathComponent, trainGood: byClass["good"] ?? [], trainByClass: byClass,
                            test: items, hasMasks: FileManager.default.fileExists(atPath: gt.path))
        }
    }

    /// Evaluates every category; the last report is the mean over categories (name "mean").
    public func evaluate(root: String, shots: Int, runs: Int, seed: UInt64,
                         progress: (String) -> Void = { _ in }) throws -> [EvaluationReport] {
        guard shots >= 0, runs >= 1 else {
            throw InspectionError.invalidSetting(name: "shots/runs", value: "\(shots)/\(runs)",
                                                 reason: "need shots >= 0 and runs >= 1")
        }
        var reports = [EvaluationReport]()
        for category in try Self.categories(root: URL(fileURLWithPath: root)) {
            progress("\(category.name): encoding \(category.test.count) test images")
            reports.append(try evaluate(category, shots: shots, runs: runs, seed: seed))
        }
        if reports.count > 1 { reports.append(EvaluationReport.mean(of: reports)) }
        return reports
    }

    private func evaluate(_ category: Category, shots: Int, runs: Int, seed: UInt64) throws -> EvaluationReport {
        var cache = [String: InspectionResult]()
        func result(_ path: String) throws -> InspectionResult {
            if let r = cache[path] { return r }
            let r = try inspector.inspect(file: path)
            cache[path] = r
            return r
        }
        let size = inspector.scorer.mapSize
        var masks = [String: [Bool]]()
        for item in category.test {
            let r = try result(item.path)
            masks[item.path] = try item.maskPath.map { try Self.mask($0, geometry: r.geometry, size: size) }
                ?? [Bool](repeating: false, count: size * size)
        }
        var metrics = [String: [Double]]()
        func record(_ key: String, _ value: Double?) { if let value { metrics[key, default: []].append(value) } }
        let defectClasses = category.test.filter(\.isDefect).map(\.className)
        let classNames = Array(Set(defectClasses)).sorted()
        var s = settings
        if s.classes.isEmpty {
            s.classes = classNames.map { DefectClass(name: $0, description: "a photo of a \($0.replacingOccurrences(of: "_", with: " ")) defect") }
        }
        // Zero-shot text weights once per category; every run and method refits a copy.
        let base = s.classes.isEmpty ? nil : try SupportSetClassifier.zeroShot(
            inspector: inspector, classes: s.classes, confidenceFloor: s.confidenceFloor, coverage: s.coverage)
        let known = Set(s.classes.map(\.name))
        var tally = MethodTally()
        for run in 0..<runs {
            var rng = RandomWeights(seed: seed &+ UInt64(run) &* 7919)
            var labeled = [(result: InspectionResult, label: LabeledImage)]()
            var heldOut = Set<String>()
            if shots > 0 {
                for path in Self.sample(category.trainGood, shots, &rng) {
                    labeled.append((try result(path), LabeledImage(path: path, isDefect: false)))
                }
                for c in classNames {
                    // Class-folder datasets have labeled training images per class; MVTec has
                    // defects only in test, so shots are drawn there and held out of the metrics.
                    let train = category.trainByClass[c] ?? []
                    let pool = train.isEmpty ? category.test.filter { $0.className == c }.map(\.path) : train
                    let count = train.isEmpty ? min(shots, max(pool.count - 1, 0)) : min(shots, pool.count)
                    for path in Self.sample(pool, count, &rng) {
                        labeled.append((try result(path), LabeledImage(path: path, isDefect: true, defectClass: c)))
                        if train.isEmpty { heldOut.insert(path) }
                    }
                }
            }
            let model = shots > 0 ? try FewShotModel.build(inspector: inspector, encoded: labeled, settings: s) : nil
            let pipeline = StationPipeline(inspector: inspector, fewShot: model)
            var scores = [Double](), labels = [Bool](), maps = [[Float]](), gts = [[Bool]]()
            var correct = 0, classified = 0
            for item in category.test where !heldOut.contains(item.path) {
                let r = try result(item.path)
                let judged = try pipeline.judge(r)
                // Without few-shot parts the zero-shot map is kept as the sum over layers, as before.
                scores.append(judged.score)
                maps.append(judged.map.values)
                if item.isDefect, let p = try pipeline.classify(r) {
                    classified += 1
                    if p.className == item.className { correct += 1 }
                }
                labels.append(item.isDefect)
                gts.append(masks[item.path] ?? [])
            }
            record("image_auroc", AnomalyMetrics.auroc(scores: scores, labels: labels))
            record("image_ap", AnomalyMetrics.averagePrecision(scores: scores, labels: labels))
            record("image_f1_max", AnomalyMetrics.f1Max(scores: scores, labels: labels)?.f1)
            if category.hasMasks {
                record("pixel_auroc", AnomalyMetrics.pixelAUROC(maps: maps, masks: gts))
                record("aupro", AnomalyMetrics.aupro(maps: maps, masks: gts, width: size, height: size))
            }
            if classified > 0 { record("class_accuracy", Double(correct) / Double(classified)) }
            if let base {
                let support = labeled.compactMap { item in
                    item.label.defectClass.flatMap { known.contains($0) ? (result: item.result, className: $0) : nil }
                }
                let test = try category.test.filter { $0.isDefect && !heldOut.contains($0.path) && known.contains($0.className) }
                    .map { (result: try result($0.path), className: $0.className) }
                try compareMethods(base: base, support: support, test: test, memory: model?.memory, into: &tally)
            }
        }
        return EvaluationReport(category: category.name, shots: shots, runs: runs,
                                testImages: category.test.count,
                                metrics: metrics.mapValues { AnomalyMetrics.meanAndStd($0) }.mapValues {
                                    EvaluationReport.MeanStd(mean: $0.mean, std: $0.std)
                                }, methods: tally.scores())
    }

    /// `count` distinct items, seeded.
    static func sample(_ items: [String], _ count: Int, _ rng: inout RandomWeights) -> [String] {
        var pool = items
        var out = [String]()
        while out.count < count, !pool.isEmpty {
            out.append(pool.remove(at: rng.index(below: pool.count)))
        }
        return out
    }

    /// A ground-truth mask in model-input coordinates (nearest neighbour through the geometry).
    static func mask(_ path: String, geometry: InputGeometry, size: Int) throws -> [Bool] {
        let decoded = try ImageDecoder(limits: DecodeLimits(checkExtension: false)).decode(file: path).image
        guard decoded.width == geometry.originalWidth, decoded.height == geometry.originalHeight else {
            throw InspectionError.invalidMask(
                path: path, reason: "\(decoded.width)x\(decoded.height), image is \(geometry.originalWidth)x\(geometry.originalHeight)")
        }
        var out = [Bool](repeating: false, count: size * size)
        for v in 0..<size {
            for u in 0..<size {
                let p = geometry.originalPoint(inputX: Double(u), inputY: Double(v))
                let x = min(max(Int(p.x.rounded()), 0), decoded.width - 1)
                let y = min(max(Int(p.y.rounded()), 0), decoded.height - 1)
                out[v * size + u] = decoded.pixels[3 * (y * decoded.width + x)] > 127
            }
        }
        return out
    }
}
