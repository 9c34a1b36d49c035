import Foundation
import HazLabCore
import HazLabRecords
import HazLabRender
import HazLabScoring

/// The student workstation without a window: camera, input layer, menus and HUD over a
/// `Session`. A window (GLFW) or a test feeds it `InputEvent`s; it never writes the state,
/// it only journals actions through the session.
public final class Workstation {
    public enum Language: String, Sendable { case zh, en }

    /// Something the HUD's buttons and menus can do.
    public enum UIAction: Sendable, Equatable {
        case verb(Verb, Int)
        case openSlider(Int)
        case slider(Float)
        case commitSlider
        case closeMenu
        case toggleLanguage, submit, togglePause, cycleSpeed, toggleGas, toggleCamera, togglePPE
        case acknowledgeAll
        case hint(Int)
    }

    public struct Menu: Sendable, Equatable {
        public var row: Int
        public var x: Float, y: Float
        public var verbs: [Verb]
    }

    public struct Slider: Sendable, Equatable {
        public var row: Int
        public var value: Float
    }

    /// A message line at the bottom (rejections, faults, alarms), shown for a few seconds.
    public struct Message: Sendable, Equatable {
        public var text: LocalizedText
        public var untilTick: Int64
        public var severity: Int   // 0 info, 1 warning, 2 danger
    }

    public let session: Session
    public let scene: Scene
    public let fonts: FontSet
    public var camera: Camera
    public var language: Language = .zh
    public var width: Int, height: Int
    public var showGas = false
    public var showPPE = false
    public private(set) var hover: Int?
    public private(set) var menu: Menu?
    public private(set) var slider: Slider?
    public private(set) var messages: [Message] = []
    /// The zone the walking camera last reported (journaled as move-to).
    public private(set) var reportedZone: Int32
    public private(set) var submitArmed = false
    /// Mini trend history of the HUD's gauges: one sample per sim second.
    public private(set) var trends: [[Float]]
    public let gaugeRows: [Int]
    var cursor = SIMD2<Float>(0, 0)
    var rightDrag: SIMD2<Float>?
    var keysDown = Set<Key>()
    var lastEventCount = 0
    var lastSampleSecond = -1
    /// Where the HUD put its buttons in the last layout.
    var regions: [(x: Float, y: Float, w: Float, h: Float, action: UIAction)] = []
    /// Called after an attempt ends (local grading, outbox); errors show as a message.
    public var onEnd: ((Workstation) -> Void)?
    public private(set) var endHandled = false
    /// On a lab server (`--server`): the connection badge under the top bar (severity 0 ok, 1 warning, 2 danger).
    public var connectionBadge: (text: LocalizedText, severity: Int)?
    /// Exam on a lab server: the result is the instructor's to publish; the end panel shows `endNote` instead.
    public var withholdResult = false
    /// A line under the end panel's headline (what happens next, where the result went).
    public var endNote: LocalizedText?

    public init(session: Session, fonts: FontSet, width: Int = 1280, height: Int = 720, assetFolders: [String] = []) {
        self.session = session
        self.scene = Scene(model: session.model, assetFolders: assetFolders)
        self.fonts = fonts
        self.width = width; self.height = height
        camera = Camera.overview(of: scene.layout.room, focus: scene.layout.equipment)
        reportedZone = session.state.traineeZone
        let m = session.model
        var g: [Int] = []
        let gauged: [EntityKind] = [.sensor, .detector, .reactor, .compressor]
        for k in 0..<m.entities.count where gauged.contains(m.entities.kinds[k]) {
            if g.count < 4 { g.append(k) }
        }
        gaugeRows = g
        trends = Array(repeating: [], count: g.count)
        // Walk from where the trainee starts.
        if let z = Optional(Int(session.state.traineeZone)), z >= 0, let p = scene.layout.placements[z] {
            camera.position = V3(p.base.x, p.base.y, Camera.eyeHeight)
        } else {
            camera.position = V3(scene.layout.room.centre.x, scene.layout.room.centre.y, Camera.eyeHeight)
        }
        sample()
    }

    public var model: Model { session.model }
    public var state: State { session.state }

    public func text(_ t: LocalizedText) -> String { t.text(language.rawValue) }
    public func name(_ row: Int) -> String {
        let n = model.text.entityNames[row]
        let s = text(n)
        return s.isEmpty ? model.entities.ids[row] : s
    }

