"""Fixtures that run the real `logport broker` binary on loopback for black-box tests.

`broker` is shared by a whole test module (fast); `broker_factory` starts private brokers
for tests that restart, kill or reconfigure one. When a test fails, the log of every
broker still owned by a fixture is attached to the failure report.
"""

from __future__ import annotations

import itertools
from typing import Callable, Optional

import pytest

from broker_process import BrokerProcess
from clients import forget_admin

_live_brokers: list[BrokerProcess] = []
_work_dir_counter = itertools.count()


def _launch(tmp_path_factory, config: Optional[dict], node_id: Optional[int]) -> BrokerProcess:
    work_dir = tmp_path_factory.mktemp(f"broker{next(_work_dir_counter)}")
    broker = BrokerProcess(work_dir, config=config, node_id=node_id)
    _live_brokers.append(broker)
    broker.start()
    return broker


def _shut_down(broker: BrokerProcess) -> None:
    try:
        broker.stop()
    except AssertionError:
        pass  # test_broker_lifecycle asserts clean SIGTERM; teardown only has to free the port
    finally:
        forget_admin(broker.bootstrap)
        _live_brokers.remove(broker)


@pytest.fixture(scope="module")
def module_broker_factory(tmp_path_factory) -> Callable[..., BrokerProcess]:
    """Starts brokers that live until the end of the module (for a module-wide config)."""
    started: list[BrokerProcess] = []

    def start(config: Optional[dict] = None, node_id: Optional[int] = None) -> BrokerProcess:
        broker = _launch(tmp_path_factory, config, node_id)
        started.append(broker)
        return broker

    yield start
    for broker in started:
        _shut_down(broker)


@pytest.fixture(scope="module")
def broker(module_broker_factory) -> BrokerProcess:
    """One default-config broker shared by the module; `broker.bootstrap` is "127.0.0.1:PORT"."""
    return module_broker_factory()


@pytest.fixture(scope="module")
def bootstrap(broker) -> str:
    return broker.bootstrap


@pytest.fixture
def broker_factory(tmp_path_factory) -> Callable[..., BrokerProcess]:
    """Starts private brokers for one test (restart, kill -9, special config)."""
    started: list[BrokerProcess] = []

    def start(config: Optional[dict] = None, node_id: Optional[int] = None) -> BrokerProcess:
        broker = _launch(tmp_path_factory, config, node_id)
        started.append(broker)
        return broker

    yield start
    for broker in started:
        _shut_down(broker)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    for broker in _live_brokers:
        state = "running" if broker.is_running() else f"EXITED with code {broker.proc.returncode if broker.proc else None}"
        report.sections.append((
            f"broker {broker.bootstrap} ({state}) log {broker.log_path}",
            broker.log_tail(),
        ))
