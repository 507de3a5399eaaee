# One image for the web (gunicorn) and worker (celery) services of docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 VAR_DIR=/data MEDIA_ROOT=/data/media
# The CPU build of torch; the default PyPI build would pull several GB of CUDA libraries.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

# Tesseract reads scans and photos of pages (ingestion/ocr.py); add a tesseract-ocr-<lang> pack per OCR_LANGUAGES.
ARG OCR_PACKAGES="tesseract-ocr tesseract-ocr-eng"
RUN apt-get update && apt-get install -y --no-install-recommends $OCR_PACKAGES && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt requirements-nodeps.txt ./
RUN pip install --extra-index-url "$TORCH_INDEX_URL" -r requirements.txt \
 && pip install --no-deps -r requirements-nodeps.txt
COPY . .
RUN DATABASE_URL=postgresql://build@localhost/build python manage.py collectstatic --noinput \
 && useradd --create-home --uid 1000 ragsite && mkdir -p /data/media && chown -R ragsite /data
USER ragsite
EXPOSE 8000
CMD ["gunicorn", "ragsite.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--timeout", "120"]
