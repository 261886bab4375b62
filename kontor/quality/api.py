"""API of quality scores: the clean-up queue (the 360° view and the lists'
``quality_below`` filter are in the contacts' API)."""

from django.http import HttpRequest
from ninja import Query, Router

from kontor.quality import selectors
from kontor.quality.schemas import KIND_OF, QueueList, QueueParams, queue_item_out

router = Router(tags=["quality"])


@router.get("/quality", response=QueueList)
def cleanup_queue(request: HttpRequest, params: Query[QueueParams]):
    """The clean-up queue: records you may read scored below ``below``,
    worst first, with the parts of their score and the reasons."""
    key = KIND_OF[params.type]
    page = selectors.cleanup_queue(
        user=request.user, key=key, below=params.below, limit=params.limit, cursor=params.cursor
    )
    return {"items": [queue_item_out(key, item) for item in page.items], "next": page.next}
