"""An Airflow DAG whose task checks feature drift and the strategy's returns with tradewarden.

Airflow's default (local / Celery prefork) executors run a task in a
*forked* worker process. tradewarden rebuilds its thread pool in a forked
child, so a task may call it even when the parent already had. Put this file
in the DAGs folder (Airflow optional); run it directly to execute the task
callable in a forked process, as an executor would::

    python examples/python/airflow_dag.py
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from datetime import datetime
from typing import Any, Dict

import numpy as np

import tradewarden.drift as td
import tradewarden.returns as ep


def check_drift_and_returns(**context: Any) -> Dict[str, Any]:
    """The task callable: drift of today's features against the reference, and the returns summary."""
    rng = np.random.default_rng(42)
    reference = {"momentum": rng.normal(size=20_000), "volatility": rng.gamma(2.0, 1.0, 20_000)}
    today = {"momentum": rng.normal(1.0, size=5_000), "volatility": rng.gamma(2.0, 1.0, 5_000)}
    report = td.DriftReport.compute(reference, today)
    returns = rng.normal(0.0004, 0.01, 1_000)
    out = {
        "pid": os.getpid(),
        "drifted": sorted(f["name"] for f in report.features if f["drift"]),
        "ks_momentum": td.ks_2samp(reference["momentum"], today["momentum"]).statistic,
        "sharpe": ep.sharpe_ratio(returns),
        "max_drawdown": ep.max_drawdown(returns),
    }
    if out["drifted"]:
        print(f"drift detected in {out['drifted']}")  # a real DAG would alert or branch here
    return out


try:
    from airflow import DAG
    from airflow.operators.python import PythonOperator
except ImportError:  # Airflow is optional: the callable works without it
    DAG = None

if DAG is not None:
    with DAG(dag_id="tradewarden_drift_check", start_date=datetime(2026, 1, 1), schedule="@daily",
             catchup=False, tags=["tradewarden"]) as dag:
        PythonOperator(task_id="check_drift_and_returns", python_callable=check_drift_and_returns)


def _child(queue: "mp.Queue[Any]") -> None:
    try:
        queue.put(check_drift_and_returns())
    except BaseException as e:  # report, never hang the parent
        queue.put(repr(e))


def run_in_forked_process(timeout: float = 120.0) -> Dict[str, Any]:
    """Runs the task callable in a forked child, as Airflow's executors do, and returns its result."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    p = ctx.Process(target=_child, args=(queue,))
    p.start()
    try:
        result = queue.get(timeout=timeout)
    finally:
        p.join(timeout=10)
        if p.is_alive():
            p.kill()
    if not isinstance(result, dict):
        raise RuntimeError(f"task failed in the forked process: {result}")
    return result


def main() -> int:
    parent = check_drift_and_returns()  # the parent uses the library (and its thread pool) first
    child = run_in_forked_process()
    same = {k: v for k, v in child.items() if k != "pid"} == {k: v for k, v in parent.items() if k != "pid"}
    print(f"forked task pid={child['pid']} (parent {parent['pid']}): drifted={child['drifted']} "
          f"sharpe={child['sharpe']:.3f} same_as_parent={same} airflow={'yes' if DAG is not None else 'absent'}")
    return 0 if same and child["pid"] != parent["pid"] and child["drifted"] == ["momentum"] else 1


if __name__ == "__main__":
    sys.exit(main())
