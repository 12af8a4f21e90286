import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TakeoffBuiltinChain
import TakeoffCore
import WasmKit

/// One worker's WebAssembly machine: a WasmKit `Store` (which belongs to one thread at a time), the host
/// functions bound to it, and an instance of every contract code it has run, reused across transactions (a
/// second one when a call nests into another contract with the same code). After ``maximumInstances`` the
/// runtime is replaced, since a store frees nothing.
///
/// What a transaction leaves in an instance is undone when its call returns, whatever the outcome, so that the
/// next transaction (on this worker or on any other) finds the instance as instantiation left it: every page of
/// memory the call changed is put back from the image taken after instantiation, and every mutable global (the
/// validator makes sure they are exported) gets its initial value again. A memory that grew cannot shrink: that instance is dropped
/// and made anew on its next call. Nothing else in an instance can change: tables and data segments are
/// immutable under the validator's rules. A re-execution by the parallel executor is just another call.
///
/// Used by one thread at a time: the ``WasmContractHost`` hands runtimes out and takes them back under a lock,
/// which orders one thread's use before the next.
final class ContractRuntime: @unchecked Sendable {
    /// A contract instantiated in this runtime's store.
    final class LoadedContract {
        let code: ContractCode
        let memory: WasmKit.Memory
        let entry: Function
        let constructor: Function?
        /// The memory as instantiation left it.
        let image: [UInt8]
        /// Whether each page (``resetPageSize`` bytes) of the image is all zeros: most of a contract's memory.
        let zeroPages: [Bool]
        let globals: [(global: WasmKit.Global, initial: Value)]
        /// Whether a call is running on it.
        var isActive = false

        init(code: ContractCode, instance: Instance) throws(ContractRefusal) {
            guard let memory = instance.exports[memory: "memory"], let entry = instance.exports[function: "call"] else {
                throw ContractRefusal(reason: "its exports are not a contract's")
            }
            guard entry.type.parameters.isEmpty, entry.type.results.isEmpty else {
                throw ContractRefusal(reason: "its function \"call\" takes parameters or returns results")
            }
            let constructor = instance.exports[function: "init"]
            if let constructor, !constructor.type.parameters.isEmpty || !constructor.type.results.isEmpty {
                throw ContractRefusal(reason: "its function \"init\" takes parameters or returns results")
            }
            self.code = code
            self.memory = memory
            self.entry = entry
            self.constructor = constructor
            image = memory.withUnsafeBufferPointer(offset: 0, count: memory.byteCount) { Array($0) }
            zeroPages = image.withUnsafeBytes { bytes in
                stride(from: 0, to: bytes.count, by: Self.resetPageSize).map {
                    Self.isZero(UnsafeRawBufferPointer(rebasing: bytes[$0..<min(bytes.count, $0 + Self.resetPageSize)]))
                }
            }
            globals = code.mutableGlobals.compactMap { name in
                instance.exports[global: name].map { ($0, $0.value) }
            }
        }

