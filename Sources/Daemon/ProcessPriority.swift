import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// OS scheduling for the training process: it runs beside the inspecting daemon on the same
/// few cores, so every one of its threads drops to `SCHED_IDLE` and a high nice value and
/// inspections pre-empt it instead of waiting for it. Process policy, so it lives in the
/// daemon, not in the engine.
public enum ProcessPriority {
    /// Lowers every thread of this process to `SCHED_IDLE` (when `idle`) and nice `niceness`.
    /// Linux applies both per thread and new threads inherit from their creator, so the calling
    /// thread goes first, then every thread in /proc/self/task (listed again until no new one
    /// appears). Never fails: refusals (e.g. EPERM) are reported in the returned one-line
    /// description for the log, e.g. "SCHED_IDLE, nice 19 on 3 threads".
    public static func lowerPriority(niceness: Int32 = 19, idle: Bool = true) -> String {
        #if os(Linux)
        guard let current = currentThreadID() else {
            return "priority unchanged: cannot read /proc/thread-self"
        }
        var outcome = lowerPriority(threadIDs: [current], niceness: niceness, idle: idle)
        var done: Set<pid_t> = [current]
        for _ in 0..<8 {
            let fresh = processThreadIDs().filter { !done.contains($0) }
            if fresh.isEmpty { break }
            outcome.merge(lowerPriority(threadIDs: fresh, niceness: niceness, idle: idle))
            done.formUnion(fresh)
        }
        return outcome.description
        #else
        return "priority unchanged: per-thread priorities are only applied on Linux"
        #endif
    }

    /// Lowers only the calling thread to nice `niceness` (no `SCHED_IDLE`): the daemon's
    /// background fit thread, which should yield to scoring but still advance on a busy machine.
    public static func lowerCurrentThread(niceness: Int32) -> String {
        #if os(Linux)
        guard let current = currentThreadID() else {
            return "priority unchanged: cannot read /proc/thread-self"
        }
        return lowerPriority(threadIDs: [current], niceness: niceness, idle: false).description
        #else
        return "priority unchanged: per-thread priorities are only applied on Linux"
        #endif
    }

    /// What `lowerPriority` did, counted per thread so the log line shows partial success.
    struct Outcome: CustomStringConvertible {
        var niceness: Int32
        var idleRequested: Bool
        var threads = 0
        var idleApplied = 0
        var niceApplied = 0
        /// Threads that exited before we reached them.
        var vanished = 0
        /// Refusal counts by what was refused and its errno, e.g. ["SCHED_IDLE: EPERM": 2].
        var refusals: [String: Int] = [:]

        mutating func merge(_ other: Outcome) {
            threads += other.threads
            idleApplied += other.idleApplied
            niceApplied += other.niceApplied
            vanished += other.vanished
            refusals.merge(other.refusals, uniquingKeysWith: +)
        }

        var description: String {
            var parts = [String]()
            if idleRequested && idleApplied > 0 { parts.append("SCHED_IDLE") }
            if niceApplied > 0 { parts.append("nice \(niceness)") }
            let applied = parts.isEmpty ? "priority unchanged" : parts.joined(separator: ", ")
            let reached = max(idleApplied, niceApplied)
            let plural = threads == 1 ? "" : "s"
            var line = reached == threads ? "\(applied) on \(threads) thread\(plural)"
                : "\(applied) on \(reached) of \(threads) thread\(plural)"
            if vanished > 0 { line += ", \(vanished) exited meanwhile" }
            if !refusals.isEmpty {
                line += "; refused: " + refusals.keys.sorted().map { "\($0) ×\(refusals[$0] ?? 0)" }
                    .joined(separator: ", ")
            }
            return line
        }
    }

    #if os(Linux)
    /// `SCHED_IDLE` from <sched.h>; Glibc only exposes it with _GNU_SOURCE.
    static let schedIdle: Int32 = 5

    /// Applies SCHED_IDLE (when `idle`) and nice `niceness` to exactly these thread ids, so tests
    /// can lower one throwaway thread instead of the whole test process.
    static func lowerPriority(threadIDs: [pid_t], niceness: Int32, idle: Bool) -> Outcome {
        var outcome = Outcome(niceness: niceness, idleRequested: idle)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        for tid in threadIDs {
            outcome.threads += 1
            var gone = false
            if idle {
                var parameters = sched_param()
                parameters.sched_priority = 0
                if sched_setscheduler(tid, schedIdle, &parameters) == 0 {
                    outcome.idleApplied += 1
                } else if errno == ESRCH {
                    gone = true
                } else {
                    outcome.refusals["SCHED_IDLE: \(errnoName(errno))", default: 0] += 1
                }
            }
            if !gone {
                if setpriority(which, id_t(tid), niceness) == 0 {
                    outcome.niceApplied += 1
                } else if errno == ESRCH {
                    gone = true
                } else {
                    outcome.refusals["nice \(niceness): \(errnoName(errno))", default: 0] += 1
                }
            }
            if gone {
                outcome.vanished += 1
                outcome.threads -= 1
            }
        }
        return outcome
    }

    /// The calling thread's kernel id from the /proc/thread-self link ("<pid>/task/<tid>"),
    /// since Glibc's `gettid` is hidden behind _GNU_SOURCE and `syscall` is variadic.
    static func currentThreadID() -> pid_t? {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let link = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return link.split(separator: "/").last.flatMap { pid_t($0) }
    }

    /// Every thread id of this process now.
    static func processThreadIDs() -> [pid_t] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return names.compactMap { pid_t($0) }.sorted()
    }

    private static func errnoName(_ code: Int32) -> String {
        switch code {
        case EPERM: return "EPERM"
        case EACCES: return "EACCES"
        case EINVAL: return "EINVAL"
        default: return "errno \(code)"
        }
    }
    #endif
}
