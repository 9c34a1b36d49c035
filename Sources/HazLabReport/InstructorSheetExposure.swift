import HazLabCore

extension InstructorSheet {
    /// The gas exposure rules for this scenario's gases, with their limits (Docs/exposure.md).
    func exposure(_ page: inout Page) {
        guard let net = model.gas else { return }
        let lang = page.lang
        page.h(3, lang.text(ExposureText.title), id: "exposure")
        page.note(lang.text(ExposureText.note))
        let rows = ExposureText.rows(net.spec).map { cells in
            Row(cells: cells.enumerated().map { k, c in k >= 2 && k <= 5 ? Cell.num(c) : Cell(c) },
                cls: "exposure", attrs: [("data-gas", cells[0])])
        }
        table(&page, id: "exposure-limits", cls: "exposure-limits", headers: ExposureText.headers.map { lang.text($0) },
              numeric: [2, 3, 4, 5], rows: rows)
        page.note(lang.text(ExposureText.oxygenRow) + " · " + GasDisplay.oxygenBands)
        if net.spec.species.contains(where: { $0.name == "CH4" }) {
            let std = GasStandard.of(net.spec)
            page.note(lang.text(ExposureText.standard) + " " + (std == .iec ? "IEC 60079-20-1 (gas.standard: IEC)" : "NFPA 325 (gas.standard: NFPA)"))
        }
    }
}
