"""One Pyomo Block builder per asset family.

Every block exposes the same interface: a set ``BUS`` of the buses it touches, an
expression ``injection_mw[bus, t]`` (power into the bus [MW]), and scalar
expressions ``cost_eur`` [EUR] and ``emissions_tco2`` [tCO2] over the window.
"""
