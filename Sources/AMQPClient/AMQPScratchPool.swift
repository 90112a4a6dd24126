internal import CRabbitMQ

/// Memory for the C structures of one command (strings, tables), released in one go after the command.
///
/// librabbitmq takes `amqp_bytes_t` and `amqp_table_t` that point into caller memory; an `amqp_pool_t` keeps them
/// alive exactly as long as the call needs and avoids nesting `withCString` closures. Not `Sendable`: it belongs
/// to the I/O thread of one connection.
final class AMQPScratchPool {
    let pool: UnsafeMutablePointer<amqp_pool_t>

    init(pageSize: Int = 4096) {
        pool = .allocate(capacity: 1)
        init_amqp_pool(pool, pageSize)
    }

    deinit {
        empty_amqp_pool(pool)
        pool.deallocate()
    }

    /// Frees everything allocated since the last recycle, keeping the pages for reuse.
    func recycle() {
        recycle_amqp_pool(pool)
    }

    /// Copies `bytes` into the pool.
    func bytes<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> amqp_bytes_t {
        var output = amqp_bytes_t()
        guard !bytes.isEmpty else { return output }
        amqp_pool_alloc_bytes(pool, bytes.count, &output)
        guard let base = output.bytes else { fatalError("librabbitmq pool allocation of \(bytes.count) bytes failed") }
        let target = UnsafeMutableRawBufferPointer(start: base, count: bytes.count)
        target.copyBytes(from: bytes)
        return output
    }

    /// Copies the UTF-8 of `string` into the pool.
    func bytes(_ string: String) -> amqp_bytes_t {
        bytes(string.utf8)
    }

    /// Allocates `count` uninitialised values of `T` (zeroed) in the pool.
    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let size = MemoryLayout<T>.stride * max(count, 1)
        guard let raw = amqp_pool_alloc(pool, size) else {
            fatalError("librabbitmq pool allocation of \(size) bytes failed")
        }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }
}