    // MARK: - Input

    public func handle(_ event: InputEvent) throws {
        // Anything but a mouse move may change the HUD: its button layout is rebuilt when next needed.
        var moveOnly = false
        if case .mouseMove = event { moveOnly = true }
        defer { if !moveOnly { regions.removeAll(keepingCapacity: true) } }
        switch event {
        case let .resize(w, h):
            width = max(1, w); height = max(1, h)
        case let .mouseMove(x, y):
            if let d = rightDrag {
                camera.look(dYaw: (x - d.x) * 0.005, dPitch: -(y - d.y) * 0.005)
                rightDrag = SIMD2(x, y)
            }
            cursor = SIMD2(x, y)
            if slider != nil, let r = sliderTrack(), y >= r.y - 10, y <= r.y + r.h + 10, keysDown.contains(.f) == false, dragging {
                slider?.value = max(0, min(1, (x - r.x) / r.w))
            }
            // The last frame's HUD layout is current enough for hovering (no rebuild per move).
            hover = region(at: cursor, relayout: regions.isEmpty) == nil ? pick(x: x, y: y) : nil
        case let .mouseDown(button, x, y):
            cursor = SIMD2(x, y)
            if button == .right { rightDrag = cursor; return }
            if let a = region(at: cursor) {
                if case .slider = a { dragging = true }
                try perform(a)
                return
            }
            if menu != nil || slider != nil { menu = nil; slider = nil; return }
            if let row = pick(x: x, y: y), !session.ended, !session.held {
                let verbs = VerbMenu.verbs(for: row, model: model, state: state)
                if !verbs.isEmpty { menu = Menu(row: row, x: x, y: y, verbs: verbs) }
            }
        case let .mouseUp(button, _, _):
            if button == .right { rightDrag = nil }
            dragging = false
        case let .scroll(dy):
            if camera.mode == .orbit { camera.distance = max(2, min(80, camera.distance * (1 - dy * 0.1))) }
        case let .key(k, down):
            if down { keysDown.insert(k) } else { keysDown.remove(k) }
            if down { try key(k) }
        case let .elapse(dt):
            try update(dt)
        case .text:
            break   // typing is for the login screen, not the scene
        }
    }

    var dragging = false

    func key(_ k: Key) throws {
        if let d = k.digit, let m = menu, d <= m.verbs.count {
            try perform(m.verbs[d - 1] == .set ? .openSlider(m.row) : .verb(m.verbs[d - 1], m.row))
            return
        }
        switch k {
        case .escape: menu = nil; slider = nil; submitArmed = false
        case .enter: if slider != nil { try perform(.commitSlider) }
        case .tab, .c: try perform(.toggleCamera)
        case .space: try perform(.togglePause)
        case .plus: try perform(.cycleSpeed)
        case .minus: session.setSpeed(1)
        case .g: try perform(.toggleGas)
        case .l: try perform(.toggleLanguage)
        case .p: try perform(.togglePPE)
        case .k: try perform(.acknowledgeAll)
        case .h: if let s = currentStep() { try perform(.hint(s)) }
        case .f10: try perform(.submit)
        default: break
        }
    }

