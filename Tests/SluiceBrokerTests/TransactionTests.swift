import KafkaProtocol
import KafkaRecords
import KafkaWire
import NIOCore
import SluiceTestKit
import Testing

/// A transactional producer's requests, built with the generated codecs.
private struct TransactionalProducer {
    let client: TestClient
    let id: String
    var producerId: Int64 = -1
    var epoch: Int16 = -1
    var sequence: Int32 = 0

    mutating func initialize() async throws {
        var request = InitProducerIdRequest()
        request.transactionalId = TransactionalId(id)
        request.transactionTimeoutMs = 60_000
        let response = try await client.send(request, version: 4)
        #expect(response.errorCode == 0)
        producerId = response.producerId.rawValue
        epoch = response.producerEpoch
    }

    func add(_ topic: String, partition: Int32 = 0) async throws -> Int16 {
        var topicRequest = AddPartitionsToTxnRequest.AddPartitionsToTxnTopic()
        topicRequest.name = TopicName(topic)
        topicRequest.partitions = [partition]
        var request = AddPartitionsToTxnRequest()
        request.v3AndBelowTransactionalId = TransactionalId(id)
        request.v3AndBelowProducerId = ProducerId(producerId)
        request.v3AndBelowProducerEpoch = epoch
        request.v3AndBelowTopics = [topicRequest]
        let response = try await client.send(request, version: 3)
        return response.resultsByTopicV3AndBelow.first?.resultsByPartition.first?.partitionErrorCode ?? -1
    }

    mutating func produce(_ topic: String, values: [String]) async throws -> Int16 {
        var builder = RecordBatchBuilder(
            baseTimestamp: 1_700_000_000_000, producerId: producerId, producerEpoch: epoch, baseSequence: sequence,
            isTransactional: true)
        for value in values {
            builder.append(key: nil, value: ByteBuffer(string: value), timestamp: 1_700_000_000_000)
        }
        sequence += Int32(values.count)
        var request = Requests.produce(topic, batch: builder.build())
        request.transactionalId = TransactionalId(id)
        let response = try await client.send(request, version: 9)
        return response.responses[0].partitionResponses[0].errorCode
    }

    func end(commit: Bool) async throws -> Int16 {
        var request = EndTxnRequest()
        request.transactionalId = TransactionalId(id)
        request.producerId = ProducerId(producerId)
        request.producerEpoch = epoch
        request.committed = commit
        return try await client.send(request, version: 3).errorCode
    }
}

private func readCommitted(_ client: TestClient, _ topic: String, from offset: Int64 = 0) async throws
    -> FetchResponse.PartitionData
{
    var request = Requests.fetch(topic, offset: offset)
    request.isolationLevel = 1
    return try await client.send(request, version: 12).responses[0].partitions[0]
}

@Suite("Transactions through the broker")
struct TransactionTests {
    @Test func transactionCoordinatorIsThisNode() async throws {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        var request = FindCoordinatorRequest()
        request.keyType = 1
        request.coordinatorKeys = ["a", "b"]
        let response = try await client.send(request, version: 4)
        #expect(response.coordinators.map(\.errorCode) == [0, 0])
        #expect(response.coordinators.map(\.port) == [Int32(broker.port), Int32(broker.port)])
        await client.close()
        await broker.stopAndRemove()
    }

    @Test func abortedDataIsListedAndOpenDataHeldBackForReadCommitted() async throws {
        let broker = try await TestBroker.start()
        let client = try await TestClient.connect(port: broker.port)
        _ = try await client.send(Requests.createTopic("txn"), version: 7)
        var producer = TransactionalProducer(client: client, id: "t1")
        try await producer.initialize()

        #expect(try await producer.add("txn") == 0)
        #expect(try await producer.produce("txn", values: ["a1", "a2"]) == 0)
        let open = try await readCommitted(client, "txn")
        #expect(open.lastStableOffset == 0 && open.highWatermark == 2)
        #expect(open.records?.byteCount == 0)
        #expect(try await producer.end(commit: false) == 0)

        #expect(try await producer.add("txn") == 0)
        #expect(try await producer.produce("txn", values: ["c1"]) == 0)
        #expect(try await producer.end(commit: true) == 0)

        let done = try await readCommitted(client, "txn")
        // a1 a2 (0-1), ABORT marker (2), c1 (3), COMMIT marker (4).
        #expect(done.lastStableOffset == 5 && done.highWatermark == 5)
        #expect(done.abortedTransactions?.map(\.firstOffset) == [0])
        #expect(done.abortedTransactions?.map(\.producerId.rawValue) == [producer.producerId])
        let uncommitted = try await client.send(Requests.fetch("txn", offset: 0), version: 12)
        #expect(uncommitted.responses[0].partitions[0].abortedTransactions == nil)
        await client.close()
        await broker.stopAndRemove()
    }

    @Test func openTransactionSurvivesARestartAndCommits() async throws {
        let first = try await TestBroker.start()
        var client = try await TestClient.connect(port: first.port)
        _ = try await client.send(Requests.createTopic("txn"), version: 7)
        var producer = TransactionalProducer(client: client, id: "t2")
        try await producer.initialize()
        #expect(try await producer.add("txn") == 0)
        #expect(try await producer.produce("txn", values: ["x"]) == 0)
        await client.close()
        await first.stop()

        let second = try await TestBroker.start(dataDirectory: first.dataDirectory)
        client = try await TestClient.connect(port: second.port)
        producer = TransactionalProducer(
            client: client, id: "t2", producerId: producer.producerId, epoch: producer.epoch, sequence: 1)
        #expect(try await readCommitted(client, "txn").lastStableOffset == 0)
        var describe = DescribeTransactionsRequest()
        describe.transactionalIds = ["t2"]
        let described = try await client.send(describe, version: 0)
        #expect(described.transactionStates.first?.transactionState == "Ongoing")
        #expect(try await producer.end(commit: true) == 0)
        #expect(try await readCommitted(client, "txn").lastStableOffset == 2)
        await client.close()
        await second.stopAndRemove()
    }
}
