import TakeoffBuiltinChain
import TakeoffCore
import WasmKit
import WasmParser

/// Why a module is not a contract this chain runs. Deploying it fails with `ReceiptStatus.contractRefused`.
public struct ContractRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong, naming the import, export, section or function.
    public let reason: String

    public var description: String { "contract refused: \(reason)" }
}

/// A module that passed ``ContractValidator``: parsed once, shared by every worker (a `Module` is immutable and
/// `Sendable`), and instantiated once per worker.
struct ContractCode: Sendable {
    /// SHA-256 of the module's bytes: the code's key in the state.
    let hash: Hash32
    let module: Module
    /// Whether the module exports a constructor, `init`, that a deploy runs.
    let hasConstructor: Bool
    /// The mutable globals, by export name: reset to their initial values after every call.
    let mutableGlobals: [String]
}

/// The rules a WebAssembly module must follow to be deployed, all checked on the bytes alone (so every node
/// decides the same):
///
/// - it parses as a WebAssembly 1.0 module with none of the later proposals (no SIMD, threads, reference
///   types, exceptions or GC), and it is at most `BuiltinPayload.maximumCodeSize` bytes;
/// - it imports functions only, only from the module `takeoff`, only those ``HostInterface`` defines;
/// - it defines exactly one memory, exported as `memory`, with a declared maximum of at most
///   ``maximumMemoryPages`` pages; no memory, table or global is imported;
/// - it exports a function `call` (the entry point) and optionally `init` (the constructor); it has no
///   start function (instantiating it would run code before any fuel is set);
/// - every mutable global is exported, so that it can be reset between calls;
/// - no function uses a floating-point instruction (NaN bits differ between processors) or an instruction
///   that changes an instance for good (`data.drop`, `elem.drop`, `table.init`, `table.copy`: a worker's
///   instance serves many transactions, and what one left behind would change the next), declares more
///   than ``maximumLocals`` locals, and the module has at most ``maximumFunctions`` functions.
enum ContractValidator {
    static let maximumMemoryPages: UInt64 = 16
    static let maximumLocals = 1_024
    static let maximumFunctions = 4_096
    static let maximumTableSize: UInt64 = 4_096

    /// The WebAssembly proposals a contract may use: none past 1.0.
    static let features: WasmFeatureSet = []

