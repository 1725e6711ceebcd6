"""Write the data of this case folder: a CIGRE MV network and its profiles as a
planner would bring them.

- ``cigre_mv.json``: ``pandapower.networks.create_cigre_network_mv(with_der="pv_wind")``
  (15 buses, 18 loads, 8 PV units and a 1.5 MW wind turbine), saved with
  ``pandapower.to_json``.
- ``load_p.csv``: one column per load (by name), per unit of the load's ``p_mw``:
  SimBench's 2016 profile ``lv_semiurb4`` (semi-urban LV feeder) for the residential
  loads ``Load R*`` and ``G0-A`` (general commercial) for the commercial and
  industrial loads ``Load CI*``, each scaled to a peak of 1.0 over the year.
- ``sgen_p.csv``: one column per generator, per unit of its ``p_mw``: SimBench's
  ``PV3`` for PV and ``WP4`` for the wind turbine.

Hourly means of 3 to 11 July 2016 (a day either side of the case's week), stamped
in local time (Europe/Berlin, no UTC offset), as many metering exports are. Run from the repository:
``.venv/bin/python cases/own_data/make_data.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandapower as pp
import pandapower.networks as pn
import pandas as pd
import simbench as sb

HERE = Path(__file__).parent
START, END = "2016-07-03 00:00", "2016-07-12 00:00"  # local time


def _hourly(frame: pd.DataFrame) -> pd.DataFrame:
    """SimBench's 15-minute profiles as hourly means, in local time."""
    frame = frame.copy()
    frame.index = pd.to_datetime(frame.pop("time"), format="%d.%m.%Y %H:%M")
    frame = frame.groupby(frame.index.floor("h")).mean()  # DST days keep their local hours
    return frame.loc[(frame.index >= START) & (frame.index < END)]


def main() -> None:
    net = pn.create_cigre_network_mv(with_der="pv_wind")
    pp.to_json(net, str(HERE / "cigre_mv.json"))
    profiles = sb.get_simbench_net("1-MV-rural--0-sw").profiles
    raw_load = profiles["load"].set_index("time")
    peak = raw_load.max()
    load = _hourly((raw_load / peak).reset_index())
    shape = {"R": "lv_semiurb4_pload", "C": "G0-A_pload"}
    load_p = pd.DataFrame(
        {n: load[shape[n.split()[1][0]]] for n in net.load["name"]}, index=load.index
    )
    ren = _hourly(profiles["renewables"])
    sgen_p = pd.DataFrame(
        {
            n: ren["PV3" if t == "PV" else "WP4"]
            for n, t in zip(net.sgen["name"], net.sgen["type"], strict=True)
        },
        index=ren.index,
    )
    for name, frame in (("load_p", load_p), ("sgen_p", sgen_p)):
        frame.index.name = "time"
        frame.round(4).to_csv(HERE / f"{name}.csv", date_format="%Y-%m-%d %H:%M")


if __name__ == "__main__":
    main()
