import HazLabCore

/// The scenario file format, described once. The compiler takes its allowed keys from here
/// and `hazlab schema` turns it into JSON Schema, so the two cannot drift apart. Entity keys
/// come from each kind's `KindDescriptor` (HazLabCore/Kinds).
public enum Format {
    /// Every `type:` word, from the kinds' descriptors.
    public static let entityTypes = KindDescriptor.typeWords
    public static let faces = KindDescriptor.faces
    public static let fivePreventionRules = FivePrevention.allCases.map(\.name)
    public static let energyKinds = EnergyKind.allCases.map(\.name)

    public static let disciplines = ["chemical", "electrical", "confined-space", "gas", "lockout-tagout", "general"]
    public static let modes = ["teaching", "practice", "exam"]
    public static let consequences = Consequence.allCases.map(\.name)
    public static let sensorFailures = SensorFailure.allCases.filter { $0 != .none }.map(\.name)

    public static let top: [KeySpec] = [
        KeySpec("id", .scenarioId, required: true, "scenario id; also its folder name"),
        KeySpec("version", .integer(min: 1), "scenario revision"),
        KeySpec("title", .localized, required: true, "title in zh and en"),
        KeySpec("description", .localized, "description in zh and en"),
        KeySpec("discipline", .oneOf(disciplines), required: true, "training discipline"),
        KeySpec("tickRate", .integer(min: 1), "ticks per second (default 10)"),
        KeySpec("timeLimit", .quantity(.time), required: true, "attempt time limit, e.g. 15 min"),
        KeySpec("seed", .integer(min: 0), "default random seed"),
        KeySpec("modes", .list(.oneOf(modes)), "modes allowed (default: all)"),
        KeySpec("persons", .list(.section("person")), "other people who can act or own locks"),
        KeySpec("entities", .list(.section("entity")), required: true, "equipment, sensors, zones, PPE"),
        KeySpec("lines", .list(.section("line")), "flow paths between tanks"),
        KeySpec("variables", .dictionary(.expression(boolean: false)), "named expressions"),
        KeySpec("faults", .list(.section("fault")), "scripted faults"),
        KeySpec("hazards", .list(.section("hazard")), "hazard conditions and consequences"),
        KeySpec("procedure", .list(.section("step")), required: true, "procedure steps, in order"),
        KeySpec("rubric", .section("rubric"), "pass mark, deductions and vetoes"),
        KeySpec("interlocks", .section("interlocks"), "five-prevention interlocks (五防) of the electrical network"),
        KeySpec("ticket", .section("ticket"), "operating ticket (倒闸操作票): the ordered switching operations rule 1 of the five preventions checks"),
        KeySpec("gas", .section("gas"), "the gas dispersion grid over the room"),
        KeySpec("accidents", .section("accidents"), "which physics accidents end the attempt"),
        KeySpec("report", .section("report"), "what the per-attempt report plots"),
    ]

    public static let report: [KeySpec] = [
        KeySpec("trends", .list(.section("trend")), "variables plotted over time (quality-window variables are always plotted)"),
    ]

    public static let trend: [KeySpec] = [
        KeySpec("id", .identifier, required: true, "trend id"),
        KeySpec("title", .localized, required: true, "plot title"),
        KeySpec("value", .expression(boolean: false), required: true, "the variable"),
        KeySpec("unit", .string, "display unit, e.g. °C (default: SI)"),
    ]

    public static let interlocks: [KeySpec] = [
        KeySpec("disabled", .list(.oneOf(fivePreventionRules)), "rules switched off for training: the wrong operation then goes through"),
        KeySpec("earthAdjacency", .boolean, "also block a disconnector next to a closed earthing switch (default true)"),
    ]

    public static let ticket: [KeySpec] = [
        KeySpec("id", .string, required: true, "ticket number (操作票编号)"),
        KeySpec("title", .localized, required: true, "the task (操作任务)"),
        KeySpec("steps", .list(.section("ticketStep")), required: true, "the operations, in order (操作项目)"),
    ]

