"""The national annual run: province folders cut from the registry once, every province's committee report and
the national report as annual-run jobs, skipped when unchanged, the same bytes on a Dask cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.errors import EXIT_OK, PlanError
from helpers.run import national as nr
from helpers.synth.national import write_national

PROVINCES = ("P01", "P02")  # at the default seed P01 kept its borders and P02 was formed from T01-T03


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("registry")
    write_national(folder, scale=0.01)
    return folder


def test_the_registry_is_cut_once_and_again_only_when_it_changes(registry: Path, tmp_path: Path) -> None:
    first = nr.prepare(registry, list(PROVINCES))
    assert first.rebuilt and set(first.provinces) == set(PROVINCES)
    assert {p.name for p in (registry / nr.DERIVED).iterdir()} >= {*PROVINCES, nr.NATION_FOLDER, "registry.json"}
    members = {code: (folder / "members.parquet").stat().st_mtime_ns for code, folder in first.provinces.items()}
    again = nr.prepare(registry, list(PROVINCES))
    assert not again.rebuilt
    assert members == {code: (f / "members.parquet").stat().st_mtime_ns for code, f in again.provinces.items()}
    stamp = registry / nr.DERIVED / "registry.json"
    assert json.loads(stamp.read_text(encoding="utf-8")) == nr.registry_digest(registry)
    info = registry / "dataset.toml"
    info.write_text(info.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert nr.prepare(registry, list(PROVINCES)).rebuilt


def test_an_unknown_province_stops_the_plan(registry: Path) -> None:
    with pytest.raises(PlanError, match="T01"):  # a former province has no report of its own
        nr.prepare(registry, ["T01"])


def test_the_plan_has_one_report_per_province_and_the_national_one(registry: Path, tmp_path: Path) -> None:
    jobs = nr.plan(nr.prepare(registry, list(PROVINCES)), tmp_path, languages=("vi", "en"))
    assert [(j.notebook, j.unit, j.language) for j in jobs] == [
        ("committee", "P01", "vi"),
        ("committee", "P01", "en"),
        ("committee", "P02", "vi"),
        ("committee", "P02", "en"),
        ("national", "nation", "vi"),
        ("national", "nation", "en"),
    ]
    national = jobs[-1]
    assert national.level == "nation" and "unit" not in national.parameters and national.year == 2025


@pytest.mark.slow
def test_the_national_run_skips_what_it_made_and_a_dask_cluster_makes_the_same_bytes(
    registry: Path, tmp_path: Path, run_cli
) -> None:
    from distributed import LocalCluster

    local, dask = tmp_path / "local", tmp_path / "dask"
    args = ["national-reports", "--registry", registry, "--provinces", *PROVINCES, "--no-progress"]
    code, stdout, err = run_cli(*args, "--out", local, "--jobs", "2")
    assert code == EXIT_OK, err
    assert "Đã lập 3 báo cáo, bỏ qua 0" in stdout
    made = sorted(p.relative_to(local).as_posix() for p in local.glob("2025/*/*.html"))
    assert made == ["2025/P01/committee-vi.html", "2025/P02/committee-vi.html", "2025/nation/national-vi.html"]
    index = (local / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{path}"' in index for path in made)

    page = (local / made[0]).read_text(encoding="utf-8")  # a province of a generated registry says what it lacks
    assert (
        "không hiệu chỉnh theo số liệu công bố nào" in page
        and "được hiệu chỉnh theo số liệu công bố của Tỉnh ủy Tây Ninh" not in page
    )
    assert "không có phiếu khảo sát" in page and 'id="published"' not in page

    code, stdout, _ = run_cli(*args, "--out", local, "--jobs", "2")
    assert code == EXIT_OK and "Đã lập 0 báo cáo, bỏ qua 3" in stdout  # nothing changed: nothing re-rendered

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        code, stdout, err = run_cli(*args, "--out", dask, "--scheduler", cluster.scheduler_address)
    assert code == EXIT_OK, err
    assert "Dask" in err
    for path in made:
        assert (dask / path).read_bytes() == (local / path).read_bytes(), path
