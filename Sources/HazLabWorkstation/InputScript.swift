import Foundation
import HazLabCore

/// Scripted input for the viewer (`hazlab-viewer --script FILE`): demos, classroom kiosks and
/// the window tests. One command per line; `#` starts a comment. Everything goes through the
/// same input layer as a student's hands, and a scripted window advances exactly 1/60 s per
/// frame, so a script gives the same journal on every run.
///
///     key W down | key W up | tap K        keys by name (w, tab, f10, 1…9, …)
///     move X Y | click X Y | rclick X Y    pixels, origin top-left
///     click-entity ID                      a left click at the entity's projected centre
///                                          (an error if something else is in front of it)
///     look-at ID                           the overview camera, close to the entity
///     menu N                               item N of the open context menu
///     slider FRACTION                      set the open slider and commit it
///     wait SECONDS                         let time pass (frames of 1/60 s)
///     submit                               press F10 twice
public struct InputScript: Sendable, Equatable {
    public enum Command: Sendable, Equatable {
        case events([InputEvent])
        case clickEntity(String)
        case lookAt(String)
        case slider(Float)
        case wait(Double)
    }
    public struct Line: Sendable, Equatable {
        public var number: Int
        public var command: Command
    }
    public var lines: [Line]

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func parse(_ text: String, path: String) throws -> InputScript {
        var out: [Line] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let body = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let f = body.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let head = f.first else { continue }
            let n = i + 1
            func fail(_ m: String) -> ParseError { ParseError(description: "\(path):\(n):1: \(m)") }
            func key(_ s: String) throws -> Key {
                guard let k = Key(rawValue: s.lowercased()) else { throw fail("unknown key '\(s)' (known: \(Key.allCases.map(\.rawValue).joined(separator: " ")))") }
                return k
            }
            func num(_ k: Int) throws -> Float {
                guard k < f.count, let v = Float(f[k]), v.isFinite else { throw fail("'\(head)' needs a number as argument \(k)") }
                return v
            }
            func args(_ count: Int) throws { if f.count != count + 1 { throw fail("'\(head)' takes \(count) argument(s), found \(f.count - 1)") } }
            let c: Command
            switch head.lowercased() {
            case "key":
                try args(2)
                guard f[2] == "down" || f[2] == "up" else { throw fail("'key' needs down or up") }
                c = .events([.key(try key(f[1]), down: f[2] == "down")])
            case "tap":
                try args(1)
                let k = try key(f[1])
                c = .events([.key(k, down: true), .key(k, down: false)])
            case "move":
                try args(2); c = .events([.mouseMove(x: try num(1), y: try num(2))])
            case "click", "rclick":
                try args(2)
                let b: MouseButton = head.lowercased() == "click" ? .left : .right
                let x = try num(1), y = try num(2)
                c = .events([.mouseMove(x: x, y: y), .mouseDown(b, x: x, y: y), .mouseUp(b, x: x, y: y)])
            case "click-entity":
                try args(1); c = .clickEntity(f[1])
            case "look-at":
                try args(1); c = .lookAt(f[1])
            case "menu":
                try args(1)
                guard let d = Int(f[1]), (1...9).contains(d) else { throw fail("'menu' takes an item number 1–9") }
                let k = Key.allCases.first { $0.digit == d }!
                c = .events([.key(k, down: true), .key(k, down: false)])
            case "slider":
                try args(1)
                let v = try num(1)
                guard (0...1).contains(v) else { throw fail("'slider' takes a fraction 0–1") }
                c = .slider(v)
            case "wait":
                try args(1)
                let v = try num(1)
                guard v >= 0 && v <= 86_400 else { throw fail("'wait' takes 0 to 86400 seconds") }
                c = .wait(Double(v))
            case "submit":
                try args(0); c = .events([.key(.f10, down: true), .key(.f10, down: false), .key(.f10, down: true), .key(.f10, down: false)])
            default:
                throw fail("unknown command '\(head)' (key, tap, move, click, rclick, click-entity, look-at, menu, slider, wait, submit)")
            }
            out.append(Line(number: n, command: c))
        }
        return InputScript(lines: out)
    }
}

/// Plays an `InputScript` into a workstation one frame at a time.
public final class ScriptPlayer {
    public let script: InputScript
    public let path: String
    private var next = 0
    private var waitFrames = 0
    public static let frameSeconds = 1.0 / 60

    public init(script: InputScript, path: String) { self.script = script; self.path = path }

    public var finished: Bool { next >= script.lines.count && waitFrames == 0 }

    /// Runs the commands due this frame (up to the next `wait`), then lets one frame pass.
    public func frame(_ ws: Workstation) throws {
        while waitFrames == 0 && next < script.lines.count {
            let line = script.lines[next]; next += 1
            switch line.command {
            case let .events(evs):
                for e in evs { try ws.handle(e) }
            case let .clickEntity(id):
                func fail(_ m: String) -> InputScript.ParseError { InputScript.ParseError(description: "\(path):\(line.number):1: \(m)") }
                guard let row = ws.model.entityIndex[id], let a = ws.scene.anchor(Int(row)),
                      let p = ws.camera.project(a, width: Float(ws.width), height: Float(ws.height)),
                      p.x >= 0, p.y >= 0, p.x < Float(ws.width), p.y < Float(ws.height) else {
                    throw fail("'\(id)' is not on screen")
                }
                if let front = ws.pick(x: p.x, y: p.y), front != Int(row) {
                    throw fail("'\(id)' is behind '\(ws.model.entities.ids[front])' from here (add 'look-at \(id)' first)")
                }
                for e in [InputEvent.mouseMove(x: p.x, y: p.y), .mouseDown(.left, x: p.x, y: p.y), .mouseUp(.left, x: p.x, y: p.y)] { try ws.handle(e) }
            case let .lookAt(id):
                guard let row = ws.model.entityIndex[id], ws.lookAt(Int(row)) else {
                    throw InputScript.ParseError(description: "\(path):\(line.number):1: '\(id)' is not a placed entity")
                }
            case let .slider(v):
                try ws.perform(.slider(v))
                try ws.perform(.commitSlider)
            case let .wait(s):
                waitFrames = max(1, Int((s / Self.frameSeconds).rounded()))
            }
        }
        if waitFrames > 0 { waitFrames -= 1 }
        try ws.handle(.elapse(Self.frameSeconds))
    }
}