    public static let ticketOperations = TicketOperation.allCases.map(\.name)
    public static let ticketStep: [KeySpec] = TicketOperation.allCases.map { op in
        switch op {
        case .open: return KeySpec("open", .identifier, "open (断开/拉开) this breaker, disconnector or earthing switch")
        case .close: return KeySpec("close", .identifier, "close (合上) this breaker, disconnector or earthing switch")
        case .check: return KeySpec("check", .identifier, "check (检查) that this switch is in `position` (an inspect action)")
        case .verify: return KeySpec("verify", .identifier, "test for voltage (验电) at this energy source: done when it proves dead")
        case .tag: return KeySpec("tag", .identifier, "hang the danger sign (悬挂标示牌) on this equipment")
        case .untag: return KeySpec("untag", .identifier, "remove the sign (取下标示牌)")
        case .lock: return KeySpec("lock", .identifier, "lock (加锁) this equipment")
        case .unlock: return KeySpec("unlock", .identifier, "unlock (解锁) this equipment")
        }
    } + [
        KeySpec("position", .oneOf(["open", "closed"]), "for check: the position to see"),
        KeySpec("title", .localized, "the item as written on the ticket (default: made from the operation)"),
    ]

    public static let gas: [KeySpec] = [
        KeySpec("origin", .list(.quantity(.length)), "[x, y, z] of the grid's lower corner (default 0)"),
        KeySpec("size", .list(.quantity(.length)), required: true, "[x, y, z] extent of the grid (every room, see rooms)"),
        KeySpec("cellSize", .quantity(.length), required: true, "grid cell edge (0.5 m suits rooms with fans)"),
        KeySpec("species", .list(.oneOf(GasSpecies.table.map(\.name))), required: true, "gases transported"),
        KeySpec("standard", .oneOf(GasStandard.allCases.map(\.rawValue)), "source of the flammability limits: NFPA (default; CH4 5.0–15 %vol) or IEC (60079-20-1; CH4 4.4–17 %vol); see Docs/exposure.md"),
        KeySpec("diffusivity", .quantity(Dimension(length: 2, time: -1)), "turbulent diffusivity (default 0.05 m2/s)"),
        KeySpec("updateEvery", .quantity(.time), "gas clock (default 1 s; rounded to whole ticks)"),
        KeySpec("wind", .list(.quantity(.velocity)), "air velocity [x, y, z] through the rooms while a door or window to the outside is open"),
        KeySpec("fatalRadius", .quantity(.length), "explosion: fatal within this distance (default 5 m)"),
        KeySpec("injuryRadius", .quantity(.length), "explosion: injury within this distance (default 12 m)"),
        KeySpec("breathingHeight", .quantity(.length), "trainee's breathing zone above the floor (default 1.5 m)"),
        KeySpec("rooms", .list(.section("gasRoom")), "separate spaces in the grid, at most 64 (default: one room filling it); walls between them block gas except at doors and windows with 'between'"),
        KeySpec("buoyancy", .string, "gases lighter than air rise into leaner air and fill the room from the ceiling, heavier ones from the floor: on (default), off, or a velocity scale such as 0.5 m/s (default 1 m/s: pure CH4 rises at 0.45 m/s, 1 %vol at 0.2 m/s)"),
        KeySpec("initial", .list(.section("gasInitial")), "initial atmosphere: boxes of air with gases already in them (O2-deficient, H2S, CO)"),
    ]

    public static let gasRoom: [KeySpec] = [
        KeySpec("id", .identifier, required: true, "room id, used by 'room:' and 'between:' ('outside' is reserved for fresh air)"),
        KeySpec("from", .list(.quantity(.length)), required: true, "[x, y, z] of the room's lower corner, on cell edges"),
        KeySpec("to", .list(.quantity(.length)), required: true, "[x, y, z] of the room's upper corner, on cell edges"),
    ]

