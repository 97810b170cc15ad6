"""Neural-network inference: load a model or a registry version, predict on
numpy / Arrow / lists, hot swap under load.

A thin layer over the Rust crate ``tradewarden-inference`` (burn, CPU flex
backend)::

    from tradewarden.inference import Predictor, Registry, demo_predictor

    p = Predictor.from_safetensors("model.safetensors", {"input": 4, "hidden": [16], "output": 1})
    y = p.predict(x)                       # x: (n_rows, n_features) float64/float32 → float32 (n_rows, n_outputs)
    p.swap("v2", "model_v2.safetensors")   # callers in other threads keep predicting
    p = Predictor.from_registry("registry/", "momentum_mlp")   # the registry's active version

    # a GRU or Transformer over feature windows (burnpack weights, config with its "kind")
    g = Predictor.from_burnpack("gru.bpk", {"kind": "gru", "input": 3, "window": 32, "hidden": 16, "output": 1})
    y = g.predict(window)                  # window: (32, 3) → (1, 1); a batch (n, 32, 3) → (n, 1)

Every call releases the interpreter; a :class:`Predictor` may be shared by
threads (predictions in flight finish on the model they started with).
Errors are :mod:`tradewarden.errors` types naming the argument (``x``,
``features.ncols``, ``features[r][c]``, ``config``, ``model.input`` …).
Guide: ``docs/python.md`` (section "Inference"); Rust side: ``docs/inference.md``.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple, Union

import numpy as np

from . import _native
from ._tables import as_1d
from .errors import InvalidConfigError, InvalidInputError, NotFoundError, UnsupportedError

__all__ = [
    "Model",
    "Predictor",
    "Registry",
    "public_key",
    "demo_predictor",
    "demo_model",
    "demo_features",
    "DEMO_MODEL_NAME",
    "DEMO_MODEL_VERSION",
    "DEMO_FEATURES",
    "RegimeReading",
    "classify_regime",
    "SanityGuard",
    "DroppedPoint",
    "GuardOutcome",
]

ConfigLike = Union[Mapping[str, Any], str, "os.PathLike[str]"]
PathLike = Union[str, "os.PathLike[str]"]

DEMO_MODEL_NAME, DEMO_MODEL_VERSION, _demo_features, _ = _native.inference_demo_info()
#: Feature names of the demo model, in model-input order.
DEMO_FEATURES: Tuple[str, ...] = tuple(_demo_features)


def _config_json(config: Any, param: str = "config") -> str:
    """An architecture (an MLP config, or a window model's with its ``"kind"``) as JSON text from a dict,
    JSON text, or a JSON/TOML file."""
    if isinstance(config, Mapping):
        try:
            return json.dumps(dict(config))
        except (TypeError, ValueError) as e:
            raise InvalidConfigError(f"invalid {param}: {e}") from None
    if isinstance(config, (str, os.PathLike)):
        s = os.fspath(config)
        if isinstance(s, str) and s.lstrip().startswith("{"):
            return s
        if not os.path.exists(s):
            raise NotFoundError(f"{param}: no such file: {s!r}")
        if str(s).lower().endswith(".toml"):
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # Python < 3.11
                try:
                    import tomli as tomllib
                except ImportError:
                    raise UnsupportedError(
                        f"{param}: reading TOML needs Python ≥ 3.11 or the tomli package") from None
            with open(s, "rb") as f:
                try:
                    return json.dumps(tomllib.load(f))
                except Exception as e:  # tomllib.TOMLDecodeError
                    raise InvalidConfigError(f"invalid {param} {s!r}: {e}") from None
        with open(s, encoding="utf-8") as f:
            return f.read()
    raise InvalidConfigError(
        f"invalid {param}: expected a dict, JSON text or a JSON/TOML file path, got {type(config).__name__}")


class Model:
    """A loaded model (architecture and weights), not yet serving: an MLP over
    rows of features, or a GRU / Transformer over windows of ``window`` time
    steps × ``input`` features. Feed it to :class:`Predictor`,
    :meth:`Predictor.swap` or :meth:`Registry.register`."""

    __slots__ = ("_native",)

    def __init__(self, native: "_native.Model") -> None:
        self._native = native

    @classmethod
    def from_safetensors(cls, path: PathLike, config: ConfigLike) -> "Model":
        """PyTorch MLP weights from a safetensors file with keys ``layers.{i}.weight``
        (``[out, in]``) and ``layers.{i}.bias`` (a torch module holding
        ``self.layers = nn.ModuleList([nn.Linear, …])``), or the keys of an
        ``nn.Sequential`` (``0.weight``, ``2.weight``, …, with any common prefix
        such as ``net.``): its linear layers in index order. Every layer
        required, no other tensor. F32, F16, BF16 and F64 tensors are converted
        to float32 (exactly, except F64: rounded to nearest); other dtypes are
        refused with :class:`~tradewarden.errors.InvalidInputError` naming the tensor.

        A window model's config (with its ``"kind"``) reads the ``state_dict()`` of a
        torch module with torch's own key names: a GRU as ``self.gru = nn.GRU(input,
        hidden, num_layers=layers, batch_first=True)`` + ``self.head = nn.Linear``
        (``gru.weight_ih_l0``, …, gates r, z, n), a Transformer as ``self.proj``,
        ``self.pos`` (``[window, d_model]``), ``self.encoder = nn.TransformerEncoder``
        (``norm_first=True``, ``activation="gelu"``, no final norm) and ``self.head``
        (``encoder.layers.0.self_attn.in_proj_weight``, …); docs/inference.md. A
        missing, misshaped or unexpected tensor is a
        :class:`~tradewarden.errors.CorruptError` naming the torch key."""
        return cls(_native.Model.load_safetensors(os.fspath(path), _config_json(config)))

    @classmethod
    def from_burnpack(cls, path: PathLike, config: ConfigLike) -> "Model":
        """Weights in burn's burnpack format (as written by :meth:`save_burnpack`), for
        any architecture: an MLP config, or a window model's config with its ``"kind"``
        (``{"kind": "gru", "input", "window", "hidden", "layers", "output", …}`` or
        ``{"kind": "transformer", "input", "window", "d_model", "n_heads", "n_layers",
        "d_ff", "output", …}``; docs/inference.md)."""
        return cls(_native.Model.load_burnpack(os.fspath(path), _config_json(config)))

    @classmethod
    def from_pytorch_weights(cls, config: ConfigLike, layers: List[Tuple[Any, Any]]) -> "Model":
        """From per-layer ``(weight [out, in], bias [out])`` arrays (e.g. ``nn.Linear`` tensors as numpy)."""
        try:
            flat = [(np.asarray(w, dtype=np.float32).ravel().tolist(),
                     np.asarray(b, dtype=np.float32).ravel().tolist()) for w, b in layers]
        except (TypeError, ValueError) as e:
            raise InvalidInputError(f"invalid layers: {e}") from None
        return cls(_native.Model.from_pytorch_weights(_config_json(config), flat))

    @classmethod
    def demo(cls) -> "Model":
        """The shipped demo model (``4 → 16 (tanh) → 1``)."""
        return cls(_native.Model.demo())

    @property
    def config(self) -> Dict[str, Any]:
        """The architecture (an MLP config, or a window model's with its ``"kind"``)."""
        return self._native.config()

    @property
    def kind(self) -> str:
        """``"mlp"``, ``"gru"`` or ``"transformer"``."""
        return self._native.kind()

    @property
    def window_shape(self) -> Tuple[int, int]:
        """``(window, n_features)`` of one sample: ``(1, input)`` for an MLP."""
        return tuple(self._native.window_shape())  # type: ignore[return-value]

    def forward(self, rows: Any) -> np.ndarray:
        """The model's own forward pass (float32, ``n_rows × n_outputs``) over a 2-D
        array of rows, each ``window × n_features`` values (a window flattened
        time-major: ``x.reshape(n, -1)``). No NaN check and no telemetry: serve
        with a :class:`Predictor`."""
        a = np.ascontiguousarray(np.asarray(rows, dtype=np.float64))
        if a.ndim != 2:
            raise InvalidInputError(f"rows must be 2-D (n_rows × window·n_features), got shape {a.shape}")
        return self._native.forward_f64(a)

    def save_burnpack(self, path: PathLike) -> None:
        """Writes the weights in burnpack format."""
        self._native.save_burnpack(os.fspath(path))

    def __repr__(self) -> str:
        return f"Model({self.config})"


def _load_model(model: Any, config: Optional[ConfigLike], default_config: Optional[str]) -> "_native.Model":
    if isinstance(model, Model):
        return model._native
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        cfg = _config_json(config) if config is not None else default_config
        if cfg is None:
            raise InvalidConfigError("config is required to load model weights from a path")
        if str(path).lower().endswith(".safetensors"):
            return _native.Model.load_safetensors(path, cfg)
        return _native.Model.load_burnpack(path, cfg)
    raise InvalidInputError(
        f"invalid model: expected a tradewarden.inference.Model or a weights path, got {type(model).__name__}")


def _is_arrow(x: Any) -> bool:
    if not hasattr(x, "__arrow_c_stream__"):
        return False
    module = type(x).__module__ or ""
    return module.startswith("pyarrow") or not hasattr(x, "to_numpy")


def _as_matrix(x: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):
        a = x
    elif hasattr(x, "to_numpy") and not isinstance(x, (list, tuple)):
        a = np.asarray(x.to_numpy())
    else:
        try:
            a = np.asarray(x)
        except (TypeError, ValueError) as e:
            raise InvalidInputError(f"x: cannot read as a 2-D array (n_rows × n_features): {e}") from None
    if a.ndim != 2:
        raise InvalidInputError(
            f"x must be 2-D (n_rows × n_features), got shape {a.shape}"
            + (" (one row: x.reshape(1, -1))" if a.ndim == 1 else ""))
    if a.dtype == np.float64 or a.dtype == np.float32:
        return a
    if a.dtype.kind == "f":  # float16, non-native byte order
        return a.astype(np.float32 if a.dtype.itemsize <= 4 else np.float64)
    if a.dtype.kind in "iub":
        return a.astype(np.float64)
    raise InvalidInputError(f"x has dtype {a.dtype}: expected float64 or float32 (integers are converted)")


def _as_windows(x: Any, shape: Tuple[int, int]) -> np.ndarray:
    """A 3-D float array (n_rows × window × n_features) from one window (2-D) or a batch (3-D)."""
    if isinstance(x, np.ndarray):
        a = x
    else:
        try:
            a = np.asarray(x)
        except (TypeError, ValueError) as e:
            raise InvalidInputError(f"x: cannot read as windows (window × n_features): {e}") from None
    if a.ndim == 2:
        a = a[np.newaxis]
    if a.ndim != 3:
        raise InvalidInputError(
            f"x must be one window (window = {shape[0]} × n_features = {shape[1]}) or a batch of windows "
            f"(n_rows × {shape[0]} × {shape[1]}), got shape {a.shape}")
    if a.dtype == np.float64 or a.dtype == np.float32:
        return a
    if a.dtype.kind == "f":
        return a.astype(np.float32 if a.dtype.itemsize <= 4 else np.float64)
    if a.dtype.kind in "iub":
        return a.astype(np.float64)
    raise InvalidInputError(f"x has dtype {a.dtype}: expected float64 or float32 (integers are converted)")


class Predictor:
    """A thread-safe predictor whose model can be swapped while callers predict.

    ``predict`` runs a whole batch on one model version (see
    :meth:`predict_versioned`); :meth:`swap` publishes a new model atomically
    (same number of features and outputs, else refused and the current one
    keeps serving). Metrics: ``tradewarden_inference_latency_seconds{model}``
    and ``tradewarden_predictions_total{model}`` with ``model`` = :attr:`name`
    (install the telemetry recorder first)."""

    __slots__ = ("_native",)

    def __init__(self, name: str, version: str, model: Model) -> None:
        if not isinstance(model, Model):
            raise InvalidInputError(
                f"invalid model: expected a tradewarden.inference.Model, got {type(model).__name__}")
        self._native = _native.Predictor(str(name), str(version), model._native)

    @classmethod
    def _wrap(cls, native: "_native.Predictor") -> "Predictor":
        self = cls.__new__(cls)
        self._native = native
        return self

    @classmethod
    def from_safetensors(cls, path: PathLike, config: ConfigLike, name: str = "model",
                         version: str = "v1") -> "Predictor":
        """A predictor serving PyTorch safetensors weights (see :meth:`Model.from_safetensors`)."""
        return cls(name, version, Model.from_safetensors(path, config))

    @classmethod
    def from_burnpack(cls, path: PathLike, config: ConfigLike, name: str = "model",
                      version: str = "v1") -> "Predictor":
        """A predictor serving burnpack weights."""
        return cls(name, version, Model.from_burnpack(path, config))

    @classmethod
    def from_registry(cls, registry: Union["Registry", PathLike], name: str) -> "Predictor":
        """A predictor named ``name`` serving the registry's active version
        (verified first). :class:`~tradewarden.errors.NotFoundError` when no
        version of ``name`` was promoted."""
        reg = registry if isinstance(registry, Registry) else Registry(registry)
        found = reg.load_active(name)
        if found is None:
            raise NotFoundError(f"registry {reg.root}: {name!r} has no active version (promote one first)")
        version, model = found
        return cls(name, version, model)

    @classmethod
    def demo(cls) -> "Predictor":
        """The demo predictor (same as :func:`demo_predictor`)."""
        return cls._wrap(_native.Predictor.demo())

    @property
    def name(self) -> str:
        """The predictor's name (the ``model`` metric label)."""
        return self._native.name()

    @property
    def version(self) -> str:
        """Version tag of the model serving now."""
        return self._native.version()

    @property
    def n_features(self) -> int:
        """Values per row of the model serving now: its input features (MLP), or
        ``window × n_features`` (window models)."""
        return self._native.n_features()

    @property
    def window_shape(self) -> Tuple[int, int]:
        """``(window, n_features)`` of one sample of the model serving now (``(1, input)`` for an MLP)."""
        return tuple(self._native.window_shape())  # type: ignore[return-value]

    @property
    def kind(self) -> str:
        """``"mlp"``, ``"gru"`` or ``"transformer"``: the architecture serving now."""
        return self._native.kind()

    @property
    def n_outputs(self) -> int:
        """Outputs per row of the model serving now."""
        return self._native.n_outputs()

    @property
    def config(self) -> Dict[str, Any]:
        """Architecture of the model serving now."""
        return self._native.config()

    def predict_versioned(self, x: Any) -> Tuple[str, np.ndarray]:
        """``(version, outputs)``: the outputs (float32, ``n_rows × n_outputs``) and
        the version of the model that computed all of them.

        A window model (GRU, Transformer) takes one window, a 2-D array
        ``window × n_features`` (oldest step first; one output row), or a batch,
        a 3-D array ``n_rows × window × n_features`` (float64 or float32; a
        C-contiguous array is read without a copy); the dimensions are checked
        against the model that computes the batch
        (:class:`~tradewarden.errors.InvalidInputError` naming ``window`` or
        ``n_features``).

        An MLP takes ``x``: a 2-D numpy array (float64 or float32; C-contiguous arrays are read
        without a copy, other layouts and integer dtypes are converted once), a
        list of rows, a pandas / polars DataFrame, or a pyarrow Table /
        RecordBatch (any ``__arrow_c_stream__`` producer) of Float64 (or all
        Float32) columns in model-input order, without nulls."""
        kind = self._native.kind()
        if kind != "mlp":
            shape = self._native.window_shape()
            if _is_arrow(x):
                raise InvalidInputError(
                    f"x: a {kind} model takes one window ({shape[0]} × {shape[1]}) or a batch of windows "
                    f"(n_rows × {shape[0]} × {shape[1]}) as an array, not {type(x).__name__}")
            w = _as_windows(x, shape)
            if w.dtype == np.float32:
                return self._native.predict_window_f32(w)
            return self._native.predict_window_f64(w)
        if _is_arrow(x):
            if type(x).__module__.startswith("pyarrow"):
                import pyarrow as pa

                if isinstance(x, pa.RecordBatch):
                    x = pa.Table.from_batches([x])
                if isinstance(x, pa.Table):
                    x = x.combine_chunks()  # one batch: one model version for all rows
            parts = self._native.predict_arrow(x)
            if not parts:
                raise InvalidInputError("x has no rows")
            if len(parts) == 1:
                return parts[0]
            return parts[-1][0], np.concatenate([p for _, p in parts], axis=0)
        a = _as_matrix(x)
        if a.dtype == np.float32:
            return self._native.predict_f32(a)
        return self._native.predict_f64(a)

    def predict(self, x: Any) -> np.ndarray:
        """Outputs (float32, ``n_rows × n_outputs``) of a batch; see :meth:`predict_versioned`."""
        return self.predict_versioned(x)[1]

    def swap(self, version: str, model: Union[Model, PathLike], config: Optional[ConfigLike] = None) -> str:
        """Serves ``model`` as ``version`` from now on; returns the version it replaced.

        ``model``: a :class:`Model`, or a weights path (``*.safetensors``: a PyTorch
        state dict, anything else: burnpack; any architecture) read
        with ``config`` (default: the serving model's architecture). A swap may
        change the architecture when the row width (``window × n_features``) and
        the outputs stay. Callers predicting meanwhile are never
        paused and never fail; a model with another number of features or
        outputs is refused (:class:`~tradewarden.errors.InvalidInputError`
        naming ``model.input`` / ``model.output``) and the current one keeps serving."""
        m = _load_model(model, self.config if config is None else config, None)
        return self._native.swap(str(version), m)

    def __repr__(self) -> str:
        return f"Predictor(name={self.name!r}, version={self.version!r}, n_features={self.n_features})"


KeyLike = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"]


def _key(key: Any, param: str) -> Tuple[Optional[str], Optional[bytes]]:
    """(path, bytes) of an ed25519 key argument: a str / PathLike is a key file, bytes are the key itself
    (32 raw bytes or 64 hex characters); the crate parses either."""
    if key is None:
        return None, None
    if isinstance(key, (bytes, bytearray, memoryview)):
        return None, bytes(key)
    if isinstance(key, (str, os.PathLike)):
        return os.fspath(key), None
    raise InvalidInputError(f"{param} must be a key file path or the key's bytes, got {type(key).__name__}")


def _metrics(metrics: Any) -> Dict[str, float]:
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping):
        raise InvalidInputError(f"metrics must be a mapping of name to number, got {type(metrics).__name__}")
    out = {}
    for k, v in metrics.items():
        if isinstance(v, (str, bytes)) or np.ndim(v) != 0:
            raise InvalidInputError(f"metrics[{k!r}] must be a real number, got {type(v).__name__} {v!r:.80}")
        try:
            out[str(k)] = float(v)
        except (TypeError, ValueError):
            raise InvalidInputError(f"metrics[{k!r}] must be a real number, got {type(v).__name__} {v!r:.80}") \
                from None
    return out


