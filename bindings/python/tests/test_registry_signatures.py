"""Signed registry manifests through the Python door (issue #20, item 6): with a verifying key configured,
an unsigned, mis-signed or altered version is refused; signing keys from files or bytes."""

import json
import os

import pytest

import tradewarden.inference as ti
from tradewarden.errors import CorruptError, InvalidInputError, NotFoundError

SIGNING = bytes(range(1, 33))  # 32 raw bytes: any 32 bytes are an ed25519 private key
OTHER = bytes([7]) * 32


def _public_key_hex(signing: bytes) -> str:
    return ti.public_key(signing)


def test_signed_versions_load_and_unsigned_or_missigned_are_refused(tmp_path):
    root = tmp_path / "reg"
    writer = ti.Registry(root)  # a writer needs no verifying key
    writer.register("demo", "signed", ti.Model.demo(), signing_key=SIGNING)
    writer.register("demo", "unsigned", ti.Model.demo())
    writer.register("demo", "other", ti.Model.demo(), signing_key=OTHER)
    listed = {e["manifest"]["version"]: e["signed"] for e in writer.list("demo")}
    assert listed == {"signed": True, "unsigned": False, "other": True}

    assert ti.Registry(tmp_path / "k", verifying_key=None).verifying_key is None
    # RFC 8032's derivation, computed independently of the library
    assert _public_key_hex(SIGNING) == "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"
    assert _public_key_hex(SIGNING.hex().encode()) == _public_key_hex(SIGNING)
    key_file = tmp_path / "registry.pub"
    key_file.write_text(_public_key_hex(SIGNING) + "\n")
    for key in (str(key_file), key_file, _public_key_hex(SIGNING).encode(), bytes.fromhex(_public_key_hex(SIGNING))):
        reader = ti.Registry(root, verifying_key=key)
        assert reader.verifying_key == _public_key_hex(SIGNING)
        assert reader.verify("demo", "signed")["version"] == "signed"
        reader.load("demo", "signed")
        for bad in ("unsigned", "other"):
            with pytest.raises(CorruptError, match="manifest.sig"):
                reader.verify("demo", bad)
            with pytest.raises(CorruptError, match="manifest.sig"):
                reader.load("demo", bad)
            with pytest.raises(CorruptError, match="manifest.sig"):
                reader.promote("demo", bad)
        assert reader.active("demo") is None  # nothing refused became active

    # an altered manifest (metrics edited after signing) no longer verifies
    m = root / "demo" / "versions" / "signed" / "manifest.json"
    doc = json.loads(m.read_text())
    doc["metrics"] = {"sharpe": 9.9}
    m.write_text(json.dumps(doc))
    reader = ti.Registry(root, verifying_key=key_file)
    with pytest.raises(CorruptError, match="manifest.sig"):
        reader.load("demo", "signed")
    # a garbage signature is refused too
    (root / "demo" / "versions" / "other" / "manifest.sig").write_text("zz" * 64 + "\n")
    with pytest.raises(CorruptError):
        reader.verify("demo", "other")


def test_sign_later_and_promote(tmp_path):
    root = tmp_path / "reg"
    key_file = tmp_path / "signing.key"
    key_file.write_text(SIGNING.hex() + "\n")
    writer = ti.Registry(root)
    writer.register("demo", "v1", ti.Model.demo())
    reader = ti.Registry(root, verifying_key=_public_key_hex(SIGNING).encode())
    with pytest.raises(CorruptError):
        reader.promote("demo", "v1")
    writer.sign("demo", "v1", key_file)  # a key file path
    reader.promote("demo", "v1")
    assert ti.Predictor.from_registry(reader, "demo").version == "v1"
    # a registry with a verifying key refuses to sign with a key that is not its private half
    with pytest.raises(InvalidInputError, match="signing_key"):
        reader.register("demo", "v2", ti.Model.demo(), signing_key=OTHER)
    assert "v2" not in reader.versions("demo")


def test_bad_keys_are_typed_errors(tmp_path):
    root = tmp_path / "reg"
    for bad in (b"", b"short", b"z" * 64, b"\x00" * 31, "no-such-key-file"):
        with pytest.raises((InvalidInputError, NotFoundError)) as e:
            ti.Registry(root, verifying_key=bad if isinstance(bad, bytes) else tmp_path / bad)
        assert "key" in str(e.value)
    with pytest.raises(InvalidInputError, match="verifying_key"):
        ti.Registry(root, verifying_key=12345)
    with pytest.raises(InvalidInputError, match="signing_key"):
        ti.Registry(root).register("demo", "v1", ti.Model.demo(), signing_key=3.5)
    with pytest.raises(InvalidInputError, match="key"):
        ti.Registry(root).register("demo", "v1", ti.Model.demo(), signing_key=b"1234")
    assert ti.Registry(root).versions("demo") == []  # a refused key registers nothing
    # key material is never echoed
    secret = b"s3cr3t" * 10
    with pytest.raises(InvalidInputError) as e:
        ti.Registry(root).register("demo", "v1", ti.Model.demo(), signing_key=secret)
    assert "s3cr3t" not in str(e.value)
    assert not os.path.exists(root / "demo" / "versions" / "v1")
