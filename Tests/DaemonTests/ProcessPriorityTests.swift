@testable import Daemon
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Per-thread SCHED_IDLE + nice for the training process, checked on a throwaway thread so
/// the rest of the test run keeps its priority.
@Suite(.serialized) struct ProcessPriorityTests {
    #if os(Linux)
    /// A thread that reports its kernel id and parks until released.
    private final class ParkedThread: @unchecked Sendable {
        private let started = DispatchSemaphore(value: 0)
        private let release = DispatchSemaphore(value: 0)
        private let finished = DispatchSemaphore(value: 0)
        private(set) var id: pid_t?

        init() {
            let thread = Thread { [self] in
                id = ProcessPriority.currentThreadID()
                started.signal()
                release.wait()
                finished.signal()
            }
            thread.start()
            started.wait()
        }

        func stop() {
            release.signal()
            finished.wait()
        }
    }

    @Test func lowersExactlyTheGivenThread() throws {
        let parked = ParkedThread()
        defer { parked.stop() }
        let tid = try #require(parked.id)
        #expect(ProcessPriority.processThreadIDs().contains(tid))
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        let ownID = try #require(ProcessPriority.currentThreadID())
        let ownNice = getpriority(which, id_t(ownID))
        let ownPolicy = sched_getscheduler(ownID)

        let outcome = ProcessPriority.lowerPriority(threadIDs: [tid], niceness: 19, idle: true)
        #expect(getpriority(which, id_t(tid)) == 19)
        #expect(sched_getscheduler(tid) == ProcessPriority.schedIdle)
        #expect(outcome.threads == 1)
        #expect(outcome.description == "SCHED_IDLE, nice 19 on 1 thread")
        // The test's own thread is untouched.
        #expect(getpriority(which, id_t(ownID)) == ownNice)
        #expect(sched_getscheduler(ownID) == ownPolicy)
    }

    @Test func niceOnlyLeavesTheSchedulingClass() throws {
        let parked = ParkedThread()
        defer { parked.stop() }
        let tid = try #require(parked.id)
        let before = sched_getscheduler(tid)
        let outcome = ProcessPriority.lowerPriority(threadIDs: [tid], niceness: 10, idle: false)
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(tid)) == 10)
        #expect(sched_getscheduler(tid) == before)
        #expect(outcome.description == "nice 10 on 1 thread")
    }

    @Test func vanishedThreadsAreReportedNotFatal() {
        // Above any pid_max, so the kernel answers ESRCH like for a thread that just exited.
        let outcome = ProcessPriority.lowerPriority(threadIDs: [pid_t.max], niceness: 19, idle: true)
        #expect(outcome.threads == 0)
        #expect(outcome.vanished == 1)
        #expect(outcome.description.contains("1 exited meanwhile"))
    }
    #endif
}
