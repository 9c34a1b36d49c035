/// Stage 6: thermal and reaction.
enum ThermalStage {
    static func run(_ m: Model, _ s: inout State, _ events: inout [Event]) {
        guard let plant = m.reactors else { return }
        for r in 0..<plant.specs.count {
            var inputs = ReactorInputs()
            if let f = plant.feed[r] {
                inputs.feedFlow = plant.flow(f, s); inputs.feedTemperature = f.temperature; inputs.feedConcentration = f.concentration
            }
            if let c = plant.coolant[r] {
                inputs.coolantFlow = plant.flow(c, s); inputs.coolantInletTemperature = c.temperature
            }
            if let q = plant.quench[r] { inputs.quenchFlow = plant.flow(q, s); inputs.quenchTemperature = q.temperature }
            if let d = plant.dump[r] { inputs.dumpFlow = plant.flow(d, s) }
            let a = plant.agitator[r]
            inputs.agitatorOn = a < 0 || s.motorRunning[Int(a)] != 0
            var state = s.reactors[r]
            Reactor.step(plant.specs[r], &state, inputs: inputs, dt: m.secondsPerTick)
            s.reactors[r] = state
        }
    }
}
