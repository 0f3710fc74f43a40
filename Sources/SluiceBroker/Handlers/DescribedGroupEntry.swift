import KafkaProtocol

/// A group in a DescribeGroups (15) or ConsumerGroupDescribe (69) response. Both answer every
/// requested id in request order and refuse an empty id before looking it up; only what a found or
/// missing group looks like differs.
protocol DescribedGroupEntry {
    init()
    var groupId: GroupId { get set }
    var errorCode: Int16 { get set }
}

extension DescribeGroupsResponse.DescribedGroup: DescribedGroupEntry {}
extension ConsumerGroupDescribeResponse.DescribedGroup: DescribedGroupEntry {}

extension Array where Element: DescribedGroupEntry {
    /// One entry per id: an empty id is INVALID_GROUP_ID; otherwise `lookup` finds the group, which
    /// `fill` describes, or does not, and `missing` says so.
    static func describing<Group>(
        _ ids: [GroupId], lookup: (String) -> Group?, missing: (inout Element) -> Void,
        fill: (inout Element, Group) -> Void
    ) -> Self {
        ids.map { id in
            var described = Element()
            described.groupId = id
            guard !id.rawValue.isEmpty else {
                described.errorCode = ErrorCode.invalidGroupId.rawValue
                return described
            }
            guard let group = lookup(id.rawValue) else {
                missing(&described)
                return described
            }
            fill(&described, group)
            return described
        }
    }
}
