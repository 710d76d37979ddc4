/// Token sequences merged into a prefix tree, one node per distinct prefix. With causal
/// attention a token's hidden state depends only on the tokens before it, so sentences that
/// begin alike share those rows: the prompt ensemble's 420 sentences (35 templates × 12 state
/// phrases) hold 4,684 tokens (CLIP BPE, up to EOT) but only 1,871 distinct prefixes. The text tower runs on the
/// nodes; each node attends to the nodes on its path from the root.
public struct TokenPrefixTree: Sendable {
    /// Token id of each node. A parent always comes before its children.
    public private(set) var tokens: [Int32] = []
    /// Position of each node in its sentences (0 for the first token).
    public private(set) var positions: [Int] = []
    /// Where each node's path (root … node, `positions[i] + 1` nodes) starts in `pathNodes`.
    public private(set) var pathStarts: [Int] = []
    /// The paths of all nodes, concatenated.
    public private(set) var pathNodes: [Int32] = []
    /// For each inserted sequence, the node holding its last token (the pooled row).
    public private(set) var leaves: [Int] = []
    /// Child lookup: (parent + 1) << 32 | token → node; the root's parent is -1.
    private var children: [Int: Int] = [:]

    /// An empty tree.
    public init() {}

    /// A tree holding `sequences` in order.
    public init(sequences: [ArraySlice<Int32>]) {
        for s in sequences { insert(s) }
    }

    /// Number of nodes, i.e. rows the tower computes.
    public var count: Int { tokens.count }

    /// Nodes that inserting `sequence` would add.
    public func newNodes(for sequence: ArraySlice<Int32>) -> Int {
        var parent = -1
        for (depth, token) in sequence.enumerated() {
            guard let child = children[Self.key(parent: parent, token: token)] else { return sequence.count - depth }
            parent = child
        }
        return 0
    }

    /// Adds `sequence` (non-empty) and records its last node in `leaves`.
    public mutating func insert(_ sequence: ArraySlice<Int32>) {
        var parent = -1
        for (depth, token) in sequence.enumerated() {
            let key = Self.key(parent: parent, token: token)
            if let child = children[key] {
                parent = child
                continue
            }
            let node = tokens.count
            tokens.append(token)
            positions.append(depth)
            pathStarts.append(pathNodes.count)
            // The parent's path, then the node (element by element: appending a slice of the
            // array to itself would copy the whole array first).
            let start = parent >= 0 ? pathStarts[parent] : 0
            for j in 0..<depth { pathNodes.append(pathNodes[start + j]) }
            pathNodes.append(Int32(node))
            children[key] = node
            parent = node
        }
        leaves.append(parent)
    }

    @inline(__always)
    private static func key(parent: Int, token: Int32) -> Int {
        (parent + 1) << 32 | Int(UInt32(bitPattern: token))
    }
}
