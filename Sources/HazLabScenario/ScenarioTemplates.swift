/// Commented starter scenarios for `hazlab new`: one per discipline, each valid as written
/// (checked by the tests with warnings as errors), to be edited into a real scenario.
public enum ScenarioTemplates {
    public static let disciplines = ["chemical", "electrical", "confined-space", "gas", "lockout-tagout", "general"]

    /// The starter scenario text; nil for an unknown discipline.
    public static func text(discipline: String, id: String) -> String? {
        guard let body = bodies[discipline] else { return nil }
        return header(discipline: discipline, id: id) + body.entities + "\n" + common + body.rest + "\n" + footer(steps: body.firstStep)
    }

    struct Body {
        var entities: String
        /// lines, faults, hazards, procedure steps after the common ones, gas/interlock sections.
        var rest: String
        /// First discipline step (the common `go_to_field` step leads to it).
        var firstStep: String
    }

    /// The two common zones. Where there is a gas grid they say which gas room they are in
    /// (`room:`), and the confined-space field stays off the tank, so `hazlab check` is clean.
    static func zoneLines(_ discipline: String) -> String {
        let (controlRoom, fieldRoom, field): (String, String, String)
        switch discipline {
        case "gas": (controlRoom, fieldRoom, field) = ("room: outside, ", "room: plant, ", "position: [9 m, 4 m, 0 m], size: [10 m, 8 m, 4 m]")
        case "confined-space": (controlRoom, fieldRoom, field) = ("room: outside, ", "room: outside, ", "position: [7 m, 4 m, 0 m], size: [6 m, 8 m, 4 m]")
        default: (controlRoom, fieldRoom, field) = ("", "", "position: [9 m, 4 m, 0 m], size: [10 m, 8 m, 4 m]")
        }
        return "  - {id: control_room, type: zone, name: {zh: 控制室, en: Control room}, \(controlRoom)position: [2 m, 2 m, 0 m], size: [4 m, 4 m, 3 m]}\n"
            + "  - {id: field, type: zone, name: {zh: 现场, en: Field}, \(fieldRoom)\(field)}"
    }

    static func header(discipline: String, id: String) -> String {
        """
        # \(id) — a HazLab scenario (starter written by `hazlab new --discipline \(discipline)`).
        #
        # Edit it into your own, then check it as you go:
        #   hazlab check --werror Scenarios/\(id)          # every problem as path:line:col
        #   hazlab run Scenarios/\(id)                     # idle run to the time limit
        #   hazlab schema > hazlab-scenario.schema.json     # editor completion and validation
        # The format is in README.md, the rubric in Docs/scoring.md, expressions in Docs/expressions.md.
        # Cite the standards your procedure follows in comments like this one.
        id: \(id)
        version: 1
        title:
          zh: 新建实训场景（请修改）
          en: New training scenario (edit me)
        description:
          zh: 在这里写场景的背景、任务和主要危险。
          en: Describe the setting, the task and the main hazards here.
        discipline: \(discipline)
        tickRate: 10                 # simulation steps per second
        timeLimit: 15 min
        seed: 1                      # default seed; each exam attempt gets its own (hazlab exam plan)
        modes: [teaching, practice, exam]

        entities:
          # Layout: position is the footprint centre at floor level [x, y, z], size is [w, d, h].
        \(zoneLines(discipline))
          - {id: supervisor, type: contact, name: {zh: 班长, en: Shift supervisor}}
          - {id: helmet, type: ppe, name: {zh: 安全帽, en: Safety helmet}}
          - {id: gloves, type: ppe, name: {zh: 防护手套, en: Protective gloves}}

        """
    }

    static let common = """

    procedure:
      # A step starts when its `after` steps are done; `expectedTime` is the time it should take
      # from then. The ilab-x data standard asks for at least 10 steps: add yours.
      - id: ppe
        title: {zh: 穿戴劳保用品, en: Put on PPE}
        done: helmet.worn and gloves.worn
        expectedTime: 30 s
        score: 10
        hint: {zh: 佩戴安全帽和防护手套。, en: Wear the helmet and gloves.}
      - id: go_to_field
        title: {zh: 到达现场, en: Go to the field}
        after: [ppe]
        done: field.occupied
        expectedTime: 30 s
        score: 5
        hint: {zh: 前往现场。, en: Walk to the field.}

    """

