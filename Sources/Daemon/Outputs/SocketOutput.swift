import Config
import Foundation
import Logging
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `kind = "socket"`: a Unix stream socket that sends one NDJSON line per verdict to every
/// connected client (`inspectctl follow`, a PLC gateway).
///
/// Its own thread polls the listening socket, the clients and a wake-up pipe. Writes never
/// block: each client has a bounded buffer (`client_buffer`, plus as much again in the kernel)
/// and a client whose buffer overflows is disconnected and counted as dropped, so a stuck
/// reader can neither slow scoring nor make the daemon's memory grow. Clients that connect
/// get verdicts from then on; there is no replay (the log has them).
///
/// The socket file is created 0660 (the daemon's group may connect, like the database is
/// group-readable); a stale socket file from a previous run is replaced, anything else at the
/// path is refused.
final class SocketOutput: ResultOutput, @unchecked Sendable {
    let station: String
    let configuration: OutputConfiguration
    let settings: SocketOutputSettings
    private let logger: Logger
    private let counters: OutputCounters
    private let lock = NSLock()
    private var incoming = [UInt8]()
    private var stopping = false
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let finished = DispatchSemaphore(value: 0)
    /// Seconds between attempts to bind a socket that could not be bound.
    static let bindRetry = 5.0
    /// Most bytes waiting for the socket thread; beyond this it is stuck and lines are dropped.
    static let incomingLimit = 8 << 20

    /// One connected client and what it still has to receive.
    private struct Client {
        let fd: Int32
        var buffer = [UInt8]()
        var sent = 0
        var pending: Int { buffer.count - sent }
    }

