import ArgumentParser
import KafkaRecords
import SluiceCLI
import SluiceClient

/// Producer settings shared by `sluice produce` and `sluice bench produce|e2e` (Java client names in the help).
struct ProducerOptions: ParsableArguments {
    @Option(help: "Acknowledgements: 0, 1 or all (acks).")
    var acks: String = "all"

    @Option(help: "Batch compression: none, gzip, snappy, lz4, zstd (compression.type).")
    var compression: String = "none"

    @Option(name: .customLong("linger-ms"), help: "How long a batch waits for more records, ms (linger.ms).")
    var lingerMs: Int = 5

    @Option(help: "Bytes per partition batch before it is sent (batch.size).")
    var batchSize: Int = 16384

    @Option(help: "Bytes of records buffered before sends wait (buffer.memory).")
    var bufferMemory: Int = 32 << 20

    @Flag(inversion: .prefixedNo, help: "Idempotent delivery (on by default with acks=all, as in the Java client).")
    var idempotence: Bool? = nil

    func validate() throws {
        _ = try parsedAcks()
        _ = try parsedCompression()
        guard lingerMs >= 0 else { throw ValidationError("--linger-ms must be 0 or more") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard bufferMemory >= batchSize else { throw ValidationError("--buffer-memory must be at least --batch-size") }
    }

    func parsedAcks() throws -> Acks {
        switch acks.lowercased() {
        case "0": return .none
        case "1": return .leader
        case "all", "-1": return .all
        default: throw ValidationError("--acks must be 0, 1 or all, not '\(acks)'")
        }
    }

    func parsedCompression() throws -> CompressionCodec {
        guard let codec = CompressionCodec.allCases.first(where: { $0.name == compression.lowercased() }) else {
            throw ValidationError("--compression must be none, gzip, snappy, lz4 or zstd, not '\(compression)'")
        }
        return codec
    }

    func producerConfig(_ client: ClientOptions) throws -> ProducerConfig {
        var config = ProducerConfig(client: ClientSupport.clientConfig(client))
        config.acks = try parsedAcks()
        config.compression = try parsedCompression()
        config.linger = .milliseconds(lingerMs)
        config.batchSize = batchSize
        config.bufferMemory = bufferMemory
        config.enableIdempotence = idempotence
        return config
    }

    /// The settings as reported by `sluice bench`.
    var summary: [String: String] {
        ["acks": acks, "compression": compression, "linger_ms": String(lingerMs), "batch_size": String(batchSize)]
    }
}
