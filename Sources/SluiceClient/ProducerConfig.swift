import KafkaRecords

/// How many acknowledgements the producer waits for (Kafka's `acks`).
public enum Acks: Int16, Sendable {
    /// acks=0: the broker does not answer; offsets are unknown (-1).
    case none = 0
    /// acks=1: the leader has written the batch.
    case leader = 1
    /// acks=all (-1): every in-sync replica has it; on Sluice, fsynced.
    case all = -1
}

/// Producer settings, named after the Java client's (`linger.ms` is `linger`, …).
public struct ProducerConfig: Sendable {
    public var client: ClientConfig
    public var acks: Acks = .all
    /// Idempotent delivery (InitProducerId, per-partition sequences): retries never duplicate or
    /// reorder. Nil (the default) turns it on when `acks` is `.all`, as the Java client does.
    public var enableIdempotence: Bool? = nil
    /// How long a batch waits for more records before it is sent.
    public var linger: Duration = .milliseconds(5)
    /// A partition's batch is sent once its records take this many bytes.
    public var batchSize: Int = 16384
    /// Codec for batches: none, gzip, snappy, lz4, zstd.
    public var compression: CompressionCodec = .none
    /// Bytes of records waiting to be sent or acknowledged; `send` waits when they are exceeded.
    public var bufferMemory: Int = 32 << 20
    /// Batches of one broker connection in flight at once (at most 5 with idempotence).
    public var maxInFlightPerPartition: Int = 5
    /// How long a record may take from `send` to acknowledgement, retries included.
    public var deliveryTimeout: Duration = .seconds(120)
    /// How long `send`/`produce` keep trying to get metadata or a producer id before throwing
    /// (the Java client's `max.block.ms`).
    public var maxBlock: Duration = .seconds(60)
    /// Largest request the producer builds; a record bigger than this fails with MESSAGE_TOO_LARGE.
    public var maxRequestSize: Int = 1 << 20

    public init(client: ClientConfig) {
        self.client = client
    }

    public init(bootstrap: String) {
        self.client = ClientConfig(bootstrap: bootstrap)
    }

    var idempotent: Bool { enableIdempotence ?? (acks == .all) }
}

/// A record to produce.
public struct ProducerRecord: Sendable {
    public var topic: String
    /// Nil lets the partitioner choose (murmur2 of the key, or sticky for null keys).
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [(key: String, value: [UInt8]?)]
    /// Milliseconds since the epoch; nil takes the current time.
    public var timestamp: Int64?

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [(key: String, value: [UInt8]?)] = [], timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// Bytes the record takes in a batch, roughly (record framing is a few varints).
    var estimatedSize: Int {
        var size = 24 + (key?.count ?? 0) + (value?.count ?? 0)
        for header in headers { size += 8 + header.key.utf8.count + (header.value?.count ?? 0) }
        return size
    }
}

/// Where a produced record landed.
public struct RecordMetadata: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    /// The record's offset; -1 with acks=0.
    public var offset: Int64
    /// The record's timestamp (the broker's append time when the topic uses LogAppendTime).
    public var timestamp: Int64
}
