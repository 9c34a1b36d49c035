import Foundation
import XCTest

/// Runs the built `hazlab` binary as a separate process.
enum CLI {
    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func binary() throws -> String {
        // The binary built alongside this test bundle (same build folder and configuration).
        for dir in [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("hazlab").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        for t in Bundle.allBundles where t.bundlePath.hasSuffix(".xctest") {
            let candidate = t.bundleURL.deletingLastPathComponent().appendingPathComponent("hazlab").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw XCTSkip("hazlab binary not built; run `swift build` first")
    }

    static func run(_ binary: String, _ args: [String], stdin: Data? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        if let stdin {
            let input = Pipe()
            p.standardInput = input
            try p.run()
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        } else {
            try p.run()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func field(_ json: String, _ key: String) throws -> Any? {
        let obj = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return obj?[key]
    }
}
