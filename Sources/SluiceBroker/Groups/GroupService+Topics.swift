import SluiceCoordinator

/// Keeps committed offsets in step with the topics that exist.
extension GroupService {
    /// DeleteTopics: forgets every group's committed offsets of `topic`, so a topic re-created
    /// under the same name starts without them. The tombstones are appended but not waited for
    /// (this runs on the event loop); if they are lost in a crash, `forgetOffsetsOfMissingTopics`
    /// drops the offsets at the next start, as long as the topic was not re-created meanwhile.
    func forgetOffsets(topic: String) {
        let now = currentTimeMillis()
        state.withLockedValue { state in
            var records: [GroupRecord] = []
            for id in Array(state.groups.keys) {
                guard var group = state.groups[id] else { continue }
                let tombstones = group.forgetOffsets { $0.topic == topic }
                guard !tombstones.isEmpty else { continue }
                records += tombstones
                // A group left with nothing is forgotten by the retention check, as before.
                state.groups[id] = group
            }
            do {
                _ = try storage.append(records, now: now)
            } catch {
                logger.error("writing offset tombstones of deleted topic '\(topic)' failed: \(error)")
            }
        }
    }

    /// Start: drops replayed offsets of topics that no longer exist (their tombstones may not
    /// have reached the disk before a crash). Nothing is written: replay drops them again.
    func forgetOffsetsOfMissingTopics(_ groups: [String: ConsumerGroup]) -> [String: ConsumerGroup] {
        let existing = Set(storage.topics.allTopics().map(\.name))
        return groups.compactMapValues { group in
            var group = group
            _ = group.forgetOffsets { !existing.contains($0.topic) }
            return group.isUnused ? nil : group
        }
    }
}
