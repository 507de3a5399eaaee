import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")
application = get_wsgi_application()


def _warm_models() -> None:
    """Load the embedder and reranker now, so the first question does not wait seconds for them."""
    from ingestion.embedding import get_embedder
    from retrieval.rerankers import get_reranker

    get_embedder()
    get_reranker()


if os.environ.get("WARM_MODELS", "true").lower() in ("1", "true", "yes", "on"):
    threading.Thread(target=_warm_models, name="warm-models", daemon=True).start()
