/// When each group next needs the clock: a min-heap of (deadline, group id).
///
/// Entries are never updated in place. A group is pushed again only when its new earliest
/// deadline is before the one already queued for it, so the queue may hold entries that are
/// too early (the group is then visited for nothing) but never lacks one for a due group.
struct DeadlineQueue: Sendable {
    private var heap: [(deadline: Int64, groupID: String)] = []
    /// The earliest deadline queued per group.
    private var queued: [String: Int64] = [:]

    var earliest: Int64? { heap.first?.deadline }

    /// Makes sure `groupID` is visited no later than `deadline`.
    mutating func schedule(_ groupID: String, at deadline: Int64?) {
        guard let deadline else { return }
        if let existing = queued[groupID], existing <= deadline { return }
        queued[groupID] = deadline
        heap.append((deadline, groupID))
        siftUp(heap.count - 1)
    }

    /// Removes and returns the groups with an entry due at `now`, each once.
    mutating func popDue(now: Int64) -> [String] {
        var due: [String] = []
        var seen: Set<String> = []
        while let top = heap.first, top.deadline <= now {
            removeTop()
            if queued[top.groupID] == top.deadline { queued[top.groupID] = nil }
            if seen.insert(top.groupID).inserted { due.append(top.groupID) }
        }
        return due
    }

    private mutating func removeTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        siftDown(0)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
