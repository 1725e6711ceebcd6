"""SimBench profiles on a UTC index, asset classification and lookup, topology export."""

from __future__ import annotations

import copy

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from grid.assets import AssetError, add_storage, renewable_kind, resolve_bus
from grid.profiles import ProfileError, Profiles, scale_profiles, simbench_profiles
from grid.topology import network_data

TOL_MW = 1e-12  # the same float data, only averaged

DAY = pd.Timestamp("2016-06-01 00:00", tz="UTC")


@pytest.fixture(scope="module")
def day_profiles(lv_net: pp.pandapowerNet) -> Profiles:
    """Hourly profiles of the LV grid for 1 June 2016."""
    return simbench_profiles(lv_net, DAY, DAY + pd.Timedelta(days=1))


def _raw_quarter_hours(net: pp.pandapowerNet, table: str, column: str) -> pd.Series:
    """The raw 15-minute relative profile of ``table`` on 1 June (UTC): the stamps are
    German summer time, two hours ahead of UTC."""
    raw = net.profiles[table]
    dates = pd.to_datetime(raw["time"], format="%d.%m.%Y %H:%M") - pd.Timedelta(hours=2)
    on_day = (dates >= "2016-06-01") & (dates < "2016-06-02")
    return raw.loc[on_day, column].astype(float)


def test_hourly_profiles_are_utc_and_hourly(
    lv_net: pp.pandapowerNet, day_profiles: Profiles
) -> None:
    expected = pd.date_range(DAY, periods=24, freq="h", tz="UTC")
    for frame in (day_profiles.load_p_mw, day_profiles.load_q_mvar, day_profiles.sgen_p_mw):
        assert frame.index.equals(expected)
        assert str(frame.index.tz) == "UTC"
        assert not frame.isna().to_numpy().any()
    assert list(day_profiles.load_p_mw.columns) == list(lv_net.load["name"])
    assert list(day_profiles.sgen_p_mw.columns) == list(lv_net.sgen["name"])


def test_hourly_load_is_the_mean_of_four_quarter_hours(
    lv_net: pp.pandapowerNet, day_profiles: Profiles
) -> None:
    load = lv_net.load.iloc[1]
    rel = _raw_quarter_hours(lv_net, "load", f"{load['profile']}_pload").to_numpy()
    assert rel.shape == (96,)
    expected = rel.reshape(24, 4).mean(axis=1) * load["p_mw"]
    np.testing.assert_allclose(day_profiles.load_p_mw[load["name"]], expected, atol=TOL_MW)
    # the four quarter-hours differ, so a mean is not the same as taking the first
    assert not np.allclose(expected, rel[::4] * load["p_mw"])


def test_hourly_pv_is_the_mean_of_four_quarter_hours(
    lv_net: pp.pandapowerNet, day_profiles: Profiles
) -> None:
    # index 2 is named "... SGen 4": columns must follow names, not positions
    sgen = lv_net.sgen.iloc[2]
    rel = _raw_quarter_hours(lv_net, "renewables", sgen["profile"]).to_numpy()
    expected = rel.reshape(24, 4).mean(axis=1) * sgen["p_mw"]
    got = day_profiles.sgen_p_mw[sgen["name"]]
    np.testing.assert_allclose(got, expected, atol=TOL_MW)
    assert got.max() > 0.2 * sgen["p_mw"]  # June daytime
    assert got.iloc[0] == pytest.approx(0.0, abs=TOL_MW)  # midnight


