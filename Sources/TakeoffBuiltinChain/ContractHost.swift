import TakeoffCore

/// What the built-in chain hands its contract payloads to: a virtual machine that deploys and calls contracts
/// whose reads and writes are known only while they run.
///
/// The built-in chain does not link a virtual machine; `TakeoffWasm`'s `WasmContractHost` is the WebAssembly
/// one, and a logic made without a host fails every contract payload with `noContractHost`.
/// Both requirements run inside the executors like any payload: they must be deterministic functions of their
/// arguments and of what they read through `state`, and may be called concurrently from several workers, and
/// again for the same transaction when the parallel executor re-runs it.
public protocol ContractHost: Sendable {
    /// Validates `code`, stores it and the contract's record at `address`, and runs the contract's constructor
    /// (if it has one) with `input`.
    /// - Returns: the status and the gas used, at most `gasLimit`; on a failure the engine drops the writes.
    /// - Throws: only the `ExecutionInterrupted` that `state` throws, passed on.
    func deploy(
        code: [UInt8], input: [UInt8], address: Address, sender: Address, gasLimit: UInt64, block: BlockContext,
        state: inout TransactionState
    ) throws(ExecutionInterrupted) -> PayloadOutcome

    /// Calls the contract at `contract` with `input` on behalf of `sender`.
    /// - Returns: the status and the gas used, at most `gasLimit`; on a failure the engine drops the writes.
    /// - Throws: only the `ExecutionInterrupted` that `state` throws, passed on.
    func call(
        contract: Address, input: [UInt8], sender: Address, gasLimit: UInt64, block: BlockContext,
        state: inout TransactionState
    ) throws(ExecutionInterrupted) -> PayloadOutcome

    /// Keys a call to `contract` will probably read, for prefetching; a wrong answer costs a wasted prefetch.
    func forEachLikelyRead(ofCallTo contract: Address, input: [UInt8], sender: Address, _ body: (StateKey) -> Void)
}

extension ContractHost {
    /// Names no key.
    public func forEachLikelyRead(ofCallTo contract: Address, input: [UInt8], sender: Address, _ body: (StateKey) -> Void) {}
}
