"""Everything Pyomo: dispatch inputs, model, solver interface, result extraction."""