    /// One box of the initial atmosphere; besides `from` and `to`, any species of the grid or O2.
    public static let gasInitial: [KeySpec] =
        [KeySpec("from", .list(.quantity(.length)), required: true, "[x, y, z] of one corner (m)"),
         KeySpec("to", .list(.quantity(.length)), required: true, "[x, y, z] of the opposite corner; cells whose centres lie in the box"),
         KeySpec("O2", .quantity(.none), "oxygen below air's 20.9 %vol, e.g. 17 %vol: made by adding N2 (needs N2 in gas.species)")]
        + GasSpecies.table.map { KeySpec($0.name, .quantity(.none), "volume fraction of \($0.name), e.g. 50 ppm or 2 %vol") }

    public static let stream: [KeySpec] = [
        KeySpec("valve", .identifier, "valve whose opening scales the flow"),
        KeySpec("pumps", .list(.identifier), "pumps, at least one of which must run"),
        KeySpec("flow", .quantity(.volumeFlow), required: true, "flow with the valve fully open"),
        KeySpec("temperature", .quantity(.temperature), "stream temperature"),
        KeySpec("concentration", .quantity(Dimension(length: -3, amount: 1)), "reactant concentration (feed)"),
    ]

    public static let accidents: [KeySpec] = [
        KeySpec("endScenario", .list(.oneOf(consequences)), "consequences that end the attempt (default arc-flash, explosion, fatality)"),
    ]

    public static let person: [KeySpec] = [
        KeySpec("id", .identifier, required: true, "person id"),
        KeySpec("name", .localized, "display name"),
        KeySpec("zone", .identifier, "zone where this person works (exposed to energy released there)"),
    ]

    public static let entityCommon: [KeySpec] = [
        KeySpec("id", .identifier, required: true, "entity id, used in expressions and journals"),
        KeySpec("type", .oneOf(entityTypes), required: true, "entity type"),
        KeySpec("name", .localized, "display name"),
        KeySpec("zone", .identifier, "zone the trainee must be in to operate it"),
        KeySpec("room", .identifier, "gas room it is in, or outside (fresh air); hazlab check verifies its position (a zone: its whole box)"),
        KeySpec("position", .list(.quantity(.length)), "layout: [x, y, z] of the footprint centre at floor level"),
        KeySpec("size", .list(.quantity(.length)), "layout: [width, depth, height]"),
        KeySpec("mesh", .string, "layout: an OBJ file drawn by the viewer instead of the built-in shape (the scenario's folder, else Assets/meshes)"),
    ]

    /// Extra keys by entity type, from the kind's descriptor.
    public static func entityKeys(_ type: String) -> [KeySpec] {
        KindDescriptor.kind(ofType: type)?.descriptor.keys ?? []
    }

    public static let line: [KeySpec] = [
        KeySpec("id", .identifier, required: true, "line id"),
        KeySpec("from", .identifier, "source tank (omit for an external supply)"),
        KeySpec("to", .identifier, "destination tank (omit for a drain)"),
        KeySpec("pump", .identifier, "pump that drives it"),
        KeySpec("valves", .list(.identifier), "valves in series"),
        KeySpec("ratedFlow", .quantity(.volumeFlow), "flow at ratedDeltaP with every valve open (sets the line's resistance)"),
        KeySpec("ratedDeltaP", .quantity(.pressure), "pressure drop at ratedFlow (default 1 bar)"),
        KeySpec("cv", .number, "flow coefficient Cv (US gpm/√psi), instead of ratedFlow"),
        KeySpec("kv", .number, "flow coefficient Kv (m³/h/√bar), instead of ratedFlow"),
        KeySpec("orificeArea", .quantity(.area), "orifice area (with cd), instead of ratedFlow"),
        KeySpec("cd", .number, "orifice discharge coefficient (default 0.61)"),
        KeySpec("head", .list(.list(.quantity(.none))), "pump curve: [[flow, head], ...] from shut-off (flow 0) down"),
        KeySpec("checkValve", .boolean, "no reverse flow (pumps always have one)"),
        KeySpec("setPressure", .quantity(.pressure), "makes the line a relief valve that lifts at this differential pressure"),
        KeySpec("fromHeight", .quantity(.length), "nozzle height above the source tank's bottom"),
        KeySpec("toHeight", .quantity(.length), "nozzle height above the destination tank's bottom"),
        KeySpec("supplyPressure", .quantity(.pressure), "line without 'from': gauge pressure of the supply (default 0)"),
    ]

