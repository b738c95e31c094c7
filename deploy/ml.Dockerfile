# syntax=docker/dockerfile:1.7
# The ml service: FastAPI + ONNX Runtime scoring and embeddings
# (fintra_ml.service:app on port 8090), with the guard model baked in.
#
#   docker build -f deploy/ml.Dockerfile -t fintra-ml:local .
#
# Build context: the repository root (.dockerignore keeps it small).

FROM python:3.11.11-slim-bookworm
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="fintra-ml" \
      org.opencontainers.image.description="FintraOS Stream ml service: fraud scoring and embeddings over ONNX Runtime" \
      org.opencontainers.image.source="https://github.com/fintraos/fintra" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="python:3.11.11-slim-bookworm"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app/ml
# A fixed uid so that Kubernetes' runAsNonRoot can verify it.
RUN groupadd --gid 10001 fintra \
 && useradd --uid 10001 --gid fintra --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin fintra
WORKDIR /app/ml
# Requirements first: the dependency layer survives code edits.
COPY ml/requirements.txt ./requirements.txt
RUN pip install --no-cache-dir -r requirements.txt
COPY ml/ ./
USER 10001:10001
EXPOSE 8090
# slim has no curl: the standard library answers the health check.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8090/healthz', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["uvicorn", "fintra_ml.service:app", "--host", "0.0.0.0", "--port", "8090"]
