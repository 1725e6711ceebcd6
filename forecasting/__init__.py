"""Forecasters of load, renewable and price series; no imports from the other packages."""
