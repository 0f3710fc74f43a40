import KafkaProtocol
import KafkaWire

// DeleteTopics (key 20), versions 0–6: by name, and from v6 by name or topic id.
// The topic leaves the metadata at once; its log directories are renamed and removed.
struct DeleteTopicsHandler: KafkaHandler {
    typealias Request = DeleteTopicsRequest
    static let versions: ClosedRange<Int16> = 0...6

    let broker: BrokerServices

    func handle(_ request: DeleteTopicsRequest, context: RequestContext) throws -> HandlerReply<DeleteTopicsResponse> {
        var response = DeleteTopicsResponse()
        if context.apiVersion >= 6 {
            response.responses = request.topics.map { delete(name: $0.name?.rawValue, id: $0.topicId) }
        } else {
            response.responses = request.topicNames.map { delete(name: $0.rawValue, id: nil) }
        }
        return .now(response)
    }

    private func delete(name: String?, id: KafkaUUID?) -> DeleteTopicsResponse.DeletableTopicResult {
        var result = DeleteTopicsResponse.DeletableTopicResult()
        result.name = name.map { TopicName($0) }
        result.topicId = id ?? .zero
        do {
            let target: String
            if let name {
                target = name
            } else if let id, id != .zero, let found = broker.topics.topicName(id: id) {
                target = found
                result.name = TopicName(found)
            } else {
                throw KafkaFailure(.unknownTopicId, "no topic has that id")
            }
            result.topicId = try broker.topics.delete(name: target)
            // A topic re-created under this name must not resume from the old committed offsets.
            broker.groups.forgetOffsets(topic: target)
        } catch {
            let failure = KafkaFailure.from(error)
            result.errorCode = failure.code.rawValue
            result.errorMessage = failure.message
        }
        return result
    }
}
