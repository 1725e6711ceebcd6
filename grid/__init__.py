"""Everything pandapower: base grids, assets, profiles, topology export and AC power flow."""