class Registry:
    """A model registry on disk (``<root>/<name>/versions/<version>/``): versions
    with sha256 manifests, atomic ``active`` / ``last_good`` pointers,
    promote / rollback / verify. One writer per root.

    ``verifying_key`` (an ed25519 public key: a key file path, or the key's 32
    raw bytes or 64 hex characters as ``bytes``): every version loaded,
    verified, promoted or rolled back to must carry a ``manifest.sig`` made by
    its private half; unsigned or mis-signed versions are refused with
    :class:`~tradewarden.errors.CorruptError`. Sign with ``register(...,
    signing_key=...)`` or :meth:`sign`. Without a key signatures are not
    checked."""

    __slots__ = ("_native",)

    def __init__(self, root: PathLike, verifying_key: Optional[KeyLike] = None) -> None:
        path, raw = _key(verifying_key, "verifying_key")
        self._native = _native.ModelRegistry(os.fspath(root), path, raw)

    @property
    def root(self) -> str:
        return os.fspath(self._native.root())

    @property
    def verifying_key(self) -> Optional[str]:
        """The verifying key as 64 hex characters (None: signatures are not checked)."""
        return self._native.verifying_key_hex()

    def register(self, name: str, version: str, model: Model, metrics: Optional[Mapping[str, float]] = None,
                 signing_key: Optional[KeyLike] = None) -> Dict[str, Any]:
        """Registers ``model`` as ``name``/``version`` (stage ``development``); returns the manifest. With
        ``signing_key`` (the ed25519 private key: a file path, or 32 raw bytes / 64 hex characters) the
        manifest is signed in the same atomic registration."""
        if not isinstance(model, Model):
            raise InvalidInputError(
                f"invalid model: expected a tradewarden.inference.Model, got {type(model).__name__}")
        path, raw = _key(signing_key, "signing_key")
        return self._native.register(name, version, model._native, _metrics(metrics), path, raw)

    def sign(self, name: str, version: str, signing_key: KeyLike) -> None:
        """Signs (or re-signs) ``name``/``version`` with ``signing_key`` after checking its checksums (e.g. a
        version registered before signing was set up)."""
        path, raw = _key(signing_key, "signing_key")
        if path is None and raw is None:
            raise InvalidInputError("signing_key is required")
        self._native.sign(name, version, path, raw)

    def manifest(self, name: str, version: str) -> Dict[str, Any]:
        """The manifest of ``name``/``version`` (not verified)."""
        return self._native.manifest(name, version)

    def versions(self, name: str) -> List[str]:
        """Registered versions of ``name``, sorted."""
        return self._native.versions(name)

    def list(self, name: str) -> List[Dict[str, Any]]:
        """Every version of ``name`` in registration order: dicts with ``manifest`` (as stored, not
        re-verified), ``active``, ``last_good`` and ``signed`` (bool). An unknown name gives ``[]``; a version
        directory without a manifest (an interrupted registration) is skipped;
        :class:`~tradewarden.errors.CorruptError` for a torn manifest."""
        return self._native.list(name)

    def inventory(self, name: str) -> Dict[str, Any]:
        """Every version of ``name``, a corrupt manifest included: ``{"versions": [...], "corrupt": [...]}``, the
        readable versions as :meth:`list` gives them and the corrupt ones as dicts with ``version``, ``path`` (the
        file at fault) and ``reason``. Where :meth:`list` raises :class:`~tradewarden.errors.CorruptError` on one
        torn manifest, this reports it; an unknown name gives no versions."""
        return self._native.inventory(name)

    def verify(self, name: str, version: str) -> Dict[str, Any]:
        """Recomputes every checksum (:class:`~tradewarden.errors.CorruptError` on a mismatch); returns the manifest."""
        return self._native.verify(name, version)

    def load(self, name: str, version: str) -> Model:
        """Verifies and loads ``name``/``version`` (any architecture)."""
        return Model(self._native.load(name, version))

    def active(self, name: str) -> Optional[str]:
        """The serving version (None when nothing was promoted)."""
        return self._native.active(name)

    def last_good(self, name: str) -> Optional[str]:
        """The version :meth:`rollback` returns to."""
        return self._native.last_good(name)

    def stage(self, name: str, version: str, stage: str) -> None:
        """Marks a version ``'staging'`` (or back to ``'development'``)."""
        self._native.stage(name, version, stage)

    def promote(self, name: str, version: str) -> None:
        """Verifies and loads ``name``/``version``, then makes it active (the previous active becomes last_good)."""
        self._native.promote(name, version)

    def rollback(self, name: str) -> str:
        """Points active back at last_good; returns the version now active."""
        return self._native.rollback(name)

    def freeze_learning(self, name: str, who: str, why: str) -> None:
        """Freezes learning for ``name`` (the canary rollback plan's "freeze online learning"): until
        :meth:`unfreeze_learning`, :meth:`register` and :meth:`promote` refuse with
        :class:`~tradewarden.errors.StateError`; :meth:`rollback` still works. ``who`` and ``why`` are required."""
        self._native.freeze_learning(name, who, why)

    def unfreeze_learning(self, name: str) -> None:
        """Lifts the learning freeze of ``name`` (no-op when not frozen)."""
        self._native.unfreeze_learning(name)

    def learning_freeze(self, name: str) -> Optional[Dict[str, Any]]:
        """The learning freeze of ``name`` (``{"who", "why", "since"}``, since in Unix seconds), or None;
        :class:`~tradewarden.errors.CorruptError` for an unreadable record (which counts as frozen)."""
        return self._native.learning_freeze(name)

    def load_active(self, name: str) -> Optional[Tuple[str, Model]]:
        """``(version, model)`` of the active version (verified), or None."""
        found = self._native.load_active(name)
        if found is None:
            return None
        return found[0], Model(found[1])

    def __repr__(self) -> str:
        signed = "" if self.verifying_key is None else f", verifying_key={self.verifying_key[:16]}…"
        return f"Registry({self.root!r}{signed})"


