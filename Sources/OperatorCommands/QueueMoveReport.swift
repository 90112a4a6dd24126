/// The outcome of a drain or replay: what moved from each queue, and what is left in the sources.
struct QueueMoveReport: Codable, Sendable {
    /// `drain` or `replay`.
    var command: String
    var passes: Int
    /// One entry per source queue that had anything to do.
    var moves: [QueueMoveResult]
    /// Ready messages left in each source queue when the command finished (new ones may have arrived).
    var remaining: [String: Int]

    var moved: Int { moves.reduce(0) { $0 + $1.moved + $1.recovered } }

    enum CodingKeys: String, CodingKey {
        case command, passes, moves, remaining, moved
    }

    init(command: String, passes: Int, moves: [QueueMoveResult], remaining: [String: Int]) {
        self.command = command
        self.passes = passes
        self.moves = moves
        self.remaining = remaining
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        command = try container.decode(String.self, forKey: .command)
        passes = try container.decode(Int.self, forKey: .passes)
        moves = try container.decode([QueueMoveResult].self, forKey: .moves)
        remaining = try container.decode([String: Int].self, forKey: .remaining)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encode(passes, forKey: .passes)
        try container.encode(moves, forKey: .moves)
        try container.encode(remaining, forKey: .remaining)
        try container.encode(moved, forKey: .moved)
    }

    /// Adds a move's counts to the entry of its source.
    mutating func add(_ result: QueueMoveResult) {
        guard result.moved + result.alreadyMoved + result.recovered + result.left > 0 else { return }
        if let index = moves.firstIndex(where: { $0.source == result.source && $0.target == result.target }) {
            moves[index].moved += result.moved
            moves[index].alreadyMoved += result.alreadyMoved
            moves[index].recovered += result.recovered
            moves[index].left = result.left
        } else {
            moves.append(result)
        }
    }

    /// A table for people: one line per source queue, then the total.
    var text: String {
        var lines = ["source\ttarget\tmoved\talready moved\trecovered"]
        for move in moves {
            lines.append("\(move.source)\t\(move.target)\t\(move.moved)\t\(move.alreadyMoved)\t\(move.recovered)")
        }
        lines.append("\(command): \(moved) message(s) moved in \(passes) pass(es)")
        let left = remaining.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        if !left.isEmpty {
            lines.append("still waiting: " + left.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
