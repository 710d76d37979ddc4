import Foundation

extension DefectClassifier {
    /// Learns from labelled defect embeddings: fits the class prototypes, the text-initialised
    /// linear probe and the Tip-Adapter cache, scores them and zero-shot by leave-one-out accuracy
    /// (the held-out sample is in neither the fit nor the hyper-parameter search), keeps the best
    /// (accuracy ties go to the lower held-out log-loss, exact ties to the simpler method:
    /// zero-shot, prototype, cache, then probe) and calibrates the conformal sets on that method's
    /// held-out probabilities. `methods` restricts the candidates (evaluation compares them one
    /// at a time; `inspectctl classify --method` forces one). With no samples the classifier
    /// returns to zero-shot and uncalibrated. The classifier is unchanged when this throws.
    public mutating func fit(features: [[Float]], labels: [String],
                             methods: [ClassifierMethod] = ClassifierMethod.allCases) throws {
        try validateSettings()
        guard !methods.isEmpty else {
            throw InspectionError.invalidSetting(name: "methods", value: "[]", reason: "at least one classifier method is needed")
        }
        guard features.count == labels.count else {
            throw InspectionError.invalidLabel(
                item: "labels", reason: "\(labels.count) labels for \(features.count) features; need one per feature")
        }
        var indexByName = [String: Int]()
        for (index, defect) in classes.enumerated() { indexByName[defect.name] = index }
        let labelIndices = try labels.enumerated().map { position, name -> Int in
            guard let index = indexByName[name] else {
                throw InspectionError.invalidLabel(
                    item: "labels[\(position)]",
                    reason: "\"\(name)\" is not a configured defect class (\(classes.map(\.name).joined(separator: ", ")))")
            }
            return index
        }
        let rows = try Rows.normalised(features, width: embeddingDimension, item: "features")
        guard rows.count > 0 else {
            head = .zeroShot
            calibration = nil
            leaveOneOutAccuracy = [:]
            return
        }

        let set = TrainingSet(features: rows, labels: labelIndices, text: text, scale: logitScale)
        // In simplicity order, so that only a strictly better method replaces an earlier one.
        var candidates: [(head: Head, leaveOneOut: [[Double]])] = []
        for method in Set(methods).sorted(by: { $0.simplicity < $1.simplicity }) {
            switch method {
            case .zeroShot:
                candidates.append((.zeroShot, (0 ..< set.count).map { Scores.softmax(set.zeroShotLogits($0)) }))
            case .prototype:
                let prototypes = Prototypes.fit(set, text: text)
                candidates.append((.prototype(prototypes.model), prototypes.leaveOneOut))
            case .cache:
                let cache = CacheModel.fit(set)
                candidates.append((.cache(cache.model), cache.leaveOneOut))
            case .linearProbe:
                let probe = LinearProbe.fit(set, text: text)
                candidates.append((.linearProbe(probe.probe), probe.leaveOneOut))
            }
        }

        var accuracy = [ClassifierMethod: Double]()
        guard var best = candidates.first else { return }
        var bestCorrect = -1
        var bestLoss = Double.infinity
        for candidate in candidates {
            let correct = zip(candidate.leaveOneOut, labelIndices).filter { Scores.argmax($0) == $1 }.count
            // Few labels make accuracy ties common (a handful of samples all right): then the
            // held-out log-loss decides, and only an exact tie falls back to simplicity.
            let loss = zip(candidate.leaveOneOut, labelIndices).map { -log(max($0[$1], 1e-12)) }.reduce(0, +)
            accuracy[candidate.head.method] = Double(correct) / Double(set.count)
            if correct > bestCorrect || (correct == bestCorrect && loss < bestLoss - 1e-9) {
                best = candidate
                bestCorrect = correct
                bestLoss = loss
            }
        }
        head = best.head
        leaveOneOutAccuracy = accuracy
        calibration = ConformalCalibration(
            scores: zip(best.leaveOneOut, labelIndices).map { max(0, min(1, 1 - $0[$1])) })
    }
}