def public_key(signing_key: KeyLike) -> str:
    """The ed25519 public half of ``signing_key`` (a key file path, or 32 raw bytes / 64 hex characters) as
    64 hex characters — write it to the serving side's verifying key file (``Registry(root,
    verifying_key=...)``); the private key stays with the signing job."""
    path, raw = _key(signing_key, "signing_key")
    if path is None and raw is None:
        raise InvalidInputError("signing_key is required")
    return _native.inference_public_key(path, raw)


def demo_predictor() -> Predictor:
    """The shipped demo model (next-day return from ``DEMO_FEATURES``) as a
    predictor named ``DEMO_MODEL_NAME`` serving ``DEMO_MODEL_VERSION``."""
    return Predictor.demo()


def demo_model() -> Model:
    """The shipped demo model."""
    return Model.demo()


def demo_features(returns: Any, volume_z: float) -> np.ndarray:
    """The four demo features (``DEMO_FEATURES``) at the close of the last day
    of ``returns`` (close-to-close, oldest first; at least 20)."""
    r = np.ascontiguousarray(np.asarray(returns, dtype=np.float64).ravel())
    return np.asarray(_native.inference_demo_features(r, float(volume_z)), dtype=np.float64)


class RegimeReading(NamedTuple):
    """The market regime and the statistics it was decided on (NaN when ``regime`` is 'unknown'): ``vol`` the
    sample standard deviation of close-to-close returns, ``momentum`` = last close ÷ first close − 1, ``range`` =
    (max high − min low) ÷ last close, over the window."""

    regime: str
    vol: float
    momentum: float
    range: float


