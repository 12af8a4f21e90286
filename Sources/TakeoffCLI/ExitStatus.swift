import ArgumentParser
import Foundation
import Takeoff

/// What `takeoff`'s exit status says, so that whoever runs it as a task (a Ray task, a Kubernetes Indexed Job, a
/// Slurm array) can tell a history that is wrong, which every machine will find again, from a machine that failed,
/// where the same task on another machine may succeed.
enum ExitStatus: Int32, CaseIterable {
    /// Done: every block asked for verified.
    case success = 0
    /// This machine failed: an I/O error, a full disk, a store held by another process, the archive not found where
    /// it was mounted; anything not below. Retrying elsewhere may succeed. (A process killed by a signal exits with
    /// 128 + the signal's number, which is also a failure of the machine.)
    case machineFailure = 1
    /// The history is wrong: a block does not verify (its commitment, a header field, its parent hash or its change
    /// set), or a trusted anchor names another block hash. The block and both values are printed. Not worth retrying.
    case historyMismatch = 2
    /// The input cannot be used, the same on every machine: a damaged archive record, snapshot or range file, a
    /// starting state that is not the archive's at its block, a range the archive does not hold.
    case badInput = 3
    /// The command line is wrong (ArgumentParser's usage errors, and refused processor kernels).
    case usage = 64

    /// The status for `error`.
    init(for error: any Error) {
        switch error {
        case let error as ReplayError:
            switch error {
            case .commitmentMismatch, .headerMismatch, .brokenChain, .inconsistentBlock: self = .historyMismatch
            case .emptyLog, .pastLogHead, .gap, .noGenesis, .startMismatch: self = .badInput
            }
        case TrustAnchorError.mismatch: self = .historyMismatch
        case is TrustAnchorError: self = .badInput
        case let error as ArchiveError:
            switch error {
            case .io, .notFound, .locked: self = .machineFailure
            case .missingSegment, .truncated, .corrupt, .outOfOrder, .blockNotFound, .manifest, .trailingData, .genesisState:
                self = .badInput
            }
        case let error as SnapshotError:
            switch error {
            case .io: self = .machineFailure
            case .corrupt, .checksumMismatch, .untrustedCommitment: self = .badInput
            }
        case StateStoreFault.commitmentMismatch, StateStoreFault.staleChange, StateStoreFault.parentMismatch: self = .historyMismatch
        case let error as CommandError: self = error.exitStatus
        case is ValidationError, is KernelSelectionError: self = .usage
        default:
            let code = TakeoffCommand.exitCode(for: error)
            self = code == .validationFailure ? .usage : code == .success ? .success : .machineFailure
        }
    }

    /// The name `--json` output gives the status.
    var name: String {
        switch self {
        case .success: "ok"
        case .machineFailure: "machine-failure"
        case .historyMismatch: "history-mismatch"
        case .badInput: "bad-input"
        case .usage: "usage"
        }
    }

    /// The exit statuses as `--help` explains them.
    static let helpText = """
        Exit status: 0 done; 2 the history is wrong (a block does not verify: the block and both values are printed); \
        3 the input cannot be used (a damaged archive, snapshot or range file, or a starting state that is not the \
        archive's); 64 a usage error; 1, or 128 + a signal, this machine failed (I/O, a full disk, a store in use): \
        the same task may succeed elsewhere.
        """
}

/// What a command run with `--json` prints on standard output when it fails: one line a task runner can parse
/// instead of the message on standard error.
struct FailureSummary: Encodable {
    var status: String
    var exitCode: Int32
    var message: String
    /// The first bad block, when the error names one.
    var block: UInt64?
    /// What differs (a header field, the block hash, the state commitment), with the logged and the found values.
    var field: String?
    var archived: String?
    var computed: String?

    init(error: any Error, status: ExitStatus, message: String) {
        self.status = status.name
        exitCode = status.rawValue
        self.message = message
        switch error {
        case ReplayError.commitmentMismatch(let block, let archived, let computed):
            (self.block, field, self.archived, self.computed) = (block, "state commitment", archived.hex, computed.hex)
        case ReplayError.headerMismatch(let block, let field, let archived, let computed):
            (self.block, self.field, self.archived, self.computed) = (block, field, archived.hex, computed.hex)
        case ReplayError.brokenChain(let block, let expected, let archived):
            (self.block, field, self.archived, computed) = (block, "parent hash", archived.hex, expected.hex)
        case ReplayError.inconsistentBlock(let block, _):
            self.block = block
        case ReplayError.startMismatch(let block, let field, let archived, let found):
            (self.block, self.field, self.archived, computed) = (block, field, archived.hex, found.hex)
        case TrustAnchorError.mismatch(let block, let trusted, let found):
            (self.block, field, archived, computed) = (block, "block hash (trust anchor)", trusted.hex, found.hex)
        case StateStoreFault.commitmentMismatch(let block, let header, let computed):
            (self.block, field, archived, self.computed) = (block, "state commitment", header.hex, computed.hex)
        default:
            break
        }
    }
}
