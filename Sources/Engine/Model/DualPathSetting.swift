/// Which vision blocks run DPAM's dual path. AnomalyCLIP names this by `DPAM_layer = k`,
/// meaning "the last k−1 blocks"; we store the first dual block (1-based) so any start can be
/// configured, and convert from AnomalyCLIP's number in one place.
public struct DualPathSetting: Sendable, Equatable, Codable {
    /// First block (1-based) that runs the dual path; all later blocks do too.
    public var firstBlock: Int

    /// Dual path from `firstBlock` (1-based) to the last block.
    public init(firstBlock: Int) {
        self.firstBlock = firstBlock
    }

    /// AnomalyCLIP's `DAPM_replace(DPAM_layer: k)`: the last k−1 of `layers` blocks
    /// (k = 20 on 24 blocks gives blocks 6…24; k = 1 gives none).
    public static func anomalyCLIP(dpamLayer k: Int, layers: Int) -> DualPathSetting {
        DualPathSetting(firstBlock: layers - k + 2)
    }

    /// Whether block `index` (1-based) runs the dual path.
    public func isDual(block index: Int) -> Bool { index >= firstBlock }
}