    /// Does what a button, a menu item or a shortcut asks.
    public func perform(_ a: UIAction) throws {
        // While the instructor holds the clock the plant cannot be operated (language and camera still work).
        if session.held {
            switch a {
            case .toggleLanguage, .toggleCamera, .toggleGas, .togglePPE, .closeMenu: break
            default: return
            }
        }
        switch a {
        case let .verb(v, row):
            menu = nil
            if v == .set { slider = Slider(row: row, value: Float(state.valvePosition[Int(model.entities.local[row])])); return }
            try session.perform(v.rawValue, model.entities.ids[row])
        case let .openSlider(row):
            menu = nil
            slider = Slider(row: row, value: Float(state.valvePosition[Int(model.entities.local[row])]))
        case let .slider(v):
            slider?.value = max(0, min(1, v))
        case .commitSlider:
            if let s = slider {
                // Openings are journaled to 0.01, as a student can set them.
                let v = (Double(s.value) * 100).rounded() / 100
                try session.perform(Verb.set.rawValue, model.entities.ids[s.row], number: v)
            }
            slider = nil
        case .closeMenu:
            menu = nil; slider = nil
        case .toggleLanguage:
            language = language == .zh ? .en : .zh
        case .submit:
            guard !session.ended else { return }
            if submitArmed {
                submitArmed = false
                try session.perform(Verb.submit.rawValue, "")
            } else {
                submitArmed = true
            }
        case .togglePause: session.togglePause()
        case .cycleSpeed:
            let speeds = session.allowedSpeeds
            let i = speeds.firstIndex(of: session.speed) ?? 0
            session.setSpeed(speeds[(i + 1) % speeds.count])
        case .toggleGas: showGas.toggle()
        case .toggleCamera:
            if camera.mode == .orbit {
                camera.mode = .walk; camera.pitch = -0.15
            } else {
                camera = { var c = Camera.overview(of: scene.layout.room, focus: scene.layout.equipment); c.position = camera.position; return c }()
            }
        case .togglePPE: showPPE.toggle()
        case .acknowledgeAll:
            for a in 0..<model.alarms.count where state.alarmActive[a] != 0 && state.alarmAcknowledged[a] == 0 {
                try session.perform(Verb.acknowledge.rawValue, model.entities.ids[Int(model.alarms.entity[a])])
            }
        case let .hint(step):
            guard session.mode == .practice, step >= 0, step < model.procedure.count else { return }
            try session.perform(Journal.hintVerb, model.procedure[step].id)
        }
    }

    /// An instructor's command from the lab server (Docs/viewer.md, "Instructor commands"): the
    /// session journals it once (by id) at the current tick; messages and hints show on the HUD,
    /// a freeze or an incident pause holds the clock (and closes menus) until run or resume.
    /// `text` came from outside: line breaks become spaces for the one-line HUD.
    public func receive(command kind: InstructorCommand, id: Int64, target: String, text raw: String, by: String) throws {
        guard try session.take(command: kind, id: id, target: target, text: raw, by: by) != nil else { return }
        let t = raw.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        let now = state.tick, ttl = Int64(20 * Double(model.tickRate))
        switch kind {
        case .message:
            messages.append(Message(text: UIStrings.instructorMessage(t), untilTick: now + ttl, severity: 1))
        case .hint:
            let step = model.procedure.firstIndex { $0.id == target }
            let title = step.map { model.procedure[$0].title } ?? LocalizedText(zh: target, en: target)
            let shown = t.isEmpty ? title : LocalizedText(zh: t, en: t)
            messages.append(Message(text: LocalizedText(zh: UIStrings.instructorHint(shown.zh).zh, en: UIStrings.instructorHint(shown.en).en),
                                    untilTick: now + ttl, severity: 0))
        case .freeze, .pause:
            menu = nil; slider = nil; submitArmed = false
        case .run, .resume:
            if !session.held { messages.append(Message(text: UIStrings.resumed, untilTick: now + Int64(3 * Double(model.tickRate)), severity: 0)) }
        case .submit:
            messages.append(Message(text: UIStrings.examEnded, untilTick: now + ttl, severity: 1))
        case .fault, .clear:
            break   // the student sees the plant misbehave, not who made it
        }
    }

    /// What the banner under the top bar says while the instructor holds the clock, or nil.
    public var heldBanner: LocalizedText? {
        if let reason = session.incident { return UIStrings.incident(reason, exam: session.mode == .exam) }
        return session.frozen ? UIStrings.frozen : nil
    }

    /// Wall time passes: walking, the simulation, messages, trends.
    public func update(_ dt: Double) throws {
        if camera.mode == .walk {
            let speed: Float = 1.6 * Float(dt)
            var f: Float = 0, r: Float = 0
            if keysDown.contains(.w) { f += speed }
            if keysDown.contains(.s) { f -= speed }
            if keysDown.contains(.d) { r += speed }
            if keysDown.contains(.a) { r -= speed }
            if keysDown.contains(.q) { camera.look(dYaw: -1.5 * Float(dt), dPitch: 0) }
            if keysDown.contains(.e) { camera.look(dYaw: 1.5 * Float(dt), dPitch: 0) }
            if f != 0 || r != 0 { camera.walk(forward: f, right: r, room: scene.layout.room) }
            try reportZone()
        } else {
            let pan: Float = 4 * Float(dt)
            let fw = V3(sin(camera.yaw), cos(camera.yaw), 0), rt = V3(cos(camera.yaw), -sin(camera.yaw), 0)
            if keysDown.contains(.w) { camera.target += fw * pan }
            if keysDown.contains(.s) { camera.target -= fw * pan }
            if keysDown.contains(.d) { camera.target += rt * pan }
            if keysDown.contains(.a) { camera.target -= rt * pan }
            if keysDown.contains(.q) { camera.look(dYaw: -1.2 * Float(dt), dPitch: 0) }
            if keysDown.contains(.e) { camera.look(dYaw: 1.2 * Float(dt), dPitch: 0) }
        }
        let before = state.tick
        try session.advance(seconds: dt)
        if state.tick != before { collectMessages(); sample() }
        if session.ended && !endHandled {
            endHandled = true
            menu = nil; slider = nil
            onEnd?(self)
        }
    }

