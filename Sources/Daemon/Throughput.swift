/// Images per minute over a sliding window, for the systemd STATUS line and `inspectctl status`.
struct Throughput {
    private var stamps: [Double] = []
    private let window: Double

    init(window: Double = 60) {
        self.window = window
    }

    mutating func record(at time: Double) {
        stamps.append(time)
        prune(now: time)
    }

    mutating func perMinute(now: Double) -> Double {
        prune(now: now)
        guard let first = stamps.first else { return 0 }
        let span = max(now - first, 1)
        return Double(stamps.count) * 60 / min(max(span, 1), window)
    }

    private mutating func prune(now: Double) {
        let cutoff = now - window
        if let keep = stamps.firstIndex(where: { $0 >= cutoff }) {
            if keep > 0 { stamps.removeFirst(keep) }
        } else {
            stamps.removeAll(keepingCapacity: true)
        }
    }
}
