import KafkaProtocol
import KafkaRecords
import SluiceStorage

/// A failure that becomes a Kafka error code (and message, where the API carries one) on the wire.
public struct KafkaFailure: Error, CustomStringConvertible {
    public let code: ErrorCode
    public let message: String?

    public init(_ code: ErrorCode, _ message: String? = nil) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.name)\(message.map { ": \($0)" } ?? "")" }

    /// Maps storage and record errors to the code a Kafka broker answers with.
    public static func from(_ error: any Error) -> KafkaFailure {
        switch error {
        case let failure as KafkaFailure:
            return failure
        case let error as RecordBatchError:
            switch error {
            case .tooLarge(let size):
                return KafkaFailure(.messageTooLarge, "record batch of \(size) bytes is too large")
            case .invalidRecord(let why): return KafkaFailure(.invalidRecord, why)
            case .truncated: return KafkaFailure(.corruptMessage, "truncated record batch")
            case .corrupt(let why): return KafkaFailure(.corruptMessage, why)
            }
        case let error as StorageError:
            switch error {
            case .offsetOutOfRange(let requested, let start, let end):
                return KafkaFailure(.offsetOutOfRange, "offset \(requested) is outside [\(start), \(end)]")
            case .noSpace: return KafkaFailure(.kafkaStorageError, "no space left on the data disk")
            case .io(let code): return KafkaFailure(.kafkaStorageError, "I/O error \(code)")
            case .corrupt(let why): return KafkaFailure(.kafkaStorageError, why)
            case .closed, .logDeleted: return KafkaFailure(.unknownTopicOrPartition, "the partition was deleted")
            case .invalidProducerEpoch(let producerId, let epoch, let current):
                return KafkaFailure(
                    .invalidProducerEpoch,
                    "producer \(producerId) epoch \(epoch) is older than its current epoch \(current)")
            case .outOfOrderSequence(let producerId, let sequence, let last):
                let expected = last < 0 ? "0 for a new epoch" : "the one after \(last)"
                return KafkaFailure(
                    .outOfOrderSequenceNumber, "producer \(producerId) sent sequence \(sequence), expected \(expected)")
            }
        default:
            return KafkaFailure(.unknownServerError, "\(error)")
        }
    }
}
