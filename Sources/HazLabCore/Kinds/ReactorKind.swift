/// A stirred-tank reactor with an exothermic first-order reaction and a cooling jacket.
extension KindDescriptor {
    private static let molar = Dimension(length: -3, amount: 1)
    public static let reactor = KindDescriptor(
        kind: .reactor, name: "reactor", label: zhEn("反应釜", "reactor"),
        types: [TypeWord("reactor", zhEn("反应釜", "reactor"))],
        keys: [KeySpec("volume", .quantity(.volume), required: true, "reaction mass volume"),
               KeySpec("temperature", .quantity(.temperature), "initial temperature"),
               KeySpec("concentration", .quantity(molar), "initial reactant concentration"),
               KeySpec("kRef", .quantity(.frequency), required: true, "first-order rate constant at TRef"),
               KeySpec("TRef", .quantity(.temperature), required: true, "reference temperature of kRef"),
               KeySpec("activationEnergy", .quantity(Dimension(length: 2, mass: 1, time: -2, amount: -1)), required: true, "Ea, e.g. 80 kJ/mol"),
               KeySpec("heatOfReaction", .quantity(Dimension(length: 2, mass: 1, time: -2, amount: -1)), required: true, "ΔH (negative: exothermic), e.g. -100 kJ/mol"),
               KeySpec("density", .number, "kg/m³ (default 1000)"),
               KeySpec("heatCapacity", .number, "J/(kg·K) (default 4180)"),
               KeySpec("ua", .quantity(Dimension(length: 2, mass: 1, time: -3, temperature: -1)), required: true, "jacket heat-transfer coefficient × area, e.g. 5 kW/K"),
               KeySpec("agitatorOffFactor", .number, "fraction of ua left when the agitator stops (default 0.3)"),
               KeySpec("uaLoss", .quantity(Dimension(length: 2, mass: 1, time: -3, temperature: -1)), "heat loss to ambient"),
               KeySpec("ambientTemperature", .quantity(.temperature), "ambient (default 20 °C)"),
               KeySpec("jacketVolume", .quantity(.volume), "jacket volume (default 0.2 m3)"),
               KeySpec("jacketTemperature", .quantity(.temperature), "initial jacket temperature"),
               KeySpec("agitator", .identifier, "agitator motor"),
               KeySpec("feed", .section("stream"), "feed: valve, pumps, flow, temperature, concentration"),
               KeySpec("coolant", .section("stream"), "cooling water: valve, pumps, flow, temperature"),
               KeySpec("quench", .section("stream"), "emergency quench: valve, pumps, flow, temperature"),
               KeySpec("dump", .section("stream"), "emergency dump: valve, pumps, flow"),
               KeySpec("constantVolume", .boolean, "true: CSTR (overflow keeps volume); false: semi-batch")],
        verbs: [.measure, .inspect],
        fields: [field("temperature", .reactorTemperature, .number(.temperature), "reaction mass temperature"),
                 field("jacketTemperature", .reactorJacketTemperature, .number(.temperature), "cooling jacket temperature"),
                 field("concentration", .reactorConcentration, .number(Dimension(length: -3, amount: 1)), "reactant concentration"),
                 field("rate", .reactorRate, .number(Dimension(length: -3, time: -1, amount: 1)), "reaction rate"),
                 field("heatRelease", .reactorHeatRelease, .number(.power), "heat released by the reaction"),
                 field("coolingDuty", .reactorJacketDuty, .number(.power), "heat removed by the jacket"),
                 field("mtsr", .reactorMTSR, .number(.temperature), "maximum temperature of the synthesis reaction (cooling lost now)"),
                 field("volume", .reactorVolume, .number(.volume), "reaction mass volume")]
    )
}
