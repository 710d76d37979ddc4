/// A parser for the Prometheus text exposition format, strict enough to fail on malformed
/// lines, so `/metrics` is checked as Prometheus would read it.
struct PrometheusText {
    struct Sample { let name: String; let labels: [String: String]; let value: Double }
    struct Malformed: Error, CustomStringConvertible { let description: String }
    let samples: [Sample]

    init(_ text: String) throws {
        var samples: [Sample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            var name = ""
            var labels: [String: String] = [:]
            var rest = Substring(line)
            if let brace = rest.firstIndex(of: "{") {
                name = String(rest[..<brace])
                guard let close = rest.lastIndex(of: "}") else { throw Malformed(description: "no } in \(line)") }
                var body = rest[rest.index(after: brace)..<close]
                while !body.isEmpty {
                    guard let eq = body.firstIndex(of: "="), body[body.index(after: eq)...].hasPrefix("\"") else {
                        throw Malformed(description: "bad label in \(line)")
                    }
                    let key = String(body[..<eq])
                    var index = body.index(eq, offsetBy: 2)
                    var value = ""
                    while index < body.endIndex, body[index] != "\"" {
                        if body[index] == "\\" { index = body.index(after: index) }
                        value.append(body[index])
                        index = body.index(after: index)
                    }
                    labels[key] = value
                    body = body[body.index(after: index)...]
                    if body.hasPrefix(",") { body = body.dropFirst() }
                }
                rest = rest[rest.index(after: close)...]
            } else {
                guard let space = rest.firstIndex(of: " ") else { throw Malformed(description: "no value in \(line)") }
                name = String(rest[..<space])
                rest = rest[space...]
            }
            let fields = rest.split(separator: " ")
            guard let first = fields.first, let value = Double(first) else { throw Malformed(description: "bad value in \(line)") }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
        self.samples = samples
    }

    /// The value of the sample with exactly these labels.
    func value(_ name: String, _ labels: [String: String]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }
}
