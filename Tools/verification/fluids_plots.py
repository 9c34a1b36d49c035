#!/usr/bin/env python3
"""Verification plots for the fluid-network kernel (hand-written SVG, plain python3).

Usage:
  HAZLAB_VERIFICATION_OUT=/tmp/hazlab-verif \
    swift test --scratch-path .build-proc --filter 'FluidNetworkTests|ReactorTests'
  python3 Tools/verification/fluids_plots.py /tmp/hazlab-verif [Docs/verification]

Reads the CSV files the tests write and produces fluids_*.svg (see Docs/verification/process.md).
"""
import csv
import math
import os
import sys

from svgplot import *  # noqa: F401,F403  (shared plot helpers)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("HAZLAB_VERIFICATION_OUT", "/tmp/hazlab-verif")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "Docs", "verification")
    os.makedirs(out, exist_ok=True)

    # Torricelli: numerical vs analytic h(t) = (√h0 − (Cd·a/A)·√(g/2)·t)².
    d = read_csv(os.path.join(src, "fluids_torricelli.csv"))
    svg_plot(os.path.join(out, "fluids_torricelli.svg"), "Torricelli draining: level vs time",
             "t (s)", "level h (m)",
             [("numerical", d["t_s"], d["h_num_m"], "#1f77b4", None),
              ("analytic", d["t_s"], d["h_analytic_m"], "#d62728", "6,4")])
    err = [abs(a - b) * 1000 for a, b in zip(d["h_num_m"], d["h_analytic_m"])]
    svg_plot(os.path.join(out, "fluids_torricelli_error.svg"), "Torricelli draining: |h_num − h_analytic|",
             "t (s)", "level error (mm)", [("|Δh|", d["t_s"], err, "#1f77b4", None)])

    # Drain to exactly empty with the default 10 Pa laminar band (F5): the last minute, in mm.
    d = read_csv(os.path.join(src, "fluids_drain_to_empty.csv"))
    svg_plot(os.path.join(out, "fluids_drain_to_empty.svg"), "Open tank, ΔP_lin = 10 Pa: the last film drains to exactly 0",
             "t (s)", "level h (mm)",
             [("numerical", d["t_s"], [h * 1000 for h in d["h_num_m"]], "#1f77b4", None),
              ("analytic (Torricelli)", d["t_s"], [h * 1000 for h in d["h_analytic_m"]], "#d62728", "6,4")],
             hlines=[(1.02, "ΔP_lin (1.02 mm)", "#9467bd")])

    # Mass balance closure over 2 h.
    d = read_csv(os.path.join(src, "fluids_mass_balance.csv"))
    svg_plot(os.path.join(out, "fluids_mass_balance.svg"), "Global balance error (Σinv + Σout − Σin − inv₀)/scale",
             "t (s)", "relative error", [
                 ("liquid (m³)", d["t_s"], [max(v, 1e-18) for v in d["rel_err_liquid"]], "#1f77b4", None),
                 ("gas (mol)", d["t_s"], [max(v, 1e-18) for v in d["rel_err_gas"]], "#2ca02c", None)],
             logy=True, hlines=[(1e-9, "tolerance", "#d62728")])
    svg_plot(os.path.join(out, "fluids_mass_balance_process.svg"), "Balance test plant: vessel pressure and relief",
             "t (s)", "pressure (bar abs)", [
                 ("vessel gas p", d["t_s"], [p / 1e5 for p in d["p_vessel_Pa"]], "#1f77b4", None),
                 ("relief open (×3)", d["t_s"], [3 * v for v in d["relief_open"]], "#ff7f0e", None)],
             hlines=[(3.01325, "set 2 barg", "#d62728")])

    # Relief hysteresis.
    d = read_csv(os.path.join(src, "fluids_relief.csv"))
    n = [i for i, t in enumerate(d["t_s"]) if t <= 600]
    t = [d["t_s"][i] for i in n]
    svg_plot(os.path.join(out, "fluids_relief.svg"), "Relief valve: set, lift, reseat (hysteresis)",
             "t (s)", "Δp over valve (bar)", [
                 ("Δp", t, [d["dp_Pa"][i] / 1e5 for i in n], "#1f77b4", None),
                 ("lift (bar-scaled)", t, [2 * d["lift"][i] for i in n], "#ff7f0e", None)],
             hlines=[(2.0, "set", "#d62728"), (2.2, "full lift", "#9467bd"), (1.86, "reseat", "#2ca02c")])

    # Equalising tanks: monotone decay, no sign flip.
    d = read_csv(os.path.join(src, "fluids_equalise.csv"))
    svg_plot(os.path.join(out, "fluids_equalise.svg"), "Two tanks equalising: head gap (no chatter)",
             "t (s)", "head gap (m)", [("gap", d["t_s"], [max(v, 1e-16) for v in d["head_gap_m"]], "#1f77b4", None)],
             logy=True)


if __name__ == "__main__":
    main()