def classify_regime(high: Any, low: Any, close: Any, config: Optional[Mapping[str, Any]] = None) -> RegimeReading:
    """ml-trading-bot's rule-based regime of the last ``config['window']`` candles (default 120; oldest first):
    'trending_up', 'trending_down', 'range_bound', 'volatile', 'neutral', or 'unknown' with fewer candles
    (``tradewarden_inference::regime::classify``). ``config`` keys (defaults: the seed's): window,
    range_bound_max_vol, range_bound_max_abs_momentum, trend_min_abs_momentum, volatile_min_vol,
    volatile_min_range. Publish it with :meth:`tradewarden.telemetry.MlBotMetrics.set_regime`."""
    if config is not None and not isinstance(config, Mapping):
        raise InvalidConfigError(f"config must be a mapping, got {type(config).__name__}")
    # non-plain values: InvalidConfigError naming the regime config; NaN / ±inf: the crate's own error (native side).
    cfg = None if config is None else dict(config)
    return RegimeReading(*_native.regime_classify(as_1d(high, "high"), as_1d(low, "low"), as_1d(close, "close"),
                                                  cfg))


class DroppedPoint(NamedTuple):
    """A forecast point the sanity guard dropped: ``reason`` is 'move_from_last_close', 'step_move' or
    'not_finite'."""

    index: int  # type: ignore[assignment]  # public field name; shadows tuple.index on purpose
    value: float
    reason: str