    /// Steps the simulation to `tick` (screenshots, reviews) as if time had passed on screen.
    public func fastForward(toTick tick: Int64) throws {
        while !session.ended && state.tick < tick {
            try session.stepOnce()
            collectMessages()
            sample()
        }
    }

    /// Walking into another zone's footprint is the student moving there: journal a move-to.
    func reportZone() throws {
        guard !session.ended, !session.held, let z = scene.zone(atX: camera.position.x, y: camera.position.y) else { return }
        if Int32(z) != reportedZone {
            reportedZone = Int32(z)
            try session.perform(Verb.moveTo.rawValue, model.entities.ids[z])
        }
    }

    /// Points the overview camera at an entity from the first side where nothing is in front
    /// of it (as a student would orbit around); false if it is not placed.
    @discardableResult
    public func lookAt(_ row: Int) -> Bool {
        guard let a = scene.anchor(row) else { return false }
        var first: Camera?
        for pitch: Float in [-0.45, -0.9, -1.35] {
            for k in 0..<8 {
                var c = Camera()
                c.mode = .orbit; c.target = a; c.distance = 4.5; c.pitch = pitch; c.yaw = -0.35 + Float(k) * .pi / 4
                c.position = camera.position
                if first == nil { first = c }
                camera = c
                if let p = c.project(a, width: Float(width), height: Float(height)), pick(x: p.x, y: p.y) == row { return true }
            }
        }
        camera = first!
        return true
    }

    /// The entity under pixel (x, y), if any.
    public func pick(x: Float, y: Float) -> Int? {
        let r = camera.ray(x: x, y: y, width: Float(width), height: Float(height))
        return scene.pick(origin: r.origin, dir: r.dir)
    }

    func region(at p: SIMD2<Float>, relayout: Bool = true) -> UIAction? {
        if relayout { layoutHUD() }
        for r in regions.reversed() where p.x >= r.x && p.x <= r.x + r.w && p.y >= r.y && p.y <= r.y + r.h {
            if case .slider = r.action { return .slider((p.x - r.x) / r.w) }
            return r.action
        }
        return nil
    }

    /// Where the open slider's track is (tests script drags on it).
    public func sliderTrackForTests() -> (x: Float, y: Float, w: Float, h: Float)? { layoutHUD(); return sliderTrack() }

    func sliderTrack() -> (x: Float, y: Float, w: Float, h: Float)? {
        for r in regions { if case .slider = r.action { return (r.x, r.y, r.w, r.h) } }
        return nil
    }

    /// The first started step not yet done (the one a hint is about), or nil.
    public func currentStep() -> Int? { currentStep(in: session.score.steps) }

    func currentStep(in steps: [StepResult]) -> Int? {
        return steps.firstIndex { !$0.completed && $0.startTick >= 0 } ?? steps.firstIndex { !$0.completed }
    }

    /// The core's accident events so far (for fire, explosion and arc-flash effects).
    public private(set) var accidents: [Event] = []