    init(station: String, configuration: OutputConfiguration, settings: SocketOutputSettings, logger: Logger) throws {
        self.station = station
        self.configuration = configuration
        self.settings = settings
        self.logger = logger
        counters = OutputCounters(OutputStatus(station: station, name: configuration.name, kind: "socket", target: settings.path))
        counters.update { $0.clients = 0 }
        guard let fds = closeOnExecSocketPair(nonBlocking: true) else { throw OutputError.last("socketpair", settings.path) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        let thread = Thread { [self] in run() }
        thread.name = "output-socket"
        thread.start()
    }

    func deliver(_ verdict: OutputVerdict) {
        lock.lock()
        if incoming.count + verdict.json.utf8.count < Self.incomingLimit {
            incoming.append(contentsOf: verdict.json.utf8)
            incoming.append(0x0A)
        } else {
            counters.update { $0.dropped += 1 }
        }
        lock.unlock()
        wake()
    }

    func status() -> OutputStatus { counters.snapshot }

    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
        wake()
        _ = finished.wait(timeout: .now() + 5)
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = send(wakeWrite, &byte, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
    }

    private var meta: Logger.Metadata {
        ["output.station": "\(station)", "output.name": "\(configuration.name)", "output.kind": "socket"]
    }

    // MARK: the socket thread

    private func run() {
        var listener: Int32 = -1
        var identity: (dev: UInt, ino: UInt)?
        var nextBind = 0.0
        var clients = [Client]()
        defer {
            for c in clients { close(c.fd) }
            if listener >= 0 {
                close(listener)
                removeSocketFile(ifStill: identity)
            }
            close(wakeRead)
            close(wakeWrite)
            finished.signal()
        }
        while true {
            if listener < 0 && monotonicSeconds() >= nextBind {
                do {
                    (listener, identity) = try bindListener()
                    logger.info("output socket listening", metadata: meta)
                } catch {
                    counters.fail("\(error)", at: Date().timeIntervalSince1970)
                    logger.error("output socket cannot listen; retrying every \(Self.bindRetry) s: \(error)", metadata: meta)
                    nextBind = monotonicSeconds() + Self.bindRetry
                }
            }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            if listener >= 0 { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
            let firstClient = fds.count
            for c in clients {
                fds.append(pollfd(fd: c.fd, events: Int16(POLLIN) | (c.pending > 0 ? Int16(POLLOUT) : 0), revents: 0))
            }
            let timeout: Int32 = listener < 0 ? Int32(Self.bindRetry * 1000) : -1
            if poll(&fds, nfds_t(fds.count), timeout) < 0 && errno != EINTR { usleep(10_000) }

            lock.lock()
            let stop = stopping
            let lines = incoming
            incoming.removeAll(keepingCapacity: true)
            lock.unlock()
            if stop { return }
            drainWakePipe()

            // Clients first (their indices match fds), then new lines, then new clients.
            var keep = [Client]()
            for (i, c) in clients.enumerated() {
                let revents = fds[firstClient + i].revents
                if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 && !readAndDiscard(c.fd) {
                    close(c.fd)
                    continue
                }
                keep.append(c)
            }
            clients = keep
            if !lines.isEmpty {
                if !clients.isEmpty { counters.update { $0.delivered += lines.lazy.filter { $0 == 0x0A }.count } }
                for i in clients.indices { clients[i].buffer.append(contentsOf: lines) }
            }
            clients = clients.compactMap(flush)
            if listener >= 0 && fds[1].revents & Int16(POLLIN) != 0 {
                clients += acceptClients(listener, already: clients.count)
            }
            counters.update { $0.clients = clients.count }
        }
    }

    /// Sends what the socket takes now; nil when the client is gone or too slow (closed).
    private func flush(_ client: Client) -> Client? {
        var c = client
        while c.pending > 0 {
            let n = c.buffer.withUnsafeBytes { send(c.fd, $0.baseAddress?.advanced(by: c.sent), c.pending, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if n > 0 {
                c.sent += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
            close(c.fd)
            return nil
        }
        if c.pending == 0 {
            c.buffer.removeAll(keepingCapacity: c.buffer.capacity <= settings.clientBuffer)
            c.sent = 0
        } else if c.sent > c.buffer.count / 2 {
            c.buffer.removeFirst(c.sent)
            c.sent = 0
        }
        if c.pending > settings.clientBuffer {
            close(c.fd)
            counters.update { $0.dropped += 1 }
            logger.warning("output socket dropped a client that did not keep up", metadata: meta.merging([
                "output.buffered": "\(c.pending)",
            ]) { $1 })
            return nil
        }
        return c
    }

    /// Clients send nothing we need; false when the client has gone.
    private func readAndDiscard(_ fd: Int32) -> Bool {
        var scratch = [UInt8](repeating: 0, count: 512)
        let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if n > 0 { return true }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return true }
        return false
    }

    private func acceptClients(_ listener: Int32, already: Int) -> [Client] {
        var added = [Client]()
        while true {
            descriptorLock.lock()
            let fd = accept(listener, nil, nil)
            if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            descriptorLock.unlock()
            guard fd >= 0 else { break }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            guard already + added.count < settings.maxClients else {
                close(fd)
                logger.warning("output socket refused a client: max_clients (\(settings.maxClients)) reached", metadata: meta)
                continue
            }
            // The kernel's share of the client's backlog: about as much again as ours.
            var size = Int32(max(settings.clientBuffer / 2, 2048))
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            added.append(Client(fd: fd))
        }
        return added
    }

    private func drainWakePipe() {
        var scratch = [UInt8](repeating: 0, count: 256)
        while (scratch.withUnsafeMutableBytes { read(wakeRead, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// socket, stale file removed, bind, 0660, listen. Returns the descriptor and the file's
    /// identity, so that only our own file is removed at the end.
    private func bindListener() throws -> (Int32, (dev: UInt, ino: UInt)) {
        let path = settings.path
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFSOCK else {
                throw OutputError.system(call: "bind (not a socket, left alone)", path: path, errno: EEXIST)
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw OutputError.last("socket", path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw OutputError.system(call: "bind", path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let error = OutputError.last("bind", path)
            close(fd)
            throw error
        }
        guard chmod(path, 0o660) == 0, listen(fd, 16) == 0, lstat(path, &st) == 0 else {
            let error = OutputError.last("listen", path)
            close(fd)
            unlink(path)
            throw error
        }
        return (fd, (UInt(st.st_dev), UInt(st.st_ino)))
    }

    private func removeSocketFile(ifStill identity: (dev: UInt, ino: UInt)?) {
        var st = stat()
        guard let identity, lstat(settings.path, &st) == 0, UInt(st.st_dev) == identity.dev, UInt(st.st_ino) == identity.ino else {
            return
        }
        unlink(settings.path)
    }
}
