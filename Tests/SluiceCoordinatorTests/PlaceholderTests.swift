import SluiceCoordinator
import Testing

@Test func coordinatorModuleLinks() {
    #expect(String(describing: Coordinator.self) == "Coordinator")
}
