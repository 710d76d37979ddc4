import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs one program with bytes on its stdin and a deadline, without a shell. The child gets
/// its own process group, a clean signal mask and default dispositions, stdin and stderr on
/// close-on-exec socket pairs (stdin: the document, then end of file), stdout on /dev/null
/// and stderr captured (the first `stderrLimit` bytes, for the log). At the deadline the whole
/// group gets SIGTERM, and SIGKILL `grace` seconds later, so a command that forks helpers
/// cannot leave them behind.
struct ChildCommand: Sendable {
    let arguments: [String]
    let environment: [String: String]
    let timeout: Double
    var grace = 2.0
    static let stderrLimit = 2048

    /// Runs to completion; throws `OutputError` for a spawn failure, a timeout, a non-zero
    /// exit or a signal. `started` gets the child's pid (its process group) as soon as it runs.
    func run(stdin input: [UInt8], started: (pid_t) -> Void = { _ in }) throws {
        let program = arguments.first ?? ""
        guard let stdinPipe = closeOnExecSocketPair(nonBlocking: false) else { throw OutputError.last("socketpair", program) }
        guard let stderrPipe = closeOnExecSocketPair(nonBlocking: false) else {
            let error = OutputError.last("socketpair", program)
            close(stdinPipe[0])
            close(stdinPipe[1])
            throw error
        }
        let pid: pid_t
        do {
            pid = try spawn(stdin: stdinPipe[0], stderr: stderrPipe[1])
        } catch {
            for fd in stdinPipe + stderrPipe { close(fd) }
            throw error
        }
        close(stdinPipe[0])
        close(stderrPipe[1])
        started(pid)
        let deadline = monotonicSeconds() + timeout
        _ = fcntl(stderrPipe[0], F_SETFL, fcntl(stderrPipe[0], F_GETFL) | O_NONBLOCK)
        var writeEnd: Int32 = stdinPipe[1]
        var written = 0
        var captured = [UInt8]()
        var status: Int32 = 0
        var timedOut = false
        var killAt: Double?
        defer {
            if writeEnd >= 0 { close(writeEnd) }
            close(stderrPipe[0])
        }
        while true {
            if waitpid(pid, &status, WNOHANG) == pid { break }
            let now = monotonicSeconds()
            if let at = killAt, now >= at {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            if killAt == nil && now >= deadline {
                timedOut = true
                kill(-pid, SIGTERM)
                killAt = now + grace
            }
            // Feed stdin as the child takes it; a child that does not read it simply never gets it all.
            if writeEnd >= 0 {
                let n = input.withUnsafeBytes {
                    send(writeEnd, $0.baseAddress?.advanced(by: written), input.count - written, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                }
                if n > 0 { written += n }
                if written >= input.count || (n < 0 && errno != EAGAIN && errno != EINTR) {
                    close(writeEnd)
                    writeEnd = -1
                }
            }
            drain(stderrPipe[0], into: &captured)
            var fds = [pollfd(fd: stderrPipe[0], events: Int16(POLLIN), revents: 0)]
            if writeEnd >= 0 { fds.append(pollfd(fd: writeEnd, events: Int16(POLLOUT), revents: 0)) }
            // Short naps: the exit is noticed by waitpid, not by a descriptor.
            _ = poll(&fds, nfds_t(fds.count), 10)
        }
        drain(stderrPipe[0], into: &captured)
        if timedOut {
            // Whatever the group left behind goes too.
            kill(-pid, SIGKILL)
            throw OutputError.timedOut(program: program, seconds: timeout)
        }
        let signal = status & 0x7f
        if signal != 0 { throw OutputError.signalled(program: program, signal: signal) }
        let code = (status >> 8) & 0xff
        if code != 0 {
            let text = String(decoding: captured, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw OutputError.exited(program: program, status: code, stderr: text)
        }
    }

    private func drain(_ fd: Int32, into captured: inout [UInt8]) {
        var scratch = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = scratch.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            if captured.count < Self.stderrLimit { captured += scratch[0..<min(n, Self.stderrLimit - captured.count)] }
        }
    }

    private func spawn(stdin: Int32, stderr: Int32) throws -> pid_t {
        let program = arguments.first ?? ""
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGHUP, SIGTERM, SIGINT] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        descriptorLock.lock()
        let rc = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
        descriptorLock.unlock()
        guard rc == 0 else { throw OutputError.spawn(program: program, errno: rc) }
        return pid
    }
}
