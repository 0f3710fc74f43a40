import Foundation
import Logging
import SluiceClient

// Drives the Swift client for Interop/test_swift_client.py. Records travel as JSON lines with
// hex-encoded bytes so keys, values and headers compare byte for byte with other clients.
//
//   sluice-client-interop partition COUNT HEXKEY...      keyed partition of each key, one per line

let arguments = CommandLine.arguments.dropFirst()

func hexBytes(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

switch arguments.first {
case "partition":
    let count = Int(arguments.dropFirst().first!)!
    for key in arguments.dropFirst(2) {
        print(Partitioner.partition(forKey: hexBytes(key), partitionCount: count))
    }
default:
    FileHandle.standardError.write("usage: sluice-client-interop partition COUNT HEXKEY...\n".data(using: .utf8)!)
    exit(2)
}
