"""The scoring service: FastAPI on ONNX Runtime.

    POST /v1/score          {"model": optional version, "features": [[...], ...] or [{"name": value}, ...]}
    GET  /v1/models         versions, the default, feature names, thresholds, metrics
    POST /v1/models/reload  re-reads the model root (after a new version is exported)
    POST /v1/embed          {"texts": [...]} -> unit vectors (all-MiniLM-L6-v2) for merchant resolution
    GET  /healthz

Environment: FINTRA_ML_MODELS (model root, default ml/models/guard),
FINTRA_ML_HOST (default 127.0.0.1), FINTRA_ML_PORT (default 8090),
FINTRA_ML_THREADS (ONNX Runtime intra-op threads, default 0 = one per core),
FINTRA_ML_EMBED (default 1; 0 leaves the embedding model unloaded, saving
its ~0.5 s start and ~300 MB, and /v1/embed answers 503).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Annotated

import numpy as np
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, FiniteFloat

from fintra_ml import embed as emb
from fintra_ml import registry as reg

DEFAULT_MODELS = Path(__file__).resolve().parents[1] / "models" / "guard"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8090
MAX_BATCH_ROWS = 100_000
MAX_EMBED_TEXTS = 1024
MAX_EMBED_CHARS = 2000  # far beyond a merchant descriptor; the model reads 256 tokens anyway

log = logging.getLogger("fintra_ml.service")


class ScoreRequest(BaseModel):
    model: str | None = Field(default=None, description="model version; the default (CURRENT) when absent")
    features: Annotated[
        list[list[FiniteFloat]] | list[dict[str, FiniteFloat]],
        Field(
            union_mode="left_to_right",
            description="rows as arrays in the model's feature order, or as objects keyed by feature name",
        ),
    ]


class ScoreResponse(BaseModel):
    model: str
    scores: list[float]
    decisions: list[str] = Field(description="approve, review or decline by the model's thresholds")


class EmbedRequest(BaseModel):
    texts: list[str] = Field(description="merchant descriptors or names, at most 1024 per request")


class EmbedResponse(BaseModel):
    model: str
    dimensions: int
    embeddings: list[list[float]] = Field(description="unit vectors: cosine similarity is the dot product")


def feature_matrix(model: reg.GuardModel, rows: list[list[float]] | list[dict[str, float]]) -> np.ndarray:
    """Turns validated rows into one [N, F] array, or raises a 422 naming the
    first bad row and what is wrong with it."""
    if not rows:
        raise HTTPException(422, "features is empty: send at least one row")
    if len(rows) > MAX_BATCH_ROWS:
        raise HTTPException(422, f"features has {len(rows)} rows; send at most {MAX_BATCH_ROWS} per request")
    width = len(model.features)
    if isinstance(rows[0], list):
        for i, row in enumerate(rows):
            if len(row) != width:
                raise HTTPException(
                    422,
                    f"row {i} has {len(row)} values; model {model.version} takes {width} features "
                    f"in this order: {model.features}",
                )
        return np.asarray(rows, dtype=np.float32)
    index = model.feature_index
    matrix = np.empty((len(rows), width), dtype=np.float32)
    for i, row in enumerate(rows):
        if len(row) != width or row.keys() != index.keys():
            unknown = sorted(set(row) - index.keys())
            missing = [name for name in model.features if name not in row]
            problems = [f"unknown features {unknown}"] if unknown else []
            problems += [f"missing features {missing}"] if missing else []
            raise HTTPException(422, f"row {i}: {', '.join(problems)}; model {model.version} takes {model.features}")
        matrix[i] = [row[name] for name in model.features]
    return matrix


def create_app(models_root: Path, threads: int = 0, embedder: emb.Embedder | None = None) -> FastAPI:
    """The service over the versions under models_root; /v1/embed answers
    503 when embedder is None."""
    app = FastAPI(title="FintraOS ML", version="1")
    state = {"registry": reg.load(models_root, threads)}
    reload_lock = threading.Lock()

    @app.exception_handler(RequestValidationError)
    def validation_error(_: Request, err: RequestValidationError) -> JSONResponse:
        # FastAPI's default answer echoes each bad input back: a whole 10k-row
        # batch, or a NaN that JSON cannot encode. Name the place and the problem only.
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in err.errors()[:20]
        ]
        return JSONResponse(status_code=422, content={"detail": detail})

    def current() -> reg.Registry:
        return state["registry"]

    @app.get("/healthz")
    def healthz() -> dict:
        registry = current()
        return {
            "status": "ok",
            "default": registry.default,
            "models": len(registry.models),
            "embed": embedder.name if embedder else None,
        }

    @app.get("/v1/models")
    def models() -> dict:
        registry = current()
        return {
            "default": registry.default,
            "models": [registry.models[v].describe() for v in sorted(registry.models)],
        }

    @app.post("/v1/models/reload")
    def reload() -> dict:
        with reload_lock:
            try:
                state["registry"] = reg.load(models_root, threads)
            except reg.RegistryError as err:
                # The versions already loaded keep serving.
                raise HTTPException(409, f"reload failed, still serving the previous versions: {err}") from err
        return models()

    @app.post("/v1/score", response_model=ScoreResponse)
    def score(request: ScoreRequest) -> ScoreResponse:
        registry = current()
        if request.model is not None and request.model not in registry.models:
            raise HTTPException(404, f"model {request.model!r} is not loaded; available: {sorted(registry.models)}")
        model = registry.get(request.model)
        scores = model.score(feature_matrix(model, request.features))
        return ScoreResponse(model=model.version, scores=scores.tolist(), decisions=model.decide(scores))

    @app.post("/v1/embed", response_model=EmbedResponse)
    def embed(request: EmbedRequest) -> EmbedResponse:
        if embedder is None:
            raise HTTPException(503, "the embedding model is not loaded: start the service with FINTRA_ML_EMBED=1")
        if not request.texts:
            raise HTTPException(422, "texts is empty: send at least one text")
        if len(request.texts) > MAX_EMBED_TEXTS:
            raise HTTPException(
                422, f"texts has {len(request.texts)} entries; send at most {MAX_EMBED_TEXTS} per request"
            )
        for i, text in enumerate(request.texts):
            if not text.strip():
                raise HTTPException(422, f"text {i} is empty or blank; send the descriptor or merchant name")
            if len(text) > MAX_EMBED_CHARS:
                raise HTTPException(422, f"text {i} has {len(text)} characters; send at most {MAX_EMBED_CHARS}")
        vectors = embedder.embed(request.texts)
        return EmbedResponse(model=embedder.name, dimensions=embedder.dimensions, embeddings=vectors.tolist())

    return app


def env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "")
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise SystemExit(f"service: {name}={text!r} is not an integer") from None


def app_from_env() -> FastAPI:
    """The app as configured by the environment (for `uvicorn --factory`)."""
    threads = env_int("FINTRA_ML_THREADS", 0)
    embedder = emb.Embedder(threads=threads) if env_int("FINTRA_ML_EMBED", 1) else None
    return create_app(Path(os.environ.get("FINTRA_ML_MODELS") or DEFAULT_MODELS), threads, embedder)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = app_from_env()
    except (reg.RegistryError, emb.EmbedError) as err:
        raise SystemExit(f"service: {err}") from None
    uvicorn.run(
        app,
        host=os.environ.get("FINTRA_ML_HOST") or DEFAULT_HOST,
        port=env_int("FINTRA_ML_PORT", DEFAULT_PORT),
        log_level="info",
    )


if __name__ == "__main__":
    main()