    static func footer(steps first: String) -> String {
        """
          - id: report
            title: {zh: 向班长汇报, en: Report to the supervisor}
            after: [\(first)]
            done: supervisor.reported
            expectedTime: 60 s
            score: 5
            hint: {zh: 汇报完成情况和发现的问题。, en: Report what you did and what you found.}

        rubric:
          passScore: 60
          late: {rule: linear, floor: 0.5}   # late steps: credit falls linearly to 50 % over the expected time again
          deductions: {rejectedAction: 1, violation: 5, outOfOrder: 5, hint: 2}
          veto: zero                          # a veto scores 0; or `cap` with vetoCap, or `end`
          grades: {excellent: 90, good: 75, pass: 60}
          rules:
            - id: no_helmet_in_field
              title: {zh: 未戴安全帽进入现场, en: In the field without a helmet}
              when: field.occupied and not helmet.worn
              points: 5

        """
    }

    static let bodies: [String: Body] = [
        "chemical": Body(entities: """
          - {id: TK1, type: tank, name: {zh: 原料罐, en: Feed tank}, area: 2 m2, height: 3 m, level: 0.5 m, position: [8 m, 3 m, 0 m], size: [1.6 m, 1.6 m, 3 m]}
          - {id: P1, type: pump, name: {zh: 进料泵, en: Feed pump}, zone: field, position: [6 m, 3 m, 0 m], size: [0.8 m, 0.5 m, 0.6 m]}
          - {id: XV1, type: valve, name: {zh: 进料阀, en: Inlet valve}, strokeTime: 3 s, zone: field, position: [7 m, 3 m, 0.5 m]}
          - {id: LT1, type: sensor, name: {zh: 液位计, en: Level transmitter}, measures: TK1.level, delay: 1 s, range: [0 m, 3 m]}
          - {id: LAH1, type: alarm, name: {zh: 高液位报警, en: High level alarm}, when: LT1.value > 2.6 m, priority: high}
        lines:
          - {id: feed, to: TK1, pump: P1, valves: [XV1], ratedFlow: 36 m3/h}
        faults:
          - id: pump_trip              # at a seeded time inside the window: each exam seed differs
            window: [60 s, 180 s]
            effects: [{trip: P1}]
        hazards:
          - id: overflow
            when: TK1.level >= TK1.height
            consequence: accident
            endsScenario: true
            message: {zh: 储罐冒顶！, en: The tank overflowed!}
        """, rest: """
          - id: open_valve
            title: {zh: 打开进料阀, en: Open the inlet valve}
            after: [go_to_field]
            done: XV1.open
            expectedTime: 20 s
            score: 20
            hint: {zh: 先开阀，再启泵。, en: Open the valve before starting the pump.}
          - id: fill
            title: {zh: 进料至 2.0 m 并停泵, en: Fill to 2.0 m and stop the pump}
            after: [open_valve]
            done: P1.stopped and TK1.level >= 1.9 m and TK1.level <= 2.2 m
            expectedTime: 4 min
            score: 40
            hint: {zh: 启泵进料，跳车后复位再启动，到 2.0 m 停泵。, en: "Start the pump, reset it after a trip, stop at 2.0 m."}
          - id: close_valve
            title: {zh: 关闭进料阀, en: Close the inlet valve}
            after: [fill]
            done: XV1.closed
            expectedTime: 20 s
            score: 20
            hint: {zh: 关闭进料阀。, en: Close the inlet valve.}
        """, firstStep: "close_valve"),

        "electrical": Body(entities: """
          - {id: busbar, type: bus, voltage: 10 kV}
          - {id: grid, type: supply, bus: busbar, voltage: 10 kV}
          - {id: b1, type: bus}
          - {id: l1, type: bus}
          - {id: c1, type: bus}
          - {id: load1, type: load, bus: c1, power: 500 kW}
          - {id: QS1, type: disconnector, name: {zh: 母线侧隔离开关, en: Bus-side disconnector}, from: busbar, to: b1, closed: true, zone: field, position: [8 m, 2 m, 1.5 m]}
          - {id: QF1, type: breaker, name: {zh: 断路器, en: Circuit breaker}, from: b1, to: l1, closed: true, operateTime: 0.1 s, zone: field, position: [8 m, 3 m, 1 m]}
          - {id: QS2, type: disconnector, name: {zh: 线路侧隔离开关, en: Line-side disconnector}, from: l1, to: c1, closed: true, zone: field, position: [8 m, 4 m, 1.5 m]}
          - {id: QE1, type: earthing, name: {zh: 接地开关, en: Earthing switch}, bus: c1, zone: field, position: [8 m, 5 m, 0.5 m]}
          - {id: VD1, type: indicator, name: {zh: 带电显示器, en: Live-line indicator}, bus: c1, position: [8 m, 4 m, 2 m]}
          - {id: VM1, type: sensor, name: {zh: 线路电压表, en: Line voltmeter}, measures: "if c1.live then 10 else 0", position: [8 m, 4 m, 2.2 m]}
        faults:
          - id: voltmeter_sticks       # at a seeded time the voltmeter freezes: test for voltage, don't trust it
            window: [30 s, 120 s]
            effects: [{fail: VM1, mode: stuck}]
        """, rest: """
          - id: open_breaker
            title: {zh: 断开断路器, en: Open the breaker}
            after: [go_to_field]
            done: QF1.open
            expectedTime: 30 s
            score: 20
            hint: {zh: 先断开断路器，再拉隔离开关（五防）。, en: Open the breaker before any disconnector (five-prevention).}
          - id: open_disconnectors
            title: {zh: 先拉线路侧、后拉母线侧隔离开关, en: "Open the line-side, then the bus-side disconnector"}
            after: [open_breaker]
            done: QS2.open and QS1.open
            expectedTime: 60 s
            score: 20
            hint: {zh: 先拉 QS2，再拉 QS1。, en: "Open QS2, then QS1."}
          - id: earth
            title: {zh: 验电后合接地开关, en: "Test for voltage, then close the earthing switch"}
            after: [open_disconnectors]
            done: QE1.closed and not c1.live and VD1.inspected and VM1.inspected
            expectedTime: 60 s
            score: 40
            hint: {zh: 确认无电后再合接地开关。, en: Confirm the bay is dead before earthing it.}
        """, firstStep: "earth"),

        "confined-space": Body(entities: """
          - {id: tank_inside, type: zone, name: {zh: 罐内, en: Inside the tank}, position: [12 m, 4 m, 0 m], size: [4 m, 4 m, 4 m]}
          - {id: XV1, type: valve, name: {zh: 进料阀（须隔离）, en: Inlet valve (isolate it)}, opening: 1, zone: field, position: [9 m, 4 m, 1 m]}
          - {id: FAN1, type: fan, name: {zh: 防爆轴流风机, en: Explosion-proof blower}, explosionProof: true, airflow: 0.5 m3/s, zone: field, position: [11 m, 5 m, 3 m]}
          - {id: scba, type: ppe, name: {zh: 正压式空气呼吸器, en: SCBA}, protects: [all]}
          - {id: leak1, type: leak, species: H2S, position: [12 m, 4 m, 0.2 m], rate: 0 m3/h}
          - {id: GD1, type: detector, name: {zh: 四合一气体检测仪, en: Four-gas detector}, species: H2S, position: [12 m, 4 m, 1.5 m], responseTime: 10 s}
        gas:
          origin: [10 m, 2 m, 0 m]
          size: [4 m, 4 m, 4 m]
          cellSize: 1 m
          species: [H2S]
        faults:
          - id: sludge_release         # at a seeded time: H2S from disturbed sludge
            window: [5 min, 8 min]
            effects: [{leak: leak1, rate: 2 m3/h}]
        hazards:
          - id: h2s_exposure
            when: trainee.H2S > 10 ppm and tank_inside.occupied and not scba.worn
            consequence: injury
            endsScenario: true
            message: {zh: 硫化氢中毒！, en: H2S poisoning!}
        """, rest: """
          - id: isolate
            title: {zh: 隔离进料管线, en: Isolate the inlet line}
            after: [go_to_field]
            done: XV1.closed
            expectedTime: 30 s
            score: 20
            hint: {zh: 关闭进料阀并加盲板。, en: Close the inlet valve and fit a blind.}
          - id: ventilate
            title: {zh: 强制通风, en: Ventilate}
            after: [isolate]
            done: held(FAN1.running, 1 min)
            expectedTime: 2 min
            score: 20
            hint: {zh: 启动防爆风机通风至少 1 分钟。, en: Run the explosion-proof blower for at least a minute.}
          - id: gas_test
            title: {zh: 气体检测, en: Gas test}
            after: [ventilate]
            done: GD1.inspected
            expectedTime: 30 s
            score: 40
            hint: {zh: 进入前检测，合格后方可进入。, en: Test before entry; enter only when it passes.}
        """, firstStep: "gas_test"),

        "gas": Body(entities: """
          - {id: XV1, type: valve, name: {zh: 燃气总阀, en: Gas main valve}, opening: 1, zone: field, position: [4 m, 1 m, 1 m]}
          - {id: leak1, type: leak, species: CH4, valve: XV1, position: [9 m, 4 m, 0.5 m], rate: 0 m3/h}
          - {id: GD1, type: detector, name: {zh: 可燃气体探测器, en: Gas detector}, species: CH4, position: [9 m, 4 m, 3.5 m], responseTime: 10 s}
          - {id: door1, type: door, face: x-, position: [4 m, 4 m, 0 m], size: [1 m, 0.1 m, 2 m]}
          - {id: light, type: switch, name: {zh: 照明开关（非防爆）, en: Light switch (not explosion-proof)}, zone: field, position: [5 m, 7 m, 1.3 m]}
        gas:
          origin: [4 m, 0 m, 0 m]
          size: [10 m, 8 m, 4 m]
          cellSize: 1 m
          species: [CH4]
          rooms:                       # separate spaces: gas crosses a wall only at a door with `between`
            - {id: plant, from: [4 m, 0 m, 0 m], to: [14 m, 8 m, 4 m]}    # beyond the grid is fresh air
        faults:
          - id: pipe_leak              # at a seeded time: a flange starts to leak
            window: [20 s, 60 s]
            effects: [{leak: leak1, rate: 10 m3/h}]
        hazards:
          - id: switch_in_gas          # the engine also ignites gas at a non-explosion-proof switch
            when: light.closed and GD1.value > 10 %LEL
            consequence: alarm
            message: {zh: 在可燃气体环境中操作了电气开关！, en: An electrical switch was operated in flammable gas!}
          - id: gas_alarm
            when: GD1.value > 20 %LEL
            consequence: alarm
            message: {zh: 可燃气体浓度报警, en: Flammable gas alarm}
        """, rest: """
          - id: close_main
            title: {zh: 关闭燃气总阀, en: Close the gas main valve}
            after: [go_to_field]
            done: XV1.closed
            expectedTime: 30 s
            score: 30
            hint: {zh: 不要操作任何电气开关，先关总阀。, en: Touch no electrical switch; close the main valve first.}
          - id: ventilate
            title: {zh: 开门自然通风, en: Open the door to ventilate}
            after: [close_main]
            done: door1.open
            expectedTime: 30 s
            score: 30
            hint: {zh: 打开门窗自然通风。, en: Open doors and windows.}
          - id: evacuate
            title: {zh: 撤离到安全区域, en: Evacuate}
            after: [ventilate]
            done: control_room.occupied
            expectedTime: 30 s
            score: 20
            hint: {zh: 撤离到控制室。, en: Leave for the control room.}
        """, firstStep: "evacuate"),

        "lockout-tagout": Body(entities: """
          - {id: QF1, type: breaker, name: {zh: 电机电源开关, en: Motor breaker}, closed: true, zone: field, isolates: [power], position: [6 m, 6 m, 1 m]}
          - {id: P1, type: pump, name: {zh: 离心泵, en: Centrifugal pump}, power: QF1, running: true, zone: field, position: [9 m, 4 m, 0 m], size: [1.2 m, 0.6 m, 0.8 m]}
          - {id: power, type: energy, name: {zh: 电机电能, en: Motor electrical energy}, kind: electrical, magnitude: 380 V, zones: [field]}
          - {id: XV2, type: valve, name: {zh: 出口阀, en: Discharge valve}, opening: 1, strokeTime: 5 s, zone: field, position: [10 m, 4 m, 0.5 m]}
        faults:
          - id: valve_sticks           # at a seeded time the discharge valve jams where it is
            window: [10 min, 12 min]
            effects: [{stick: XV2}]
        """, rest: """
          - id: stop
            title: {zh: 停泵并断开电源, en: Stop the pump and open its breaker}
            after: [go_to_field]
            done: P1.stopped and QF1.open and XV2.closed
            expectedTime: 60 s
            score: 30
            hint: {zh: 先停泵，再断开电源开关。, en: "Stop the pump, then open its breaker."}
          - id: lock
            title: {zh: 上锁挂牌, en: Lock and tag}
            after: [stop]
            done: QF1.locked and QF1.tagged
            expectedTime: 60 s
            score: 30
            hint: {zh: 在开关上挂个人锁和标签。, en: Put your personal lock and tag on the breaker.}
          - id: verify
            title: {zh: 验证零能量, en: Verify zero energy}
            after: [lock]
            done: power.verified
            expectedTime: 60 s
            score: 20
            hint: {zh: 试启动并验证零能量。, en: Try to start and verify zero energy.}
        """, firstStep: "verify"),

        "general": Body(entities: """
          - {id: XV1, type: valve, name: {zh: 阀门, en: Valve}, strokeTime: 2 s, zone: field, position: [8 m, 4 m, 1 m]}
          - {id: settle, type: timer, duration: 10 s, startWhen: XV1.open}
        faults:
          - id: valve_sticks           # at a seeded time the valve sticks where it is
            window: [30 s, 90 s]
            effects: [{stick: XV1}]
        """, rest: """
          - id: open_valve
            title: {zh: 打开阀门, en: Open the valve}
            after: [go_to_field]
            done: XV1.open
            expectedTime: 30 s
            score: 40
            hint: {zh: 打开阀门 XV1。, en: Open valve XV1.}
          - id: wait
            title: {zh: 等待稳定, en: Wait until steady}
            after: [open_valve]
            done: settle.done
            expectedTime: 20 s
            score: 40
            hint: {zh: 等待 10 秒。, en: Wait ten seconds.}
        """, firstStep: "wait"),
    ]
}
