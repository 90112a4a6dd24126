import ArgumentParser
import LoadGenerator

/// The `erp-load` executable: everything lives in LoadGenerator.
@main
extension ERPLoadCommand {}
