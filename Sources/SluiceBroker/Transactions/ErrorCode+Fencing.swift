import KafkaProtocol

extension ErrorCode {
    /// Clients older than the version that introduced PRODUCER_FENCED (KIP-588) know only
    /// INVALID_PRODUCER_EPOCH; Kafka answers them with that, and so do we.
    func fenced(before introduced: Int16, version: Int16) -> ErrorCode {
        self == .producerFenced && version < introduced ? .invalidProducerEpoch : self
    }
}
