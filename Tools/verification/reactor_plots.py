#!/usr/bin/env python3
"""Verification plots for the reactor kernel (hand-written SVG, plain python3).

Usage:
  HAZLAB_VERIFICATION_OUT=/tmp/hazlab-verif \
    swift test --scratch-path .build-proc --filter 'FluidNetworkTests|ReactorTests'
  python3 Tools/verification/reactor_plots.py /tmp/hazlab-verif [Docs/verification]

Reads the CSV files ReactorTests writes and produces reactor_*.svg. The Semenov plot overlays an
independent reference: the same ODE integrated here with classical RK4 at h = 0.01 s. The
runaway plots overlay the stiff reference (scipy Radau) that ReactorTests.testStiffReference
reads from reactor_reference.json (regenerate it with reactor_reference.py).
"""
import csv
import math
import os
import sys

from svgplot import *  # noqa: F401,F403  (shared plot helpers)



R = 8.314462618


def semenov_reference(psi, t_end=6000.0, h=0.01):
    """ρ·cp·V·dT/dt = (−ΔH)·V·k0·C0·exp(−Ea/(R·T)) − UA·(T − Ta), parameters of ReactorTests."""
    ta, ea, dh, v, c0, ua, e = 300.0, 150000.0, -1e5, 0.1, 1000.0, 4180.0, 1000 * 4180 * 0.1
    k0 = psi * ua * R * ta * ta / (-dh * v * c0 * ea * math.exp(-ea / (R * ta)))
    dts = R * ta * ta / ea

    def f(T):
        return (-dh * v * c0 * k0 * math.exp(-ea / (R * T)) - ua * (T - ta)) / e

    T, t, ts, Ts = ta, 0.0, [0.0], [ta]
    n = int(round(t_end / h))
    for i in range(1, n + 1):
        a = f(T); b = f(T + h / 2 * a); c = f(T + h / 2 * b); d = f(T + h * c)
        T += h / 6 * (a + 2 * b + 2 * c + d)
        t = i * h
        if i % 500 == 0:
            ts.append(t); Ts.append(T)
        if (T - ta) / dts > 20:
            ts.append(t); Ts.append(T)
            break
    return ts, Ts


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("HAZLAB_VERIFICATION_OUT", "/tmp/hazlab-verif")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "Docs", "verification")
    os.makedirs(out, exist_ok=True)
    ta, dts = 300.0, R * 300.0 ** 2 / 150000.0

    sub = read_csv(os.path.join(src, "reactor_semenov_sub.csv"))
    sup = read_csv(os.path.join(src, "reactor_semenov_super.csv"))
    rs_t, rs_T = semenov_reference(0.9 / math.e)
    rp_t, rp_T = semenov_reference(1.1 / math.e)
    th = lambda Ts: [min((T - ta) / dts, 20.0) for T in Ts]
    svg_plot(os.path.join(out, "reactor_semenov.svg"),
             "Semenov: θ = (T − Ta)·Ea/(R·Ta²), ψ·e = 0.9 and 1.1", "t (s)", "θ (clipped at 20)", [
                 ("ψe=0.9 kernel", sub["t_s"], th(sub["T_K"]), "#1f77b4", None),
                 ("ψe=0.9 RK4 ref", rs_t, th(rs_T), "#17becf", "6,4"),
                 ("ψe=1.1 kernel", sup["t_s"], th(sup["T_K"]), "#d62728", None),
                 ("ψe=1.1 RK4 ref", rp_t, th(rp_T), "#ff9896", "6,4")],
             hlines=[(1.0, "θ = 1", "#555555")], ylim=(0, 20))

    d = read_csv(os.path.join(src, "reactor_loss_of_cooling.csv"))
    svg_plot(os.path.join(out, "reactor_loss_of_cooling.svg"),
             "CSTR: coolant lost at 3600 s, restored + feed stopped at 5400 s", "t (s)", "temperature (K)", [
                 ("T reactor", d["t_s"], d["T_K"], "#d62728", None),
                 ("Tj jacket", d["t_s"], d["Tj_K"], "#1f77b4", None),
                 ("MTSR", d["t_s"], d["MTSR_K"], "#9467bd", "6,4")],
             hlines=[(360.8, "T_op + 40 K", "#555555")])

    # Stiff reference cases: kernel at 10 Hz against scipy Radau.
    summary = {r["case"]: r for r in csv.DictReader(open(os.path.join(src, "reactor_reference_summary.csv")))}
    a = read_csv(os.path.join(src, "reactor_reference_adiabatic.csv"))
    rel = 100 * float(summary["adiabatic"]["worst_rel"])
    svg_plot(os.path.join(out, "reactor_adiabatic_runaway.svg"),
             f"Adiabatic batch, ΔT_ad = 300 K, 10 Hz: peak = T0 + ΔT_ad; worst error {rel:.2f} % of the rise",
             "t (s)", "temperature (K)", [
                 ("kernel (10 Hz)", a["t_s"], a["T_kernel_K"], "#d62728", None),
                 ("Radau reference", a["t_s"], a["T_ref_K"], "#1f77b4", "6,4")],
             hlines=[(600.0, "T0 + ΔT_ad", "#555555")])
    sub = read_csv(os.path.join(src, "reactor_reference_cooled_sub.csv"))
    sup = read_csv(os.path.join(src, "reactor_reference_cooled_super.csv"))
    r_sub = 100 * float(summary["cooled_sub"]["worst_rel"])
    r_sup = 100 * float(summary["cooled_super"]["worst_rel"])
    svg_plot(os.path.join(out, "reactor_semenov_consumption.svg"),
             f"Cooled first order with consumption, ψ = 0.9·ψc and 1.1·ψc (worst {r_sub:.4f} %, {r_sup:.3f} % of the rise)",
             "t (s)", "temperature (K)", [
                 ("0.9 ψc kernel", sub["t_s"], sub["T_kernel_K"], "#1f77b4", None),
                 ("0.9 ψc Radau", sub["t_s"], sub["T_ref_K"], "#17becf", "6,4"),
                 ("1.1 ψc kernel", sup["t_s"], sup["T_kernel_K"], "#d62728", None),
                 ("1.1 ψc Radau", sup["t_s"], sup["T_ref_K"], "#ff9896", "6,4")],
             hlines=[(300.0 + 119.617, "Ta + ΔT_ad", "#555555")])


if __name__ == "__main__":
    main()
