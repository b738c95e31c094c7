# syntax=docker/dockerfile:1.7
# The ml service: FastAPI + ONNX Runtime scoring (python -m fintra_ml.service,
# the entry point ml/run.sh serve uses) on port 8090, with the guard models
# baked in (ml/models/guard, committed by ml/run.sh train).
#
#   docker build -f deploy/ml.Dockerfile -t fintra-ml:local .
#
# Build context: the repository root (.dockerignore keeps it small).

FROM python:3.11.11-slim-bookworm
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="fintra-ml" \
      org.opencontainers.image.description="FintraOS Stream ml service: fraud scoring over ONNX Runtime" \
      org.opencontainers.image.source="https://github.com/fintraos/fintra" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="python:3.11.11-slim-bookworm"
# libgomp1: LightGBM's OpenMP runtime (the export module imports it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app/ml \
    FINTRA_ML_HOST=0.0.0.0 \
    FINTRA_ML_PORT=8090 \
    FINTRA_ML_MODELS=/app/ml/models/guard
# A fixed uid so that Kubernetes' runAsNonRoot can verify it.
RUN groupadd --gid 10001 fintra \
 && useradd --uid 10001 --gid fintra --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin fintra
WORKDIR /app/ml
# Requirements first: the dependency layer survives code edits. --no-deps as
# in ml/run.sh: requirements.txt is the complete, pinned set and leaves out
# two declared dependencies on purpose (see there).
COPY ml/requirements.txt ./requirements.txt
RUN pip install --no-cache-dir --no-deps -r requirements.txt
COPY ml/fintra_ml ./fintra_ml
COPY ml/models/guard ./models/guard
USER 10001:10001
EXPOSE 8090
# slim has no curl: the standard library answers the health check.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8090/healthz', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["python", "-m", "fintra_ml.service"]
