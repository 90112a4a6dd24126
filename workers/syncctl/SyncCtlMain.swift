import ArgumentParser
import OperatorCommands

/// The `syncctl` executable: everything lives in OperatorCommands.
@main
extension SyncCtl {}
