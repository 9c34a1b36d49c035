#!/usr/bin/env python3
"""Stiff reference solutions for the reactor kernel (scipy Radau), written as a test fixture.

Usage (needs numpy and scipy, e.g. python3 -m venv /tmp/vref && /tmp/vref/bin/pip install scipy numpy):
  /tmp/vref/bin/python Tools/verification/reactor_reference.py [Tools/verification/reactor_reference.json]

Cases (batch, constant volume, first order, reactant consumed; ρ = 1000 kg/m³, cp = 4180 J/(kg·K)):
  adiabatic      ΔT_ad = 300 K from 300 K, Ea = 80 kJ/mol, k(300 K) = 1e-3 /s; peak = 600 K exactly.
  cooled_sub     Semenov cooling (UA = 4180 W/K to Ta = 300 K, τ = 100 s, Ea = 150 kJ/mol,
  cooled_super   ΔT_ad = 119.6 K, B = ΔT_ad·Ea/(R·Ta²) = 24) at ψ = 0.9·ψc and 1.1·ψc, where ψc is the
                 critical Semenov number with consumption, found here as the ψ of maximum parametric
                 sensitivity dθ_max/dψ (Morbidelli & Varma, AIChE J. 34 (1988) 1735). Without
                 consumption ψc = 1/e; with it ψc lies above 1/e.
The fixture holds each case's parameters and T(t) on the 10 Hz tick grid (every `stride` ticks);
ReactorTests.testStiffReference steps the kernel at 10 Hz and compares within 1 % of the rise.
"""
import json
import math
import sys

import numpy as np
from scipy.integrate import solve_ivp

R = 8.314462618
RHO, CP = 1000.0, 4180.0


def solve(p, t_end, times, rtol=1e-11, max_step=0.5):
    e = RHO * CP * p["volume"]

    def f(_, y):
        T, n = y
        k = p["k0"] * math.exp(-p["Ea"] / (R * T))
        r = k * max(n, 0.0)
        return [(-p["dH"] * r - p["uaLoss"] * (T - p["Ta"])) / e, -r]

    def jac(_, y):
        T, n = y
        k = p["k0"] * math.exp(-p["Ea"] / (R * T))
        dk = k * p["Ea"] / (R * T * T)
        return [[(-p["dH"] * dk * n - p["uaLoss"]) / e, -p["dH"] * k / e], [-dk * n, -k]]

    y0 = [p["T0"], p["C0"] * p["volume"]]
    sol = solve_ivp(f, (0.0, t_end), y0, method="Radau", jac=jac, rtol=rtol, atol=[1e-9, 1e-9],
                    dense_output=True, max_step=max_step)
    assert sol.success, sol.message
    return sol.sol(np.asarray(times))[0] if len(times) else None, sol


def adiabatic():
    ea = 80000.0
    return {"volume": 1.0, "T0": 300.0, "Ta": 300.0, "uaLoss": 0.0, "dH": -100000.0,
            "C0": 300.0 * RHO * CP / 100000.0, "Ea": ea, "k0": 1e-3 / math.exp(-ea / (R * 300.0))}


def cooled(psi):
    ta, ea, dh, v, c0, ua = 300.0, 150000.0, -100000.0, 0.1, 5000.0, 4180.0
    k0 = psi * ua * R * ta * ta / (-dh * v * c0 * ea * math.exp(-ea / (R * ta)))
    return {"volume": v, "T0": ta, "Ta": ta, "uaLoss": ua, "dH": dh, "C0": c0, "Ea": ea, "k0": k0}


def peak_theta(psi, t_end=4000.0):
    p = cooled(psi)
    _, sol = solve(p, t_end, [], rtol=1e-9, max_step=20.0)
    ts = np.linspace(0, t_end, 400001)
    return (float(np.max(sol.sol(ts)[0])) - p["Ta"]) * p["Ea"] / (R * p["Ta"] ** 2)


def critical_psi():
    """ψ of maximum dθ_max/dψ: coarse grid in ψ·e, then a finer one around the maximum."""
    lo, hi, step = 1.0, 2.5, 0.05
    for _ in range(3):
        xs = np.arange(lo, hi + step / 2, step)
        th = [peak_theta(x / math.e) for x in xs]
        s = np.diff(th) / np.diff(xs)
        i = int(np.argmax(s))
        centre = 0.5 * (xs[i] + xs[i + 1])
        lo, hi, step = centre - 2 * step, centre + 2 * step, step / 5
    return centre / math.e


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "Tools/verification/reactor_reference.json"
    psic = critical_psi()
    cases = [("adiabatic", adiabatic(), 40.0, 1),
             ("cooled_sub", cooled(0.9 * psic), 4000.0, 10),
             ("cooled_super", cooled(1.1 * psic), 4000.0, 10)]
    doc = {"generator": "Tools/verification/reactor_reference.py (scipy Radau, rtol 1e-11)",
           "dt": 0.1, "psi_critical": psic, "psi_critical_times_e": psic * math.e, "cases": []}
    for name, p, t_end, stride in cases:
        ticks = int(round(t_end / 0.1))
        times = [i * 0.1 for i in range(0, ticks + 1, stride)]
        T, _ = solve(p, t_end, times)
        doc["cases"].append({"name": name, "params": p, "stride": stride, "ticks": ticks,
                             "T": [round(float(x), 6) for x in T]})
        print(f"{name}: peak {max(T):.4f} K, rise {max(T) - p['T0']:.4f} K")
    print(f"psi_c*e = {psic * math.e:.4f}")
    with open(out, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
