import Foundation
import Takeoff
import TakeoffFuzzTargets

// `takeoff-fuzz`: fuzzes the decoders of untrusted input (see FuzzTargets).
//
// Built normally, it is its own driver: `takeoff-fuzz codec|archive [--runs N] [--seed S]` runs the target
// on its corpus and then on N inputs mutated from it (bit flips, truncations, insertions, random bytes).
// Built for libFuzzer (coverage-guided, runs until stopped; see the README):
//
//     Scripts/fuzz.sh codec 600   (see that script for the build flags)

/// Runs the target that `name` selects on one input.
func fuzzOne(_ name: String, _ bytes: [UInt8]) {
    if name == "codec" { FuzzTargets.transactionCodec(bytes) } else { FuzzTargets.archiveRecord(bytes) }
}

#if TAKEOFF_LIBFUZZER
private let target = ProcessInfo.processInfo.environment["TAKEOFF_FUZZ_TARGET"] ?? "codec"

@_silgen_name("LLVMFuzzerRunDriver")
private func runLibFuzzer(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The executable's entry point (the package manager links `main` to `<target>_main`): hands the command
/// line to libFuzzer with the target as its callback.
@_cdecl("TakeoffFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    return runLibFuzzer(&count, &vector) { data, size in
        fuzzOne(target, data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
}
#else
@main
struct TakeoffFuzz {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let target = arguments.first, ["codec", "archive"].contains(target) else {
            FileHandle.standardError.write(Data("usage: takeoff-fuzz codec|archive [--runs N] [--seed S]\n".utf8))
            exit(64)
        }
        arguments.removeFirst()
        var runs = 10_000
        var seed: UInt64 = 1
        while arguments.count >= 2 {
            switch arguments[0] {
            case "--runs": runs = Int(arguments[1]) ?? runs
            case "--seed": seed = UInt64(arguments[1]) ?? seed
            default: break
            }
            arguments.removeFirst(2)
        }
        let executed = FuzzDriver.run(target, runs: runs, seed: seed)
        print("takeoff-fuzz \(target): \(executed) inputs, no trap")
    }
}
#endif
