import Inspection
import Testing

@Test func inspectionModuleLoads() {
    #expect(!Inspection.version.isEmpty)
}
