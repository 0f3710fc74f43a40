import KafkaProtocol

// AddOffsetsToTxn (key 25), versions 0–4. Adds the group's partition of __consumer_offsets to the
// producer's transaction, so TxnOffsetCommit may write there and the marker reaches it.
// PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.
struct AddOffsetsToTxnHandler: KafkaHandler {
    typealias Request = AddOffsetsToTxnRequest
    static let versions: ClosedRange<Int16> = 0...4

    let broker: BrokerServices

    func handle(_ request: AddOffsetsToTxnRequest, context: RequestContext) throws -> HandlerReply<
        AddOffsetsToTxnResponse
    > {
        let version = context.apiVersion
        guard !request.groupId.rawValue.isEmpty else {
            var response = AddOffsetsToTxnResponse()
            response.errorCode = ErrorCode.invalidGroupId.rawValue
            return .now(response)
        }
        return .later { [broker] in
            // The offsets topic must exist before a marker can be written to it.
            try? broker.groups.storage.ensureTopic()
            let partition = broker.groups.offsetsTopicPartition(group: request.groupId.rawValue)
            let outcome = await broker.transactions.addPartitions(
                transactionalId: request.transactionalId.rawValue, producerId: request.producerId.rawValue,
                epoch: request.producerEpoch, partitions: [partition])
            var response = AddOffsetsToTxnResponse()
            response.errorCode = outcome.error.fenced(before: 2, version: version).rawValue
            return response
        }
    }
}
