// Types of the client's public API that live in lower layers.
@_exported import enum KafkaProtocol.ApiKey
@_exported import struct KafkaProtocol.ErrorCode
@_exported import enum KafkaRecords.CompressionCodec
