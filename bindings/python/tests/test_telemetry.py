"""The exporter is process-wide, so each scenario runs in a fresh interpreter."""

import subprocess
import sys
import textwrap


def run(code):
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_render_without_listener_and_second_install_is_a_state_error():
    out = run("""
        import tradewarden.telemetry as tt
        from tradewarden.errors import StateError
        try:
            tt.render()
            raise SystemExit("render before install must raise")
        except StateError as e:
            assert "not installed" in str(e)
        assert tt.install(listen=None) is None
        text = tt.render()
        assert "tradewarden_build_info" in text, text[:500]
        try:
            tt.install(listen=None)
            raise SystemExit("second install must raise")
        except StateError:
            pass
        print("ok")
    """)
    assert out.strip() == "ok"


def test_loopback_listener_serves_the_exposition():
    out = run("""
        import urllib.request
        import tradewarden.telemetry as tt
        addr = tt.install(listen="127.0.0.1:0")
        assert addr.startswith("127.0.0.1:")
        body = urllib.request.urlopen(f"http://{addr}/metrics", timeout=10).read().decode()
        assert "tradewarden_build_info" in body
        print("ok")
    """)
    assert out.strip() == "ok"


def test_bad_config_is_a_typed_error():
    out = run("""
        import tradewarden.telemetry as tt
        from tradewarden.errors import TradewardenError
        for kwargs, needle in [(dict(listen="0.0.0.0:9999"), "loopback"), (dict(listen="nonsense"), "listen"),
                               (dict(listen=None, namespace="9bad"), "namespace")]:
            try:
                tt.install(**kwargs)
                raise SystemExit(f"{kwargs} must raise")
            except TradewardenError as e:
                assert needle in str(e), (needle, str(e))
        print("ok")
    """)
    assert out.strip() == "ok"


def test_prometheus_client_adapter_serves_our_metrics():
    out = run("""
        from prometheus_client import CollectorRegistry, generate_latest
        import tradewarden.telemetry as tt
        tt.install(listen=None)
        reg = CollectorRegistry()
        tt.register_with_prometheus_client(reg)
        text = generate_latest(reg).decode()
        assert "tradewarden_build_info" in text, text[:400]
        print("ok")
    """)
    assert out.strip() == "ok"