    func collectMessages() {
        let ev = session.events
        let now = state.tick
        let ttl = Int64(6 * Double(model.tickRate))
        for e in ev[lastEventCount...] {
            switch e.kind {
            case .accident:
                accidents.append(e)
                let c = Consequence(rawValue: UInt8(truncatingIfNeeded: e.code))
                // An exposure accident (subject -1 from the gas stage) names its gas.
                var gas = ""
                if e.subject == -1, let spec = model.gas?.spec, c == .injury || c == .fatality {
                    gas = e.detail == -2 ? " (O₂)" : e.detail >= 0 && Int(e.detail) < spec.species.count ? " (\(spec.species[Int(e.detail)].name))" : ""
                }
                let t = LocalizedText(zh: "事故：\(UIStrings.consequence(c).zh)\(gas)", en: "Accident: \(UIStrings.consequence(c).en)\(gas)")
                messages.append(Message(text: t, untilTick: now + 3 * ttl, severity: 2))
            case .actionRejected where e.code == RejectReason.interlockBlocked.rawValue && e.detail == Int32(FivePrevention.wrongBreaker.rawValue)
                && state.ticket != nil:
                messages.append(Message(text: UIStrings.ticketBlocked(next: ticketNextTitle()), untilTick: now + ttl, severity: 1))
            case .actionRejected where e.person < 0:
                break   // an instructor's line the core refused: not the student's doing
            case .actionRejected:
                let r = RejectReason(rawValue: e.code).map { "\($0.name)" } ?? "rejected"
                let who = e.subject >= 0 ? name(Int(e.subject)) : ""
                messages.append(Message(text: LocalizedText(zh: "操作未执行：\(who) — \(UIStrings.reject(r).zh)", en: "Not done: \(who) — \(UIStrings.reject(r).en)"), untilTick: now + ttl, severity: 1))
            case .faultFired:
                messages.append(Message(text: LocalizedText(zh: "设备异常！请检查现场。", en: "Something has gone wrong in the plant. Check the field."), untilTick: now + ttl, severity: 1))
            case .hazardTriggered:
                let t = e.subject >= 0 && Int(e.subject) < model.text.hazardMessages.count ? model.text.hazardMessages[Int(e.subject)] : LocalizedText(zh: "危险！", en: "Danger!")
                messages.append(Message(text: t, untilTick: now + 2 * ttl, severity: 2))
            case .alarmRaised:
                if let a = model.alarms.entity.firstIndex(of: e.subject), a < model.text.alarmMessages.count {
                    let m = model.text.alarmMessages[a]
                    messages.append(Message(text: m.zh.isEmpty ? LocalizedText(zh: name(Int(e.subject)), en: name(Int(e.subject))) : m, untilTick: now + ttl, severity: 2))
                }
            case .measurement:
                let who = e.subject >= 0 ? name(Int(e.subject)) : ""
                let v = measurementText(e)
                messages.append(Message(text: LocalizedText(zh: "测量 \(who)：\(v)", en: "Measured \(who): \(v)"), untilTick: now + ttl, severity: 0))
            default: break
            }
        }
        lastEventCount = ev.count
        messages.removeAll { $0.untilTick < now }
        if messages.count > 4 { messages.removeFirst(messages.count - 4) }
    }

    /// One trend sample per sim second for each gauge.
    func sample() {
        let sec = Int(state.seconds)
        guard sec != lastSampleSecond else { return }
        lastSampleSecond = sec
        for (k, row) in gaugeRows.enumerated() {
            trends[k].append(Float(gaugeValue(row)))
            if trends[k].count > 120 { trends[k].removeFirst(trends[k].count - 120) }
        }
    }

    /// A measurement in its unit: a detector in %LEL / ppm / %, a sensor in its dimension's
    /// unit, a tank's hand-gauged level in m, a zero-energy check as yes / no.
    func measurementText(_ e: Event) -> String {
        let row = Int(e.subject)
        guard row >= 0, row < model.entities.count else { return HUDFormat.number(e.value) }
        if let t = scene.detectorText(row: row, value: e.value) { return t }
        switch model.entities.kinds[row] {
        case .sensor: return HUDFormat.reading(e.value, model.sensors.dimension[Int(model.entities.local[row])])
        case .tank: return HUDFormat.reading(e.value, .length)
        case .energy: return text(e.value != 0 ? LocalizedText(zh: "零能量", en: "zero energy") : LocalizedText(zh: "仍有能量", en: "energy present"))
        default: return HUDFormat.number(e.value)
        }
    }

    func gaugeValue(_ row: Int) -> Double {
        let i = Int(model.entities.local[row])
        switch model.entities.kinds[row] {
        case .sensor: return state.sensorValue[i]
        case .detector: return state.detectorValue[i]
        case .reactor: return state.reactors[i].temperature
        case .compressor: return state.compressors.dischargePressure[i]
        default: return 0
        }
    }

    /// The 3D content of this frame.
    public func sceneFrame() -> SceneFrame {
        scene.frame(state: state, eye: camera.eye, hover: hover, showGas: showGas, accidents: accidents)
    }
}
