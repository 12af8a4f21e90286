import Foundation
import Testing
import Takeoff

/// The README's library example, compiled and run: the lines between the markers must be the README's
/// code block (without its `import`), so the README never shows code that does not build.
@Suite struct ReadmeExampleTests {
    static func libraryExample(directory: String) throws -> (status: ReceiptStatus, head: StoreHead) {
        // README begin
        let store = try StateStore(directory: directory)
        let alice = Address(space: 1, index: 1), bob = Address(space: 1, index: 2), miner = Address(space: 9, index: 0)
        if try store.head() == nil {
            try store.initializeGenesis([(.account(alice), .account(Account(balance: 1_000_000)))])
        }
        // Unsigned for brevity: `transfer.signed(by: key)` signs it, and then leave signature checks on.
        let transfer = BuiltinTransaction(
            sender: alice, nonce: 0, fee: 10, gasLimit: 21_000, payload: .transfer(to: bob, amount: 500))
        let executor = ParallelExecutor(logic: BuiltinTransactionLogic(), options: ExecutionOptions(verifySignatures: false))
        let executed = try store.withSnapshot { snapshot in
            try executor.execute(
                [transfer], context: BlockContext(number: snapshot.head.block + 1, timestamp: 0, feeCollector: miner),
                parent: snapshot.head, state: snapshot)
        }
        let head = try store.commit(executed.header, changeSet: executed.changeSet)
        print(BuiltinTransactionLogic.name(of: executed.receipts[0].status), head.commitment.digest.hex)
        // README end
        return (executed.receipts[0].status, head)
    }

    @Test func theReadmeExampleRuns() throws {
        let directory = try ScratchDirectory()
        let (status, head) = try Self.libraryExample(directory: directory.path)
        #expect(status == .success)
        #expect(head.block == 1)
        let store = try StateStore(directory: directory.path, readOnly: true)
        #expect(try store.value(for: .account(Address(space: 1, index: 2))) == .account(Account(balance: 500)))
    }

    @Test func theReadmeShowsThisCode() throws {
        let testFile = try String(contentsOfFile: #filePath, encoding: .utf8)
        let lines = testFile.components(separatedBy: "\n")
        let begin = lines.firstIndex { $0.hasSuffix("// README begin") }!
        let end = lines.firstIndex { $0.hasSuffix("// README end") }!
        let compiled = lines[(begin + 1)..<end].map { String($0.dropFirst(8)) }

        let readmePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").path
        let readme = try String(contentsOfFile: readmePath, encoding: .utf8).components(separatedBy: "\n")
        let section = readme.firstIndex(of: "## As a library")!
        let open = readme[section...].firstIndex(of: "```swift")!
        let close = readme[(open + 1)...].firstIndex(of: "```")!
        let shown = readme[(open + 1)..<close].filter { $0 != "import Takeoff" && !$0.isEmpty }
        #expect(shown == compiled.filter { !$0.isEmpty })
    }
}
