import Inspection
import Store
import Testing

@Test func inspectionModuleLoads() {
    #expect(!Inspection.version.isEmpty)
}
