/// Every readable field, by entity kind. The scenario compiler resolves `ENTITY.field`
/// names through `FieldCatalog`; the core reads them in `State.read(_:model:)`.
public enum FieldKind: UInt16, Sendable, CaseIterable {
    // scenario
    case time
    // valve
    case valvePosition, valveOpen, valveClosed, valveStuck, valveMoving, valveFlow
    // switch (breaker, disconnector, earthing switch, plain switch)
    case switchClosed, switchOpen, switchTripped, switchOperating
    // pump or fan
    case motorRunning, motorTripped, motorStopped
    // tank
    case tankLevel, tankVolume, tankFill, tankInflow, tankOutflow, tankHeight, tankOverflowing
    // sensor
    case sensorValue, sensorFailed
    // alarm
    case alarmActive, alarmAcknowledged, alarmUnacknowledged
    // timer
    case timerRunning, timerElapsed, timerDone
    // PPE item
    case ppeWorn
    // zone
    case zoneOccupied
    // contact (report target)
    case contactReported, contactReports
    // any lockable equipment (uses the global entity index)
    case entityLocked, entityTagged, entityInspected, entityInspections
    // electrical network (rows in the order of each kind's entities)
    case busLive, busEarthed, busVoltage, busFaulted, supplyLive, loadSupplied, indicatorLit
    // energy isolation
    case energyIsolated, energyVerified, energyResidual
    // the trainee (index unused)
    case traineeInjuries, traineeInjured, traineeDead
    // gas, fire and exposure
    case openingOpen, leakRate, leakActive, detectorValue, hotworkActive
    /// Inhaled volume fraction of species `index` at the trainee's breathing zone.
    case traineeConcentration
    /// Exposure dose of species `index`, volume fraction × seconds (unprotected only).
    case traineeDose
    case traineeOxygen, traineeIncapacitated
    // reactor
    case reactorTemperature, reactorJacketTemperature, reactorConcentration, reactorRate, reactorHeatRelease
    case reactorJacketDuty, reactorMTSR, reactorVolume
    // fluid network
    case tankPressure, tankGasPressure, lineFlow, lineReliefOpen
    /// Volume fraction of species `index` in the air at the trainee's breathing zone, before PPE.
    case traineeAirConcentration
    /// Oxygen fraction in the air at the trainee's breathing zone, before PPE.
    case traineeAirOxygen
    // the operating ticket (index unused)
    case ticketNext, ticketDone, ticketCompleted, ticketDeviations, ticketBlocked
    // compressor
    case compressorRunning, compressorStopped, compressorTripped, compressorDischargePressure
}
