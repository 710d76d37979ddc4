import Foundation

/// Who a label is attributed to. Under sudo the invoking user is the one who looked at the
/// image, not root, so SUDO_USER wins; a service account without USER falls back to the
/// login name, the passwd entry, then the bare uid.
enum LabelAuthor {
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        for key in ["SUDO_USER", "USER"] {
            if let name = environment[key], !name.isEmpty { return name }
        }
        if let login = getlogin() {
            let name = String(cString: login)
            if !name.isEmpty { return name }
        }
        let uid = getuid()
        if let entry = getpwuid(uid), let raw = entry.pointee.pw_name {
            let name = String(cString: raw)
            if !name.isEmpty { return name }
        }
        return "uid \(uid)"
    }
}
