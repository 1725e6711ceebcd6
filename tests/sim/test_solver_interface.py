"""The case key ``dispatch.solver_interface``: the array path and Pyomo's persistent
interface give the same run of the small case."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.case import Case
from sim.pipeline import run

#: set-points of the two interfaces [MW]
TOL_MW = 1e-6


def test_the_pyomo_interface_gives_the_same_run(small_case: Case) -> None:
    """Day-ahead windows of the small case (48 h, then the last 24 h)."""
    assert small_case.dispatch.solver_interface == "arrays"
    runs = {}
    for interface in ("arrays", "pyomo"):
        update = {"solver_interface": interface, "rolling": "day_ahead"}
        dispatch = small_case.dispatch.model_copy(update=update)
        runs[interface] = run(small_case.model_copy(update={"dispatch": dispatch}))
    arrays, via_pyomo = runs["arrays"], runs["pyomo"]
    assert arrays.stats.windows == via_pyomo.stats.windows == 2
    # arrays pad the shorter last window into the one model; pyomo builds one per length
    assert arrays.stats.models_built == 1
    assert via_pyomo.stats.models_built == 2
    np.testing.assert_allclose(
        [s.objective_eur for s in arrays.stats.statuses],
        [s.objective_eur for s in via_pyomo.stats.statuses],
        rtol=1e-9,
    )
    a, b = arrays.results, via_pyomo.results
    for name in ("storage_charge_p_mw", "storage_discharge_p_mw", "grid_import_p_mw"):
        frame = getattr(a, name)
        assert isinstance(frame, pd.DataFrame) and not frame.empty, name
        np.testing.assert_allclose(frame, getattr(b, name), atol=TOL_MW, err_msg=name)
