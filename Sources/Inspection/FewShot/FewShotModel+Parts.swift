import Foundation

extension FewShotModel {
    /// A model version's stored few-shot parts, put back together without re-encoding images.
    public init(memory: NormalMemoryBank?, settings: FewShotSettings, classifier: DefectClassifier?,
                thresholds: CalibratedThresholds?, goodCount: Int, defectCount: Int, note: String) {
        self.init(memory: memory, settings: settings, classifier: classifier, thresholds: thresholds,
                  calibrationNote: note, goodCount: goodCount, defectCount: defectCount, skipped: [])
    }

    /// The classifier as JSON, for a model version row.
    public func classifierJSON() throws -> String? {
        guard let classifier else { return nil }
        do {
            return String(decoding: try JSONEncoder().encode(classifier), as: UTF8.self)
        } catch {
            throw InspectionError.invalidSetting(name: "classifier", value: "-", reason: "cannot encode: \(error)")
        }
    }

    /// Reads a classifier saved by `classifierJSON()`.
    public static func classifier(json: String, item: String) throws -> DefectClassifier {
        do {
            return try JSONDecoder().decode(DefectClassifier.self, from: Data(json.utf8))
        } catch {
            throw InspectionError.invalidSetting(name: "\(item) classifier", value: String(json.prefix(40)),
                                                 reason: "unreadable: \(error)")
        }
    }
}