    /// `bytes` as a contract, or why not; `hash` is their SHA-256, already computed by the caller.
    static func validate(_ bytes: [UInt8], hash: Hash32) throws(ContractRefusal) -> ContractCode {
        func refuse(_ reason: String) -> ContractRefusal { ContractRefusal(reason: reason) }
        guard bytes.count <= BuiltinPayload.maximumCodeSize else {
            throw refuse("the module is \(bytes.count) bytes, more than \(BuiltinPayload.maximumCodeSize)")
        }
        var parser = Parser(bytes: bytes, features: features)
        var memories = 0
        var memoryExported = false
        var functionCount = 0
        var importedFunctions = 0
        var globalMutability: [Bool] = []
        var exportedGlobals: [UInt32: String] = [:]
        var exportedFunctions: Set<String> = []
        do {
            while let payload = try parser.parseNext() {
                switch payload {
                case .importSection(let imports):
                    for entry in imports {
                        guard entry.module == HostInterface.moduleName else {
                            throw refuse("it imports \(entry.module).\(entry.name); contracts import only from \"\(HostInterface.moduleName)\"")
                        }
                        guard case .function = entry.descriptor else {
                            throw refuse("it imports \(entry.module).\(entry.name), which is not a function")
                        }
                        guard HostInterface.functionNames.contains(entry.name) else {
                            throw refuse("it imports \(entry.module).\(entry.name), which the host does not provide")
                        }
                        importedFunctions += 1
                    }
                case .functionSection(let types):
                    functionCount += types.count
                case .memorySection(let declared):
                    memories += declared.count
                    for memory in declared {
                        guard let maximum = memory.type.max else {
                            throw refuse("its memory declares no maximum; at most \(maximumMemoryPages) pages")
                        }
                        guard maximum <= maximumMemoryPages else {
                            throw refuse("its memory's maximum is \(maximum) pages, more than \(maximumMemoryPages)")
                        }
                    }
                case .tableSection(let tables):
                    for table in tables where (table.type.limits.max ?? UInt64.max) > maximumTableSize {
                        throw refuse("a table may grow past \(maximumTableSize) elements")
                    }
                case .globalSection(let globals):
                    globalMutability += globals.map { $0.type.mutability == .variable }
                case .exportSection(let exports):
                    for export in exports {
                        switch export.descriptor {
                        case .function: exportedFunctions.insert(export.name)
                        case .memory: if export.name == "memory" { memoryExported = true }
                        case .global(let index): exportedGlobals[index] = export.name
                        default: break
                        }
                    }
                case .startSection:
                    throw refuse("it has a start function")
                case .codeSection(let bodies):
                    for (index, body) in bodies.enumerated() {
                        let function = importedFunctions + index
                        guard body.locals.count <= maximumLocals else {
                            throw refuse("function \(function) declares \(body.locals.count) locals, more than \(maximumLocals)")
                        }
                        if let instruction = try firstForbiddenInstruction(in: body) {
                            throw refuse("function \(function) uses \(instruction)")
                        }
                    }
                default:
                    break
                }
            }
        } catch let refusal as ContractRefusal {
            throw refusal
        } catch {
            throw refuse("it is not a valid module: \(error)")
        }
        guard memories == 1 else { throw refuse("it defines \(memories) memories; a contract has exactly one") }
        guard memoryExported else { throw refuse("it does not export its memory as \"memory\"") }
        guard functionCount <= maximumFunctions else {
            throw refuse("it defines \(functionCount) functions, more than \(maximumFunctions)")
        }
        guard exportedFunctions.contains("call") else { throw refuse("it exports no function \"call\"") }
        var mutableGlobals: [String] = []
        for (index, mutable) in globalMutability.enumerated() where mutable {
            guard let name = exportedGlobals[UInt32(index)] else {
                throw refuse("its mutable global \(index) is not exported (it must be, to be reset between calls)")
            }
            mutableGlobals.append(name)
        }
        let module: Module
        do {
            module = try parseWasm(bytes: bytes, features: features)
        } catch {
            throw refuse("it is not a valid module: \(error)")
        }
        return ContractCode(
            hash: hash, module: module, hasConstructor: exportedFunctions.contains("init"),
            mutableGlobals: mutableGlobals)
    }

    /// The first instruction in `body` that a contract may not use, named, or nil.
    private static func firstForbiddenInstruction(in body: Code) throws -> String? {
        var expression = ExpressionParser(code: body)
        var finder = ForbiddenInstructionFinder()
        while let visit = try expression.parse() {
            visit(visitor: &finder)
            if let found = finder.found { return found }
        }
        return nil
    }
}

/// Spots the instructions a contract may not use. Floating-point ones are known by their names (`f32.add`,
/// `i32.trunc_f64_s`, `f64.load`), which all name f32 or f64, as the generated instruction cases do too.
private struct ForbiddenInstructionFinder: AnyInstructionVisitor {
    typealias VisitorError = Never

    var binaryOffset: Int = 0
    var found: String?

    mutating func visit(_ instruction: Instruction) {
        let name: String
        switch instruction {
        case .dataDrop: found = "data.drop"; return
        case .elemDrop: found = "elem.drop"; return
        case .tableInit: found = "table.init"; return
        case .tableCopy: found = "table.copy"; return
        case .f32Const: name = "f32.const"
        case .f64Const: name = "f64.const"
        case .load(let load, _): name = "\(load)"
        case .store(let store, _): name = "\(store)"
        case .cmp(let cmp): name = "\(cmp)"
        case .unary(let unary): name = "\(unary)"
        case .binary(let binary): name = "\(binary)"
        case .conversion(let conversion): name = "\(conversion)"
        default: return
        }
        let lowered = name.lowercased()
        if lowered.contains("f32") || lowered.contains("f64") { found = "the floating-point instruction \(name)" }
    }
}
