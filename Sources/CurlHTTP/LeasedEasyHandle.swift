/// Carries a ``CurlEasyHandle`` across the one boundary that needs `Sendable`: from the pool to the thread-pool
/// closure that runs the transfer, and back.
///
/// `@unchecked Sendable` is sound because ``EasyHandlePool`` gives each handle to exactly one lease at a time, and
/// the lease holder uses it only inside one `runIfActive` job, so no two threads ever touch the handle at once.
struct LeasedEasyHandle: @unchecked Sendable {
    let handle: CurlEasyHandle
}
