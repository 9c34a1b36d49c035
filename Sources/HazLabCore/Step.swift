/// One tick of the simulation. The stage order below is THE order; nothing else reorders it.
///
///  1. apply inputs        (trainee actions stamped with the current tick)
///     — the clock advances: everything after computes the state at tick + 1 —
///  2. scripted faults
///  3. interlocks
///  4. electrical topology (switch operations complete)
///  5. fluids              (valve strokes, line flows, tank inventories; compressors)
///  6. thermal / reaction
///  7. gas dispersion      (every GasNet.updateEveryTicks; detectors every tick)
///  8. fire / explosion    (hot work; sparks from operating equipment happen in stage 1)
///  9. trainee exposure    (dose, IDLH, oxygen deficiency)
/// 10. instruments, hazards and triggers (sensors, alarms, timers, hazards)
/// 11. events              (time limit, end of scenario)
///
/// `inputs` must all carry this tick; the runner slices them out of the journal.
/// Events are appended to `events`; they are output, never read back by the core.
/// Stepping an ended state does nothing.
public func step(_ model: Model, _ state: inout State, _ inputs: ArraySlice<Input>, _ events: inout [Event]) {
    if state.ended { return }
    for input in inputs { Inputs.apply(model, &state, input, &events) }       // 1
    if state.ended { return }                                                  // submitted
    state.tick &+= 1
    Faults.run(model, &state, &events)                                         // 2
    Interlocks.run(model, &state, &events)                                     // 3
    SwitchStage.run(model, &state, &events)                                    // 4
    ElectricalStage.refresh(model, &state)                                     // 4
    IsolationStage.run(model, &state, &events)                                 // 4 (energy isolation)
    Fluids.run(model, &state, &events)                                         // 5
    CompressorStage.run(model, &state, &events)                                // 5 (refrigeration)
    ThermalStage.run(model, &state, &events)                                   // 6
    GasStage.run(model, &state, &events)                                       // 7
    GasStage.runIgnition(model, &state, &events)                               // 8
    GasStage.runExposure(model, &state, &events)                               // 9
    if state.ended { return }
    Instruments.run(model, &state, &events)                                    // 10
    Hazards.run(model, &state, &events)                                        // 10
    Clock.run(model, &state, &events)                                          // 11
}

/// Convenience: step with no inputs.
public func step(_ model: Model, _ state: inout State, _ events: inout [Event]) {
    step(model, &state, [], &events)
}
