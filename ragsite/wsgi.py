import os
import threading

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragsite.settings")
application = get_wsgi_application()


def _warm_models() -> None:
    """Load the embedder and the serving reranker (an active fine-tuned version's, else the shipped one) now, so
    the first question does not wait seconds for them."""
    from ingestion.embedding import get_embedder
    from retrieval.selectors import reranker_current

    get_embedder()
    reranker_current()


if settings.WARM_MODELS:
    threading.Thread(target=_warm_models, name="warm-models", daemon=True).start()