class GuardOutcome(NamedTuple):
    """The checked forecast path: ``kept`` as (index, value) pairs and ``dropped`` points, both in order."""

    kept: List[Tuple[int, float]]
    dropped: List[DroppedPoint]


@dataclass(frozen=True)
class SanityGuard:
    """ml-trading-bot's prediction sanity guard (``tradewarden_inference::guard::SanityGuard``): a forecast point
    is dropped when it moves more than ``max_move_from_last_close`` from the last close or more than
    ``max_step_move`` from the previous kept point, or is not finite and > 0. None: the crate's default (0.12,
    0.06)."""

    max_move_from_last_close: Optional[float] = None
    max_step_move: Optional[float] = None

    def check(self, last_close: float, forecast: Any) -> GuardOutcome:
        """Checks ``forecast`` (the path after ``last_close``)."""
        from .returns import _real

        def opt(name: str, v: Optional[float]) -> Optional[float]:
            return None if v is None else _real(name, v)

        kept, dropped = _native.sanity_guard_check(_real("last_close", last_close), as_1d(forecast, "forecast"),
                                                   opt("max_move_from_last_close", self.max_move_from_last_close),
                                                   opt("max_step_move", self.max_step_move))
        return GuardOutcome(kept=kept, dropped=[DroppedPoint(*d) for d in dropped])