        /// Puts the instance back as instantiation left it; false when it cannot be (its memory grew).
        ///
        /// Page by page, so that a call pays for what it changed rather than for the whole memory: a page that
        /// is zeros in the image is read (cheap) and cleared only when the call wrote into it; any other page
        /// is compared with the image and copied back only when it differs.
        func reset() -> Bool {
            guard memory.byteCount == image.count else { return false }
            memory.withUnsafeMutableBufferPointer(offset: 0, count: image.count) { buffer in
                image.withUnsafeBytes { image in
                    for (page, isZeroInImage) in zeroPages.enumerated() {
                        let range = page * Self.resetPageSize..<min(image.count, (page + 1) * Self.resetPageSize)
                        let target = UnsafeMutableRawBufferPointer(rebasing: buffer[range])
                        if isZeroInImage {
                            if !Self.isZero(UnsafeRawBufferPointer(target)) { memset(target.baseAddress!, 0, target.count) }
                        } else if memcmp(target.baseAddress!, image.baseAddress! + range.lowerBound, target.count) != 0 {
                            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: image[range]))
                        }
                    }
                }
            }
            for (global, initial) in globals { try? global.assign(initial) }
            return true
        }

        /// The unit of ``reset()``: a memory page of the processor, not of WebAssembly.
        static let resetPageSize = 4096

        /// A page of zeros to compare pages with; written once, when it is made, and only read after.
        nonisolated(unsafe) private static let zeros = UnsafeRawBufferPointer(
            UnsafeMutableRawBufferPointer.allocate(byteCount: resetPageSize, alignment: 64).initializeMemory(as: UInt8.self, repeating: 0))

        /// Whether `bytes` (at most a page) are all zeros: the C library's `memcmp`, which picks the processor's
        /// widest loads itself.
        static func isZero(_ bytes: UnsafeRawBufferPointer) -> Bool {
            bytes.isEmpty || memcmp(bytes.baseAddress!, zeros.baseAddress!, bytes.count) == 0
        }
    }

    /// A call under way.
    struct Frame {
        let contract: LoadedContract
        let address: Address
        let caller: Address
        let input: [UInt8]
        var output: [UInt8] = []
        var lastCallOutput: [UInt8] = []
    }

    /// A contract found and instantiated, or the status that fails the payload.
    enum Lookup {
        case found(LoadedContract)
        case failed(ReceiptStatus)
    }

    /// How a call ended.
    enum Ending {
        case returned(output: [UInt8])
        case failed(ReceiptStatus)
    }

    let store: Store
    private var imports = Imports()
    /// Instances by code hash: contracts with the same code share them, and a second one is made only when a
    /// call nests into another contract with the same code.
    private var loaded: [Hash32: [LoadedContract]] = [:]
    private var instanceCount = 0
    /// Instances dropped since the store was made: their memory stays in the store until it is replaced.
    private var dropped = 0
    private var frames: [Frame] = []
    /// An interpreter stack for each call depth, kept between calls (one is half a megabyte).
    private var stacks: [StackBox] = []
    private let codes: ContractCodeCache

    /// A storage key met in this transaction, with its state key.
    private struct RecentKey {
        /// The key's 32 bytes, as four words in memory order.
        struct Words: Equatable {
            var w0, w1, w2, w3: UInt64
            init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) { (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3) }
        }
        static let kept = 4
        let address: Address
        let key: Words
        let stateKey: StateKey
    }

    // The transaction under way, set for the length of `run`.
    private var recentKeys: [RecentKey] = []
    /// The events the transaction's calls emitted, in order: its receipt's when it succeeds.
    private var events: [ReceiptEvent] = []
    private var state: UnsafeMutablePointer<TransactionState>?
    private var blockNumber: UInt64 = 0
    private var interruption: ExecutionInterrupted?

    /// The engine configuration every runtime shares: fuel metering on, software bounds checks (no signal
    /// handlers in the node's process), and the WebAssembly 1.0 feature set the validator allows.
    static let configuration = EngineConfiguration(
        features: ContractValidator.features, memoryBoundsChecking: .software, fuelMetering: true)

    init(codes: ContractCodeCache) {
        self.codes = codes
        let engine = Engine(configuration: Self.configuration)
        store = Store(engine: engine)
        imports = makeImports()
    }

    // MARK: - Transactions

    /// Runs a transaction's call of `address` (deploying it first when `deploying` holds its code).
    func run(
        address: Address, input: [UInt8], sender: Address, gasLimit: UInt64, block: BlockContext,
        deploying code: [UInt8]?, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> PayloadOutcome {
        let base = code.map { ContractGas.deployBase + ContractGas.perCodeByte * UInt64($0.count) } ?? ContractGas.callBase
        let intrinsic = base + ContractGas.perInputByte * UInt64(input.count)
        guard intrinsic <= gasLimit else { return .failure(.outOfGas, gasUsed: gasLimit) }
        let outcome: Result<PayloadOutcome, ExecutionInterrupted> = withUnsafeMutablePointer(to: &state) { pointer in
            self.state = pointer
            blockNumber = block.number
            interruption = nil
            recentKeys.removeAll(keepingCapacity: true)
            events.removeAll()
            defer { self.state = nil }
            do throws(ExecutionInterrupted) {
                return .success(try runAttached(
                    address: address, input: input, sender: sender, gasLimit: gasLimit, intrinsic: intrinsic,
                    deploying: code))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    private func runAttached(
        address: Address, input: [UInt8], sender: Address, gasLimit: UInt64, intrinsic: UInt64, deploying code: [UInt8]?
    ) throws(ExecutionInterrupted) -> PayloadOutcome {
        let contract: LoadedContract
        let entry: Function?
        if let code {
            switch try deploy(code, at: address) {
            case .failed(let status): return .failure(status, gasUsed: intrinsic)
            case .found(let deployed):
                contract = deployed
                entry = deployed.constructor
            }
        } else {
            switch try load(address) {
            case .failed(let status): return .failure(status, gasUsed: intrinsic)
            case .found(let found):
                contract = found
                entry = found.entry
            }
        }
        guard let entry else { return .success(gasUsed: intrinsic) }
        store.fuel = Fuel(remaining: gasLimit - intrinsic)
        let ending = invoke(entry, of: contract, at: address, caller: sender, input: input)
        let used = gasLimit - (store.fuel?.remaining ?? 0)
        store.fuel = nil
        if let interruption { throw interruption }
        switch ending {
        case .returned: return .success(gasUsed: used, events: events)
        case .failed(.outOfGas): return .failure(.outOfGas, gasUsed: gasLimit)
        case .failed(let status): return .failure(status, gasUsed: used)
        }
    }

    /// Validates `code`, stores it and the record at `address`, and instantiates it.
    private func deploy(_ code: [UInt8], at address: Address) throws(ExecutionInterrupted) -> Lookup {
        let validated: ContractCode
        switch codes.validated(code) {
        case .failure: return .failed(.contractRefused)
        case .success(let found): validated = found
        }
        guard let state else { preconditionFailure("a deploy outside a transaction") }
        guard try state.pointee.read(ContractLayout.record(of: address)) == nil else { return .failed(.accountExists) }
        let contract: LoadedContract
        switch instance(of: validated) {
        case .failure: return .failed(.contractRefused)
        case .success(let made): contract = made
        }
        state.pointee.write(ContractLayout.record(of: address), .word(validated.hash))
        state.pointee.write(ContractLayout.code(validated.hash), .bytes(code))
        return .found(contract)
    }

    /// The instance of the contract at `address`, read from the state.
    private func load(_ address: Address) throws(ExecutionInterrupted) -> Lookup {
        guard let state else { preconditionFailure("a call outside a transaction") }
        guard case .word(let hash)? = try state.pointee.read(ContractLayout.record(of: address)) else {
            return .failed(.noSuchContract)
        }
        // Read even when this worker has the instance: the read belongs to the transaction's access set on
        // every worker alike.
        guard case .bytes(let bytes)? = try state.pointee.read(ContractLayout.code(hash)) else {
            return .failed(.noSuchContract)
        }
        if let contract = idleInstance(of: hash) { return .found(contract) }
        guard case .success(let code) = codes.validated(bytes, hash: hash) else { return .failed(.contractRefused) }
        switch instance(of: code) {
        case .failure: return .failed(.contractRefused)
        case .success(let contract): return .found(contract)
        }
    }

    /// An instance of the code with hash `hash` that no call under way is using.
    private func idleInstance(of hash: Hash32) -> LoadedContract? {
        loaded[hash]?.first { !$0.isActive }
    }

    /// An idle instance of `code`, made when this runtime has none.
    private func instance(of code: ContractCode) -> Result<LoadedContract, ContractRefusal> {
        if let contract = idleInstance(of: code.hash) { return .success(contract) }
        do {
            let instance = try code.module.instantiate(store: store, imports: imports)
            let contract = try LoadedContract(code: code, instance: instance)
            loaded[code.hash, default: []].append(contract)
            instanceCount += 1
            return .success(contract)
        } catch let refusal as ContractRefusal {
            return .failure(refusal)
        } catch {
            return .failure(ContractRefusal(reason: "it does not instantiate: \(error)"))
        }
    }

    /// Runs `function` of `contract` as a call from `caller`, and puts the instance back afterwards.
    private func invoke(
        _ function: Function, of contract: LoadedContract, at address: Address, caller: Address, input: [UInt8]
    ) -> Ending {
        precondition(!contract.isActive, "an instance runs one call at a time")
        contract.isActive = true
        let depth = frames.count
        if stacks.count == depth { stacks.append(StackBox(engine: store.engine)) }
        let stack = stacks[depth]
        frames.append(Frame(contract: contract, address: address, caller: caller, input: input))
        let status: ReceiptStatus?
        do {
            try function.invoke([], on: &stack.stack)
            status = nil
        } catch let stop as HostStop {
            switch stop {
            case .reverted: status = .contractReverted
            case .badArguments: status = .contractTrapped
            case .outOfGas: status = .outOfGas
            case .interrupted: status = .contractTrapped  // passed on by `run` as the interruption it is
            case .calleeFailed(let calleeStatus): status = calleeStatus
            }
        } catch let trap as Trap {
            status = String(describing: trap).hasPrefix("Trap: out of fuel") ? .outOfGas : .contractTrapped
        } catch {
            status = .contractTrapped
        }
        let frame = frames.removeLast()
        contract.isActive = false
        if !contract.reset() { drop(contract) }
        if let status { return .failed(status) }
        return .returned(output: frame.output)
    }

    /// Forgets an instance that cannot be reset; replaces the whole store once enough have piled up in it.
    private func drop(_ contract: LoadedContract) {
        loaded[contract.code.hash]?.removeAll { $0 === contract }
        dropped += 1
    }

    /// Whether the store holds enough dropped instances, or instances at all, to be worth replacing (the host
    /// then makes a new runtime): a WasmKit store frees nothing until it goes, and each instance keeps its memory
    /// and its image (128 KiB for a one-page memory), so a chain with many contracts must not keep them all.
    var isWorn: Bool { dropped >= 64 || instanceCount >= Self.maximumInstances }

    /// The contracts a runtime keeps instantiated before it is replaced.
    static let maximumInstances = 256

    // MARK: - Host functions

    private func makeImports() -> Imports {
        var imports = Imports()
        for (name, parameters, results) in HostInterface.signatures {
            let body = hostFunction(named: name)
            let function = Function(store: store, parameters: parameters, results: results, raw: {
                [unowned self] _, arguments, results in
                try self.charge(ContractGas.hostCall)
                try body(self, arguments, results)
            })
            imports.define(module: HostInterface.moduleName, name: name, function)
        }
        return imports
    }

    private typealias HostBody = (ContractRuntime, UnsafeBufferPointer<Value>, UnsafeMutableBufferPointer<Value>) throws -> Void

    private func hostFunction(named name: String) -> HostBody {
        switch name {
        case "input_size":
            return { runtime, _, results in results[0] = .i32(UInt32(runtime.frames[runtime.frames.count - 1].input.count)) }
        case "input_copy":
            return { runtime, arguments, _ in
                let input = runtime.frames[runtime.frames.count - 1].input
                try runtime.copyOut(input, to: arguments[0])
            }
        case "caller":
            return { runtime, arguments, _ in try runtime.store(runtime.frames[runtime.frames.count - 1].caller, at: arguments[0]) }
        case "self_address":
            return { runtime, arguments, _ in try runtime.store(runtime.frames[runtime.frames.count - 1].address, at: arguments[0]) }
        case "block_number":
            return { runtime, _, results in results[0] = .i64(runtime.blockNumber) }
        case "read":
            return { runtime, arguments, results in
                try runtime.charge(ContractGas.storageRead)
                let key = try runtime.storageKey(at: arguments[0])
                guard let value = try runtime.readState(key) else {
                    results[0] = .i32(UInt32(bitPattern: -1))
                    return
                }
                let bytes = Self.bytes(of: value)
                let capacity = Int(try runtime.u32(arguments[2]))
                try runtime.copyOut(Array(bytes.prefix(capacity)), to: arguments[1])
                results[0] = .i32(UInt32(bytes.count))
            }
        case "write":
            return { runtime, arguments, _ in
                try runtime.charge(ContractGas.storageWrite)
                let key = try runtime.storageKey(at: arguments[0])
                let value = try runtime.copyIn(
                    from: arguments[1], length: arguments[2], limit: HostInterface.maximumValueSize, "a value")
                runtime.state!.pointee.write(key, .bytes(value))
            }
        case "remove":
            return { runtime, arguments, _ in
                try runtime.charge(ContractGas.storageWrite)
                runtime.state!.pointee.write(try runtime.storageKey(at: arguments[0]), nil)
            }
        case "read_amount":
            return { runtime, arguments, results in
                try runtime.charge(ContractGas.storageRead)
                let key = try runtime.storageKey(at: arguments[0])
                let value = try runtime.readState(key)
                let amount: UInt128
                switch value {
                case nil: amount = 0
                case .amount(let stored)?: amount = stored
                default: throw HostStop.badArguments("read_amount of a key that holds no amount")
                }
                try runtime.store(amount, at: arguments[1])
                results[0] = .i32(value == nil ? 0 : 1)
            }
        case "write_amount":
            return { runtime, arguments, _ in
                try runtime.charge(ContractGas.storageWrite)
                let key = try runtime.storageKey(at: arguments[0])
                runtime.state!.pointee.write(key, .amount(try runtime.loadAmount(at: arguments[1])))
            }
        case "credit":
            return { runtime, arguments, _ in
                try runtime.charge(ContractGas.storageCredit)
                let key = try runtime.storageKey(at: arguments[0])
                runtime.state!.pointee.credit(key, try runtime.loadAmount(at: arguments[1]))
            }
        case "sha256":
            return { runtime, arguments, _ in
                let length = Int(try runtime.u32(arguments[1]))
                try runtime.charge(ContractGas.sha256Base + ContractGas.sha256PerWord * UInt64((length + 31) / 32))
                let digest = Hash32.sha256(try runtime.copyIn(from: arguments[0], count: length))
                try runtime.copyOut(digest.bytes, to: arguments[2])
            }
        case "call":
            return { runtime, arguments, results in
                try runtime.charge(ContractGas.nestedCall)
                let target = try runtime.address(at: arguments[0])
                let input = try runtime.copyIn(
                    from: arguments[1], length: arguments[2], limit: BuiltinPayload.maximumInputSize, "an input")
                let output = try runtime.nestedCall(target, input: input)
                results[0] = .i32(UInt32(output.count))
            }
        case "output_copy":
            return { runtime, arguments, _ in
                try runtime.copyOut(runtime.frames[runtime.frames.count - 1].lastCallOutput, to: arguments[0])
            }
        case "emit":
            return { runtime, arguments, _ in
                let topicCount = Int(try runtime.u32(arguments[1]))
                let length = Int(try runtime.u32(arguments[3]))
                guard topicCount <= ReceiptEvent.maximumTopics else {
                    throw HostStop.badArguments("an event with \(topicCount) topics, more than \(ReceiptEvent.maximumTopics)")
                }
                guard length <= ReceiptEvent.maximumDataSize else {
                    throw HostStop.badArguments("an event with \(length) bytes of data, more than \(ReceiptEvent.maximumDataSize)")
                }
                guard runtime.events.count < Receipt.maximumEvents else {
                    throw HostStop.badArguments("more than \(Receipt.maximumEvents) events in one transaction")
                }
                try runtime.charge(
                    ContractGas.event + ContractGas.eventTopic * UInt64(topicCount) + ContractGas.eventDataByte * UInt64(length))
                let topicBytes = try runtime.copyIn(from: arguments[0], count: topicCount * Hash32.byteCount)
                let topics = (0..<topicCount).map {
                    // Exactly 32 bytes each: the hash always decodes.
                    try! Hash32(bytes: topicBytes[$0 * Hash32.byteCount..<($0 + 1) * Hash32.byteCount])
                }
                let data = try runtime.copyIn(from: arguments[2], count: length)
                runtime.events.append(ReceiptEvent(emitter: runtime.frames[runtime.frames.count - 1].address, topics: topics, data: data))
            }
        case "return":
            return { runtime, arguments, _ in
                runtime.frames[runtime.frames.count - 1].output = try runtime.copyIn(
                    from: arguments[0], length: arguments[1], limit: HostInterface.maximumOutputSize, "an output")
            }
        case "revert":
            return { runtime, arguments, _ in throw HostStop.reverted(code: try runtime.u32(arguments[0])) }
        default:
            preconditionFailure("no host function \(name)")
        }
    }

    /// Calls `target` from the contract on top of the frames; its output, or the stop that fails the caller.
    private func nestedCall(_ target: Address, input: [UInt8]) throws -> [UInt8] {
        guard frames.count < HostInterface.maximumCallDepth else { throw HostStop.calleeFailed(.contractTrapped) }
        // No re-entry: a contract already on the call stack cannot be called again until it returns.
        guard !frames.contains(where: { $0.address == target }) else { throw HostStop.calleeFailed(.contractTrapped) }
        let caller = frames[frames.count - 1].address
        let contract: LoadedContract
        do {
            switch try load(target) {
            case .failed(let status): throw HostStop.calleeFailed(status)
            case .found(let found): contract = found
            }
        } catch let interrupted as ExecutionInterrupted {
            interruption = interrupted
            throw HostStop.interrupted
        }
        switch invoke(contract.entry, of: contract, at: target, caller: caller, input: input) {
        case .returned(let output):
            frames[frames.count - 1].lastCallOutput = output
            return output
        case .failed(let status):
            if interruption != nil { throw HostStop.interrupted }
            throw HostStop.calleeFailed(status)
        }
    }

    // MARK: - Fuel, memory and state

    /// Takes `gas` from the fuel left, or stops the contract when there is not that much.
    private func charge(_ gas: UInt64) throws(HostStop) {
        let remaining = store.fuel?.remaining ?? 0
        guard remaining >= gas else {
            store.fuel = Fuel(remaining: 0)
            throw .outOfGas
        }
        store.fuel = Fuel(remaining: remaining - gas)
    }

    private func readState(_ key: StateKey) throws(HostStop) -> StateValue? {
        do {
            return try state!.pointee.read(key)
        } catch {
            interruption = error
            throw .interrupted
        }
    }

    private var memory: WasmKit.Memory { frames[frames.count - 1].contract.memory }

    private func u32(_ value: Value) throws(HostStop) -> UInt32 {
        guard case .i32(let raw) = value else { throw .badArguments("an argument of the wrong type") }
        return raw
    }

    /// Checks that `count` bytes at `pointer` lie inside the memory.
    private func checkedRange(_ pointer: Value, _ count: Int) throws(HostStop) -> UInt {
        let offset = Int(try u32(pointer))
        guard count >= 0, offset + count <= memory.byteCount else {
            throw .badArguments("\(count) bytes at \(offset) pass the end of the memory (\(memory.byteCount) bytes)")
        }
        return UInt(offset)
    }

    private func copyIn(from pointer: Value, count: Int) throws(HostStop) -> [UInt8] {
        let offset = try checkedRange(pointer, count)
        try charge(ContractGas.copy(count))
        return memory.withUnsafeBufferPointer(offset: offset, count: count) { Array($0) }
    }

    /// Copies in `length` bytes, refusing more than `limit` (`what` names them in the refusal).
    private func copyIn(from pointer: Value, length: Value, limit: Int, _ what: String) throws(HostStop) -> [UInt8] {
        let count = Int(try u32(length))
        guard count <= limit else { throw .badArguments("\(what) of \(count) bytes, more than \(limit)") }
        return try copyIn(from: pointer, count: count)
    }

    private func copyOut(_ bytes: [UInt8], to pointer: Value) throws(HostStop) {
        let offset = try checkedRange(pointer, bytes.count)
        try charge(ContractGas.copy(bytes.count))
        memory.withUnsafeMutableBufferPointer(offset: offset, count: bytes.count) { buffer in
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        }
    }

    /// The state key of the storage key at `pointer`: SHA-256 of this contract's address and the 32 bytes, as
    /// `ContractLayout.storage(of:key:)` computes it, hashed from a buffer on the stack. Contracts name the same
    /// key several times in a call (read it, then write it), so the last few are kept for the transaction.
    private func storageKey(at pointer: Value) throws(HostStop) -> StateKey {
        let offset = try checkedRange(pointer, 32)
        try charge(ContractGas.copy(32))
        let address = frames[frames.count - 1].address
        let key = memory.withUnsafeBufferPointer(offset: offset, count: 32) { bytes in
            RecentKey.Words(
                bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
        for recent in recentKeys where recent.address == address && recent.key == key { return recent.stateKey }
        let digest = withUnsafeTemporaryAllocation(byteCount: Address.byteCount + 32, alignment: 8) { buffer in
            Self.write(address, to: buffer.baseAddress!)
            buffer.storeBytes(of: key.w0, toByteOffset: Address.byteCount, as: UInt64.self)
            buffer.storeBytes(of: key.w1, toByteOffset: Address.byteCount + 8, as: UInt64.self)
            buffer.storeBytes(of: key.w2, toByteOffset: Address.byteCount + 16, as: UInt64.self)
            buffer.storeBytes(of: key.w3, toByteOffset: Address.byteCount + 24, as: UInt64.self)
            return SHA256.hash(data: UnsafeRawBufferPointer(buffer))
        }
        let stateKey = ContractLayout.storage(hashed: Hash32(digest))
        if recentKeys.count == RecentKey.kept { recentKeys.removeFirst() }
        recentKeys.append(RecentKey(address: address, key: key, stateKey: stateKey))
        return stateKey
    }

    /// Writes `address` (20 bytes) at `pointer` in the contract's memory.
    private func store(_ address: Address, at pointer: Value) throws(HostStop) {
        let offset = try checkedRange(pointer, Address.byteCount)
        try charge(ContractGas.copy(Address.byteCount))
        memory.withUnsafeMutableBufferPointer(offset: offset, count: Address.byteCount) { Self.write(address, to: $0.baseAddress!) }
    }

    /// Writes `amount` (16 bytes, little-endian) at `pointer` in the contract's memory.
    private func store(_ amount: UInt128, at pointer: Value) throws(HostStop) {
        let offset = try checkedRange(pointer, 16)
        try charge(ContractGas.copy(16))
        memory.withUnsafeMutableBufferPointer(offset: offset, count: 16) {
            $0.storeBytes(of: amount.littleEndian, as: UInt128.self)
        }
    }

    /// The amount (16 bytes, little-endian) at `pointer` in the contract's memory.
    private func loadAmount(at pointer: Value) throws(HostStop) -> UInt128 {
        let offset = try checkedRange(pointer, 16)
        try charge(ContractGas.copy(16))
        return memory.withUnsafeBufferPointer(offset: offset, count: 16) { UInt128(littleEndian: $0.loadUnaligned(as: UInt128.self)) }
    }

    /// An address's 20 bytes, big-endian, as `Address.bytes` spells them.
    private static func write(_ address: Address, to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: address.high.bigEndian, toByteOffset: 0, as: UInt64.self)
        pointer.storeBytes(of: address.middle.bigEndian, toByteOffset: 8, as: UInt64.self)
        pointer.storeBytes(of: address.low.bigEndian, toByteOffset: 16, as: UInt32.self)
    }

    private func address(at pointer: Value) throws(HostStop) -> Address {
        let bytes = try copyIn(from: pointer, count: Address.byteCount)
        // Exactly 20 bytes were copied; the address always decodes.
        return try! Address(bytes: bytes)
    }

    private static func bytes(of value: StateValue) -> [UInt8] {
        switch value {
        case .bytes(let bytes): bytes
        case .amount(let amount): littleEndian(amount)
        default: value.encoded
        }
    }

    static func littleEndian(_ amount: UInt128) -> [UInt8] {
        (0..<16).map { UInt8(truncatingIfNeeded: amount >> (8 * $0)) }
    }
}

/// An interpreter stack in a box, so that one can be kept per call depth (the stack itself cannot be copied).
private final class StackBox {
    var stack: ExecutionStack

    init(engine: Engine) { stack = ExecutionStack(engine: engine) }
}
