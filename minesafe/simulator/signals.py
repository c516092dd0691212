"""Quiet sensor values: diurnal pattern, slow bounded drift and noise, per sensor kind (MON-1).

``value = base · (1 + diurnal · cos(day phase − peak) + drift · sin(week phase + φ)) + noise``,
with the day's peak in the morning production shift and the drift a slow weekly wave (a
sensor creeping away from calibration and back, never running off). Switches hold their
state. Each cycle draws its noise from ``(seed, cycle)``, so any cycle can be rebuilt alone
and the same seed gives the same values in any order of evaluation.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from minesafe.simulator.catalogue import PointTable

F64 = npt.NDArray[np.float64]

DAY_S = 86400.0
WEEK_S = 7 * DAY_S
PEAK_HOUR = 11.0  # methane and CO follow coal cutting in the day shift
CHINA_OFFSET_S = 8 * 3600


def quiet_values(points: PointTable, t: float, cycle: int, seed: int) -> F64:
    """Every point's value at POSIX time ``t`` (cycle number ``cycle``), rounded to 0.01."""
    local = (t + CHINA_OFFSET_S) % DAY_S
    day_wave = np.cos(2 * np.pi * (local / DAY_S - PEAK_HOUR / 24.0))
    week_wave = np.sin(2 * np.pi * t / WEEK_S + points.phase)
    rng = np.random.default_rng([seed, 3, cycle])
    noise = rng.standard_normal(len(points))
    values = points.base * (1.0 + points.diurnal * day_wave + points.drift * week_wave)
    values += points.noise * np.clip(noise, -3.5, 3.5)
    np.clip(values, 0.0, None, out=values)
    rounded: F64 = np.round(values, 2)
    return rounded
