extension DatasetEvaluator {
    /// Fits every classifier method on one run's labelled defects (each on its own, then all
    /// with the leave-one-out choice) and scores each on the test defects, plus zero-shot
    /// refined on the unlabelled test defects (when there are enough). Features are computed
    /// once per run with the run's memory bank, as the station pipeline would compute them.
    func compareMethods(base: DefectClassifier, support: [(result: InspectionResult, className: String)],
                        test: [(result: InspectionResult, className: String)], memory: NormalMemoryBank?,
                        into tally: inout MethodTally) throws {
        guard !test.isEmpty else { return }
        let supportFeatures = try support.map { try FewShotModel.defectFeature($0.result, bank: memory, inspector: inspector) }
        let testFeatures = try test.map { try FewShotModel.defectFeature($0.result, bank: memory, inspector: inspector) }
        let truth = test.map(\.className)
        let names = base.classes.map(\.name)
        func predictions(_ classifier: DefectClassifier) throws -> [String] {
            try classifier.probabilities(testFeatures).map { names[DefectClassifier.Scores.argmax($0)] }
        }
        tally.record(ClassifierMethod.zeroShot.rawValue, predicted: try predictions(base), truth: truth)
        // Transductive: the test defects are the unlabelled window, as on a line.
        var refined = base
        if try refined.refineZeroShot(unlabelled: testFeatures) {
            tally.record(MethodScores.refinedName, predicted: try predictions(refined), truth: truth)
        }
        guard !support.isEmpty else { return }
        let labels = support.map(\.className)
        for method in ClassifierMethod.allCases where method != .zeroShot {
            var classifier = base
            try classifier.fit(features: supportFeatures, labels: labels, methods: [method])
            tally.record(method.rawValue, predicted: try predictions(classifier), truth: truth)
        }
        var selected = base
        try selected.fit(features: supportFeatures, labels: labels)
        tally.record(MethodScores.selectedName, predicted: try predictions(selected), truth: truth)
        tally.choose(selected.method)
    }
}
