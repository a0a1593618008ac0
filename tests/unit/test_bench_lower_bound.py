"""bench/lower_bound.py: each design's share of the floor pairs repetition i with repetition i,
and a minimal design that skipped its work fails the cell instead of measuring nothing."""

from __future__ import annotations

import pytest

from bench import lower_bound


def _cells(figures: dict[str, list[float]], clients: int = 1) -> list[dict]:
    return [
        {"design": name, "clients": clients, "rep": rep, "tps": tps}
        for name, values in figures.items()
        for rep, tps in enumerate(values)
    ]


def test_share_of_the_floor_is_paired_by_repetition() -> None:
    # Repetitions listed out of order: the pairing must follow "rep", not list order.
    cells = _cells(
        {"a_floor_on": [1000.0, 2000.0, 4000.0], "m1_counter_log": [800.0, 1000.0, 3600.0]}
    )
    cells.reverse()
    summary = lower_bound.summarize(cells, (1,))
    share = summary["m1_counter_log/1"]["over_floor"]
    assert share["per_rep"] == pytest.approx([0.8, 0.5, 0.9])
    assert share["median"] == pytest.approx(1000.0 / 2000.0)  # ratio of the medians
    assert (share["min"], share["max"]) == pytest.approx((0.5, 0.9))
    assert summary["a_floor_on/1"]["tps"]["median"] == 2000.0


def test_every_design_is_summarized_at_every_client_count() -> None:
    figures = {d.name: [100.0] for d in lower_bound.DESIGNS}
    cells = _cells(figures, 1) + _cells(figures, 16)
    summary = lower_bound.summarize(cells, (1, 16))
    assert set(summary) == {f"{d.name}/{n}" for d in lower_bound.DESIGNS for n in (1, 16)}


class _Cursor:
    def __init__(self, row: tuple[int, int]) -> None:
        self.row = row

    def __enter__(self) -> _Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def execute(self, query: str) -> None:
        pass

    def fetchone(self) -> tuple[int, int]:
        return self.row


class _Conn:
    def __init__(self, row: tuple[int, int]) -> None:
        self.row = row

    def cursor(self) -> _Cursor:
        return _Cursor(self.row)

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("design", "row", "error"),
    [
        ("m1_counter_log", (99, 99), "99 log rows for 100 complaints"),
        ("m3_model", (100, 3), "3 of 100 log rows have no score"),
        ("m1_counter_log", (100, 100), None),  # m1 scores nothing, by design
        ("m4_features", (100, 0), None),
    ],
)
def test_a_design_that_skipped_its_work_fails_the_cell(monkeypatch, design, row, error) -> None:
    monkeypatch.setattr(lower_bound.env, "connect", lambda url: _Conn(row))
    chosen = next(d for d in lower_bound.DESIGNS if d.name == design)
    if error is None:
        lower_bound.check_log("url", chosen, 100)
    else:
        with pytest.raises(RuntimeError, match=error):
            lower_bound.check_log("url", chosen, 100)
