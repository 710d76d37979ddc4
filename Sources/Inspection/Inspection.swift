import Engine

/// The inspection domain (decode, preprocess, scoring, verdicts). Built out by the Inspection issue.
public enum Inspection {
    /// Version of the inspection pipeline, recorded with verdicts.
    public static let version = "0.1.0"
}
