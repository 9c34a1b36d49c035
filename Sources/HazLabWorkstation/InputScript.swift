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
///     type TEXT                            type the rest of the line into the focused login field
///                                          (`type "s 1"` keeps spaces; no `#` in TEXT)
///     choose KEY                           with --server: start the task (or practice scenario) KEY
///     expect SCREEN                        with --server: wait until the viewer shows SCREEN
///                                          (login, tasks, session, result, offline); a safety
///                                          limit of 120 s of wall time ends a script that would hang
///     expect-commands N                    with --server: wait until the attempt on screen has taken N
///                                          instructor commands (same safety limit)
public struct InputScript: Sendable, Equatable {
    public enum Command: Sendable, Equatable {
        case events([InputEvent])
        case clickEntity(String)
        case lookAt(String)
        case slider(Float)
        case wait(Double)
        case expect(String)
        case choose(String)
        case expectCommands(Int)
    }
    /// The screens `expect` knows (LabFront.Screen).
    public static let screens = ["login", "tasks", "session", "result", "offline"]
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
            let trimmed = body.trimmingCharacters(in: .whitespaces)
            if trimmed.lowercased().hasPrefix("type ") || trimmed.lowercased() == "type" {
                var t = String(trimmed.dropFirst(4)).trimmingCharacters(in: .whitespaces)
                if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") { t = String(t.dropFirst().dropLast()) }
                guard !t.isEmpty else { throw ParseError(description: "\(path):\(i + 1):1: 'type' needs the text to type") }
                out.append(Line(number: i + 1, command: .events([.text(t)])))
                continue
            }
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
            case "choose":
                try args(1); c = .choose(f[1])
            case "expect-commands":
                try args(1)
                guard let n = Int(f[1]), n >= 0 else { throw fail("'expect-commands' takes a count of commands") }
                c = .expectCommands(n)
            case "expect":
                try args(1)
                guard Self.screens.contains(f[1].lowercased()) else { throw fail("'expect' takes a screen: \(Self.screens.joined(separator: ", "))") }
                c = .expect(f[1].lowercased())
            default:
                throw fail("unknown command '\(head)' (key, tap, move, click, rclick, click-entity, look-at, menu, slider, wait, submit, type, expect, expect-commands, choose)")
            }
            out.append(Line(number: n, command: c))
        }
        return InputScript(lines: out)
    }
}

/// What a script plays into: a workstation, or (with `--server`) the lab front with its screens.
public protocol ScriptHost: AnyObject {
    func handle(_ event: InputEvent) throws
    /// The attempt on screen, if any (click-entity, look-at and slider need one).
    var scriptWorkstation: Workstation? { get }
    /// The screen's name for `expect`.
    var scriptScreen: String { get }
    /// What the screen says (for the error when `expect` gives up).
    var scriptStatus: String { get }
    /// `choose KEY` (the lab front's task list).
    func scriptChoose(_ key: String) throws
}

extension Workstation: ScriptHost {
    public var scriptWorkstation: Workstation? { self }
    public var scriptScreen: String { "session" }
    public var scriptStatus: String { "session" }
    public func scriptChoose(_ key: String) throws { throw InputScript.ParseError(description: "'choose \(key)': no task list during an attempt") }
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
    /// The script is waiting for a screen (`expect`): the viewer may sleep a little per frame.
    public private(set) var waitingForScreen = false
    private var expectSince: Date?
    /// Wall-time safety limit of one `expect` (not a timing assertion: a script never hangs).
    public static let expectLimit: TimeInterval = 120

    /// Runs the commands due this frame (up to the next `wait`), then lets one frame pass.
    public func frame(_ host: any ScriptHost) throws {
        waitingForScreen = false
        scriptLoop: while waitFrames == 0 && next < script.lines.count {
            let line = script.lines[next]
            func needWorkstation() throws -> Workstation {
                guard let w = host.scriptWorkstation else {
                    throw InputScript.ParseError(description: "\(path):\(line.number):1: no attempt on screen (\(host.scriptScreen)); add 'expect session' first")
                }
                return w
            }
            var reached = true, goal = ""
            if case let .expect(screen) = line.command { reached = host.scriptScreen == screen; goal = "'\(screen)'" }
            if case let .expectCommands(n) = line.command {
                let taken = host.scriptWorkstation?.session.commandsTaken.count ?? 0
                reached = taken >= n; goal = "\(n) instructor command(s) (taken: \(taken))"
            }
            if !goal.isEmpty {
                if !reached {
                    let since = expectSince ?? Date()
                    expectSince = since
                    if Date().timeIntervalSince(since) > Self.expectLimit {
                        throw InputScript.ParseError(description: "\(path):\(line.number):1: the viewer did not reach \(goal) (it shows \(host.scriptStatus))")
                    }
                    waitingForScreen = true
                    break scriptLoop
                }
                expectSince = nil
                next += 1
                continue
            }
            next += 1
            switch line.command {
            case .expect, .expectCommands: break
            case let .choose(k):
                do { try host.scriptChoose(k) } catch {
                    throw InputScript.ParseError(description: "\(path):\(line.number):1: \(error)")
                }
            case let .events(evs):
                for e in evs { try host.handle(e) }
            case let .clickEntity(id):
                let ws = try needWorkstation()
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
                let ws = try needWorkstation()
                guard let row = ws.model.entityIndex[id], ws.lookAt(Int(row)) else {
                    throw InputScript.ParseError(description: "\(path):\(line.number):1: '\(id)' is not a placed entity")
                }
            case let .slider(v):
                let ws = try needWorkstation()
                try ws.perform(.slider(v))
                try ws.perform(.commitSlider)
            case let .wait(s):
                waitFrames = max(1, Int((s / Self.frameSeconds).rounded()))
            }
        }
        if waitFrames > 0 { waitFrames -= 1 }
        try host.handle(.elapse(Self.frameSeconds))
    }
}
