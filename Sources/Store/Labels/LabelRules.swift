import Inspection

/// The checks every label passes before it is written, shared by the store (the last line of
/// defence) and the CLI (which reports them as usage errors before opening anything).
public enum LabelRules {
    /// Defect class names become folder names and metric keys downstream, so they are kept
    /// to a portable character set.
    public static func isValidClassName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// Throws ``InspectionError/invalidLabel(item:reason:)`` naming `item` when the combination
    /// cannot be a label: a good image has no defect class and no defect mask; a defect may
    /// have neither (an unknown defect type still calibrates the anomaly threshold).
    public static func check(item: String, kind: LabelKind, defectClass: String?, hasMask: Bool) throws {
        if kind == .good {
            if let defectClass {
                throw InspectionError.invalidLabel(item: item, reason: "a good label cannot have a defect class (got '\(defectClass)')")
            }
            if hasMask {
                throw InspectionError.invalidLabel(item: item, reason: "a good label cannot have a defect mask")
            }
        }
        if let defectClass, !isValidClassName(defectClass) {
            throw InspectionError.invalidLabel(
                item: item, reason: "defect class '\(defectClass)' may only use letters, digits, '.', '_' and '-'")
        }
    }

    /// Rejects an empty or whitespace-only value of a required text field.
    static func requireText(_ value: String, field: String, item: String) throws {
        guard value.contains(where: { !$0.isWhitespace }) else {
            throw InspectionError.invalidLabel(item: item, reason: "\(field) must not be empty")
        }
    }
}