    public static let fault: [KeySpec] = [
        KeySpec("id", .identifier, required: true, "fault id"),
        KeySpec("at", .quantity(.time), "fires at this time"),
        KeySpec("window", .list(.quantity(.time)), "fires at a seeded random time in [from, to]"),
        KeySpec("when", .expression(boolean: true), "fires when this becomes true"),
        KeySpec("effects", .list(.section("effect")), required: true, "what happens"),
        KeySpec("description", .localized, "what the instructor should know"),
        KeySpec("instructor", .boolean, "an instructor may fire it from the teacher station, earlier than its own trigger (default false)"),
    ]

    public static let effect: [KeySpec] = [
        KeySpec("trip", .identifier, "trip a pump, fan or breaker"),
        KeySpec("stick", .identifier, "stick a valve where it is"),
        KeySpec("fail", .identifier, "fail a sensor"),
        KeySpec("mode", .oneOf(sensorFailures), "sensor failure mode (with fail)"),
        KeySpec("leak", .identifier, "start a leak from a tank, or set the rate of a gas leak"),
        KeySpec("rate", .quantity(.volumeFlow), "leak rate (with leak)"),
        KeySpec("ignite", .identifier, "a spark at this entity's position (static, a dropped tool)"),
        KeySpec("act", .oneOf(Verb.traineeCases.map(\.rawValue)), "a scripted person acts: the verb"),
        KeySpec("target", .identifier, "target of act"),
        KeySpec("by", .identifier, "person who acts (with act)"),
        KeySpec("value", .number, "value for act: set"),
    ]

    public static let hazard: [KeySpec] = [
        KeySpec("id", .identifier, required: true, "hazard id"),
        KeySpec("when", .expression(boolean: true), required: true, "hazard condition"),
        KeySpec("consequence", .oneOf(consequences), required: true, "what it causes"),
        KeySpec("endsScenario", .boolean, "the attempt ends when it occurs"),
        KeySpec("message", .localized, "message shown and reported"),
    ]

    public static let step: [KeySpec] = [
        KeySpec("id", .identifier, required: true, "step id"),
        KeySpec("title", .localized, required: true, "step title"),
        KeySpec("done", .expression(boolean: true), required: true, "completion condition"),
        KeySpec("after", .list(.identifier), "steps that must complete first (with order: strict, also the step before)"),
        KeySpec("expectedTime", .quantity(.time), "expected time used, from the step's start (its prerequisites done) to completion"),
        KeySpec("late", .section("late"), "how credit falls when the step takes longer than expectedTime (default: rubric.late)"),
        KeySpec("score", .number, required: true, "maximum score"),
        KeySpec("hint", .localized, "hint for teaching and practice modes"),
        KeySpec("hintCost", .number, "points a hint for this step costs (default: rubric.deductions.hint)"),
        KeySpec("targets", .list(.identifier), "equipment whose operation counts towards the repeat count (default: entities in done)"),
    ]

    public static let lateRules = LateRule.Shape.allCases.map(\.rawValue)
    public static let vetoEffects = ["zero", "cap", "end"]

    public static let late: [KeySpec] = [
        KeySpec("rule", .oneOf(lateRules), "linear: credit falls linearly over the window; step: full within it; none: no time rule"),
        KeySpec("window", .quantity(.time), "time after expectedTime over which credit falls to floor (default: expectedTime)"),
        KeySpec("floor", .number, "fraction of the score kept after the window, 0 to 1 (default 0.5)"),
    ]

