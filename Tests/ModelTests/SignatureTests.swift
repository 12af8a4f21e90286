import Crypto
import Testing
@testable import Takeoff
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

@Suite struct SignatureTests {
    let key = Curve25519.Signing.PrivateKey()

    func signedTransfer() throws -> BuiltinTransaction {
        let sender = Address(publicKey: try PublicKeyBytes(key.publicKey.rawRepresentation))
        return try BuiltinTransaction(
            sender: sender, nonce: 0, fee: 1, gasLimit: 21_000, payload: .transfer(to: Samples.bob, amount: 5)
        ).signed(by: key)
    }

    @Test func signedTransactionVerifiesAndSurvivesTheCodec() throws {
        let transaction = try signedTransfer()
        #expect(transaction.hasValidSignature)
        #expect(try BuiltinTransaction(encoded: transaction.encoded).hasValidSignature)
    }

    @Test func anyChangedFieldBreaksTheSignature() throws {
        let transaction = try signedTransfer()
        var changedAmount = transaction
        changedAmount.payload = .transfer(to: Samples.bob, amount: 6)
        var changedNonce = transaction
        changedNonce.nonce = 1
        var otherSender = transaction
        otherSender.sender = Samples.alice
        var otherKey = transaction
        otherKey.publicKey = try PublicKeyBytes(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)
        for forged in [changedAmount, changedNonce, otherSender, otherKey] { #expect(!forged.hasValidSignature) }
    }

    @Test func parallelVerificationMatchesOneByOne() throws {
        var transactions = try (0..<600).map { _ in try signedTransfer() }
        transactions[17].fee = 99
        transactions[599].nonce = 3
        let results = Authentication.check(transactions, rules: BuiltinChainRules(), threads: 4)
        #expect(results == transactions.map { $0.hasValidSignature ? nil : .badSignature })
        #expect(results.filter { $0 == .badSignature }.count == 2)
    }
}
