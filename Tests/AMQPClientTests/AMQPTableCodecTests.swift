import Foundation
import Testing

@testable import AMQPClient

@Suite("AMQP field tables")
struct AMQPTableCodecTests {
    static let everyType: AMQPTable = [
        "string": .string("zdravo, мир"),
        "bytes": .bytes([0, 1, 2, 254, 255]),
        "true": .bool(true),
        "false": .bool(false),
        "int8": .int8(-8),
        "uint8": .uint8(200),
        "int16": .int16(-30_000),
        "uint16": .uint16(60_000),
        "int32": .int32(-2_000_000_000),
        "uint32": .uint32(4_000_000_000),
        "int64": .int64(-9_000_000_000_000),
        "float": .float(1.5),
        "double": .double(-0.1),
        "decimal": .decimal(scale: 2, value: 12345),
        "timestamp": .timestamp(Date(timeIntervalSince1970: 1_700_000_000)),
        "void": .void,
        "nested": .table(["attempt": .int32(3), "deeper": .table(["trace": .string("t-1")])]),
        "array": .array([.string("a"), .int64(2), .bool(false), .table(["k": .double(2.5)]), .array([])]),
        "empty-table": .table([:]),
    ]

    @Test func everyTypeRoundTripsThroughTheWireFormat() throws {
        let wire = try AMQPTableCodec.wireBytes(of: Self.everyType)
        #expect(try AMQPTableCodec.table(fromWire: wire) == Self.everyType)
    }

    @Test func encodesTheExactAMQPWireBytes() throws {
        let wire = try AMQPTableCodec.wireBytes(of: ["a": .int32(1), "b": .string("hi")])
        // length 16, then "a" 'I' 1, then "b" 'S' len 2 "hi" (keys are written in sorted order)
        let expected: [UInt8] = [
            0, 0, 0, 16,
            1, 0x61, 0x49, 0, 0, 0, 1,
            1, 0x62, 0x53, 0, 0, 0, 2, 0x68, 0x69,
        ]
        #expect(wire == expected)
    }

    @Test func decodesIntegersOfEveryWidthAsInt64() {
        for value in Self.everyType.values {
            if case .int8 = value { #expect(value.int64Value == -8) }
            if case .uint32 = value { #expect(value.int64Value == 4_000_000_000) }
        }
        #expect(AMQPFieldValue.string("x").int64Value == nil)
        #expect(AMQPFieldValue.string("x").stringValue == "x")
    }
}