    public static let rubric: [KeySpec] = [
        KeySpec("passScore", .number, "pass mark (default: 60 % of the maximum score)"),
        KeySpec("order", .oneOf(["partial", "strict"]), "partial: only 'after' orders steps; strict: every step also follows the one before"),
        KeySpec("late", .section("late"), "default late rule for steps with an expectedTime"),
        KeySpec("deductions", .section("deductions"), "points per event"),
        KeySpec("violations", .dictionary(.vetoOrPoints), "per core violation code: `veto` or points (default: deductions.violation)"),
        KeySpec("hazards", .dictionary(.vetoOrPoints), "per hazard id: `veto` or points to deduct"),
        KeySpec("accidents", .dictionary(.vetoOrPoints), "per accident consequence (arc-flash, injury, …): `veto` or points"),
        KeySpec("veto", .oneOf(vetoEffects), "what a veto does: zero the score (default), cap it at vetoCap, or end the attempt"),
        KeySpec("vetoCap", .number, "the cap for veto: cap"),
        KeySpec("grades", .section("grades"), "优/良/中/差 thresholds, percent of the maximum"),
        KeySpec("quality", .list(.section("quality")), "process variables to keep within a band during a phase"),
        KeySpec("rules", .list(.section("rule")), "scenario safety rules: each time one comes true it costs points"),
    ]

    public static let deductions: [KeySpec] = [
        KeySpec("rejectedAction", .number, "per action that could not apply"),
        KeySpec("violation", .number, "per safety violation the core reports (interlock-blocked, tagged equipment, …)"),
        KeySpec("outOfOrder", .number, "per step whose condition came true before its prerequisites were done (default: violation)"),
        KeySpec("hint", .number, "per hint used (default 0)"),
    ]

    public static let grades: [KeySpec] = [
        KeySpec("excellent", .number, "优 from this percent (default 90)"),
        KeySpec("good", .number, "良 from this percent (default 75)"),
        KeySpec("pass", .number, "中 from this percent (default 60); below is 差"),
    ]

    public static let quality: [KeySpec] = [
        KeySpec("id", .identifier, required: true, "quality window id"),
        KeySpec("title", .localized, required: true, "title"),
        KeySpec("value", .expression(boolean: false), required: true, "process variable"),
        KeySpec("band", .list(.quantity(.none)), required: true, "[low, high] in the variable's unit"),
        KeySpec("from", .identifier, "phase starts when this step completes (default: the start)"),
        KeySpec("to", .identifier, "phase ends when this step completes (default: the end)"),
        KeySpec("during", .expression(boolean: true), "only ticks on which this holds are in the phase"),
        KeySpec("grace", .quantity(.time), "time after the phase starts that is not judged"),
        KeySpec("score", .number, required: true, "points for 100 % of the phase in band"),
        KeySpec("excursion", .number, "points per excursion out of the band"),
    ]

    public static let rule: [KeySpec] = [
        KeySpec("id", .identifier, required: true, "rule id"),
        KeySpec("title", .localized, required: true, "what the rule forbids"),
        KeySpec("when", .expression(boolean: true), required: true, "the breach: each time it comes true costs points"),
        KeySpec("points", .number, required: true, "points per breach"),
    ]

    public static let localized: [KeySpec] = [
        KeySpec("zh", .string, required: true, "Simplified Chinese"),
        KeySpec("en", .string, "English"),
    ]

    /// Named sections, for the schema generator.
    public static let sections: [(String, [KeySpec])] = [
        ("person", person), ("line", line), ("fault", fault), ("effect", effect),
        ("hazard", hazard), ("step", step), ("late", late), ("rubric", rubric), ("deductions", deductions),
        ("grades", grades), ("quality", quality), ("rule", rule), ("report", report), ("trend", trend),
        ("interlocks", interlocks), ("ticket", ticket), ("ticketStep", ticketStep), ("accidents", accidents), ("gas", gas), ("gasRoom", gasRoom), ("gasInitial", gasInitial), ("stream", stream),
    ]

    static func names(_ keys: [KeySpec]) -> [String] { keys.map(\.name) }
}
