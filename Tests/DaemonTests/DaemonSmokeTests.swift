import Config
import Daemon
import Testing

@Test func daemonModuleLoads() {
    #expect(!Daemon.version.isEmpty)
}
