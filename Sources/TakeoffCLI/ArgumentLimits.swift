import ArgumentParser
import Foundation

/// Upper bounds on the size arguments, checked before anything is allocated or started, so that a typo such
/// as `--accounts 1000000000000` ends with a message naming the limit instead of an allocation trap or a run
/// that never ends.
///
/// The memory figures are what the current build holds per item, measured with the peak RSS of `takeoff
/// run` (about 420 bytes per genesis account at 10M accounts) and rounded up; the time figure is the
/// SHA-256 round of `--work-per-tx` (about 0.13 µs on this project's machine).
enum ArgumentLimits {
    /// Memory held per genesis account while the genesis state is built and loaded.
    static let bytesPerAccount = 512
    /// Memory held per genesis account when the genesis is streamed: none (a margin over the 0 measured).
    static let bytesPerStreamedAccount = 8
    /// Memory held per transaction of one block while it executes (transactions, receipts, access sets,
    /// multi-version memory, change set).
    static let bytesPerTransaction = 4_096
    /// Rounds of SHA-256 per transaction: about 0.13 s of work each at the limit.
    static let maximumWorkPerTransaction = 1_000_000
    /// The longest total of `--work-per-tx` work a command accepts, in hours.
    static let maximumWorkHours = 24.0
    static let secondsPerWorkRound = 0.13e-6

    /// The share of physical memory a command may plan to use.
    static var memoryBudget: Double { Double(ProcessInfo.processInfo.physicalMemory) * 0.75 }

    private static func gib(_ bytes: Double) -> String { String(format: "%.1f GiB", bytes / Double(1 << 30)) }

    /// Refuses more accounts than memory can hold, at `bytesPerAccount` each.
    static func checkAccounts(_ accounts: Int, option: String = "--accounts", bytesPerAccount: Int = bytesPerAccount) throws {
        let needed = Double(accounts) * Double(bytesPerAccount)
        guard needed <= memoryBudget else {
            throw ValidationError(
                "\(option) \(accounts) needs about \(gib(needed)) of memory (\(bytesPerAccount) bytes per account); "
                    + "this machine allows \(gib(memoryBudget)) (3/4 of its memory): at most \(Int(memoryBudget) / bytesPerAccount) accounts")
        }
    }

    /// Refuses blocks larger than memory can hold, `held` of them at once.
    static func checkBlockSize(_ size: Int, held: Int = 1, option: String = "--block-size") throws {
        let needed = Double(size) * Double(held) * Double(bytesPerTransaction)
        guard needed <= memoryBudget else {
            let what = held > 1 ? "\(held) blocks of \(size) transactions" : "a block of \(size) transactions"
            throw ValidationError(
                "\(option): \(what) needs about \(gib(needed)) of memory (\(bytesPerTransaction) bytes per transaction); "
                    + "this machine allows \(gib(memoryBudget)): at most \(Int(memoryBudget) / bytesPerTransaction / max(held, 1)) transactions per block")
        }
    }

    /// Refuses work per transaction past the limit, or a total that would run for more than a day.
    static func checkWork(_ rounds: Int, transactions: Double, threads: Int) throws {
        guard rounds <= maximumWorkPerTransaction else {
            throw ValidationError(
                "--work-per-tx \(rounds) is over the limit of \(maximumWorkPerTransaction) rounds "
                    + "(about \(String(format: "%.2f", Double(maximumWorkPerTransaction) * secondsPerWorkRound)) s of SHA-256 per transaction)")
        }
        let hours = Double(rounds) * transactions * secondsPerWorkRound / Double(max(threads, 1)) / 3600
        guard hours <= maximumWorkHours else {
            throw ValidationError(
                "--work-per-tx \(rounds) over \(Int(transactions)) transactions is about \(Int(hours)) hours of work; "
                    + "the limit is \(Int(maximumWorkHours)) hours: fewer blocks, smaller blocks or less work per transaction")
        }
    }
}