def test_fifteen_minute_resolution_returns_the_raw_values(lv_net: pp.pandapowerNet) -> None:
    p = simbench_profiles(lv_net, DAY, DAY + pd.Timedelta(hours=2), resolution_min=15)
    load = lv_net.load.iloc[0]
    rel = _raw_quarter_hours(lv_net, "load", f"{load['profile']}_pload").to_numpy()[:8]
    assert len(p.load_p_mw) == 8
    np.testing.assert_allclose(p.load_p_mw[load["name"]], rel * load["p_mw"], atol=TOL_MW)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2015-12-31 22:00", "2016-01-01 02:00"),
        ("2016-12-31 22:00", "2017-01-01 01:00"),
        ("2017-03-01 00:00", "2017-03-02 00:00"),
    ],
)
def test_period_outside_2016_raises(lv_net: pp.pandapowerNet, start: str, end: str) -> None:
    with pytest.raises(ProfileError, match="outside the profiles"):
        simbench_profiles(lv_net, pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC"))


def test_the_whole_year_is_inside(lv_net: pp.pandapowerNet) -> None:
    """The last interval starts at 23:45 local (22:45 UTC) on 31 Dec and ends at
    midnight local (23:00 UTC)."""
    p = simbench_profiles(
        lv_net,
        pd.Timestamp("2016-12-31 22:00", tz="UTC"),
        pd.Timestamp("2016-12-31 23:00", tz="UTC"),
    )
    assert len(p.load_p_mw) == 1


def test_resolution_must_be_a_multiple_of_15_minutes(lv_net: pp.pandapowerNet) -> None:
    with pytest.raises(ProfileError, match="resolution_min=20"):
        simbench_profiles(lv_net, DAY, DAY + pd.Timedelta(hours=2), resolution_min=20)


def test_grid_without_profiles_raises() -> None:
    with pytest.raises(ProfileError, match="no SimBench profiles"):
        simbench_profiles(pp.create_empty_network(), DAY, DAY + pd.Timedelta(hours=1))


def test_scale_profiles_scales_loads_and_each_sgen(
    lv_net: pp.pandapowerNet, day_profiles: Profiles
) -> None:
    names = list(lv_net.sgen["name"])
    factor = pd.Series(dict(zip(names, [0.0, 1.0, 2.0, 3.0], strict=True)))[::-1]
    scaled = scale_profiles(day_profiles, 1.5, factor)
    pd.testing.assert_frame_equal(scaled.load_p_mw, day_profiles.load_p_mw * 1.5)
    pd.testing.assert_frame_equal(scaled.load_q_mvar, day_profiles.load_q_mvar * 1.5)
    for name in names:
        pd.testing.assert_series_equal(
            scaled.sgen_p_mw[name], day_profiles.sgen_p_mw[name] * factor[name]
        )


def test_renewable_kind_of_the_default_mv_grid(mv_net: pp.pandapowerNet) -> None:
    kinds = renewable_kind(mv_net)
    assert kinds.value_counts().to_dict() == {"pv": 92, "wind": 6, "other_renewable": 4}
    assert list(kinds.index) == list(mv_net.sgen["name"])
    types = mv_net.sgen.set_index("name")["type"]
    assert types[kinds == "wind"].str.startswith("Wind").all()
    assert not types[kinds == "other_renewable"].str.contains("PV|Wind").any()


def test_resolve_bus_by_name_and_index(lv_net: pp.pandapowerNet) -> None:
    idx = int(lv_net.bus.index[3])
    name = lv_net.bus.at[idx, "name"]
    assert resolve_bus(lv_net, name) == idx
    assert resolve_bus(lv_net, idx) == idx
    hv = int(lv_net.ext_grid.at[0, "bus"])  # index 42: indices are not positions
    assert resolve_bus(lv_net, hv) == hv


def test_resolve_bus_unknown_name_gives_a_clear_error(lv_net: pp.pandapowerNet) -> None:
    with pytest.raises(AssetError, match=r"no bus named 'Bus 99' in the grid \(names look like"):
        resolve_bus(lv_net, "Bus 99")


def test_resolve_bus_unknown_index_gives_a_clear_error(lv_net: pp.pandapowerNet) -> None:
    with pytest.raises(AssetError, match="bus index 99 is not in the grid"):
        resolve_bus(lv_net, 99)


def test_network_data_maps_element_names_to_bus_names(lv_net: pp.pandapowerNet) -> None:
    net = copy.deepcopy(lv_net)
    bus_name = "LV1.101 Bus 4"
    add_storage(net, "battery 1", bus_name, p_max_mw=0.03, e_max_mwh=0.1)
    net.load.at[net.load.index[0], "in_service"] = False
    nd = network_data(net)

    assert list(nd.buses) == list(net.bus["name"])
    assert nd.ext_grid_bus == "MV1.101 Bus 4"
    assert nd.storage_bus.to_dict() == {"battery 1": bus_name}
    # in-service loads only, each mapped to the name of its bus
    load = net.load[net.load["in_service"]]
    assert list(nd.load_bus.index) == list(load["name"])
    assert list(nd.load_bus) == list(net.bus.loc[load["bus"], "name"])
    assert net.load.at[net.load.index[0], "name"] not in nd.load_bus.index
    assert nd.sgen_bus.to_dict() == dict(
        zip(net.sgen["name"], net.bus.loc[net.sgen["bus"], "name"], strict=True)
    )
    assert nd.sgen_bus["LV1.101 SGen 4"] == net.bus.at[net.sgen.at[2, "bus"], "name"]


def test_daylight_saving_days_have_every_utc_hour_once(mv_net: pp.pandapowerNet) -> None:
    """SimBench stamps are German local time: read in UTC, the spring-forward and
    fall-back nights have no gap and no repeated hour, and the year starts at
    2015-12-31 23:00 UTC."""
    from grid.profiles import profile_period

    first, end = profile_period(mv_net)
    assert first == pd.Timestamp("2015-12-31 23:00", tz="UTC")
    assert end == pd.Timestamp("2016-12-31 23:00", tz="UTC")
    for day in ("2016-03-27", "2016-10-30"):
        start = pd.Timestamp(day, tz="UTC")
        p = simbench_profiles(mv_net, start, start + pd.Timedelta(days=1))
        assert len(p.load_p_mw) == 24
        assert p.load_p_mw.notna().all().all()
        assert p.load_p_mw.index.is_unique
