import Foundation
import Testing
import Takeoff

/// The README's library example, compiled and run: the lines between the markers must be the README's
/// code block (without its `import`), so the README never shows code that does not build.
@Suite struct ReadmeExampleTests {
    static func libraryExample(directory: String) throws -> (status: ReceiptStatus, head: StoreHead) {
        // README begin
        let store = try LMDBStateStore(directory: directory)
        let alice = Address(space: 1, index: 1), bob = Address(space: 1, index: 2), miner = Address(space: 9, index: 0)
        if try store.head() == nil {
            try store.initializeGenesis([(.account(alice), .account(Account(balance: 1_000_000)))])
        }
        // Unsigned for brevity: `transfer.signed(by: key)` signs it, and then leave signature checks on.
        let transfer = BuiltinTransaction(
            sender: alice, nonce: 0, fee: 10, gasLimit: 21_000, payload: .transfer(to: bob, amount: 500))
        let executor = ParallelExecutor(logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false))
        let executed = try store.withReadView { view in
            try executor.execute(
                [transfer], context: BlockContext(number: view.head.block + 1, timestamp: 0, feeCollector: miner),
                parent: view.head, state: view)
        }
        let head = try store.commit(executed.header, changeSet: executed.changeSet)
        print(BuiltinTransactionLogic.name(of: executed.receipts[0].status), head.commitment.digest.hex)
        // README end
        return (executed.receipts[0].status, head)
    }

    static func pipelineExample(directory: String, archiveDirectory: String) throws -> PipelineReport {
        // README pipeline begin
        let store = try LMDBStateStore(directory: directory)
        let archive = try BlockArchive(directory: archiveDirectory, writable: true)
        let executor = ParallelExecutor(logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false))
        let pipeline = BlockPipeline(executor: executor, store: store, archive: archive)
        let alice = Address(space: 1, index: 1), bob = Address(space: 1, index: 2), miner = Address(space: 9, index: 0)
        // A new store: archive the genesis state as block 0. Otherwise: apply what the archive has and the
        // store lacks (a crash between the two), and go on from there.
        let start = try pipeline.start(from: Genesis(entries: [(.account(alice), .account(Account(balance: 1_000_000)))]))
        let report = try pipeline.run(
            next: { number in
                // Called for each block in turn, ahead of its execution; nil ends the run.
                guard number <= start.head.block + 3 else { return nil }
                let transfer = BuiltinTransaction(
                    sender: alice, nonce: number - 1, fee: 10, gasLimit: 21_000, payload: .transfer(to: bob, amount: 500))
                return PipelineBlock(transactions: [transfer], context: BlockContext(number: number, timestamp: 0, feeCollector: miner))
            },
            durable: { executed in print("block \(executed.header.number) is durable in the archive") })
        print(report.blocks, "blocks,", report.storeCommits, "store commits, head", report.headBlock, report.stateCommitment)
        // README pipeline end
        return report
    }

    @Test func theReadmeExampleRuns() throws {
        let directory = try ScratchDirectory()
        let (status, head) = try Self.libraryExample(directory: directory.path)
        #expect(status == .success)
        #expect(head.block == 1)
        let store = try LMDBStateStore(directory: directory.path, readOnly: true)
        #expect(try store.value(for: .account(Address(space: 1, index: 2))) == .account(Account(balance: 500)))
    }

    @Test func thePipelineExampleRuns() throws {
        let directory = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/db", withIntermediateDirectories: true)
        let report = try Self.pipelineExample(directory: directory.path + "/db", archiveDirectory: directory.path + "/archive")
        #expect(report.blocks == 3 && report.headBlock == 3)
        let store = try LMDBStateStore(directory: directory.path + "/db", readOnly: true)
        #expect(try store.value(for: .account(Address(space: 1, index: 2))) == .account(Account(balance: 1_500)))
        #expect(try BlockArchive(directory: directory.path + "/archive", writable: false).head == 3)
    }

    /// The lines between `// <marker> begin` and `// <marker> end` in this file, unindented.
    static func compiledLines(_ marker: String) throws -> [String] {
        let lines = try String(contentsOfFile: #filePath, encoding: .utf8).components(separatedBy: "\n")
        let begin = lines.firstIndex { $0.hasSuffix("// \(marker) begin") }!
        let end = lines.firstIndex { $0.hasSuffix("// \(marker) end") }!
        return lines[(begin + 1)..<end].map { String($0.dropFirst(8)) }.filter { !$0.isEmpty }
    }

    /// The `index`th Swift code block of the README's "As a library" section, without imports.
    static func readmeBlock(_ index: Int) throws -> [String] {
        let readmePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").path
        let readme = try String(contentsOfFile: readmePath, encoding: .utf8).components(separatedBy: "\n")
        var open = readme.firstIndex(of: "## As a library")!
        var close = open
        for _ in 0...index {
            open = readme[(close + 1)...].firstIndex(of: "```swift")!
            close = readme[(open + 1)...].firstIndex(of: "```")!
        }
        return readme[(open + 1)..<close].filter { $0 != "import Takeoff" && !$0.isEmpty }
    }

    @Test func theReadmeShowsThisCode() throws {
        #expect(try Self.readmeBlock(0) == Self.compiledLines("README"))
        #expect(try Self.readmeBlock(1) == Self.compiledLines("README pipeline"))
    }
}
